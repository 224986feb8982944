package ui

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// bridge owns the app's background work. The screens never call Services in a
// UI callback: they hand the call to the bridge, which runs it in a goroutine
// with the app's context and applies the result on the UI thread with do
// (fyne.Do in the app; a queue the test drains in tests).
type bridge struct {
	ctx    context.Context
	cancel context.CancelFunc
	do     func(func())
	log    *slog.Logger
	wg     sync.WaitGroup
	// inflight counts jobs whose result is not yet handed to do (tests wait
	// for it to reach zero).
	inflight atomic.Int64
}

func newBridge(do func(func()), log *slog.Logger) *bridge {
	ctx, cancel := context.WithCancel(context.Background())
	return &bridge{ctx: ctx, cancel: cancel, do: do, log: log}
}

// run does work in the background, then done(err) on the UI thread. done is
// not called once the app is closing.
func (b *bridge) run(work func(ctx context.Context) error, done func(error)) {
	b.wg.Add(1)
	b.inflight.Add(1)
	go func() {
		defer b.wg.Done()
		defer b.inflight.Add(-1)
		err := work(b.ctx)
		if b.ctx.Err() != nil {
			return
		}
		if done != nil {
			b.do(func() { done(err) })
		}
	}()
}

// fetch is run for work with a result.
func fetch[T any](b *bridge, work func(ctx context.Context) (T, error), done func(T, error)) {
	var v T
	b.run(func(ctx context.Context) error {
		var err error
		v, err = work(ctx)
		return err
	}, func(err error) { done(v, err) })
}

// every calls tick on the UI thread every d until the app closes or stop is
// called.
func (b *bridge) every(d time.Duration, tick func()) (stop func()) {
	ctx, cancel := context.WithCancel(b.ctx)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				b.do(func() {
					if ctx.Err() == nil {
						tick()
					}
				})
			}
		}
	}()
	return cancel
}

// post applies f on the UI thread; safe from any goroutine.
func (b *bridge) post(f func()) {
	if b.ctx.Err() != nil {
		return
	}
	b.do(func() {
		if b.ctx.Err() == nil {
			f()
		}
	})
}

// close cancels the work in flight and waits for it.
func (b *bridge) close() {
	b.cancel()
	b.wg.Wait()
}
