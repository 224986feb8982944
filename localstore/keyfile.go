package localstore

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
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
// count of unsent changes (in all, and by kind of change). It never holds
// anything about a child.
//
// Its content (one copy of it) is JSON:
//
//	{"format": "signpost-cache-key", "version": 1,
//	 "kdf": {"name": "argon2id", "memory_kib": 65536, "iterations": 3, "threads": 4, "salt": "<base64>"},
//	 "cipher": "xchacha20-poly1305", "nonce": "<base64>", "wrapped_key": "<base64>",
//	 "device_id": "…", "failed_attempts": 0, "pending": 0, "unsent": {"set_caf": 1},
//	 "policy": {"max_passphrase_attempts": 10, "offline_lock_hours": 72, "offline_wipe_days": 30},
//	 "contact": {"server": "…", "local": "…", "seen": "…"},
//	 "check": "<hex SHA-256 of the file with check empty>"}
//
// The header (format, version, KDF parameters, salt, cipher) is the associated
// data of the AEAD, so changing a parameter makes the passphrase fail rather
// than weakening the wrap. The check catches accidental damage (a flipped bit,
// a half-written copy) so it is reported as damage and not counted as a wrong
// passphrase; it is not a defence against deliberate edits, which the AEAD is.
//
// # Two slots, overwritten in place
//
// The file is updated often (every passphrase attempt, every change to the
// count of unsent changes), and each copy of it holds the wrapped key. Were it
// replaced by rename, every old copy would stay in freed disk blocks, out of
// reach of a wipe. So the file is exactly two slots of slotSize bytes, written
// in place alternately: generation g goes to slot g%2, the slot that does not
// hold the newest copy, and is fsynced before the write returns. A reader
// takes the newest valid slot. Each 512-byte sector of a slot begins with the
// slot's generation (its stamp), then comes a header (slotMagic, generation,
// length), the JSON above, zero padding and a SHA-256 of the slot. A write cut
// short leaves a slot whose sectors carry mixed stamps, some of them the next
// generation: the other slot is then the newest copy and is used. A slot that
// fails its checksum with consistent stamps is damage, not an interrupted
// write, and is reported as such. When the wrap itself changes (a new
// passphrase), both slots are written, the older first, so no copy under the
// old passphrase stays in the file.
//
// A key file of the old format (the JSON alone, replaced by rename) is read
// as it is and moved to the slots by its first update, without a rename: the
// second slot is written first, past the old text, and then the first slot
// over the old text. A crash between the two leaves the old text in the first
// slot and a valid copy in the second, which is read.
//
// Only a new cache's first key file is put in place by renaming a temporary
// file, to a name where no key file is: nothing is ever renamed over a key
// file (which also fails on Windows while the file is open).

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

	// The slotted file: two slots of slotSize bytes, each slotSectors
	// sectors that begin with a stamp (the slot's generation).
	slotSize    = 4096
	sectorSize  = 512
	slotSectors = slotSize / sectorSize
	stampSize   = 8
	keyFileSize = 2 * slotSize
	slotMagic   = "SPKSLOT1"
	// slotHeader is magic, generation (8 bytes) and payload length (4 bytes).
	slotHeader = len(slotMagic) + 8 + 4
	// slotData is what a slot holds besides its stamps; the checksum takes
	// its last sha256.Size bytes.
	slotData = slotSectors * (sectorSize - stampSize)
	// maxSlotPayload is the longest key-file JSON a slot holds (about four
	// times what one needs).
	maxSlotPayload = slotData - slotHeader - sha256.Size
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
	Format         string    `json:"format"`
	Version        int       `json:"version"`
	KDF            kdfHeader `json:"kdf"`
	Cipher         string    `json:"cipher"`
	Nonce          []byte    `json:"nonce"`
	WrappedKey     []byte    `json:"wrapped_key"`
	DeviceID       string    `json:"device_id"`
	FailedAttempts int       `json:"failed_attempts"`
	Pending        int       `json:"pending"`
	// Unsent counts the unsent items of Pending by kind of change
	// (signpost.MutSetCAF…), for the wipe receipt of a locked cache.
	Unsent  map[string]int `json:"unsent,omitempty"`
	Policy  lockPolicy     `json:"policy"`
	Contact contact        `json:"contact"`
	Check   string         `json:"check"`

	// disk is how the file held this copy; it is not part of the JSON.
	disk diskState
}

// diskState says where the next write of a key file goes.
type diskState struct {
	gen    uint64 // generation of the newest slot (0: none, or the old format)
	legacy bool   // the file is in the old format, not yet moved to slots
	nonce  []byte // the wrap's nonce as last written: a new wrap goes to both slots
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
	c.disk.nonce = bytes.Clone(k.disk.nonce)
	c.Unsent = maps.Clone(k.Unsent)
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

// parseKeyFile parses and checks a key file: the newest valid slot of a
// slotted file, or a file of the old format (one JSON copy). It never
// panics, whatever b holds.
func parseKeyFile(b []byte) (*keyFile, error) {
	if len(b) > maxKeyFileSize {
		return nil, fmt.Errorf("%w: %d bytes is too large", errKeyFileDamaged, len(b))
	}
	var slots [2]slot
	newest := -1
	for i := range slots {
		if len(b) >= (i+1)*slotSize {
			slots[i] = readSlot(b[i*slotSize:(i+1)*slotSize], i)
		}
		if slots[i].ok && (newest < 0 || slots[i].gen > slots[newest].gen) {
			newest = i
		}
	}
	if newest < 0 {
		if !oldFormat(b) {
			return nil, fmt.Errorf("%w: no valid copy in the key file", errKeyFileDamaged)
		}
		// The old format, perhaps with the second slot of its move to slots
		// cut short after it (the gap between reads as zeros).
		text := b
		if len(text) > slotSize {
			text = text[:slotSize]
		}
		k, err := parseKeyJSON(bytes.TrimRight(text, "\x00"))
		if err != nil {
			return nil, err
		}
		k.disk = diskState{legacy: true, nonce: bytes.Clone(k.Nonce)}
		return k, nil
	}
	if len(b) != keyFileSize {
		return nil, fmt.Errorf("%w: a key file of %d bytes, not %d", errKeyFileDamaged, len(b), keyFileSize)
	}
	best, other := slots[newest], slots[1-newest]
	switch {
	case other.ok:
	case other.torn(best.gen + 1):
		// The write of the next copy was cut short: best is the newest.
	case newest == 1 && best.gen == 1 && oldFormat(b[:slotSize]):
		// Moving from the old format: the old text is still in the first slot.
	default:
		return nil, fmt.Errorf("%w: one of the two copies in the key file is damaged", errKeyFileDamaged)
	}
	k, err := parseKeyJSON(best.payload)
	if err != nil {
		return nil, err
	}
	k.disk = diskState{gen: best.gen, nonce: bytes.Clone(k.Nonce)}
	return k, nil
}

// oldFormat reports whether b begins as JSON: a key file of the old format.
func oldFormat(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

// slot is one slot of a key file as read.
type slot struct {
	ok      bool     // stamps, header and checksum agree
	gen     uint64   // its generation, when ok
	payload []byte   // the key file's JSON, when ok
	stamps  []uint64 // the stamp of each sector, whatever they say
}

// torn reports whether the slot is an interrupted write of generation gen:
// some of its sectors carry gen and some do not.
func (s slot) torn(gen uint64) bool {
	some, all := false, len(s.stamps) > 0
	for _, st := range s.stamps {
		some = some || st == gen
		all = all && st == gen
	}
	return some && !all
}

// readSlot decodes slot i (raw is slotSize bytes). It never panics.
func readSlot(raw []byte, i int) slot {
	var s slot
	data := make([]byte, 0, slotData)
	for sec := 0; sec < slotSectors; sec++ {
		p := raw[sec*sectorSize : (sec+1)*sectorSize]
		s.stamps = append(s.stamps, binary.BigEndian.Uint64(p[:stampSize]))
		data = append(data, p[stampSize:]...)
	}
	sum := sha256.Sum256(raw[:slotSize-sha256.Size])
	if !bytes.Equal(sum[:], raw[slotSize-sha256.Size:]) || string(data[:len(slotMagic)]) != slotMagic {
		return s
	}
	gen := binary.BigEndian.Uint64(data[len(slotMagic):])
	n := int(binary.BigEndian.Uint32(data[len(slotMagic)+8:]))
	if gen == 0 || gen%2 != uint64(i) || n > maxSlotPayload {
		return s
	}
	for _, st := range s.stamps {
		if st != gen {
			return s
		}
	}
	s.ok, s.gen, s.payload = true, gen, data[slotHeader:slotHeader+n]
	return s
}

// encodeSlot returns the slotSize bytes of generation gen holding payload.
func encodeSlot(gen uint64, payload []byte) ([]byte, error) {
	if len(payload) > maxSlotPayload {
		return nil, fmt.Errorf("a key file of %d bytes does not fit a slot of %d", len(payload), maxSlotPayload)
	}
	data := make([]byte, slotData)
	copy(data, slotMagic)
	binary.BigEndian.PutUint64(data[len(slotMagic):], gen)
	binary.BigEndian.PutUint32(data[len(slotMagic)+8:], uint32(len(payload)))
	copy(data[slotHeader:], payload)
	raw := make([]byte, slotSize)
	for sec := 0; sec < slotSectors; sec++ {
		p := raw[sec*sectorSize : (sec+1)*sectorSize]
		binary.BigEndian.PutUint64(p[:stampSize], gen)
		copy(p[stampSize:], data[sec*(sectorSize-stampSize):])
	}
	sum := sha256.Sum256(raw[:slotSize-sha256.Size])
	copy(raw[slotSize-sha256.Size:], sum[:])
	return raw, nil
}

// parseKeyJSON parses and checks one copy of the key file (its JSON).
func parseKeyJSON(b []byte) (*keyFile, error) {
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
	case !validKinds(k.Unsent):
		return fmt.Errorf("unsent counts out of range")
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

// validKinds reports whether counts by kind are short names with counts
// that are not negative.
func validKinds(kinds map[string]int) bool {
	if len(kinds) > 16 {
		return false
	}
	for k, n := range kinds {
		if n < 0 || k == "" || len(k) > 32 {
			return false
		}
	}
	return true
}

// readKeyFile reads and parses the key file in dir, translating every failure
// into a domain error that says what is wrong.
func readKeyFile(dir string) (*keyFile, error) {
	f, err := os.Open(filepath.Join(dir, keyFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &signpost.Error{Kind: signpost.KindNotFound, Message: "Signpost is not set up here: sign in online to set this laptop up", Err: err}
	}
	if err != nil {
		return nil, &signpost.Error{Kind: signpost.KindUnavailable, Message: "the key file of this laptop's Signpost data could not be read", Err: err}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, &signpost.Error{Kind: signpost.KindUnavailable, Message: "the key file of this laptop's Signpost data could not be read", Err: err}
	}
	k, err := parseKeyFile(b)
	switch {
	case errors.Is(err, errKeyFileNewer):
		return nil, &signpost.Error{Kind: signpost.KindConflict, Message: "the records on this laptop were written by a newer version of Signpost; update the app to open them", Err: err}
	case err != nil:
		return nil, &signpost.Error{Kind: signpost.KindConflict, Message: "the key file of this laptop's Signpost records is damaged, so they cannot be opened; wipe them and sign in online to start again", Err: err}
	}
	return k, nil
}

// writeKeyFile saves k over the key file in place: the next generation into
// the slot that does not hold the newest copy, then fsync. A new wrap, or a
// file of the old format, is written to both slots, the other one first.
// k.disk says where the file stands and is updated.
func writeKeyFile(dir string, k *keyFile) error {
	b, err := k.marshal()
	if err != nil {
		return signpost.Internal("writing the key file", err)
	}
	gens := []uint64{k.disk.gen + 1}
	if k.disk.legacy || !bytes.Equal(k.disk.nonce, k.Nonce) {
		gens = append(gens, k.disk.gen+2)
	}
	if err := writeSlots(filepath.Join(dir, keyFileName), b, gens); err != nil {
		return diskErr("saving the key file of this laptop's Signpost data", err)
	}
	k.disk = diskState{gen: gens[len(gens)-1], nonce: bytes.Clone(k.Nonce)}
	return nil
}

// writeSlots writes payload as each generation in gens, in order, into the
// existing file at path, with an fsync after each.
func writeSlots(path string, payload []byte, gens []uint64) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, g := range gens {
		raw, err := encodeSlot(g, payload)
		if err != nil {
			return err
		}
		if _, err := f.WriteAt(raw, int64(g%2)*slotSize); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
	}
	return f.Close()
}

// createKeyFile makes the key file of a new cache with k in both slots. It
// is written in full as a temporary file, synced, and only then given the
// key file's name, which must not be taken, so that until the key file exists
// there is no cache. The file has mode 0600.
func createKeyFile(dir string, k *keyFile) (err error) {
	b, err := k.marshal()
	if err != nil {
		return signpost.Internal("writing the key file", err)
	}
	path := filepath.Join(dir, keyFileName)
	f, err := os.CreateTemp(dir, "."+keyFileName+"-*.tmp")
	if err != nil {
		return diskErr("saving the key file of this laptop's Signpost data", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			if shred(tmp) == nil {
				os.Remove(tmp)
			}
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return diskErr("saving the key file of this laptop's Signpost data", err)
	}
	for _, g := range []uint64{1, 2} {
		raw, err := encodeSlot(g, b)
		if err != nil {
			return signpost.Internal("writing the key file", err)
		}
		if _, err := f.WriteAt(raw, int64(g%2)*slotSize); err != nil {
			return diskErr("saving the key file of this laptop's Signpost data", err)
		}
	}
	if err = f.Sync(); err != nil {
		return diskErr("saving the key file of this laptop's Signpost data", err)
	}
	if err = f.Close(); err != nil {
		return diskErr("saving the key file of this laptop's Signpost data", err)
	}
	if _, err = os.Lstat(path); err == nil {
		err = &signpost.Error{Kind: signpost.KindConflict, Message: "Signpost is already set up in this folder"}
		return err
	} else if !errors.Is(err, fs.ErrNotExist) {
		return diskErr("saving the key file of this laptop's Signpost data", err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return diskErr("saving the key file of this laptop's Signpost data", err)
	}
	if err = syncDir(dir); err != nil {
		return diskErr("saving the key file of this laptop's Signpost data", err)
	}
	k.disk = diskState{gen: 2, nonce: bytes.Clone(k.Nonce)}
	return nil
}

// tempKeyFiles lists leftovers of interrupted key-file writes (a new cache's
// first key file, or any update under the old rename scheme). Each may hold
// a wrapped key (perhaps under an old passphrase), so they are destroyed, not
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
