package sqlstore

import gosync "sync"

// changes is the channel the long-polls wait on: closed, and replaced, at
// each committed change (made at the first use).
type changes struct {
	mu gosync.Mutex
	ch chan struct{}
}

// Changed returns a channel closed at the next committed change to
// children, involvements, scope or devices (on PostgreSQL, by this instance
// or another): the long-poll waits on it.
func (s *Core) Changed() <-chan struct{} {
	s.changes.mu.Lock()
	defer s.changes.mu.Unlock()
	if s.changes.ch == nil {
		s.changes.ch = make(chan struct{})
	}
	return s.changes.ch
}

// Wake marks the search index stale and closes the current Changed
// channel.
func (s *Core) Wake() {
	if si := s.Search.Load(); si != nil {
		si.MarkStale()
	}
	s.changes.mu.Lock()
	if s.changes.ch != nil {
		close(s.changes.ch)
	}
	s.changes.ch = make(chan struct{})
	s.changes.mu.Unlock()
}
