-- access_counts keeps, per person and day (England's calendar), how many
-- searches they made and how many Signpost IDs they asked for that do not
-- exist: the directory counts in memory and saves the counts every few
-- seconds, and reads them back in one step after a restart (issue 10).
CREATE TABLE access_counts (
	user_id INTEGER NOT NULL,
	day     TEXT NOT NULL,
	action  TEXT NOT NULL,
	n       INTEGER NOT NULL,
	PRIMARY KEY (user_id, day, action)
) WITHOUT ROWID;
-- An offline event's time as the device claimed it; at is when the directory
-- received it.
ALTER TABLE audit ADD COLUMN claimed_at TEXT NOT NULL DEFAULT '';
