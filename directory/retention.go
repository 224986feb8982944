package directory

import (
	"context"
	"log/slog"
	"time"
)

// Maintain applies the retention rules as of the day of now (see
// Store.Retain). It is idempotent: a second run on the same day does nothing.
func Maintain(ctx context.Context, st Store, now time.Time) (*Retention, error) {
	return st.Retain(ctx, now)
}

// RunMaintenance runs Maintain at once and then every interval (a day in
// production) until ctx is done. Failures are logged and retried at the
// next run; the log never names a child.
func RunMaintenance(ctx context.Context, st Store, now func() time.Time, every time.Duration, log *slog.Logger) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		start := time.Now()
		r, err := Maintain(ctx, st, now())
		if err != nil {
			if ctx.Err() == nil {
				log.Error("daily retention failed; it runs again at the next interval", "err", err)
			}
		} else {
			log.Info("daily retention", "archived_deceased", r.ArchivedDeceased, "archived_adult", r.ArchivedAdult,
				"archived_merged", r.ArchivedMerged, "purged", r.Purged, "seconds", time.Since(start).Seconds())
		}
		t.Reset(every)
	}
}
