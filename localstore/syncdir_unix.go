//go:build !windows

package localstore

import "os"

// syncDir makes the creation, renaming and removal of the files in dir
// durable: on POSIX systems a rename is not on disk until its directory is.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
