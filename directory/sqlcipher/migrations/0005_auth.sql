-- Sign-in and devices (issue 10).
--
-- totp_last_step: the RFC 6238 time step of the last security code accepted
-- for the user; that code, and every earlier one, is refused from then on
-- (RFC 6238 section 5.2), so a code seen over a shoulder cannot be replayed.
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
