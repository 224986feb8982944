-- The device cache. Everything here is inside the SQLCipher-encrypted file.

-- meta holds one value per key: device id, user, server URL, token, sync
-- cursor, policy, last contact, and the head of the offline-view hash chain.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

-- children holds each cached child twice: server_body is the record exactly as
-- the directory last sent it; body is that record with the practitioner's
-- unconfirmed changes replayed on top, and is what the app shows. The other
-- columns are derived from body for indexed queries.
CREATE TABLE children (
	signpost_id TEXT PRIMARY KEY,
	given_name  TEXT NOT NULL,
	family_name TEXT NOT NULL,
	given_norm  TEXT NOT NULL,
	family_norm TEXT NOT NULL,
	dob         TEXT NOT NULL,
	gender      TEXT NOT NULL,
	postcode    TEXT NOT NULL,
	nhs_number  TEXT NOT NULL,
	upn         TEXT NOT NULL,
	shielded    INTEGER NOT NULL,
	on_caseload INTEGER NOT NULL, -- the signed-in user has an active involvement
	caf         INTEGER NOT NULL, -- … which holds a CAF
	lead        INTEGER NOT NULL, -- … as lead professional
	dirty       INTEGER NOT NULL, -- a pending or in-flight change touches it
	body        TEXT NOT NULL,
	server_body TEXT NOT NULL,
	expires_at  TEXT,             -- when a child off the caseload is purged
	updated_at  TEXT NOT NULL
);
CREATE INDEX children_family ON children(family_norm);
CREATE INDEX children_dob ON children(dob);
CREATE INDEX children_postcode ON children(postcode);
CREATE INDEX children_nhs ON children(nhs_number) WHERE nhs_number <> '';
CREATE INDEX children_upn ON children(upn) WHERE upn <> '';
-- Covers the caseload query (filter, order and badges) without touching the
-- wide rows.
CREATE INDEX children_caseload ON children(on_caseload, family_norm, given_norm, signpost_id,
	given_name, family_name, dob, shielded, lead, caf, dirty);
CREATE INDEX children_expiry ON children(expires_at) WHERE expires_at IS NOT NULL;

-- outbox holds the practitioner's changes and offline view events until the
-- directory has answered them. seq is the order they are pushed in. An applied
-- change is deleted; a rejected one stays until it is dismissed or retried.
-- child_id is not a foreign key: a change must survive its child's removal.
CREATE TABLE outbox (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	id         TEXT NOT NULL UNIQUE,
	kind       TEXT NOT NULL,
	child_id   TEXT NOT NULL,
	body       TEXT NOT NULL,
	state      TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'rejected')),
	reason     TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX outbox_state ON outbox(state, seq);
-- In push order per child, so replaying a child's changes needs no sort.
CREATE INDEX outbox_child ON outbox(child_id, seq);
