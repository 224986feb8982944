package importer_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"signpost/directory/feed"
	"signpost/directory/importer"
	"signpost/directory/population"
)

// Issue 15: a bulk Load drops the Engine's match index once the feeds are
// decided and frees the held children chunk by chunk as they are written;
// the store it leaves is the one a plain run leaves, and the Engine refuses
// a second run rather than import without an index.
func TestBulkLoadWritesWhatAPlainRunWrites(t *testing.T) {
	dir := t.TempDir()
	// More children than one chunk of held children (1<<14).
	if _, err := population.WriteFeeds(dir, 18000, 31, feedDay); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	open := func() []importer.File {
		var files []importer.File
		for _, kind := range feed.Kinds {
			f, err := os.Open(filepath.Join(dir, population.FeedFiles[kind]))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			files = append(files, importer.File{Kind: kind, R: f, Opts: importer.Options{Source: string(kind)}})
		}
		return files
	}

	plain := feedStore(t)
	im, err := importer.New(ctx, plain, feedDay)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.ImportAll(ctx, open()); err != nil {
		t.Fatal(err)
	}

	bulk := feedStore(t)
	var engine *importer.Engine
	err = importer.Load(ctx, bulk, importer.LoadOptions{Today: feedDay, CacheMB: 64, MemoryMB: 4096, Bulk: true}, func(ctx context.Context, im *importer.Engine) error {
		engine = im
		sums, err := im.ImportAll(ctx, open())
		if err == nil && sums[0].Created < 1<<14 {
			t.Errorf("births created %d children: fewer than a chunk, the chunks are not tested", sums[0].Created)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := engine.Children(); n != 0 {
		t.Errorf("after a bulk load the engine holds %d children's identities, want its index dropped", n)
	}
	if _, err := engine.ImportAll(ctx, open()); err == nil || !errors.Is(err, importer.ErrOneRun) {
		t.Errorf("a second run on a bulk load's engine: %v, want ErrOneRun", err)
	}
	if a, b := storeDump(t, plain), storeDump(t, bulk); serialsOnly(t, plain, a) != serialsOnly(t, bulk, b) {
		t.Errorf("the bulk load's store differs from the plain run's:\n%s", firstDiff(serialsOnly(t, plain, a), serialsOnly(t, bulk, b)))
	}
}
