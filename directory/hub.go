package directory

import (
	"context"
	"log/slog"
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
	head    int64           // the change number the hub has read up to
	marks   map[int64]int64 // user → highest change number concerning them, since known
	known   map[int64]int64 // user → the head at which their mark was first learnt
	waiters map[int64]chan struct{}

	stop, done chan struct{}
}

// hubPoll is how often the hub looks at the store's change number for
// writes by other processes.
const hubPoll = time.Second

func newHub(store Store, log *slog.Logger, now func() time.Time) *hub {
	h := &hub{store: store, log: log, now: now, marks: map[int64]int64{}, known: map[int64]int64{}, waiters: map[int64]chan struct{}{},
		stop: make(chan struct{}), done: make(chan struct{})}
	if head, err := store.Head(context.Background()); err == nil {
		h.head = head
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
		changed := h.store.Changed()
		h.catchUp()
		select {
		case <-h.stop:
			return
		case <-changed:
		case <-t.C:
		}
	}
}

// catchUp reads the changes after the hub's head and wakes whom they concern.
func (h *hub) catchUp() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	head, err := h.store.Head(ctx)
	if err != nil {
		h.log.Warn("the long-poll hub could not read the change number", "err", err)
		return
	}
	h.mu.Lock()
	from := h.head
	h.mu.Unlock()
	if head <= from {
		return
	}
	users, err := h.store.Affected(ctx, from, head, h.now())
	if err != nil {
		h.log.Warn("the long-poll hub could not read whom changes concern", "err", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.head = head
	for _, u := range users {
		if _, ok := h.known[u]; ok {
			h.marks[u] = max(h.marks[u], head)
		}
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

// has reports whether a's pull after cursor would return anything: from the
// user's mark once it is known, else (the first time) from the store.
func (h *hub) has(ctx context.Context, a Actor, cursor Cursor) (bool, error) {
	if cursor.Child != 0 {
		return true, nil // a pull stopped among one change number's children
	}
	h.mu.Lock()
	at, known := h.known[a.UserID]
	mark, head := h.marks[a.UserID], h.head
	h.mu.Unlock()
	if known && cursor.Seq >= at && cursor.Seq <= head {
		return mark > cursor.Seq, nil
	}
	// Not yet known, or a cursor from before the hub knew the user (or
	// from ahead of it): ask the store, and know from now on.
	has, err := h.store.HasChanges(ctx, a, cursor, h.now())
	if err != nil {
		return false, err
	}
	h.mu.Lock()
	if _, ok := h.known[a.UserID]; !ok && !has && cursor.Seq == h.head {
		// Nothing concerns the user up to the hub's head: changes after
		// it raise the mark.
		h.known[a.UserID] = h.head
		h.marks[a.UserID] = 0
	}
	h.mu.Unlock()
	return has, nil
}
