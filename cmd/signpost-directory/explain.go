package main

// Issue 15: signpost-directory match explain.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"signpost/directory/feed"
	"signpost/directory/importer"
	"signpost/directory/match"
)

// runMatch runs `match explain`: how one feed row would be decided now,
// with the store's model. It names children by Signpost ID only and prints
// no detail of the row (a terminal's scroll-back is a plaintext file).
func runMatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "explain" {
		return errors.New("usage: match explain --feed KIND --row FILE:LINE [--today YYYY-MM-DD]")
	}
	fs, m := newFlags("match explain", stderr)
	addStoreFlags(fs, m) // issue 17
	kindFlag := fs.String("feed", "", "the row's feed: births, deaths, school or gp")
	rowFlag := fs.String("row", "", "FILE:LINE, the row (line numbers as in the rejects and outcomes files)")
	today := fs.String("today", "", "check dates against this day (default today)")
	if err := fs.Parse(args[1:]); err != nil {
		return flagErr(err)
	}
	kind, err := feed.ParseKind(*kindFlag)
	if err != nil {
		return err
	}
	i := strings.LastIndexByte(*rowFlag, ':')
	if i <= 0 {
		return errors.New("--row FILE:LINE")
	}
	path := (*rowFlag)[:i]
	line, err := strconv.Atoi((*rowFlag)[i+1:])
	if err != nil || line < 2 {
		return fmt.Errorf("--row %s: the line is a number from 2 (the first data row)", *rowFlag)
	}
	day, err := dayFlag(*today)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("opening the %s feed: %w", kind, err)
	}
	defer f.Close()
	fr, err := feed.NewReader(kind, f, day)
	if err != nil {
		return err
	}
	var rec *feed.Record
	for rec == nil {
		r, rj, err := fr.Next()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%s has no data row at line %d", path, line)
		}
		if err != nil {
			return err
		}
		if rj != nil && rj.Line == line {
			fmt.Fprintf(stdout, "row %s:%d: rejected (%s: %s)\n", path, line, rj.Field, rj.Reason)
			return nil
		}
		if r != nil && r.Line == line {
			rec = r
		}
	}
	st, err := m.openAdminStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	im, err := importer.New(ctx, st, day)
	if err != nil {
		return err
	}
	d, model := im.ExplainRecord(rec)
	writeExplanation(stdout, fmt.Sprintf("%s:%d", path, line), d, model, im.Model() != nil)
	return nil
}

func writeExplanation(w io.Writer, row string, d match.Decision, model *match.Model, saved bool) {
	which := "the store's (estimated from its data)"
	if !saved {
		which = "the default (the store has none saved yet)"
	}
	prior := fmt.Sprintf("prior %+.2f for every pair", match.WeightOf(model.Prior))
	if model.OneToOne {
		prior = fmt.Sprintf("one-to-one prior (a row is a child held with probability %.3f; each candidate's prior is against the others and the children held)", model.Rho)
	}
	fmt.Fprintf(w, "row %s\nmodel: %s; %s; auto-link at weight %.2f, review from %.2f\n", row, which, prior, model.AutoLink, model.Review)
	switch {
	case d.ByIdentifier:
		fmt.Fprintf(w, "decision: the same child, %s, by its NHS number or UPN\n", d.Child.SignpostID())
	case d.Outcome == match.Same:
		fmt.Fprintf(w, "decision: the same child, %s (weight %.2f, probability %.4f)\n", d.Child.SignpostID(), d.Comparison.Weight, d.Score)
	case d.Outcome == match.Review:
		fmt.Fprintf(w, "decision: review (%s)\n", d.Reason)
	default:
		fmt.Fprintf(w, "decision: a child not held (a new child; a death is reported unmatched)\n")
	}
	if !d.ByIdentifier {
		fmt.Fprintf(w, "compared: %d children\n", d.Compared)
	}
	type listed struct {
		what string
		c    match.Scored
	}
	var all []listed
	for _, c := range d.Candidates {
		all = append(all, listed{"candidate", c})
	}
	for _, c := range d.Nearest {
		all = append(all, listed{"nearest (below review)", c})
	}
	for _, l := range all {
		c := l.c
		if c.Comparison == nil {
			fmt.Fprintf(w, "%s %s\n", l.what, c.SignpostID())
			continue
		}
		fmt.Fprintf(w, "%s %s: weight %.2f, probability %.4f\n", l.what, c.SignpostID(), c.Comparison.Weight, c.Score)
		fmt.Fprintf(w, "  %-14s %-18s %+7.2f\n", "prior", "", c.Comparison.Prior)
		for f := match.Field(0); f < match.NumFields; f++ {
			fmt.Fprintf(w, "  %-14s %-18s %+7.2f\n", f, match.LevelName(f, c.Comparison.Levels[f]), c.Comparison.Weights[f])
		}
	}
}
