-- How to reach each authority's management team (issue 13): a shielded
-- record sends a person to them, and now says how.
ALTER TABLE authorities ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE authorities ADD COLUMN email TEXT NOT NULL DEFAULT '';
