-- Issue 16: the notifications the directory sent this user, kept in the
-- encrypted cache with everything else. read_sent: 0 while a read made here
-- has not yet been queued; the outbox carries it to the directory.
CREATE TABLE notifications (
	id       TEXT PRIMARY KEY,
	at       TEXT NOT NULL,
	kind     TEXT NOT NULL,
	child_id TEXT NOT NULL DEFAULT '',
	body     TEXT NOT NULL,
	read     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_at ON notifications(at);
