-- Searches read every child with a date of birth (or at a postcode). In a table
-- of millions those rows lie on as many pages, each one decrypted on a cold
-- read; covering indexes keep the rows a search needs side by side, so a
-- search reads a handful of index pages instead of hundreds of table pages.
DROP INDEX children_dob;
DROP INDEX children_postcode;
CREATE INDEX children_dob_search ON children(dob, family_norm, given_norm, gender, postcode, shielded, status, merged_into, signpost_id, given_name, family_name);
CREATE INDEX children_postcode_search ON children(postcode, family_norm, given_norm, gender, dob, shielded, status, merged_into, signpost_id, given_name, family_name);
