-- Accounts managed by an authority's management team (issue 14, accounts
-- slice). Numbered 0012 so the other slices of issue 14 can take 0010 and
-- 0011 without a clash.
--
-- must_change_password: set by a password reset; sign-in answers 403
-- "choose a new password" until the user has (POST /v1/session/password).
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
-- last_sign_in: when the user last signed in ('' for never).
ALTER TABLE users ADD COLUMN last_sign_in TEXT NOT NULL DEFAULT '';
-- A user's devices, counted in the accounts list and ended on a reset.
CREATE INDEX IF NOT EXISTS devices_user ON devices(user_id);
CREATE INDEX IF NOT EXISTS users_organisation ON users(organisation_id, username);
-- The app's version and operating system, from its User-Agent
-- ("Signpost/<version> (<os>; <arch>)") at sign-in and sync, for IT staff.
ALTER TABLE devices ADD COLUMN app_version TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN os TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS devices_seen ON devices(last_seen, id);
-- The sessions a revoke ended, by token hash, until they would have expired
-- (and WipeGrace after): a revoked laptop's next request is told so, with a
-- lock directive, instead of "sign in again".
CREATE TABLE revoked_sessions (
	token_hash BLOB PRIMARY KEY,
	device_id  TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
