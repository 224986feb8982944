package localstore

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"signpost"
)

func sampleKeyFile(t testing.TB) (*keyFile, []byte) {
	t.Helper()
	kf := &keyFile{DeviceID: "0b9d6f4e-1111-4222-8333-944455556666", Pending: 3,
		Policy: lockPolicyOf(signpost.DefaultPolicy()), Contact: newContact(time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC), time.Date(2025, 3, 1, 8, 0, 1, 0, time.UTC))}
	key := bytes.Repeat([]byte{7}, KeySize)
	if err := kf.wrap(testPass, key, KDFParams{MemoryKiB: 1024, Iterations: 1, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	b, err := kf.clone().marshal()
	if err != nil {
		t.Fatal(err)
	}
	return kf, b
}

func TestKeyFileRoundTripsAndUnwraps(t *testing.T) {
	_, b := sampleKeyFile(t)
	kf, err := parseKeyFile(b)
	must(t, err)
	key, ok := kf.unwrap(testPass)
	if !ok || !bytes.Equal(key, bytes.Repeat([]byte{7}, KeySize)) {
		t.Fatal("the right passphrase does not unwrap the key")
	}
	if _, ok := kf.unwrap(testPass + "!"); ok {
		t.Fatal("a wrong passphrase unwrapped the key")
	}
	// The counter is outside the associated data: updating it keeps the wrap.
	kf.FailedAttempts = 4
	b2, err := kf.clone().marshal()
	must(t, err)
	kf2, err := parseKeyFile(b2)
	must(t, err)
	if _, ok := kf2.unwrap(testPass); !ok || kf2.FailedAttempts != 4 {
		t.Fatal("updating the counter broke the wrap")
	}
}

func TestWriteKeyFileLeavesNoTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	kf, _ := sampleKeyFile(t)
	must(t, createKeyFile(dir, kf))
	kf.Pending = 1
	must(t, writeKeyFile(dir, kf))
	kf.Pending = 2
	must(t, writeKeyFile(dir, kf))
	got, err := readKeyFile(dir)
	must(t, err)
	if got.Pending != 2 || len(tempKeyFiles(dir)) != 0 || len(cacheFiles(t, dir)) != 1 {
		t.Fatalf("pending %d, files %v", got.Pending, cacheFiles(t, dir))
	}
	// A folder that is not there: the error says so, and nothing is left.
	err = createKeyFile(filepath.Join(dir, "missing"), kf.clone())
	if err == nil {
		t.Fatal("writing into a missing folder succeeded")
	}
	if err := writeKeyFile(filepath.Join(dir, "missing"), kf.clone()); err == nil {
		t.Fatal("updating a key file in a missing folder succeeded")
	}
}

func FuzzParseKeyFile(f *testing.F) {
	_, good := sampleKeyFile(f)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{})
	f.Add([]byte("null"))
	f.Add([]byte("{}"))
	f.Add([]byte(`{"format":"signpost-cache-key","version":2}`))
	f.Add([]byte(`{"format":"signpost-cache-key","version":1,"kdf":{"memory_kib":4294967295}}`))
	f.Add(bytes.Replace(good, []byte(`"iterations": 1`), []byte(`"iterations": 99999999999`), 1))
	f.Add(bytes.Replace(good, []byte(`"failed_attempts": 0`), []byte(`"failed_attempts": -1`), 1))
	f.Add(append(bytes.Clone(good), " {}"...))
	// The slotted file: both slots, one torn, one missing.
	slots := make([]byte, keyFileSize)
	for _, g := range []uint64{1, 2} {
		raw, err := encodeSlot(g, good)
		if err != nil {
			f.Fatal(err)
		}
		copy(slots[int(g%2)*slotSize:], raw)
	}
	f.Add(slots)
	f.Add(slots[:slotSize])
	torn := bytes.Clone(slots)
	if raw, err := encodeSlot(3, good); err == nil {
		copy(torn[slotSize:], raw[:3*sectorSize])
	}
	f.Add(torn)
	f.Fuzz(func(t *testing.T, data []byte) {
		kf, err := parseKeyFile(data)
		if err != nil {
			if kf != nil {
				t.Fatal("a key file was returned with an error")
			}
			if !errors.Is(err, errKeyFileDamaged) && !errors.Is(err, errKeyFileNewer) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		// Whatever parses is within bounds and survives a round trip.
		if err := kf.KDF.params().validate(); err != nil {
			t.Fatalf("accepted out-of-range parameters: %v", err)
		}
		b, err := kf.clone().marshal()
		if err != nil {
			t.Fatal(err)
		}
		kf2, err := parseKeyFile(b)
		if err != nil {
			t.Fatalf("a parsed key file does not parse again: %v", err)
		}
		b2, err := kf2.clone().marshal()
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatal("round trip changed the key file")
		}
	})
}
