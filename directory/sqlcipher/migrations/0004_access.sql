-- Against reading the directory record by record (issue 10).
--
-- daily_views: the children not on their caseload each person opened, per
-- day (England's calendar), so a daily cap holds across restarts and counts
-- a child once however often it is reopened.
CREATE TABLE daily_views (
	user_id  INTEGER NOT NULL,
	day      TEXT NOT NULL,
	child_id INTEGER NOT NULL,
	PRIMARY KEY (user_id, day, child_id)
) WITHOUT ROWID;
-- An alert raised once per account, kind and day carries a dedupe key.
ALTER TABLE alerts ADD COLUMN dedupe TEXT;
CREATE UNIQUE INDEX alerts_dedupe ON alerts(dedupe) WHERE dedupe IS NOT NULL;
CREATE INDEX alerts_authority ON alerts(authority, id);
-- A digest of each pushed mutation's content: a replay with the same id and
-- other content is refused, not taken for a duplicate.
ALTER TABLE mutations ADD COLUMN digest TEXT NOT NULL DEFAULT '';
