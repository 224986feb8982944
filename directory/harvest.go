package directory

import (
	"context"
	"encoding/json"
	"fmt"
	gosync "sync"
	"time"

	"signpost"
)

// Against reading the directory record by record. Every account's searches,
// records opened off its caseload and Signpost IDs asked for that do not
// exist are counted per day (England's calendar). Past the policy's
// thresholds the account's authority's management team gets a harvest alert
// (once a day and kind) and the account is slowed for the rest of the day;
// records off the caseload stop altogether at the policy's daily cap.
//
// The counts live in the store: the off-caseload views with the look-ups,
// in the same transaction; searches and misses are counted in memory (a
// write per search would cost every search a commit) and saved every few
// seconds and at Close, so a restart forgets at most those seconds. The
// watch reads an account's stored counts the first time it is seen in a
// day. Issue 17: on a store other processes share (Store.Shared), every
// event is counted in the store instead, and whether the account is slowed
// is read from it, so instances taking turns decide as one would.

// watch holds today's counts per account.
type watch struct {
	mu    gosync.Mutex
	day   string
	users map[int64]*dayCounts
	dirty map[AccessCount]bool // counts to save (N unset), by user, day and action
}

type dayCounts struct {
	loaded  map[string]bool
	counts  map[string]int
	alerted map[string]bool
}

func newWatch() *watch { return &watch{users: map[int64]*dayCounts{}, dirty: map[AccessCount]bool{}} }

// saveEvery is how often the day's counts are saved.
const saveEvery = 5 * time.Second

// unsaved returns the counts changed since the last save, and forgets them.
func (w *watch) unsaved() []AccessCount {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []AccessCount
	for k := range w.dirty {
		if dc := w.users[k.UserID]; dc != nil && k.Day == w.day {
			k.N = dc.counts[k.Action]
			out = append(out, k)
		}
	}
	clear(w.dirty)
	return out
}

// again marks counts whose save failed to be saved next time.
func (w *watch) again(cs []AccessCount) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range cs {
		c.N = 0
		w.dirty[c] = true
	}
}

// save writes the counts changed since the last save.
func (s *Server) saveCounts(ctx context.Context) {
	cs := s.watch.unsaved()
	if err := s.store.SaveAccessCounts(ctx, cs); err != nil {
		s.log.Warn("the day's counts were not saved; trying again", "err", err)
		s.watch.again(cs)
	}
}

// runCounts saves the day's counts every saveEvery until stop is closed,
// and once more then.
func (s *Server) runCounts(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(saveEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.saveCounts(context.Background())
		case <-stop:
			s.saveCounts(context.Background())
			return
		}
	}
}

// add counts one event of action by a on day and returns the day's total,
// reading the stored count the first time.
func (w *watch) add(ctx context.Context, st Store, a Actor, day, action string) int {
	if st.Shared() { // issue 17, shared limits
		if n, err := st.AddAccessCount(ctx, AccessCount{UserID: a.UserID, Day: day, Action: action, N: 1}); err == nil {
			return n
		}
		// The store did not answer: counted in memory, saved with the rest.
	}
	w.mu.Lock()
	if w.day != day {
		w.day, w.users = day, map[int64]*dayCounts{}
		clear(w.dirty)
	}
	dc := w.users[a.UserID]
	if dc == nil {
		dc = &dayCounts{loaded: map[string]bool{}, counts: map[string]int{}, alerted: map[string]bool{}}
		w.users[a.UserID] = dc
	}
	loaded := dc.loaded[action]
	w.mu.Unlock()
	if !loaded {
		// The stored count holds the events saved before a restart.
		n, err := st.AccessCount(ctx, a.UserID, day, action)
		w.mu.Lock()
		if err == nil && !dc.loaded[action] {
			dc.counts[action] += n
			dc.loaded[action] = true
		}
		w.mu.Unlock()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	dc.counts[action]++
	w.dirty[AccessCount{UserID: a.UserID, Day: day, Action: action}] = true
	return dc.counts[action]
}

// alerted reports whether an alert of kind for a was raised today by this
// process.
func (w *watch) alerted(a Actor, day, kind string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.day != day {
		return false
	}
	dc := w.users[a.UserID]
	return dc != nil && dc.alerted[kind]
}

// firstAlert reports whether an alert of kind for a has not been raised today
// by this process, and marks it raised.
func (w *watch) firstAlert(a Actor, day, kind string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.day != day {
		w.day, w.users = day, map[int64]*dayCounts{}
	}
	dc := w.users[a.UserID]
	if dc == nil {
		dc = &dayCounts{loaded: map[string]bool{}, counts: map[string]int{}, alerted: map[string]bool{}}
		w.users[a.UserID] = dc
	}
	if dc.alerted[kind] {
		return false
	}
	dc.alerted[kind] = true
	return true
}

// untilTomorrow is how long until the day's counts start again.
func (s *Server) untilTomorrow() time.Duration {
	now := s.cfg.Now()
	day := signpost.Today(now) // midnight UTC of England's date
	for next := day.AddDate(0, 0, 1); ; next = next.Add(time.Hour) {
		if signpost.Today(next).After(day) && !next.Before(now) {
			// The first hour at which England's date has moved on.
			return next.Sub(now)
		}
	}
}

// today is the day by which counts are kept.
func (s *Server) today() string {
	return signpost.Today(s.cfg.Now()).Format(signpost.DateLayout)
}

// harvestThreshold says what a count of what is past, in the policy.
func harvestThreshold(p signpost.Policy, what string) int {
	switch what {
	case "searches":
		return p.HarvestSearchesPerDay
	case "views":
		return p.HarvestViewsPerDay
	case "misses":
		return p.HarvestMissesPerDay
	}
	return 0
}

// slowed returns the error to answer a with while the account is slowed for
// what (it passed the day's threshold), or nil if it may go on.
func (s *Server) slowed(ctx context.Context, a Actor, what string) error {
	if !s.isSlowed(ctx, a, what) {
		return nil
	}
	ok, wait := s.slow.Allow(ctx, a.Username+"\x00"+what)
	if ok {
		return nil
	}
	return retryLater(wait, signpost.KindRateLimited,
		"you have made unusually many %s today; your management team has been told, and you can make one more every %d seconds until tomorrow",
		harvestNoun(what), int(1/slowRate))
}

// isSlowed reports whether a passed today's threshold for what: as this
// process saw it or, on a shared store, as any instance recorded it.
func (s *Server) isSlowed(ctx context.Context, a Actor, what string) bool {
	day := s.today()
	if s.watch.alerted(a, day, what) {
		return true
	}
	if !s.store.Shared() { // issue 17, shared limits
		return false
	}
	n, err := s.store.AccessCount(ctx, a.UserID, day, slowedAction(what))
	if err != nil || n == 0 {
		return false
	}
	s.watch.firstAlert(a, day, what) // another instance raised the alert
	return true
}

// slowedAction is the count (Store.AddAccessCount) that is not 0 on a day
// the account is slowed for what (issue 17, shared limits).
func slowedAction(what string) string { return "slowed_" + what }

// noteCount handles a's n-th event of what today: past the policy's
// threshold it raises the day's alert, and the account is slowed from then
// on.
func (s *Server) noteCount(ctx context.Context, a Actor, what string, n int) {
	limit := harvestThreshold(s.Policy(ctx), what)
	if limit <= 0 || n <= limit {
		return
	}
	day := s.today()
	if s.watch.firstAlert(a, day, what) {
		if s.store.Shared() { // issue 17: every instance slows it from now
			if _, err := s.store.AddAccessCount(ctx, AccessCount{UserID: a.UserID, Day: day, Action: slowedAction(what), N: 1}); err != nil {
				s.log.Warn("the slowing of an account was not shared", "user", a.Username, "err", err)
			}
		}
		s.alertHarvest(ctx, a, what, n, limit, day)
		// Slowed from the next one on: the quarter-minute starts now.
		s.slow.Allow(ctx, a.Username+"\x00"+what)
	}
}

// slowRate is how fast an account past a harvest threshold may go on: one
// event a quarter-minute.
const slowRate = 1.0 / 15

func harvestNoun(what string) string {
	switch what {
	case "searches":
		return "searches"
	case "views":
		return "openings of records of children not on your caseload"
	}
	return "requests for Signpost IDs that do not exist"
}

// alertHarvest tells a's authority's management team, once a day and kind.
func (s *Server) alertHarvest(ctx context.Context, a Actor, what string, n, limit int, day string) {
	reason := fmt.Sprintf("%s made %d %s on %s; the policy expects at most %d in a day", a.Username, n, harvestNoun(what), day, limit)
	if what == "cap" {
		reason = fmt.Sprintf("%s reached the daily cap of %d records of children not on their caseload on %s, and was refused more", a.Username, limit, day)
	}
	al := Alert{At: s.cfg.Now(), Authority: a.Authority, Username: a.Username, Kind: signpost.AlertHarvest, Reason: reason,
		Dedupe: "harvest:" + what + ":" + fmt.Sprint(a.UserID) + ":" + day}
	if err := s.store.Alert(context.WithoutCancel(ctx), al); err != nil {
		s.log.Error("harvest alert not recorded", "user", a.Username, "err", err)
		return
	}
	s.log.Warn("harvest alert", "user", a.Username, "what", what, "count", n)
}

// SetPolicy stores the directory's policy (what every device follows, and
// the directory's own limits); a running directory reads it within a minute.
func SetPolicy(ctx context.Context, st Store, p signpost.Policy) error {
	if err := p.Check(); err != nil {
		return err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return signpost.Internal("saving the policy", err)
	}
	return st.SetSetting(ctx, "policy", string(b))
}

// StoredPolicy returns the policy stored, over the defaults.
func StoredPolicy(ctx context.Context, st Store) (signpost.Policy, error) {
	p := signpost.DefaultPolicy()
	v, err := st.Setting(ctx, "policy")
	if err != nil || v == "" {
		return p, err
	}
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return signpost.DefaultPolicy(), signpost.Internal("reading the stored policy", err)
	}
	return p, nil
}
