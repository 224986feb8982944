package main

import (
	"context"
	"testing"

	"signpost/directory/importer"
)

// Issue 14, slice review: the directory served decides review items and
// merges with the command line's own code.
func TestServeDecidesReviewsWithTheCommandLinesCode(t *testing.T) {
	m := NewMain()
	m.DataDir, m.Listen, m.Demo, m.DemoChildren = t.TempDir(), "127.0.0.1:0", true, 50
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, ok := m.Config.Decider.(importer.Decider); !ok {
		t.Errorf("serve decides reviews with %T, not the importer's decisions", m.Config.Decider)
	}
}
