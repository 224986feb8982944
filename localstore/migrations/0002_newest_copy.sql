-- removed keeps, for each child the directory told the cache to remove, the
-- change number of that removal: a copy of the child read before it (a
-- record fetched just before a shielding, answered after the pull that
-- purged it) is stale and is never stored.
CREATE TABLE removed (
	signpost_id TEXT PRIMARY KEY,
	seq         INTEGER NOT NULL
) WITHOUT ROWID;
-- Involvements no longer carry usernames (the directory marks the user's own
-- as mine): read every cached child again at the next sync.
DELETE FROM meta WHERE key = 'cursor';
