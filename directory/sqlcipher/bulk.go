package sqlcipher

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// searchIndexes are the children's indexes whose keys arrive in random order
// during a national load (NHS number, UPN, date of birth, postcode). Each
// insert into one of them lands on a random page, and each dirtied page
// costs an encryption at commit; built after the load, by sorting, each page
// is written once.
var searchIndexes = []struct{ name, ddl string }{
	{"children_nhs", `CREATE UNIQUE INDEX IF NOT EXISTS children_nhs ON children(nhs_number) WHERE nhs_number IS NOT NULL`},
	{"children_upn", `CREATE INDEX IF NOT EXISTS children_upn ON children(upn) WHERE upn IS NOT NULL`},
	{"children_dob_search", `CREATE INDEX IF NOT EXISTS children_dob_search ON children(dob, family_norm, given_norm, gender, postcode, shielded, status, merged_into, signpost_id, given_name, family_name)`},
	{"children_postcode_search", `CREATE INDEX IF NOT EXISTS children_postcode_search ON children(postcode, family_norm, given_norm, gender, dob, shielded, status, merged_into, signpost_id, given_name, family_name)`},
}

// ensureIndexes rebuilds any search index a bulk load left out (it was
// interrupted): a store never opens without them.
func ensureIndexes(ctx context.Context, w *sql.DB) error {
	for _, ix := range searchIndexes {
		if _, err := w.ExecContext(ctx, ix.ddl); err != nil {
			return fmt.Errorf("rebuilding index %s: %w", ix.name, err)
		}
	}
	return nil
}

// BeginBulk drops the search indexes for a national load. Until EndBulk
// (or the next Open) rebuilds them, searches read the whole table and NHS
// numbers are not checked for uniqueness by the store: only the feed
// importer, which checks them itself, may write. Do not serve meanwhile.
func (s *Store) BeginBulk(ctx context.Context) error {
	for _, ix := range searchIndexes {
		if _, err := s.w.ExecContext(ctx, `DROP INDEX IF EXISTS `+ix.name); err != nil {
			return wrap("dropping index "+ix.name, err)
		}
	}
	return nil
}

// EndBulk rebuilds the search indexes, sorting with two threads. Each
// CREATE INDEX reads the whole table, and every page read from the file is
// decrypted: with maxCacheMB above the writer's cache, the cache is raised
// for the rebuild to hold the whole store (up to maxCacheMB), so the table
// is decrypted once rather than once per index, and put back after.
func (s *Store) EndBulk(ctx context.Context, maxCacheMB int) error {
	if _, err := s.w.ExecContext(ctx, `PRAGMA threads = 2`); err != nil {
		return wrap("building indexes", err)
	}
	var before int64
	if err := s.w.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&before); err != nil {
		return wrap("building indexes", err)
	}
	var pages, pageSize int64
	if err := s.w.QueryRowContext(ctx, `SELECT page_count, page_size FROM pragma_page_count(), pragma_page_size()`).Scan(&pages, &pageSize); err != nil {
		return wrap("building indexes", err)
	}
	// Ten per cent over the file: the indexes' own pages pass through the cache too.
	wantKiB := pages * pageSize / 1024 * 11 / 10
	wantKiB = min(wantKiB, int64(maxCacheMB)*1024)
	if before < 0 && wantKiB > -before {
		if _, err := s.w.ExecContext(ctx, `PRAGMA cache_size = -`+strconv.FormatInt(wantKiB, 10)); err != nil {
			return wrap("sizing the page cache", err)
		}
		defer s.w.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = `+strconv.FormatInt(before, 10))
	}
	return wrap("building indexes", ensureIndexes(ctx, s.w))
}

// SetWriterCache sets the writer's page cache to mb MiB (the default is
// 64): a national load keeps the pages it rewrites decrypted in memory.
func (s *Store) SetWriterCache(ctx context.Context, mb int) error {
	if mb <= 0 {
		return nil
	}
	_, err := s.w.ExecContext(ctx, `PRAGMA cache_size = -`+strconv.Itoa(mb*1024))
	return wrap("sizing the page cache", err)
}
