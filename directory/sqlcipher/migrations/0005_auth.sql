-- Sign-in and devices (issue 10).
--
-- totp_last_step: the RFC 6238 time step of the last security code accepted
-- for the user; that code, and every earlier one, is refused from then on
-- (RFC 6238 section 5.2), so a code seen over a shoulder cannot be replayed.
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
-- When and by whom a wipe was ordered: a receipt must be dated after it.
-- Orders made before this migration have no date ('').
ALTER TABLE devices ADD COLUMN wipe_ordered_at TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN wipe_ordered_by TEXT NOT NULL DEFAULT '';
-- Revoking a device ends its sessions; those revoked or wiped before this
-- migration lose theirs now.
DELETE FROM sessions WHERE device_id IN (SELECT id FROM devices WHERE state IN ('revoked', 'wiped'));
-- Expired sessions are kept for a while (a device ordered to wipe may still
-- use its token for its last words), so the sweep at each sign-in finds the
-- device's own and the long-expired ones by index.
CREATE INDEX sessions_device ON sessions(device_id, expires_at);
CREATE INDEX sessions_expires ON sessions(expires_at);
