package sqlcipher

// Issue 17, operations: online backup and restore of the embedded store,
// still encrypted.
//
// SQLite's online backup API copies the pages of each file, as they are
// encrypted, into a new file under the same key and page size, in one step
// that holds one read snapshot: the directory serving on the same files goes
// on writing meanwhile (WAL), and the copy is that snapshot exactly. VACUUM
// INTO, the other online copy, was tried first: in SQLCipher 4.4.2 (SQLite
// 3.33) it keeps the key for the directory file (cipher pages of 4096, the
// default) but writes a copy of the audit file (pages of 1024) that the key
// opens at neither page size, and it refuses a query-only connection
// (backup_internal_test.go shows both), so it is not used. sqlcipher_export
// needs a writable source connection too.
//
// The directory file is copied before the audit file: the audit of a pushed
// change is committed before the change itself (commitPendingAudit), so the
// audit copied later holds the audit of every push in the directory's copy;
// the server audits its other actions just after them, before answering, so
// only one made as the directory's copy ends could miss its audit.
//
// A backup is a tar archive of the two encrypted files and a manifest that
// names them with their sizes and SHA-256 digests (nothing about what they
// hold): a damaged archive is told from a wrong key.

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"database/sql"
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

	sqlite3 "github.com/mutecomm/go-sqlcipher/v4"

	"signpost"
)

// backupFormat names the manifest's format.
const (
	backupFormat   = "signpost-directory-backup"
	backupVersion  = 1
	manifestName   = "signpost-backup.json"
	auditPageSize  = 1024
	directoryPages = 4096
)

// BackupManifest describes a backup archive.
type BackupManifest struct {
	Format  string       `json:"format"`
	Version int          `json:"version"`
	Created time.Time    `json:"created"`
	Files   []BackupFile `json:"files"`
}

// BackupFile is one encrypted file of a backup.
type BackupFile struct {
	Name     string `json:"name"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	PageSize int    `json:"page_size"`
}

// storeFiles are the files of a store in its data folder, in the order they
// are copied.
var storeFiles = []BackupFile{{Name: fileName, PageSize: directoryPages}, {Name: strings.TrimSuffix(fileName, ".db") + "-audit.db", PageSize: auditPageSize}}

// existingKey reads the key file, which must exist: a backup or restore
// never makes a new key.
func existingKey(keyFile string) ([]byte, error) {
	if _, err := os.Stat(keyFile); err != nil {
		return nil, &signpost.Error{Kind: signpost.KindInvalid, Message: fmt.Sprintf("the store key %s cannot be read (%v): give the key the store was made with (--key-file)", keyFile, errors.Unwrap(err)), Err: err}
	}
	key, err := LoadOrCreateKey(keyFile)
	if err != nil {
		return nil, &signpost.Error{Kind: signpost.KindInvalid, Message: err.Error(), Err: err}
	}
	return key, nil
}

// Backup copies the store in the data folder dir, keyed with the key in
// keyFile ("" for dir's store.key), to the archive to, while the store may
// be serving. The archive is written beside to and renamed into place, so
// to is either the whole backup or untouched.
func Backup(ctx context.Context, dir, keyFile, to string) (*BackupManifest, error) {
	if keyFile == "" {
		keyFile = filepath.Join(dir, keyFileName)
	}
	key, err := existingKey(keyFile)
	if err != nil {
		return nil, err
	}
	for _, f := range storeFiles {
		if _, err := os.Stat(filepath.Join(dir, f.Name)); err != nil {
			return nil, &signpost.Error{Kind: signpost.KindNotFound, Message: fmt.Sprintf("there is no store in %s (%s: %v)", dir, f.Name, errors.Unwrap(err)), Err: err}
		}
	}
	work, err := os.MkdirTemp(filepath.Dir(to), ".signpost-backup-")
	if err != nil {
		return nil, fmt.Errorf("making a work folder beside %s: %w", to, err)
	}
	defer os.RemoveAll(work)
	man := &BackupManifest{Format: backupFormat, Version: backupVersion, Created: time.Now().UTC()}
	for _, f := range storeFiles {
		out := filepath.Join(work, f.Name)
		if err := copyOnline(ctx, filepath.Join(dir, f.Name), out, key, f.PageSize); err != nil {
			return nil, err
		}
		if err := checkCopy(ctx, out, key, f.PageSize); err != nil {
			return nil, fmt.Errorf("checking the copy of %s: %w", f.Name, err)
		}
		if f.Size, f.SHA256, err = digestFile(out); err != nil {
			return nil, err
		}
		man.Files = append(man.Files, f)
	}
	tmp := filepath.Join(work, "backup.tar")
	if err := writeArchive(tmp, work, man); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, to); err != nil {
		return nil, fmt.Errorf("writing the backup %s: %w", to, err)
	}
	return man, nil
}

// copyOnline copies the encrypted file src to the new file dst with SQLite's
// backup API, in one step (one snapshot of src).
func copyOnline(ctx context.Context, src, dst string, key []byte, pageSize int) error {
	f, err := os.OpenFile(dst, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("making the copy %s: %w", dst, err)
	}
	f.Close()
	from, err := sql.Open(driverName, dsn(src, key, pageSize)+"&_query_only=1")
	if err != nil {
		return err
	}
	defer from.Close()
	to, err := sql.Open(driverName, dsn(dst, key, pageSize))
	if err != nil {
		return err
	}
	defer to.Close()
	fc, err := from.Conn(ctx)
	if err != nil {
		return translateOpen(src, err)
	}
	defer fc.Close()
	tc, err := to.Conn(ctx)
	if err != nil {
		return fmt.Errorf("making the copy %s: %w", dst, err)
	}
	defer tc.Close()
	// The key must open the source before its pages are copied: a backup
	// with the wrong key would copy pages it cannot read.
	if err := fc.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(new(int)); err != nil {
		return translateOpen(src, err)
	}
	return tc.Raw(func(dc any) error {
		return fc.Raw(func(sc any) error {
			b, err := dc.(*sqlite3.SQLiteConn).Backup("main", sc.(*sqlite3.SQLiteConn), "main")
			if err != nil {
				return fmt.Errorf("starting the backup of %s: %w", src, err)
			}
			if _, err := b.Step(-1); err != nil {
				b.Finish()
				return fmt.Errorf("copying %s: %w", src, err)
			}
			return b.Finish()
		})
	})
}

// checkCopy opens an encrypted file with key and checks it whole.
func checkCopy(ctx context.Context, path string, key []byte, pageSize int) error {
	db, err := sql.Open(driverName, dsn(path, key, pageSize)+"&_query_only=1")
	if err != nil {
		return err
	}
	defer db.Close()
	var ok string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&ok); err != nil {
		return err
	}
	if ok != "ok" {
		return fmt.Errorf("integrity check: %s", ok)
	}
	rows, err := db.QueryContext(ctx, `PRAGMA cipher_integrity_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var msg string
		_ = rows.Scan(&msg)
		return fmt.Errorf("cipher integrity check: %s", msg)
	}
	return rows.Err()
}

func digestFile(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", fmt.Errorf("reading %s: %w", path, err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// writeArchive writes the manifest and the files it names (in dir) to path,
// made 0600 and synced.
func writeArchive(path, dir string, man *BackupManifest) (err error) {
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("writing the backup: %w", err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("writing the backup: %w", cerr)
		}
	}()
	tw := tar.NewWriter(out)
	mj, _ := json.MarshalIndent(man, "", "  ")
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(mj)), ModTime: man.Created, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	if _, err := tw.Write(mj); err != nil {
		return err
	}
	for _, f := range man.Files {
		if err := tw.WriteHeader(&tar.Header{Name: f.Name, Mode: 0o600, Size: f.Size, ModTime: man.Created, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		in, err := os.Open(filepath.Join(dir, f.Name))
		if err != nil {
			return err
		}
		_, err = io.Copy(tw, in)
		in.Close()
		if err != nil {
			return fmt.Errorf("writing the backup: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("writing the backup: %w", err)
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("writing the backup: %w", err)
	}
	return nil
}

// damaged is the error for an archive that cannot be read as a backup.
func damaged(from, why string, err error) error {
	return &signpost.Error{Kind: signpost.KindInvalid, Message: fmt.Sprintf("the backup %s is damaged or not a Signpost backup (%s); nothing was restored", from, why), Err: err}
}

// Restore unpacks the backup archive from into the data folder dir (made
// 0700 if absent; it must not hold a store already) and checks it with the
// key in keyFile ("" for dir's store.key, which must exist): every file's
// digest, then that the key opens it, then its integrity, then that it opens
// as a store. Nothing is left in dir if a check fails.
func Restore(ctx context.Context, from, dir, keyFile string) (*BackupManifest, error) {
	if keyFile == "" {
		keyFile = filepath.Join(dir, keyFileName)
	}
	key, err := existingKey(keyFile)
	if err != nil {
		return nil, err
	}
	for _, f := range storeFiles {
		if _, err := os.Stat(filepath.Join(dir, f.Name)); err == nil {
			return nil, &signpost.Error{Kind: signpost.KindConflict, Message: fmt.Sprintf("%s already holds a store (%s): restore into a new folder, or move it away first", dir, f.Name)}
		}
	}
	in, err := os.Open(from)
	if err != nil {
		return nil, &signpost.Error{Kind: signpost.KindNotFound, Message: fmt.Sprintf("the backup %s cannot be read: %v", from, errors.Unwrap(err)), Err: err}
	}
	defer in.Close()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("making data folder %s: %w", dir, err)
	}
	work, err := os.MkdirTemp(dir, ".signpost-restore-")
	if err != nil {
		return nil, fmt.Errorf("making a work folder in %s: %w", dir, err)
	}
	defer os.RemoveAll(work)
	man, err := unpack(in, from, work)
	if err != nil {
		return nil, err
	}
	for _, f := range man.Files {
		path := filepath.Join(work, f.Name)
		db, err := sql.Open(driverName, dsn(path, key, f.PageSize)+"&_query_only=1")
		if err != nil {
			return nil, err
		}
		err = db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(new(int))
		db.Close()
		if err != nil {
			if strings.Contains(err.Error(), "file is not a database") {
				return nil, &signpost.Error{Kind: signpost.KindForbidden, Message: fmt.Sprintf("the key in %s does not open the backup %s: give the key of the store it was made from (--key-file); nothing was restored", keyFile, from), Err: err}
			}
			return nil, damaged(from, f.Name+" does not open", err)
		}
		if err := checkCopy(ctx, path, key, f.PageSize); err != nil {
			return nil, damaged(from, f.Name+": "+err.Error(), err)
		}
	}
	// It opens as a store (its migrations, its Signpost ID key).
	st, err := Open(ctx, filepath.Join(work, fileName), key)
	if err != nil {
		return nil, fmt.Errorf("opening the restored store: %w", err)
	}
	if err := st.Close(); err != nil {
		return nil, fmt.Errorf("closing the restored store: %w", err)
	}
	for _, f := range man.Files {
		if err := os.Rename(filepath.Join(work, f.Name), filepath.Join(dir, f.Name)); err != nil {
			return nil, fmt.Errorf("restoring %s: %w", f.Name, err)
		}
	}
	return man, nil
}

// unpack reads the manifest and the files it names from the archive in into
// work, checking each file's size and digest.
func unpack(in io.Reader, from, work string) (*BackupManifest, error) {
	tr := tar.NewReader(in)
	h, err := tr.Next()
	if err != nil {
		return nil, damaged(from, "no manifest", err)
	}
	if h.Name != manifestName || h.Size > 1<<20 {
		return nil, damaged(from, "it does not start with "+manifestName, nil)
	}
	var man BackupManifest
	if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&man); err != nil {
		return nil, damaged(from, "the manifest does not read", err)
	}
	if man.Format != backupFormat || man.Version != backupVersion {
		return nil, damaged(from, fmt.Sprintf("format %q version %d, want %q version %d", man.Format, man.Version, backupFormat, backupVersion), nil)
	}
	want := map[string]BackupFile{}
	for _, f := range man.Files {
		want[f.Name] = f
	}
	for _, f := range storeFiles {
		if w, ok := want[f.Name]; !ok || w.PageSize != f.PageSize {
			return nil, damaged(from, "the manifest does not name "+f.Name, nil)
		}
	}
	got := map[string]bool{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, damaged(from, "the archive is cut short or corrupt", err)
		}
		f, ok := want[h.Name]
		if !ok || got[h.Name] || h.Typeflag != tar.TypeReg {
			return nil, damaged(from, fmt.Sprintf("unexpected entry %q", signpost.Printable(h.Name)), nil)
		}
		out, err := os.OpenFile(filepath.Join(work, f.Name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, err
		}
		hs := sha256.New()
		n, err := io.Copy(io.MultiWriter(out, hs), tr)
		if err == nil {
			err = out.Sync()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil && !errors.Is(err, fs.ErrClosed) {
			return nil, damaged(from, f.Name+" is cut short", err)
		}
		if n != f.Size || hex.EncodeToString(hs.Sum(nil)) != f.SHA256 {
			return nil, damaged(from, f.Name+" does not match its digest", nil)
		}
		got[h.Name] = true
	}
	for _, f := range man.Files {
		if !got[f.Name] {
			return nil, damaged(from, f.Name+" is missing", nil)
		}
	}
	return &man, nil
}
