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
