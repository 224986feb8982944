CREATE TABLE authorities (
	id   INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL UNIQUE
);
CREATE TABLE organisations (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL UNIQUE,
	authority_id INTEGER REFERENCES authorities(id),
	accredited   INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE users (
	id               INTEGER PRIMARY KEY,
	username         TEXT NOT NULL UNIQUE,
	display_name     TEXT NOT NULL,
	role             TEXT NOT NULL CHECK (role IN ('practitioner', 'management', 'itadmin')),
	job_title        TEXT NOT NULL DEFAULT '',
	organisation_id  INTEGER NOT NULL REFERENCES organisations(id),
	phone            TEXT NOT NULL DEFAULT '',
	email            TEXT NOT NULL DEFAULT '',
	child_protection INTEGER NOT NULL DEFAULT 0,
	password_hash    TEXT NOT NULL,
	totp_secret      TEXT NOT NULL,
	disabled         INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE devices (
	id              TEXT PRIMARY KEY,
	user_id         INTEGER NOT NULL REFERENCES users(id),
	name            TEXT NOT NULL,
	enrolled_at     TEXT NOT NULL,
	last_seen       TEXT NOT NULL,
	state           TEXT NOT NULL DEFAULT 'active',
	receipt_pushed  INTEGER,
	receipt_lost    INTEGER,
	receipt_wiped   TEXT,
	receipt_at      TEXT,
	last_audit_hash TEXT NOT NULL DEFAULT ''
);
CREATE TABLE sessions (
	token_hash BLOB PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id),
	device_id  TEXT NOT NULL REFERENCES devices(id),
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE TABLE children (
	id             INTEGER PRIMARY KEY,
	signpost_id    TEXT NOT NULL UNIQUE,
	given_name     TEXT NOT NULL,
	family_name    TEXT NOT NULL,
	given_norm     TEXT NOT NULL,
	family_norm    TEXT NOT NULL,
	dob            TEXT NOT NULL,
	gender         TEXT NOT NULL DEFAULT '',
	address        TEXT NOT NULL DEFAULT '',
	postcode       TEXT NOT NULL DEFAULT '',
	authority_id   INTEGER REFERENCES authorities(id),
	nhs_number     TEXT,
	upn            TEXT,
	status         TEXT NOT NULL DEFAULT 'active',
	shielded       INTEGER NOT NULL DEFAULT 0,
	shield_reason  TEXT NOT NULL DEFAULT '',
	shield_review  TEXT NOT NULL DEFAULT '',
	shield_by      TEXT NOT NULL DEFAULT '',
	shield_at      TEXT NOT NULL DEFAULT '',
	merged_into    TEXT NOT NULL DEFAULT '',
	school_code    TEXT NOT NULL DEFAULT '',
	school_name    TEXT NOT NULL DEFAULT '',
	school_phone   TEXT NOT NULL DEFAULT '',
	school_started TEXT NOT NULL DEFAULT '',
	gp_code        TEXT NOT NULL DEFAULT '',
	gp_name        TEXT NOT NULL DEFAULT '',
	gp_phone       TEXT NOT NULL DEFAULT '',
	gp_started     TEXT NOT NULL DEFAULT '',
	seq            INTEGER NOT NULL
);
CREATE INDEX children_dob ON children(dob);
CREATE INDEX children_seq ON children(seq);
CREATE INDEX children_postcode ON children(postcode);
CREATE UNIQUE INDEX children_nhs ON children(nhs_number) WHERE nhs_number IS NOT NULL;
-- UPNs are not unique in practice (temporary UPNs, data-entry reuse): indexed, not constrained.
CREATE INDEX children_upn ON children(upn) WHERE upn IS NOT NULL;
CREATE TABLE carers (
	child_id     INTEGER NOT NULL REFERENCES children(id) ON DELETE CASCADE,
	pos          INTEGER NOT NULL,
	name         TEXT NOT NULL,
	relationship TEXT NOT NULL DEFAULT '',
	pr           INTEGER NOT NULL DEFAULT 0,
	phone        TEXT NOT NULL DEFAULT '',
	email        TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (child_id, pos)
);
CREATE TABLE involvements (
	id         TEXT PRIMARY KEY,
	child_id   INTEGER NOT NULL REFERENCES children(id) ON DELETE CASCADE,
	user_id    INTEGER NOT NULL REFERENCES users(id),
	role       TEXT NOT NULL DEFAULT '',
	started_on TEXT NOT NULL,
	ended_on   TEXT NOT NULL DEFAULT '',
	caf        INTEGER NOT NULL DEFAULT 0,
	lead       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX involvements_child ON involvements(child_id);
CREATE INDEX involvements_user ON involvements(user_id, ended_on);
CREATE TABLE lookups (
	user_id    INTEGER NOT NULL REFERENCES users(id),
	child_id   INTEGER NOT NULL REFERENCES children(id) ON DELETE CASCADE,
	expires_at TEXT NOT NULL,
	PRIMARY KEY (user_id, child_id)
);
-- scope_log records, per user, a child entering or leaving their scope; pull
-- reads it with the children's own change sequence.
CREATE TABLE scope_log (
	seq      INTEGER PRIMARY KEY,
	user_id  INTEGER NOT NULL,
	child_id INTEGER NOT NULL,
	event    TEXT NOT NULL
);
CREATE INDEX scope_log_user ON scope_log(user_id, seq);
CREATE TABLE mutations (
	id             TEXT PRIMARY KEY,
	user_id        INTEGER NOT NULL,
	device_id      TEXT NOT NULL,
	kind           TEXT NOT NULL,
	status         TEXT NOT NULL,
	reason         TEXT NOT NULL DEFAULT '',
	child_id       TEXT NOT NULL DEFAULT '',
	involvement_id TEXT NOT NULL DEFAULT '',
	candidates     INTEGER NOT NULL DEFAULT 0,
	applied_at     TEXT NOT NULL
);
CREATE TABLE alerts (
	id        INTEGER PRIMARY KEY,
	at        TEXT NOT NULL,
	authority TEXT NOT NULL,
	child_id  TEXT NOT NULL,
	username  TEXT NOT NULL,
	kind      TEXT NOT NULL,
	reason    TEXT NOT NULL
);
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE counters (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('seq', 0);
