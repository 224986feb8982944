package population

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"signpost/directory/feed"
)

var feedDay = time.Date(2025, time.June, 1, 0, 0, 0, 0, time.UTC)

// hashFeeds hashes the four feeds and the ground truth WriteFeeds wrote in dir.
func hashFeeds(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	names := []string{TruthFile}
	for _, k := range feed.Kinds {
		names = append(names, FeedFiles[k])
	}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// defaultFeedsDigest is the hash of WriteFeeds(3000 children, seed 11) as it
// was before the realistic error model: the default model's output must not
// change, so the scale figures measured on it stay comparable.
const defaultFeedsDigest = "5715bd0ba9f22faed6675bd1c39f60f3e73b2cb8f4f424520e9afc58c4dd3fc1"

func TestDefaultFeedsUnchanged(t *testing.T) {
	dir := t.TempDir()
	if _, err := WriteFeeds(dir, 3000, 11, feedDay); err != nil {
		t.Fatal(err)
	}
	if got := hashFeeds(t, dir); got != defaultFeedsDigest {
		t.Errorf("the default error model's feeds changed: digest %s, want %s", got, defaultFeedsDigest)
	}
}
