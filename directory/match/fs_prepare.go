package match

// Issue 15: deciding many records on both cores. The costly part of
// DecideFS (walking the blocking rules and weighing each child found) reads
// the index only, so it runs for a batch of records on several goroutines
// while nothing writes (PrepareFS). The records are then decided in their
// order on one goroutine (DecidePrepared), which may write between them: a
// prepared comparison stands for a record unless a child put or removed
// since shares one of the record's blocking keys, in which case the record
// is decided afresh. Decisions are those DecideFS makes, record by record.

import (
	"math"

	"signpost"
)

// Prepared is the comparisons of one record, made ahead (PrepareFS).
type Prepared struct {
	r      Record
	except int
	s      side
	upn    uint64
	none   bool // decided without comparing
	all    []fsHit
	cps    []int32 // how many had been compared at each auto-link test
	// stopped: the last test stopped the walk (for an index of up to the
	// children PrepareFS was told of).
	stopped bool
}

// dirtyKey is one blocking key of a child put or removed: the rule it
// belongs to (1: postcode, 2: date of birth and name code, 3: the chains)
// and its value.
type dirtyKey struct {
	rule uint8
	k    uint64
}

// Track starts, or starts again, recording the blocking keys of the
// children put and removed, for DecidePrepared: call it once every record
// of a batch is prepared, before the first is decided.
func (x *Index) Track() {
	if x.dirty == nil {
		x.dirty = map[dirtyKey]struct{}{}
		return
	}
	clear(x.dirty)
}

// Untrack stops recording.
func (x *Index) Untrack() { x.dirty = nil }

// touch records e's blocking keys while tracked.
func (x *Index) touch(e *entry) {
	if x.dirty == nil || e.flags&flagLive == 0 {
		return
	}
	if e.pc != 0 {
		x.dirty[dirtyKey{1, e.pc}] = struct{}{}
	}
	if e.dob != 0 {
		x.dirty[dirtyKey{2, uint64(e.dob)<<16 | uint64(x.fams.code[e.fam])}] = struct{}{}
	}
	for _, k := range x.entryKeys(e) {
		if k != 0 {
			x.dirty[dirtyKey{3, k &^ (1 << 62)}] = struct{}{}
		}
	}
}

// touched reports whether a child put or removed since Track shares a
// blocking key with the record side s looks up.
func (x *Index) touched(s *side) bool {
	if len(x.dirty) == 0 {
		return false
	}
	if s.pc != 0 {
		if _, ok := x.dirty[dirtyKey{1, s.pc}]; ok {
			return true
		}
	}
	if s.dob != 0 {
		days := [2]uint16{s.dob}
		if sw, ok := signpost.SwapDayMonth(s.dobs); ok {
			days[1] = packDate(sw)
		}
		for _, code := range [2]uint16{s.familyCode, s.givenCode} {
			for _, day := range days {
				if code == 0 || day == 0 {
					continue
				}
				if _, ok := x.dirty[dirtyKey{2, uint64(day)<<16 | uint64(code)}]; ok {
					return true
				}
			}
		}
	}
	for _, k := range blockKeys(s.dob, s.dobs, s.familyCode, s.givenCode, s.pc) {
		if k == 0 {
			continue
		}
		if _, ok := x.dirty[dirtyKey{3, k}]; ok {
			return true
		}
	}
	return false
}

// PrepareFS makes DecideFS's comparisons for a record, for DecidePrepared.
// It only reads the index, so it may run on many goroutines together
// while nothing writes. slack is how many children may be added or
// removed before the record is decided.
func (x *Index) PrepareFS(m *Model, r Record, except, slack int) *Prepared {
	p := &Prepared{r: r, except: except, s: x.recordSide(r), upn: packUPN(r.UPN)}
	s := &p.s
	if s.family == "" && s.given == "" || s.dob == 0 && s.pc == 0 {
		p.none = true
		return p
	}
	// The auto-link test is harder in a larger index: walking as far as
	// the largest one may need walks at least as far as the actual one will.
	p.all, _, p.cps, p.stopped = x.gatherFS(m, s, p.upn, r.NHSNumber != "", except, x.children()+slack, true)
	return p
}

// DecidePrepared is DecideFS(m, r, except), using p (which may be nil)
// if it was prepared for the same record and still stands; ahead reports
// whether it did.
func (x *Index) DecidePrepared(m *Model, r Record, except int, p *Prepared) (d Decision, ahead bool) {
	if p == nil || p.r != r || p.except != except || x.fsTrace != nil || x.dirty == nil || x.touched(&p.s) {
		return x.DecideFS(m, r, except), false
	}
	if p.none {
		return Decision{Outcome: None}, true
	}
	// Where the walk stops in this index: at the first auto-link test
	// passed, as gatherFS would.
	n := x.children()
	bestRaw, sum := math.Inf(-1), 0.0
	end, k := len(p.all), 0
	stoppedAt := -1
	for j := 0; j <= len(p.all); j++ {
		for k < len(p.cps) && int(p.cps[k]) == j {
			if j > 0 && bestRaw+m.pairPrior(math.Exp2(bestRaw), sum, n) >= m.AutoLink {
				stoppedAt = j
				break
			}
			k++
		}
		if stoppedAt >= 0 || j == len(p.all) {
			break
		}
		h := p.all[j]
		sum += math.Exp2(h.w)
		if h.w > bestRaw && !(p.upn != 0 && x.at(h.i).upn != 0 && x.at(h.i).upn != p.upn) {
			bestRaw = h.w
		}
	}
	if stoppedAt >= 0 {
		end = stoppedAt
	} else if p.stopped {
		// The walk prepared stopped where this one would go on (the
		// tests agree in all but rounding): decide afresh.
		return x.DecideFS(m, r, except), false
	}
	return x.finishFS(m, &p.s, p.upn, p.all[:end], sum, false), true
}
