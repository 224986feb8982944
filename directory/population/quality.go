package population

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Linkage is how well an import linked feed rows into children, measured
// on pairs of rows: a pair is linked when both rows went to the same child
// (after merges), and truly linked when both are about the same person.
type Linkage struct {
	Rows        int     // rows scored
	Linked      int     // row pairs the import linked
	True        int     // row pairs about the same person
	Correct     int     // pairs both
	Precision   float64 // Correct / Linked
	Recall      float64 // Correct / True
	Unlinked    int     // rows that went to no child (review, rejected, unmatched)
	Review      int     // of those, rows queued for review
	FalseMerges int     // children holding rows of more than one person
	// As if a person decided every review item right: linked it to the
	// candidate holding the row's person (the one most of a child's rows
	// are about), or made a new child when no candidate does. Outcomes
	// without candidates (written before they were kept) count as new.
	ReviewRight         int     // review rows a candidate of which held the row's person
	PrecisionWithReview float64 // Correct / Linked, review decided
	RecallWithReview    float64 // Correct / True, review decided
}

// ScoreLinkage compares an import's outcomes (as importer.Engine writes
// them: line, outcome, signpost_id, candidates; one reader per feed) with the ground
// truth written by WriteFeeds. survivor maps a Signpost ID to the one it was merged into,
// if it was.
func ScoreLinkage(truth io.Reader, outcomes map[string]io.Reader, survivor func(string) string) (*Linkage, error) {
	type key struct {
		feed string
		line int
	}
	person := map[key]int32{}
	tr := csv.NewReader(truth)
	tr.ReuseRecord = true
	if _, err := tr.Read(); err != nil {
		return nil, fmt.Errorf("reading the ground truth: %w", err)
	}
	for {
		rec, err := tr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the ground truth: %w", err)
		}
		line, _ := strconv.Atoi(rec[1])
		p, _ := strconv.Atoi(rec[2])
		person[key{rec[0], line}] = int32(p)
	}
	ids := map[string]int32{}
	type pair struct{ child, person int32 }
	var rows []pair
	l := &Linkage{}
	unlinked := int32(-1)
	// Review rows' candidates, by the row's own (unlinked) child number.
	reviews := map[int32][]string{}
	final := func(id string) string {
		for i := 0; i < 10; i++ {
			next := survivor(id)
			if next == "" || next == id {
				break
			}
			id = next
		}
		return id
	}
	for feedName, r := range outcomes {
		or := csv.NewReader(r)
		or.ReuseRecord = true
		if _, err := or.Read(); err != nil {
			return nil, fmt.Errorf("reading the %s outcomes: %w", feedName, err)
		}
		for {
			rec, err := or.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("reading the %s outcomes: %w", feedName, err)
			}
			line, _ := strconv.Atoi(rec[0])
			p, ok := person[key{feedName, line}]
			if !ok {
				return nil, fmt.Errorf("the %s outcomes name line %d, which the ground truth does not have", feedName, line)
			}
			l.Rows++
			id := rec[2]
			if id == "" {
				l.Unlinked++
				if rec[1] == "review" {
					l.Review++
					if len(rec) > 3 && rec[3] != "" {
						reviews[unlinked] = strings.Fields(rec[3])
					}
				}
				// A row linked to nothing is a child of its own.
				rows = append(rows, pair{unlinked, p})
				unlinked--
				continue
			}
			id = final(id)
			c, ok := ids[id]
			if !ok {
				c = int32(len(ids))
				ids[id] = c
			}
			rows = append(rows, pair{c, p})
		}
	}
	choose2 := func(n int) int { return n * (n - 1) / 2 }
	count := func(less func(a, b pair) bool, same func(a, b pair) bool) int {
		sort.Slice(rows, func(i, j int) bool { return less(rows[i], rows[j]) })
		total, run := 0, 1
		for i := 1; i <= len(rows); i++ {
			if i < len(rows) && same(rows[i-1], rows[i]) {
				run++
				continue
			}
			total += choose2(run)
			run = 1
		}
		return total
	}
	byChild := func(a, b pair) bool {
		if a.child != b.child {
			return a.child < b.child
		}
		return a.person < b.person
	}
	l.Correct = count(byChild, func(a, b pair) bool { return a == b })
	l.Linked = count(byChild, func(a, b pair) bool { return a.child == b.child })
	// Children holding more than one person's rows (rows are sorted by
	// child, then person), and the person most of each child's rows are about.
	majority := map[int32]int32{}
	for i := 0; i < len(rows); {
		j, mixed := i+1, false
		best, bestRun, run := rows[i].person, 1, 1
		for ; j < len(rows) && rows[j].child == rows[i].child; j++ {
			mixed = mixed || rows[j].person != rows[i].person
			if rows[j].person == rows[j-1].person {
				run++
			} else {
				run = 1
			}
			if run > bestRun {
				best, bestRun = rows[j].person, run
			}
		}
		if mixed {
			l.FalseMerges++
		}
		if rows[i].child >= 0 {
			majority[rows[i].child] = best
		}
		i = j
	}
	l.True = count(func(a, b pair) bool { return a.person < b.person }, func(a, b pair) bool { return a.person == b.person })
	// Each review row decided by a person who decides right.
	for i := range rows {
		cands, ok := reviews[rows[i].child]
		if !ok {
			continue
		}
		for _, id := range cands {
			if c, ok := ids[final(id)]; ok && majority[c] == rows[i].person {
				rows[i].child = c
				l.ReviewRight++
				break
			}
		}
	}
	correct := count(byChild, func(a, b pair) bool { return a == b })
	linked := count(byChild, func(a, b pair) bool { return a.child == b.child })
	l.Precision, l.Recall = ratio(l.Correct, l.Linked), ratio(l.Correct, l.True)
	l.PrecisionWithReview, l.RecallWithReview = ratio(correct, linked), ratio(correct, l.True)
	return l, nil
}

// ratio is a/b, or 1 when b is 0 (nothing to get wrong).
func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}
