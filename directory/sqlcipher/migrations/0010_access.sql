-- Issue 14, slice access. An alert's acknowledgement by the management
-- team (ack_at '' for none), and the count of those not yet acknowledged.
ALTER TABLE alerts ADD COLUMN ack_by TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN ack_at TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN ack_note TEXT NOT NULL DEFAULT '';
CREATE INDEX alerts_unacknowledged ON alerts(authority, at) WHERE ack_at = '';
-- An authority's shielded children, those due for review first.
CREATE INDEX children_shielded ON children(authority_id, shield_review, signpost_id) WHERE shielded = 1;
-- Every shielding a renewal or an unshielding replaced: the current one is
-- on the child; the audit holds who renewed or lifted it, and why.
CREATE TABLE shield_history (
	id          INTEGER PRIMARY KEY,
	child_id    INTEGER NOT NULL REFERENCES children(id) ON DELETE CASCADE,
	reason      TEXT NOT NULL,
	review      TEXT NOT NULL,
	by          TEXT NOT NULL,
	at          TEXT NOT NULL,
	replaced_at TEXT NOT NULL
);
CREATE INDEX shield_history_child ON shield_history(child_id, id);
