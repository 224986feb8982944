package importer_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"signpost/directory/feed"
	"signpost/directory/importer"
	"signpost/directory/match"
	"signpost/directory/population"
)

// Issue 15: the model is estimated at the first import into a store that
// holds enough children, saved with the store, and read back by later
// imports, which then decide as the first did.
func TestModelEstimatedOnceSavedAndReused(t *testing.T) {
	ctx := context.Background()
	st := feedStore(t)
	dir := t.TempDir()
	if _, err := population.WriteFeedsWith(dir, 2000, 5, feedDay, population.Options{Errors: population.RealisticErrors}); err != nil {
		t.Fatal(err)
	}
	read := func(k feed.Kind) string {
		b, err := os.ReadFile(filepath.Join(dir, population.FeedFiles[k]))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// The store is empty for the births: nothing to estimate from, so
	// nothing is saved.
	importText(t, st, feed.Births, read(feed.Births))
	if v, _ := st.Setting(ctx, match.SettingKey); v != "" {
		t.Fatalf("a model was saved from an empty store: %.100s", v)
	}
	first := importText(t, st, feed.School, read(feed.School))
	saved, err := st.Setting(ctx, match.SettingKey)
	if err != nil || saved == "" {
		t.Fatalf("no model saved after the census (%v)", err)
	}
	var m match.Model
	if err := json.Unmarshal([]byte(saved), &m); err != nil || !m.Estimated || m.Identities < match.MinIdentities || m.BlockedPairs == 0 ||
		m.AutoLink < m.Review || m.EstimatedFDR > m.TargetFDR {
		t.Fatalf("saved model: %v %+v", err, m)
	}
	im, err := importer.New(ctx, st, feedDay)
	if err != nil {
		t.Fatal(err)
	}
	if got := im.Model(); got == nil || got.AutoLink != m.AutoLink || got.M != m.M {
		t.Fatalf("the next engine does not read the saved model: %+v", got)
	}
	// Re-importing the census decides every row as before (so changes
	// nothing), and the model is not estimated again.
	second := importText(t, st, feed.School, read(feed.School))
	if second.sum.Created != 0 || second.sum.Queued != 0 || second.sum.AlreadyQueued != first.sum.Queued {
		t.Errorf("re-import: %v (first %v)", second.sum, first.sum)
	}
	if again, _ := st.Setting(ctx, match.SettingKey); again != saved {
		t.Error("the model was estimated again")
	}
}
