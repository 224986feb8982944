-- The audit log lives in its own encrypted file: it is written on every
-- search, and keeping those writes out of the directory file keeps the
-- readers' page caches warm (SQLite drops a connection's cache whenever
-- another connection has written to its file).
CREATE TABLE audit (
	id        INTEGER PRIMARY KEY,
	-- the mutation that carried an offline event, so a replayed push records it once
	mutation  TEXT UNIQUE,
	at        TEXT NOT NULL,
	user_id   INTEGER NOT NULL,
	username  TEXT NOT NULL,
	device_id TEXT NOT NULL DEFAULT '',
	action    TEXT NOT NULL,
	child_id  TEXT NOT NULL DEFAULT '',
	reason    TEXT NOT NULL DEFAULT '',
	params    TEXT NOT NULL DEFAULT '',
	results   TEXT NOT NULL DEFAULT '',
	flags     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_child ON audit(child_id) WHERE child_id != '';
CREATE TABLE audit_results (
	audit_id INTEGER NOT NULL REFERENCES audit(id),
	child_id TEXT NOT NULL
);
CREATE INDEX audit_results_child ON audit_results(child_id);
