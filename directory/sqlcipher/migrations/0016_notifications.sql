-- Issue 16: notifications, sensitive services, the lead-professional offer.
ALTER TABLE involvements ADD COLUMN sensitive INTEGER NOT NULL DEFAULT 0;
ALTER TABLE involvements ADD COLUMN consent_shown INTEGER NOT NULL DEFAULT 0;
-- On an involvement offered the lead-professional role: the offering one.
ALTER TABLE involvements ADD COLUMN lead_offer_from TEXT NOT NULL DEFAULT '';

-- What happened that someone must be told, written in the transaction of
-- the change itself and deleted in the transaction that stores the
-- notifications it gave (so a crash between the two loses none and tells
-- none twice).
CREATE TABLE notify_events (
	id             INTEGER PRIMARY KEY,
	kind           TEXT NOT NULL,
	child_id       INTEGER NOT NULL REFERENCES children(id) ON DELETE CASCADE,
	involvement_id TEXT NOT NULL DEFAULT '',
	to_involvement TEXT NOT NULL DEFAULT '',
	actor_id       INTEGER NOT NULL DEFAULT 0,
	from_authority TEXT NOT NULL DEFAULT '',
	to_authority   TEXT NOT NULL DEFAULT '',
	at             TEXT NOT NULL
);

-- Each notification as its recipient was told it (body: the wire JSON).
CREATE TABLE notifications (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users(id),
	seq          INTEGER NOT NULL,
	kind         TEXT NOT NULL,
	child_id     TEXT NOT NULL DEFAULT '',
	at           TEXT NOT NULL,
	body         TEXT NOT NULL,
	delivered_at TEXT NOT NULL DEFAULT '',
	read_at      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notifications_user_seq ON notifications(user_id, seq);
CREATE INDEX notifications_seq ON notifications(seq);

CREATE TABLE notification_mutes (
	user_id INTEGER NOT NULL REFERENCES users(id),
	kind    TEXT NOT NULL,
	PRIMARY KEY (user_id, kind)
);
