package postgres

// Issue 17, slice hdedup: the store methods shared with the other SQL store
// are written once in directory/sqlstore; these are this store's dialect and
// the methods that hand over to it.

import (
	"context"
	"database/sql"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/sqlstore"
)

// dialect is how this store's engine spells what the two stores differ in.
var dialect = sqlstore.Dialect{
	NextSeq: nextSeq,
	Wrap:    wrap,
	CountIf: func(cond string) string { return "count(*) FILTER (WHERE " + cond + ")" },
}

// initCore sets up the shared methods once the databases are open.
func (s *Store) initCore() {
	s.core = &sqlstore.Core{Dialect: dialect, R: s.r, AR: s.ar, Write: s.write, Broadcast: s.broadcast,
		Read: s.read, Calm: calm, ScanIdentities: s.ScanIdentities, AuthorityNames: s.authorityNames, SerialOf: serialOf}
}

func logScope(ctx context.Context, tx *sql.Tx, userID, childID int64, event string) error {
	return dialect.LogScope(ctx, tx, userID, childID, event)
}

// Retain: see sqlstore.Core.Retain.
func (s *Store) Retain(ctx context.Context, today time.Time) (*directory.Retention, error) {
	return s.core.Retain(ctx, today)
}

// CountReviews: see sqlstore.Core.CountReviews.
func (s *Store) CountReviews(ctx context.Context, f directory.ReviewFilter) (int, error) {
	return s.core.CountReviews(ctx, f)
}

// AckAlert: see sqlstore.Core.AckAlert.
func (s *Store) AckAlert(ctx context.Context, ack directory.AlertAck) (*directory.Alert, error) {
	return s.core.AckAlert(ctx, ack)
}

// AlertCounts: see sqlstore.Core.AlertCounts.
func (s *Store) AlertCounts(ctx context.Context, authority string, escalateBefore time.Time) (signpost.AlertCounts, error) {
	return s.core.AlertCounts(ctx, authority, escalateBefore)
}

// Shielded: see sqlstore.Core.Shielded.
func (s *Store) Shielded(ctx context.Context, f directory.ShieldedFilter) ([]signpost.ShieldedChild, error) {
	return s.core.Shielded(ctx, f)
}

// AccessReport: see sqlstore.Core.AccessReport.
func (s *Store) AccessReport(ctx context.Context, f directory.AccessFilter) ([]signpost.AccessEntry, error) {
	return s.core.AccessReport(ctx, f)
}

// BuildSearchIndex: see sqlstore.Core.BuildSearchIndex.
func (s *Store) BuildSearchIndex(ctx context.Context) error { return s.core.BuildSearchIndex(ctx) }

// SearchIndexSize: see sqlstore.Core.SearchIndexSize.
func (s *Store) SearchIndexSize() (int, bool) { return s.core.SearchIndexSize() }

func (s *Store) indexedCandidates(ctx context.Context, k directory.CandidateKeys) ([]signpost.Candidate, bool, error) {
	return s.core.IndexedCandidates(ctx, k)
}
