package sqlcipher

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
	NextSeq:     nextSeq,
	Wrap:        wrap,
	CountIf:     func(cond string) string { return "COALESCE(sum(" + cond + "), 0)" },
	Greatest:    func(a, b string) string { return "MAX(" + a + ", " + b + ")" },
	Bool:        func(expr string) string { return expr },
	GroupConcat: func(expr string) string { return "group_concat(" + expr + ")" },
}

// initCore sets up the shared methods once the databases are open.
func (s *Store) initCore() {
	s.core = &sqlstore.Core{Dialect: dialect, R: s.r, AR: s.ar, Write: s.write, Broadcast: s.broadcast,
		Read: s.read, Calm: calm, ScanIdentities: s.ScanIdentities, AuthorityNames: s.authorityNames, SerialOf: serialOf,
		Pushed: s.pushed, QueryRow: s.queryRow, Query: s.QueryContext, MarkDelivered: markDelivered,
		Cache: func() *sqlstore.Records { return s.records }, AuditTx: func(ctx context.Context, fn func(tx *sql.Tx) error) error { return inTx(ctx, s.aw, fn) }}
}

// pushed leaves a push's offline view events to be committed to the audit
// file first, keyed by mutation id, with those of the other writes combined
// with the push (see commitPendingAudit).
func (s *Store) pushed(ctx context.Context, tx *sql.Tx, evs []directory.AuditEvent) error {
	s.pendingAudit = append(s.pendingAudit, evs...)
	return nil
}

// The shared helpers of a change, as this store's code calls them.
var (
	logScope          = dialect.LogScope
	touchChild        = dialect.TouchChild
	inScope           = dialect.InScope
	insertInvolvement = dialect.InsertInvolvement
	logNotify         = sqlstore.LogNotify
)

const (
	scopeEnter = sqlstore.ScopeEnter
	childCols  = sqlstore.ChildCols
)

var (
	nullable  = sqlstore.Nullable
	scanChild = sqlstore.ScanChild
	fillChild = sqlstore.FillChild
)

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

// Push: see sqlstore.Core.Push.
func (s *Store) Push(ctx context.Context, a directory.Actor, ms []signpost.Mutation, now time.Time) ([]signpost.MutationResult, error) {
	return s.core.Push(ctx, a, ms, now)
}

// Pull: see sqlstore.Core.Pull.
func (s *Store) Pull(ctx context.Context, a directory.Actor, cursor directory.Cursor, limit int, now time.Time) (*directory.PullPage, error) {
	return s.core.Pull(ctx, a, cursor, limit, now)
}

// HasChanges: see sqlstore.Core.HasChanges.
func (s *Store) HasChanges(ctx context.Context, a directory.Actor, cursor directory.Cursor, now time.Time) (bool, error) {
	return s.core.HasChanges(ctx, a, cursor, now)
}

// Head: see sqlstore.Core.Head.
func (s *Store) Head(ctx context.Context) (int64, error) { return s.core.Head(ctx) }

// Affected: see sqlstore.Core.Affected.
func (s *Store) Affected(ctx context.Context, from, to int64, now time.Time) ([]int64, []string, error) {
	return s.core.Affected(ctx, from, to, now)
}

// NotifyEvents: see sqlstore.Core.NotifyEvents.
func (s *Store) NotifyEvents(ctx context.Context, limit int) ([]directory.NotifyEvent, error) {
	return s.core.NotifyEvents(ctx, limit)
}

// DeliverNotifications: see sqlstore.Core.DeliverNotifications.
func (s *Store) DeliverNotifications(ctx context.Context, userID, after, upTo int64, at time.Time) ([]signpost.Notification, error) {
	return s.core.DeliverNotifications(ctx, userID, after, upTo, at)
}

// Notifications: see sqlstore.Core.Notifications.
func (s *Store) Notifications(ctx context.Context, userID, before int64, limit int) ([]signpost.Notification, int, error) {
	return s.core.Notifications(ctx, userID, before, limit)
}

// ReadNotifications: see sqlstore.Core.ReadNotifications.
func (s *Store) ReadNotifications(ctx context.Context, userID int64, ids []string, at time.Time) (int, int, error) {
	return s.core.ReadNotifications(ctx, userID, ids, at)
}

// MutedKinds: see sqlstore.Core.MutedKinds.
func (s *Store) MutedKinds(ctx context.Context, userID int64) ([]string, error) {
	return s.core.MutedKinds(ctx, userID)
}

// SetMutedKinds: see sqlstore.Core.SetMutedKinds.
func (s *Store) SetMutedKinds(ctx context.Context, userID int64, kinds []string) error {
	return s.core.SetMutedKinds(ctx, userID, kinds)
}

// ManagementTeam: see sqlstore.Core.ManagementTeam.
func (s *Store) ManagementTeam(ctx context.Context, authority string) ([]directory.Account, error) {
	return s.core.ManagementTeam(ctx, authority)
}

// AddInvolvement: see sqlstore.Core.AddInvolvement.
func (s *Store) AddInvolvement(ctx context.Context, childID, username string, inv signpost.Involvement) (string, error) {
	return s.core.AddInvolvement(ctx, childID, username, inv)
}

// Child: see sqlstore.Core.Child.
func (s *Store) Child(ctx context.Context, signpostID string) (*signpost.Child, error) {
	return s.core.Child(ctx, signpostID)
}

// Candidates: see sqlstore.Core.Candidates.
func (s *Store) Candidates(ctx context.Context, k directory.CandidateKeys) ([]signpost.Candidate, error) {
	return s.core.Candidates(ctx, k)
}

// ShieldedNow: see sqlstore.Core.ShieldedNow.
func (s *Store) ShieldedNow(ctx context.Context, ids []string) (map[string]bool, error) {
	return s.core.ShieldedNow(ctx, ids)
}

// SetShield: see sqlstore.Core.SetShield.
func (s *Store) SetShield(ctx context.Context, signpostID string, sh *directory.Shield) error {
	return s.core.SetShield(ctx, signpostID, sh)
}

// ClearShield: see sqlstore.Core.ClearShield.
func (s *Store) ClearShield(ctx context.Context, signpostID string) error {
	return s.core.ClearShield(ctx, signpostID)
}

// AddLookup: see sqlstore.Core.AddLookup.
func (s *Store) AddLookup(ctx context.Context, userID int64, signpostID string, expires time.Time) error {
	return s.core.AddLookup(ctx, userID, signpostID, expires)
}

// RecordView: see sqlstore.Core.RecordView.
func (s *Store) RecordView(ctx context.Context, v directory.ViewRecord) (int, error) {
	return s.core.RecordView(ctx, v)
}

// AccessCount: see sqlstore.Core.AccessCount.
func (s *Store) AccessCount(ctx context.Context, userID int64, day, action string) (int, error) {
	return s.core.AccessCount(ctx, userID, day, action)
}

// SaveAccessCounts: see sqlstore.Core.SaveAccessCounts.
func (s *Store) SaveAccessCounts(ctx context.Context, cs []directory.AccessCount) error {
	return s.core.SaveAccessCounts(ctx, cs)
}

// AuditForChild: see sqlstore.Core.AuditForChild.
func (s *Store) AuditForChild(ctx context.Context, signpostID string) ([]directory.AuditEvent, error) {
	return s.core.AuditForChild(ctx, signpostID)
}
