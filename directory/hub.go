package directory

import (
	"context"
	"log/slog"
	"math"
	gosync "sync"
	"time"
)

// hub wakes long-polls one user at a time. It follows the store's change
// number: after every write of this process (and, within a second, of any
// other process: the admin commands, an import) it asks the store which
// users the new changes concern, raises their high-water mark (the highest
// change number that concerns them) and wakes their long-polls. A long-poll
// then answers from memory: a user whose mark is above their cursor has
// something to pull; one with nothing new costs no query at all, however
// many changes others make.
type hub struct {
	store Store
	log   *slog.Logger
	now   func() time.Time

	mu      gosync.Mutex
	start   int64           // the change number when the hub started: it knows every change after it
	head    int64           // the change number the hub has read up to
	marks   map[int64]int64 // user → highest change number concerning them, after start
	waiters map[int64]chan struct{}
	// taken is the store's Changed channel as the last catch-up took it:
	// closed means this process has written since.
	taken <-chan struct{}

	// Catch-ups run one at a time, in rounds: a request that needs one
	// while a round is running waits for the next round, which serves
	// everyone who arrived during the last (so no queue of catch-ups).
	rounds     *gosync.Cond // on mu
	started    int          // rounds started
	finished   int          // rounds finished
	inProgress bool

	// onMove is told the devices each batch of changes moved (the server
	// forgets what it keeps of them).
	onMove func(devices []string)

	stop, done chan struct{}
}

// hubPoll is how often the hub looks at the store's change number for
// writes by other processes.
const hubPoll = time.Second

func newHub(store Store, log *slog.Logger, now func() time.Time) *hub {
	h := &hub{store: store, log: log, now: now, marks: map[int64]int64{}, waiters: map[int64]chan struct{}{},
		stop: make(chan struct{}), done: make(chan struct{})}
	h.rounds = gosync.NewCond(&h.mu)
	// Issue 17: taken from the start, before reading the head, so that a
	// write made before the first catch-up has finished (a slow first
	// read of a PostgreSQL store) is caught up on by the pull after it.
	changed := store.Changed()
	if head, err := store.Head(context.Background()); err == nil {
		h.start, h.head, h.taken = head, head, changed
	} else {
		h.start = math.MaxInt64 // know nothing: every question goes to the store
	}
	go h.run()
	return h
}

func (h *hub) close() {
	select {
	case <-h.stop:
	default:
		close(h.stop)
	}
	<-h.done
}

func (h *hub) run() {
	defer close(h.done)
	t := time.NewTicker(hubPoll)
	defer t.Stop()
	for {
		h.freshen()
		h.mu.Lock()
		changed := h.taken
		h.mu.Unlock()
		select {
		case <-h.stop:
			return
		case <-changed:
		case <-t.C:
		}
	}
}

// catchUp reads the changes after the hub's head and wakes whom they
// concern.
// freshen returns once a catch-up that started after the call has
// finished: every change committed before the call has been read.
func (h *hub) freshen() {
	h.mu.Lock()
	defer h.mu.Unlock()
	target := h.started + 1 // the round to come (one running now may have started before our write)
	for h.finished < target {
		if h.inProgress {
			h.rounds.Wait()
			continue
		}
		h.started++
		h.inProgress = true
		h.mu.Unlock()
		h.catchUp()
		h.mu.Lock()
		h.finished, h.inProgress = h.started, false
		h.rounds.Broadcast()
	}
}

// catchUp reads the changes after the hub's head; freshen runs it.
func (h *hub) catchUp() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	changed := h.store.Changed() // taken before reading, so no write is missed
	head, err := h.store.Head(ctx)
	if err != nil {
		h.log.Warn("the long-poll hub could not read the change number", "err", err)
		return
	}
	h.mu.Lock()
	from := h.head
	h.mu.Unlock()
	if head <= from {
		h.mu.Lock()
		h.taken = changed
		h.mu.Unlock()
		return
	}
	users, moved, err := h.store.Affected(ctx, from, head, h.now())
	if err != nil {
		h.log.Warn("the long-poll hub could not read whom changes concern", "err", err)
		return
	}
	if h.onMove != nil && len(moved) > 0 {
		h.onMove(moved)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.head, h.taken = head, changed
	for _, u := range users {
		h.marks[u] = max(h.marks[u], head)
		if ch, ok := h.waiters[u]; ok {
			close(ch)
			delete(h.waiters, u)
		}
	}
}

// watch returns a channel closed at the next change that concerns user.
// Take it before checking, so that no change is missed.
func (h *hub) watch(user int64) <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch, ok := h.waiters[user]
	if !ok {
		ch = make(chan struct{})
		h.waiters[user] = ch
	}
	return ch
}

// has reports whether a's pull after cursor would return anything. For a
// cursor from after the hub started it answers from the user's mark: a
// change after the cursor that the hub has not read yet wakes the user's
// long-poll as soon as it has. An older cursor is the store's question.
func (h *hub) has(ctx context.Context, a Actor, cursor Cursor) (bool, error) {
	if cursor.Child != 0 {
		return true, nil // a pull stopped among one change number's children
	}
	// A write of this process the hub has not read yet (the device's own
	// push, just answered) is read first: a pull after a push sees it.
	h.mu.Lock()
	taken := h.taken
	h.mu.Unlock()
	select {
	case <-taken:
		h.freshen()
	default:
	}
	h.mu.Lock()
	start, mark := h.start, h.marks[a.UserID]
	h.mu.Unlock()
	if cursor.Seq >= start {
		return mark > cursor.Seq, nil
	}
	return h.store.HasChanges(ctx, a, cursor, h.now())
}
