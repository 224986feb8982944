package directory

import (
	"context"
	"log/slog"
	gosync "sync"
	"time"

	"signpost"
)

// auditor writes audit events with group commit: callers hand over an event
// and wait until the transaction holding it has committed, and events that
// arrive together share one transaction. Searches stay fast and still no
// answer leaves the server before its audit is durable.
type auditor struct {
	store Store
	log   *slog.Logger
	in    chan auditReq
	done  chan struct{}
	once  gosync.Once
}

type auditReq struct {
	ev  AuditEvent
	ack chan error
}

func newAuditor(store Store, log *slog.Logger) *auditor {
	a := &auditor{store: store, log: log, in: make(chan auditReq, 1024), done: make(chan struct{})}
	go a.run()
	return a
}

func (a *auditor) run() {
	defer close(a.done)
	for first := range a.in {
		batch := []auditReq{first}
	more:
		for len(batch) < 512 {
			select {
			case r, ok := <-a.in:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		evs := make([]AuditEvent, len(batch))
		for i, r := range batch {
			evs[i] = r.ev
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := a.store.Audit(ctx, evs)
		cancel()
		if err != nil {
			a.log.Error("audit write failed", "events", len(evs), "err", err)
		}
		for _, r := range batch {
			r.ack <- err
		}
	}
}

// write records ev and returns once it is committed.
func (a *auditor) write(ctx context.Context, ev AuditEvent) error {
	ack := make(chan error, 1)
	select {
	case a.in <- auditReq{ev: ev, ack: ack}:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-ack:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// record is write for events whose failure must not fail the request (it is
// logged). It waits for the write even if the client has gone: the event
// happened all the same.
func (a *auditor) record(ctx context.Context, ev AuditEvent) {
	if err := a.write(context.WithoutCancel(ctx), ev); err != nil {
		a.log.Error("audit event not recorded", "action", ev.Action, "err", err)
	}
}

// auditFailed is the error of a request whose audit write failed while
// doing: the directory's fault, unless the client went away meanwhile.
func auditFailed(ctx context.Context, doing string, err error) error {
	if ctx.Err() != nil {
		return &signpost.Error{Kind: signpost.KindUnavailable, Message: "the request was cancelled while " + doing, Err: err}
	}
	return signpost.Internal(doing, err)
}

// Close stops the writer after the queued events are written.
func (a *auditor) Close() error {
	a.once.Do(func() { close(a.in) })
	<-a.done
	return nil
}
