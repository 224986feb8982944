-- A device credential and the reason of a wipe order (issue 13).
--
-- credential_hash: the SHA-256 of the device's credential, a second secret
-- issued at each sign-in that reads no record: a locked laptop asks with it
-- only whether it must wipe (GET /v1/devices/self/directive) and sends its
-- receipt. NULL for a device that has not signed in since, and once the
-- device is wiped or revoked.
ALTER TABLE devices ADD COLUMN credential_hash BLOB;
CREATE UNIQUE INDEX devices_credential ON devices(credential_hash) WHERE credential_hash IS NOT NULL;
-- wipe_reason: lost, stolen or leaver; '' for an order given without one
-- (carried out as a leaver's, after the last push).
ALTER TABLE devices ADD COLUMN wipe_reason TEXT NOT NULL DEFAULT '';
