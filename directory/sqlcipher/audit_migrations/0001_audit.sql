-- The audit log lives in its own encrypted file: it is written on every
-- search, and keeping those writes out of the directory file keeps the
-- readers' page caches warm (SQLite drops a connection's cache whenever
-- another connection has written to its file). It uses 1 KiB pages: every
-- commit re-encrypts the last page of each b-tree it appends to, and smaller
-- pages mean less to encrypt (the bundled cipher has no AES instructions).
CREATE TABLE audit (
	id        INTEGER PRIMARY KEY,
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
-- Every child an event was about or returned, for subject-access reports.
CREATE TABLE audit_children (
	child_id TEXT NOT NULL,
	audit_id INTEGER NOT NULL,
	PRIMARY KEY (child_id, audit_id)
) WITHOUT ROWID;
-- The pushed mutations that carried offline events, so a replay records them once.
CREATE TABLE audit_mutations (
	mutation TEXT PRIMARY KEY,
	audit_id INTEGER NOT NULL
) WITHOUT ROWID;
