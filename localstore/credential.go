package localstore

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"signpost"
)

// credFileName is the file beside the key file that holds the device
// credential. It is not encrypted: a locked app has no key, and must still
// ask the directory whether it has to wipe. The credential reads no record
// (the directory accepts it only for the device's directive and its wipe
// receipt), so it is no secret of a child; the session token stays inside
// the encrypted cache.
const credFileName = "signpost-device.credential"

// Credential is what a locked app needs to ask the directory for its
// directive: where the directory is, which device this is and the device
// credential the directory issued at the last sign-in.
type Credential struct {
	Server   string `json:"server"`
	DeviceID string `json:"device_id"`
	Secret   string `json:"credential"`
}

// SetCredential keeps the device credential beside the key file, replacing
// the last one (written whole, then renamed, mode 0600). It works on a
// locked cache.
func (s *Store) SetCredential(c Credential) error {
	if c.DeviceID == "" {
		c.DeviceID = s.DeviceID()
	}
	b, err := json.Marshal(c)
	if err != nil {
		return signpost.Internal("saving the device credential", err)
	}
	f, err := os.CreateTemp(s.dir, "."+credFileName+"-*.tmp")
	if err != nil {
		return diskErr("saving the device credential", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err = f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(s.dir, credFileName))
	}
	if err == nil {
		err = syncDir(s.dir)
	}
	if err != nil {
		return diskErr("saving the device credential", err)
	}
	return nil
}

// Credential reads the device credential kept beside the key file; a cache
// that has none (enrolled before there were credentials) is KindNotFound.
// It works on a locked cache.
func (s *Store) Credential() (Credential, error) {
	var c Credential
	b, err := os.ReadFile(filepath.Join(s.dir, credFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return c, &signpost.Error{Kind: signpost.KindNotFound, Message: "this laptop has no device credential yet; it gets one at its next sign-in"}
	}
	if err != nil {
		return c, diskErr("reading the device credential", err)
	}
	if err := json.Unmarshal(b, &c); err != nil || c.Secret == "" || c.Server == "" {
		return Credential{}, &signpost.Error{Kind: signpost.KindNotFound, Message: "this laptop's device credential is unreadable; it gets a new one at its next sign-in"}
	}
	return c, nil
}
