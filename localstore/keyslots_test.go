package localstore

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"signpost"
)

// The key file is two slots overwritten in place (keyfile.go). These tests
// prove the properties that replaced the rename: one inode for the life of a
// cache, torn writes read as the previous copy, damage reported as damage,
// old-format files read and moved without losing anything at any crash point,
// no copy of an old wrap left behind, and a wipe that reaches every slot.

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	st, err := os.Stat(path)
	must(t, err)
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		t.Skip("no inode numbers on this system")
	}
	return sys.Ino
}

func TestKeyFileIsOverwrittenInPlace(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	path := filepath.Join(f.dir, keyFileName)
	ino := inode(t, path)
	first, err := readKeyFile(f.dir)
	must(t, err)
	// Every kind of update: unsent counts, a pull's contact and policy, wrong
	// passphrases, a lock and unlock, a new passphrase.
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
	for i := 0; i < 5; i++ {
		mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(1), Value: i%2 == 0})
	}
	must(t, f.s.Lock())
	wantKind(t, f.s.Unlock(ctx, "not the passphrase at all"), signpost.KindUnauthorized)
	must(t, f.s.Unlock(ctx, testPass))
	must(t, f.s.ChangePassphrase(ctx, testPass, testPass+" again"))
	last, err := readKeyFile(f.dir)
	must(t, err)
	if got := inode(t, path); got != ino {
		t.Fatalf("the key file was replaced (inode %d, then %d): old copies of the wrapped key stay in freed blocks", ino, got)
	}
	st, err := os.Stat(path)
	must(t, err)
	if st.Size() != keyFileSize || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file of %d bytes, mode %v; want %d, 0600", st.Size(), st.Mode().Perm(), keyFileSize)
	}
	if last.disk.gen < first.disk.gen+8 || last.Pending != 5 {
		t.Fatalf("generation %d after %d; pending %d: the updates were not all written", last.disk.gen, first.disk.gen, last.Pending)
	}
	if names := cacheFiles(t, f.dir); len(tempKeyFiles(f.dir)) != 0 {
		t.Fatalf("temporary key files left: %v", names)
	}
}

// keyFileAt returns the key file's bytes and the copy they hold.
func keyFileAt(t *testing.T, dir string) ([]byte, *keyFile) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, keyFileName))
	must(t, err)
	k, err := parseKeyFile(b)
	must(t, err)
	return b, k
}

func TestTornKeyFileWriteReadsThePreviousCopy(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	must(t, f.s.Close())
	before, kf := keyFileAt(t, f.dir)
	next := kf.clone()
	next.Pending = 42
	payload, err := next.marshal()
	must(t, err)
	gen := kf.disk.gen + 1
	raw, err := encodeSlot(gen, payload)
	must(t, err)
	at := int(gen%2) * slotSize
	// A power cut lands some of the sectors of the new slot, in any order.
	patterns := map[string]func(sec int) bool{}
	for n := 1; n < slotSectors; n++ {
		patterns["first "+string(rune('0'+n))] = func(sec int) bool { return sec < n }
		patterns["last "+string(rune('0'+n))] = func(sec int) bool { return sec >= slotSectors-n }
	}
	patterns["every other"] = func(sec int) bool { return sec%2 == 0 }
	for name, landed := range patterns {
		t.Run(name, func(t *testing.T) {
			b := bytes.Clone(before)
			for sec := 0; sec < slotSectors; sec++ {
				if landed(sec) {
					copy(b[at+sec*sectorSize:at+(sec+1)*sectorSize], raw[sec*sectorSize:(sec+1)*sectorSize])
				}
			}
			k, err := parseKeyFile(b)
			if err != nil {
				t.Fatalf("a torn write made the key file unreadable: %v", err)
			}
			if k.disk.gen != kf.disk.gen || k.Pending != kf.Pending {
				t.Fatalf("read generation %d (pending %d), want the previous copy %d (pending %d)", k.disk.gen, k.Pending, kf.disk.gen, kf.Pending)
			}
		})
	}
	// All sectors landed: the new copy is read.
	b := bytes.Clone(before)
	copy(b[at:], raw)
	k, err := parseKeyFile(b)
	if err != nil || k.Pending != 42 || k.disk.gen != gen {
		t.Fatalf("a complete write: %+v, %v", k, err)
	}
}

func TestKeyFileDamageIsNotMistakenForATornWrite(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	must(t, f.s.Close())
	good, kf := keyFileAt(t, f.dir)
	newest := int(kf.disk.gen%2) * slotSize
	older := slotSize - newest
	for _, tc := range []struct {
		name string
		at   int
	}{
		{"newest copy, header", newest + stampSize + 3},
		{"newest copy, payload", newest + 2*sectorSize + 100},
		{"newest copy, checksum", newest + slotSize - 1},
		{"older copy, payload", older + sectorSize + 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Clone(good)
			b[tc.at] ^= 0x04
			_, err := parseKeyFile(b)
			if !errors.Is(err, errKeyFileDamaged) {
				t.Fatalf("a flipped bit: %v, want damaged", err)
			}
			must(t, os.WriteFile(filepath.Join(f.dir, keyFileName), b, 0o600))
			_, err = Open(context.Background(), f.dir, f.opts)
			wantKind(t, err, signpost.KindConflict)
		})
	}
	// Undamaged, it still opens.
	must(t, os.WriteFile(filepath.Join(f.dir, keyFileName), good, 0o600))
	f.s, _ = Open(context.Background(), f.dir, f.opts)
	must(t, f.s.Unlock(context.Background(), testPass))
}

func TestOldFormatKeyFileIsReadAndMovedToSlots(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
	mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(1), Value: true})
	must(t, f.s.Close())
	_, kf := keyFileAt(t, f.dir)
	old, err := kf.clone().marshal() // the old format: the JSON alone
	must(t, err)
	path := filepath.Join(f.dir, keyFileName)

	// Every point at which a crash can stop the move reads a full copy.
	next := kf.clone()
	next.FailedAttempts = 1
	payload, err := next.marshal()
	must(t, err)
	second, err := encodeSlot(1, payload)
	must(t, err)
	first, err := encodeSlot(2, payload)
	must(t, err)
	withSecond := func(n int) []byte { // the old text, then n sectors of slot 1
		b := make([]byte, slotSize+n*sectorSize)
		copy(b, old)
		copy(b[slotSize:], second[:n*sectorSize])
		return b
	}
	withFirst := func(n int) []byte { // slot 1 written, n sectors of slot 0 over the old text
		b := withSecond(slotSectors)
		copy(b, first[:n*sectorSize])
		return b
	}
	for _, tc := range []struct {
		name     string
		b        []byte
		attempts int
	}{
		{"old format", old, 0},
		{"second slot begun", withSecond(1), 0},
		{"second slot half written", withSecond(slotSectors / 2), 0},
		{"second slot written", withSecond(slotSectors), 1},
		{"first slot begun", withFirst(1), 1},
		{"first slot half written", withFirst(slotSectors / 2), 1},
		{"first slot written", withFirst(slotSectors), 1},
	} {
		k, err := parseKeyFile(tc.b)
		if err != nil || k.FailedAttempts != tc.attempts || k.Pending != kf.Pending {
			t.Errorf("%s: %+v, %v; want a copy with %d failed attempts", tc.name, k, err, tc.attempts)
		}
	}

	// The real thing: an old-format file opens, and its first update moves it.
	must(t, os.WriteFile(path, old, 0o600))
	s, err := Open(ctx, f.dir, f.opts)
	must(t, err)
	defer s.Close()
	ino := inode(t, path)
	must(t, s.Unlock(ctx, testPass))
	items, err := s.Outbox(ctx)
	must(t, err)
	if len(items) != 1 {
		t.Fatalf("outbox after the move: %+v", items)
	}
	b, moved := keyFileAt(t, f.dir)
	if len(b) != keyFileSize || moved.disk.legacy || inode(t, path) != ino {
		t.Fatalf("after the first update: %d bytes, legacy %v; want the slots, in place", len(b), moved.disk.legacy)
	}
	if oldFormat(b[:slotSize]) || !readSlot(b[:slotSize], 0).ok || !readSlot(b[slotSize:], 1).ok {
		t.Fatal("the old text is still in the first slot: the move did not overwrite it")
	}
}

func TestNewPassphraseLeavesNoCopyOfTheOldWrap(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	_, before := keyFileAt(t, f.dir)
	must(t, f.s.ChangePassphrase(ctx, testPass, testPass+" renewed"))
	b, after := keyFileAt(t, f.dir)
	if bytes.Equal(before.WrappedKey, after.WrappedKey) {
		t.Fatal("the wrap did not change")
	}
	for i := 0; i < 2; i++ {
		s := readSlot(b[i*slotSize:(i+1)*slotSize], i)
		if !s.ok {
			t.Fatalf("slot %d is not valid after a new passphrase", i)
		}
		k, err := parseKeyJSON(s.payload)
		must(t, err)
		if !bytes.Equal(k.WrappedKey, after.WrappedKey) {
			t.Fatalf("slot %d still holds the key wrapped under the old passphrase", i)
		}
	}
	// And the old passphrase no longer opens it.
	must(t, f.s.Lock())
	wantKind(t, f.s.Unlock(ctx, testPass), signpost.KindUnauthorized)
	must(t, f.s.Unlock(ctx, testPass+" renewed"))
}

func TestWipeShredsEverySlotAndLeftovers(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
	// A leftover of the old rename scheme, holding a wrapped key.
	_, kf := keyFileAt(t, f.dir)
	old, err := kf.clone().marshal()
	must(t, err)
	leftover := filepath.Join(f.dir, "."+keyFileName+"-123456.tmp")
	must(t, os.WriteFile(leftover, old, 0o600))
	// Second names outside the cache folder for the same files let the test
	// read what the wipe left in their blocks.
	outside := t.TempDir()
	keyLink, tmpLink := filepath.Join(outside, "key"), filepath.Join(outside, "tmp")
	must(t, os.Link(filepath.Join(f.dir, keyFileName), keyLink))
	must(t, os.Link(leftover, tmpLink))
	before, err := os.ReadFile(keyLink)
	must(t, err)

	_, err = f.s.Wipe(ctx)
	must(t, err)
	wantNoFiles(t, f.dir)
	after, err := os.ReadFile(keyLink)
	must(t, err)
	if len(after) < keyFileSize {
		t.Fatalf("the wipe overwrote %d bytes of a %d-byte key file", len(after), keyFileSize)
	}
	for i := 0; i < 2; i++ {
		if s := readSlot(after[i*slotSize:(i+1)*slotSize], i); s.ok || bytes.Equal(after[i*slotSize:(i+1)*slotSize], before[i*slotSize:(i+1)*slotSize]) {
			t.Fatalf("slot %d survived the wipe", i)
		}
	}
	left, err := os.ReadFile(tmpLink)
	must(t, err)
	if bytes.Contains(left, []byte("wrapped_key")) {
		t.Fatal("the leftover temporary key file survived the wipe")
	}
}
