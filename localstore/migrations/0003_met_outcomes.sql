-- met_outcomes keeps, for each child met in the field whose change the
-- directory applied, whom the directory matched her to: the change has left
-- the outbox, but the practitioner must be able to read the outcome (and the
-- caseload shows the child until the pull brings the record: pulled is set
-- when a pull has completed since). body is the change as it was sent. A
-- row stays until the practitioner dismisses it.
CREATE TABLE met_outcomes (
	id          TEXT PRIMARY KEY,
	body        TEXT NOT NULL,
	child_id    TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	answered_at TEXT NOT NULL,
	pulled      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
