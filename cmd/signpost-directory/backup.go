package main

// Issue 17, operations: backup and restore of the embedded store.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"signpost/directory/sqlcipher"
)

const backupUsage = `  backup            --to FILE   an encrypted copy of the store (its directory and audit files), taken
                                  while serve runs; the same key opens it
  restore           --from FILE --to DIR [--key-file KEY]
                                  unpack a backup into a new data folder, checking every file's digest,
                                  that the key opens it and its integrity (KEY default DIR/store.key)`

// backupCommand runs backup and restore; ok is false for other commands.
func backupCommand(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) (ok bool, err error) {
	switch cmd {
	case "backup":
		return true, runBackup(ctx, args, stdout, stderr)
	case "restore":
		return true, runRestore(ctx, args, stdout, stderr)
	}
	return false, nil
}

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, m := newFlags("backup", stderr)
	to := fs.String("to", "", "the backup file to write (replaced whole, or left as it was)")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *to == "" {
		return errors.New("--to FILE is required")
	}
	man, err := sqlcipher.Backup(ctx, m.DataDir, m.KeyFile, *to)
	if err != nil {
		return err
	}
	var size int64
	for _, f := range man.Files {
		size += f.Size
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d files, %d bytes, encrypted with the store key)\n", m.DataDir, *to, len(man.Files), size)
	return nil
}

func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the backup file")
	to := fs.String("to", "", "the data folder to restore into (new, or without a store)")
	keyFile := fs.String("key-file", "", "the store key the backup was made with (default TO/store.key)")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *from == "" || *to == "" {
		return errors.New("--from FILE and --to DIR are required")
	}
	if _, err := sqlcipher.Restore(ctx, *from, *to, *keyFile); err != nil {
		return err
	}
	serve := "signpost-directory serve --data " + *to
	if *keyFile != "" && filepath.Clean(*keyFile) != filepath.Join(*to, "store.key") {
		serve += " --key-file " + *keyFile
	}
	fmt.Fprintf(stdout, "restored %s into %s; serve it with: %s\n", *from, *to, serve)
	return nil
}
