-- National feeds, record matching, review and retention (issue #6).
--
-- consent_to_25: the young person consented to their record being kept
-- until 25 (otherwise it is archived at 18). date_of_death: from the death
-- registrations feed. archived_on: the day the record was archived; six
-- years later it is purged.
ALTER TABLE children ADD COLUMN consent_to_25 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE children ADD COLUMN date_of_death TEXT NOT NULL DEFAULT '';
ALTER TABLE children ADD COLUMN archived_on TEXT NOT NULL DEFAULT '';
-- The daily retention run finds its few children without reading millions.
CREATE INDEX children_archived ON children(archived_on) WHERE status = 'archived';
CREATE INDEX children_deceased ON children(date_of_death) WHERE status = 'deceased';
-- Signpost serials are handed out from a counter that never goes back, so a
-- Signpost ID is never reused, even after its child is purged.
INSERT INTO counters (name, value)
	SELECT 'serial', COALESCE(MAX(CAST(substr(signpost_id, 3, 8) AS INTEGER)), 0) FROM children;
-- Feed records a person must match: the record itself (as JSON), the
-- candidates and why. row_hash keeps a record from being queued twice.
CREATE TABLE reviews (
	id             INTEGER PRIMARY KEY,
	row_hash       BLOB NOT NULL UNIQUE,
	feed           TEXT NOT NULL,
	source         TEXT NOT NULL DEFAULT '',
	line           INTEGER NOT NULL DEFAULT 0,
	record         TEXT NOT NULL,
	candidates     TEXT NOT NULL DEFAULT '[]',
	reason         TEXT NOT NULL DEFAULT '',
	authority_id   INTEGER REFERENCES authorities(id),
	created_at     TEXT NOT NULL,
	status         TEXT NOT NULL DEFAULT 'open',
	resolved_child TEXT NOT NULL DEFAULT '',
	resolved_by    TEXT NOT NULL DEFAULT '',
	resolved_at    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX reviews_status ON reviews(status, authority_id, id);
