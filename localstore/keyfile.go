package localstore

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"

	"signpost"
)

// The key file holds the data key wrapped under the passphrase, and the few
// facts the cache must know while it is locked: the wrong-attempt counter, the
// offline limits, the last contact with the directory, the device id and a bare
// count of unsent changes. It never holds anything about a child.
//
// It is JSON:
//
//	{"format": "signpost-cache-key", "version": 1,
//	 "kdf": {"name": "argon2id", "memory_kib": 65536, "iterations": 3, "threads": 4, "salt": "<base64>"},
//	 "cipher": "xchacha20-poly1305", "nonce": "<base64>", "wrapped_key": "<base64>",
//	 "device_id": "…", "failed_attempts": 0, "pending": 0,
//	 "policy": {"max_passphrase_attempts": 10, "offline_lock_hours": 72, "offline_wipe_days": 30},
//	 "contact": {"server": "…", "local": "…", "seen": "…"},
//	 "check": "<hex SHA-256 of the file with check empty>"}
//
// The header (format, version, KDF parameters, salt, cipher) is the associated
// data of the AEAD, so changing a parameter makes the passphrase fail rather
// than weakening the wrap. The check catches accidental damage (a flipped bit,
// a half-written copy) so it is reported as damage and not counted as a wrong
// passphrase; it is not a defence against deliberate edits, which the AEAD is.

const (
	keyFileName    = "signpost-cache.key"
	dbFileName     = "signpost-cache.db"
	keyFileFormat  = "signpost-cache-key"
	keyFileVersion = 1
	kdfName        = "argon2id"
	cipherName     = "xchacha20-poly1305"

	// maxKeyFileSize bounds what is read, so a huge file cannot exhaust memory.
	maxKeyFileSize = 64 << 10
	saltSize       = 16
)

// KeySize is the length in bytes of the random data key that opens the database.
const KeySize = 32

// KDFParams are the Argon2id parameters that turn a passphrase into the key
// that wraps the data key. They are stored in the key file, so a cache keeps
// the parameters it was wrapped with; new ones apply at Create and at the next
// ChangePassphrase.
type KDFParams struct {
	MemoryKiB  uint32 // memory in KiB (65536 is 64 MiB)
	Iterations uint32 // passes over the memory
	Threads    uint8  // lanes
}

// DefaultKDF returns the parameters used when Options.KDF is zero: 64 MiB,
// three passes, four lanes — about a quarter of a second on a school laptop.
func DefaultKDF() KDFParams { return KDFParams{MemoryKiB: 64 * 1024, Iterations: 3, Threads: 4} }

// Bounds on KDF parameters, checked when parsing so a damaged or hostile key
// file cannot ask for terabytes of memory or hours of work.
const (
	minMemoryKiB  = 1024
	maxMemoryKiB  = 4 << 20
	maxIterations = 64
	maxThreads    = 64
)

func (p KDFParams) validate() error {
	switch {
	case p.MemoryKiB < minMemoryKiB || p.MemoryKiB > maxMemoryKiB:
		return fmt.Errorf("argon2 memory must be from %d KiB to %d KiB, not %d", minMemoryKiB, maxMemoryKiB, p.MemoryKiB)
	case p.Iterations < 1 || p.Iterations > maxIterations:
		return fmt.Errorf("argon2 iterations must be from 1 to %d, not %d", maxIterations, p.Iterations)
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("argon2 threads must be from 1 to %d, not %d", maxThreads, p.Threads)
	case p.MemoryKiB < 8*uint32(p.Threads):
		return fmt.Errorf("argon2 memory must be at least 8 KiB per thread")
	}
	return nil
}

type keyFile struct {
	Format         string     `json:"format"`
	Version        int        `json:"version"`
	KDF            kdfHeader  `json:"kdf"`
	Cipher         string     `json:"cipher"`
	Nonce          []byte     `json:"nonce"`
	WrappedKey     []byte     `json:"wrapped_key"`
	DeviceID       string     `json:"device_id"`
	FailedAttempts int        `json:"failed_attempts"`
	Pending        int        `json:"pending"`
	Policy         lockPolicy `json:"policy"`
	Contact        contact    `json:"contact"`
	Check          string     `json:"check"`
}

type kdfHeader struct {
	Name       string `json:"name"`
	MemoryKiB  uint32 `json:"memory_kib"`
	Iterations uint32 `json:"iterations"`
	Threads    uint8  `json:"threads"`
	Salt       []byte `json:"salt"`
}

func (h kdfHeader) params() KDFParams {
	return KDFParams{MemoryKiB: h.MemoryKiB, Iterations: h.Iterations, Threads: h.Threads}
}

// lockPolicy is the part of the directory's policy that must be obeyed while
// the cache is locked.
type lockPolicy struct {
	MaxAttempts      int `json:"max_passphrase_attempts"`
	OfflineLockHours int `json:"offline_lock_hours"`
	OfflineWipeDays  int `json:"offline_wipe_days"`
}

func lockPolicyOf(p signpost.Policy) lockPolicy {
	return lockPolicy{MaxAttempts: p.MaxPassphraseAttempts, OfflineLockHours: p.OfflineLockHours, OfflineWipeDays: p.OfflineWipeDays}
}

// contact is the last contact with the directory: its clock then, our clock
// then, the latest time the cache has seen since, and how far our clock has
// been seen to go back since (so winding the clock back does not buy more time
// offline: once a rollback is noticed, the time it removed is added back).
type contact struct {
	Server time.Time     `json:"server"`
	Local  time.Time     `json:"local"`
	Seen   time.Time     `json:"seen"`
	Skew   time.Duration `json:"skew_ns"`
}

// effective returns now corrected for rollbacks seen so far.
func (c contact) effective(now time.Time) time.Time {
	t := now.Add(c.Skew)
	if c.Seen.After(t) {
		t = c.Seen
	}
	return t
}

// offline returns how long the device has been out of contact at now.
func (c contact) offline(now time.Time) time.Duration { return c.effective(now).Sub(c.Local) }

// observe records that the cache ran at now, noticing a clock wound back.
func (c *contact) observe(now time.Time) {
	t := now.Add(c.Skew)
	if c.Seen.After(t) {
		c.Skew += c.Seen.Sub(t)
		t = c.Seen
	}
	c.Seen = t.UTC()
}

// newContact is a fresh contact at local time now.
func newContact(server, now time.Time) contact {
	return contact{Server: server.UTC(), Local: now.UTC(), Seen: now.UTC()}
}

// clone returns a deep copy, so a changed copy can be written before it
// replaces the one in use.
func (k *keyFile) clone() *keyFile {
	c := *k
	c.KDF.Salt = bytes.Clone(k.KDF.Salt)
	c.Nonce = bytes.Clone(k.Nonce)
	c.WrappedKey = bytes.Clone(k.WrappedKey)
	return &c
}

// ad is the associated data of the wrap: everything that says how the wrap
// was made.
func (k *keyFile) ad() []byte {
	return fmt.Appendf(nil, "%s\x00%d\x00%s\x00%d\x00%d\x00%d\x00%x\x00%s",
		k.Format, k.Version, k.KDF.Name, k.KDF.MemoryKiB, k.KDF.Iterations, k.KDF.Threads, k.KDF.Salt, k.Cipher)
}

func deriveKEK(passphrase string, h kdfHeader) []byte {
	p := []byte(passphrase)
	defer clear(p)
	return argon2.IDKey(p, h.Salt, h.Iterations, h.MemoryKiB, h.Threads, chacha20poly1305.KeySize)
}

// wrap seals dataKey under passphrase with fresh salt and nonce and the given
// parameters.
func (k *keyFile) wrap(passphrase string, dataKey []byte, p KDFParams) error {
	if err := p.validate(); err != nil {
		return err
	}
	k.Format, k.Version, k.Cipher = keyFileFormat, keyFileVersion, cipherName
	k.KDF = kdfHeader{Name: kdfName, MemoryKiB: p.MemoryKiB, Iterations: p.Iterations, Threads: p.Threads, Salt: make([]byte, saltSize)}
	k.Nonce = make([]byte, chacha20poly1305.NonceSizeX)
	if _, err := rand.Read(k.KDF.Salt); err != nil {
		return err
	}
	if _, err := rand.Read(k.Nonce); err != nil {
		return err
	}
	kek := deriveKEK(passphrase, k.KDF)
	defer clear(kek)
	aead, err := chacha20poly1305.NewX(kek)
	if err != nil {
		return err
	}
	k.WrappedKey = aead.Seal(nil, k.Nonce, dataKey, k.ad())
	return nil
}

// unwrap returns the data key, or false when the passphrase (or the header it
// was bound to) is wrong.
func (k *keyFile) unwrap(passphrase string) ([]byte, bool) {
	kek := deriveKEK(passphrase, k.KDF)
	defer clear(kek)
	aead, err := chacha20poly1305.NewX(kek)
	if err != nil {
		return nil, false
	}
	key, err := aead.Open(nil, k.Nonce, k.WrappedKey, k.ad())
	if err != nil || len(key) != KeySize {
		clear(key)
		return nil, false
	}
	return key, true
}

func (k *keyFile) checksum() string {
	c := *k
	c.Check = ""
	b, err := json.Marshal(&c)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// marshal returns the file's bytes with the check filled in.
func (k *keyFile) marshal() ([]byte, error) {
	k.Contact.Server, k.Contact.Local, k.Contact.Seen = k.Contact.Server.UTC(), k.Contact.Local.UTC(), k.Contact.Seen.UTC()
	k.Check = k.checksum()
	b, err := json.MarshalIndent(k, "", "\t")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Errors from parsing, distinguished so Open can say what is wrong.
var (
	errKeyFileDamaged = errors.New("damaged key file")
	errKeyFileNewer   = errors.New("key file from a newer version")
)

// parseKeyFile parses and checks a key file. It never panics, whatever b holds.
func parseKeyFile(b []byte) (*keyFile, error) {
	if len(b) > maxKeyFileSize {
		return nil, fmt.Errorf("%w: %d bytes is too large", errKeyFileDamaged, len(b))
	}
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("%w: %v", errKeyFileDamaged, err)
	}
	if head.Format != keyFileFormat {
		return nil, fmt.Errorf("%w: not a Signpost key file", errKeyFileDamaged)
	}
	if head.Version > keyFileVersion {
		return nil, fmt.Errorf("%w: version %d", errKeyFileNewer, head.Version)
	}
	if head.Version != keyFileVersion {
		return nil, fmt.Errorf("%w: unknown version %d", errKeyFileDamaged, head.Version)
	}
	var k keyFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&k); err != nil {
		return nil, fmt.Errorf("%w: %v", errKeyFileDamaged, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: trailing data", errKeyFileDamaged)
	}
	if k.Check != k.checksum() {
		return nil, fmt.Errorf("%w: checksum does not match", errKeyFileDamaged)
	}
	if err := k.validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", errKeyFileDamaged, err)
	}
	return &k, nil
}

func (k *keyFile) validate() error {
	switch {
	case k.KDF.Name != kdfName:
		return fmt.Errorf("unknown key derivation %q", k.KDF.Name)
	case k.Cipher != cipherName:
		return fmt.Errorf("unknown cipher %q", k.Cipher)
	case len(k.KDF.Salt) < saltSize || len(k.KDF.Salt) > 64:
		return fmt.Errorf("salt of %d bytes", len(k.KDF.Salt))
	case len(k.Nonce) != chacha20poly1305.NonceSizeX:
		return fmt.Errorf("nonce of %d bytes", len(k.Nonce))
	case len(k.WrappedKey) != KeySize+chacha20poly1305.Overhead:
		return fmt.Errorf("wrapped key of %d bytes", len(k.WrappedKey))
	case k.FailedAttempts < 0 || k.FailedAttempts > 1000:
		return fmt.Errorf("failed attempts %d", k.FailedAttempts)
	case k.Pending < 0:
		return fmt.Errorf("pending count %d", k.Pending)
	case k.Policy.MaxAttempts < 1 || k.Policy.MaxAttempts > 1000,
		k.Policy.OfflineLockHours < 1, k.Policy.OfflineWipeDays < 1:
		return fmt.Errorf("policy out of range")
	case k.Contact.Local.IsZero():
		return fmt.Errorf("no time of last contact")
	case k.Contact.Skew < 0 || k.Contact.Skew > 100*365*24*time.Hour:
		return fmt.Errorf("clock skew out of range")
	case len(k.DeviceID) > 64 || strings.ContainsAny(k.DeviceID, "\x00\n"):
		return fmt.Errorf("bad device id")
	}
	return k.KDF.params().validate()
}

// readKeyFile reads and parses the key file in dir, translating every failure
// into a domain error that says what is wrong.
func readKeyFile(dir string) (*keyFile, error) {
	f, err := os.Open(filepath.Join(dir, keyFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &signpost.Error{Kind: signpost.KindNotFound, Message: "no cache here: sign in online to set this device up", Err: err}
	}
	if err != nil {
		return nil, &signpost.Error{Kind: signpost.KindUnavailable, Message: "the cache's key file could not be read", Err: err}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, &signpost.Error{Kind: signpost.KindUnavailable, Message: "the cache's key file could not be read", Err: err}
	}
	k, err := parseKeyFile(b)
	switch {
	case errors.Is(err, errKeyFileNewer):
		return nil, &signpost.Error{Kind: signpost.KindConflict, Message: "this cache was written by a newer version of Signpost; update the app to open it", Err: err}
	case err != nil:
		return nil, &signpost.Error{Kind: signpost.KindConflict, Message: "the cache's key file is damaged, so the cache cannot be opened; wipe it and sign in online to start again", Err: err}
	}
	return k, nil
}

// writeKeyFile replaces the key file atomically.
func writeKeyFile(dir string, k *keyFile) error {
	b, err := k.marshal()
	if err != nil {
		return signpost.Internal("writing the key file", err)
	}
	if err := writeFileAtomic(dir, keyFileName, b); err != nil {
		return diskErr("saving the cache's key file", err)
	}
	return nil
}

// writeFileAtomic writes data to dir/name so that a crash leaves either the old
// file or the new one: a temporary file in the same folder, fsync, rename, and
// fsync of the folder so the rename itself is durable. The file has mode 0600.
func writeFileAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, "."+name+"-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// tempKeyFiles lists leftovers of interrupted key-file writes. Each may hold a
// wrapped key (perhaps under an old passphrase), so they are destroyed, not
// just ignored.
func tempKeyFiles(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "."+keyFileName+"-*.tmp"))
	return m
}

// shred overwrites a file with random bytes and syncs it, so that on a disk
// that writes in place the old content is gone before the name is. It returns
// nil if the file does not exist.
func shred(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := max(st.Size(), 1024)
	if _, err := io.CopyN(f, rand.Reader, size); err != nil {
		return err
	}
	return f.Sync()
}
