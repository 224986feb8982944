-- A pull finds, for each child in a user's scope, the user's last scope
-- event for it: one seek with this index instead of reading every scope
-- event of the user for every child (a long-serving user has thousands).
CREATE INDEX scope_log_user_child ON scope_log(user_id, child_id, seq);
