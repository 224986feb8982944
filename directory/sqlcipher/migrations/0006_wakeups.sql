-- Long-polls are woken per user (issue 11): after each write the directory
-- asks which users' pulls the changes since the last write touch, through the
-- children changed, the scope events and the devices moved in that range of
-- change numbers.
CREATE INDEX lookups_child ON lookups(child_id, expires_at);
ALTER TABLE devices ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX devices_seq ON devices(seq);
