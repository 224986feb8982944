package main

// Issue 17: signpost-directory migrate-store --from DIR --to postgres://…
// copies an embedded directory into an empty PostgreSQL database and checks
// the copy by counting every table on both sides and comparing a digest of
// its rows (directory.RowDigest, summed).

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"

	"signpost"
	"signpost/directory/sqlcipher"
)

const migrateStoreUsage = `  migrate-store     --from DIR [--key-file FILE] --to postgres://… [--insecure-store]
                    copy an embedded directory (children, accounts, devices, involvements,
                    the audit log in its order, review queue, sync state, notifications) into an empty
                    PostgreSQL database, and check the copy by counts and digests`

// migrateBatch is how many rows go in one COPY.
const migrateBatch = 5000

func runMigrateStore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate-store", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the embedded store's data folder")
	keyFile := fs.String("key-file", "", "its key file (default FROM/store.key)")
	to := fs.String("to", "", "the PostgreSQL URL of an empty database")
	insecure := fs.Bool("insecure-store", false, "allow a database off this machine without sslmode=verify-full or verify-ca")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *from == "" || *to == "" {
		return &signpost.Error{Kind: signpost.KindInvalid, Message: "migrate-store needs --from DIR and --to postgres://…"}
	}
	src, err := sqlcipher.OpenDir(ctx, *from, *keyFile)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := openPostgres(ctx, *to, *insecure)
	if err != nil {
		return err
	}
	defer dst.Close()
	if err := dst.BeginImport(ctx); err != nil {
		return err
	}
	tables := slices.Concat(sqlcipher.DirectoryTables, sqlcipher.AuditTables)
	for _, table := range tables {
		var cols []string
		var batch [][]any
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			err := dst.ImportRows(ctx, table, cols, batch)
			batch = batch[:0]
			return err
		}
		err := src.ExportTable(ctx, table, func(c []string, row []any) error {
			cols = c
			batch = append(batch, slices.Clone(row))
			if len(batch) >= migrateBatch {
				return flush()
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
		if err != nil {
			return fmt.Errorf("copying %s: %w", table, err)
		}
	}
	if err := dst.EndImport(ctx); err != nil {
		return err
	}
	var bad []string
	for _, table := range tables {
		cols, a, da, err := src.TableDigest(ctx, table)
		if err != nil {
			return err
		}
		b, db, err := dst.TableDigest(ctx, table, cols)
		if err != nil {
			return err
		}
		mark := ""
		if a != b || da != db {
			mark = "  MISMATCH"
			bad = append(bad, table)
		}
		fmt.Fprintf(stdout, "%-18s %10d %10d  %016x%s\n", table, a, b, da, mark)
	}
	if len(bad) > 0 {
		return &signpost.Error{Kind: signpost.KindInternal, Message: fmt.Sprintf("the copy does not match the source in %v", bad)}
	}
	fmt.Fprintln(stdout, "copied; every table's count and digest match")
	return nil
}
