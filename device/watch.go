package device

import (
	"context"
	"time"

	"signpost"
	"signpost/localstore"
	psync "signpost/sync"
)

// keepCredential keeps the device credential of a sign-in beside the key
// file, where a locked app can read it. A failure is logged, not returned:
// the sign-in stands, and the next one brings another credential.
func (d *Device) keepCredential(st *localstore.Store, server string, resp *signpost.SessionResponse) {
	if resp == nil || resp.DeviceCredential == "" {
		return
	}
	if err := st.SetCredential(localstore.Credential{Server: server, DeviceID: st.DeviceID(), Secret: resp.DeviceCredential}); err != nil {
		d.log.Warn("keeping the device credential", "kind", signpost.KindOf(err), "err", err)
	}
}

// startWatch starts asking, while the cache is locked, what the directory
// orders this laptop to do (a locked app has no session: the sync engine
// does not run). It asks at once, when the app locks, and every d.poll,
// until Close or the wipe. A headless device does not watch.
func (d *Device) startWatch() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.headless || d.poll < 0 || d.watchCancel != nil || d.st == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	d.watchCancel, d.watchDone = cancel, done
	go func() {
		defer close(done)
		d.watch(ctx)
		d.mu.Lock()
		if d.watchDone == done {
			d.watchCancel, d.watchDone = nil, nil
		}
		d.mu.Unlock()
	}()
}

// stopWatch stops the watch and waits for it.
func (d *Device) stopWatch() {
	d.mu.Lock()
	cancel, done := d.watchCancel, d.watchDone
	d.watchCancel, d.watchDone = nil, nil
	d.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// watch asks for the directive now and after every poll or kick, and ends
// once the laptop is wiped and the directory has its receipt.
func (d *Device) watch(ctx context.Context) {
	var w watcher
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.watchKick:
		}
		if !d.ask(ctx, &w) {
			return
		}
		t.Reset(d.poll)
	}
}

// watcher is what the watch keeps between two questions.
type watcher struct {
	client  *psync.Client
	server  string
	cred    localstore.Credential
	receipt *signpost.WipeReceipt // a receipt not yet taken by the directory
}

// ask asks once, carries out a lost or stolen laptop's wipe, and sends its
// receipt; it returns false when there is nothing left to do.
func (d *Device) ask(ctx context.Context, w *watcher) bool {
	if w.receipt != nil {
		return !d.sendReceipt(ctx, w)
	}
	d.mu.Lock()
	st, stage := d.st, d.stage
	d.mu.Unlock()
	switch {
	case stage == StageWiped || st == nil:
		return false
	case stage != StageLocked:
		return true // unlocked: the sync engine obeys the directory
	}
	cred, err := st.Credential()
	if err != nil {
		return true // enrolled before credentials: one comes with the next sign-in
	}
	if w.client == nil || w.server != cred.Server {
		if w.client, err = psync.NewClient(psync.ClientOptions{BaseURL: cred.Server, CAFile: d.caFile}); err != nil {
			d.log.Warn("asking for the device's directive", "kind", signpost.KindOf(err), "err", err)
			return true
		}
		w.server = cred.Server
	}
	w.cred = cred
	w.client.SetToken(cred.Secret)
	dir, err := w.client.Directive(ctx)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Debug("asking for the device's directive", "kind", signpost.KindOf(err), "err", err)
		}
		return true
	}
	d.log.Debug("the device's directive", "action", dir.Action, "reason", dir.Reason)
	if dir.Action != signpost.DeviceActionWipe {
		return true
	}
	if !signpost.WipeAtOnce(dir.Reason) {
		// A leaver's laptop keeps its changes until it is unlocked and has
		// sent them; the engine then wipes it.
		d.log.Info("a wipe is ordered after the last push; it waits for the laptop to be unlocked")
		return true
	}
	rep, err := d.wipeAtOnce(ctx, st, dir.Reason)
	if err != nil {
		d.log.Warn("wiping a lost or stolen laptop", "kind", signpost.KindOf(err), "err", err)
		return true
	}
	w.receipt = &signpost.WipeReceipt{Lost: rep.PendingLost, WipedAt: rep.WipedAt}
	return !d.sendReceipt(ctx, w)
}

// sendReceipt sends the wipe's receipt with the device credential and
// reports whether the directory has it.
func (d *Device) sendReceipt(ctx context.Context, w *watcher) bool {
	err := w.client.Wiped(ctx, w.cred.DeviceID, *w.receipt)
	if err != nil && psync.IsOffline(err) {
		return false // sent again at the next poll
	}
	if err != nil {
		d.log.Warn("sending the wipe receipt", "kind", signpost.KindOf(err), "err", err)
	}
	return true
}

// wipeAtOnce crypto-erases the cache of a lost or stolen laptop (its key
// first; no passphrase needed) and shows the wiped screen.
func (d *Device) wipeAtOnce(ctx context.Context, st *localstore.Store, reason string) (localstore.WipeReport, error) {
	d.stopEngine()
	ctx = context.WithoutCancel(ctx)
	rep, err := st.Wipe(ctx)
	if err != nil {
		// The key may be gone with a file left behind: a second wipe says.
		if rep, err = st.Wipe(ctx); err != nil {
			return rep, err
		}
	}
	msg := "This laptop was reported " + reason + " and has been wiped by your IT service."
	d.mu.Lock()
	d.stage, d.wiped = StageWiped, wipedFrom(rep, msg)
	d.mu.Unlock()
	d.publish(func(ps *Status) {
		ps.Wiped, ps.Locked, ps.Syncing, ps.Message = true, false, false, msg
	})
	return rep, nil
}
