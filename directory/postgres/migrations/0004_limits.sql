-- Issue 17, shared limits: the token buckets of the limits every directory
-- instance must share (failed sign-ins per account and per address, the
-- slowing of an account past a harvest threshold). A bucket is one time,
-- in nanoseconds since 1970: when it will be full again; the key is a
-- digest (no account name or address is kept).
CREATE TABLE limit_buckets (
	key TEXT PRIMARY KEY,
	tat BIGINT NOT NULL
);
