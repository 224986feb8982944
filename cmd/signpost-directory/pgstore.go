package main

// Issue 17: serve on PostgreSQL (--store postgres://… or SIGNPOST_STORE).

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"signpost"
	"signpost/directory"
	"signpost/directory/importer"
	"signpost/directory/postgres"
)

// servedStore is what serve needs of a store: the directory's Store and the
// in-memory search index both implementations keep.
type servedStore interface {
	directory.Store
	BuildSearchIndex(ctx context.Context) error
	SearchIndexSize() (int, bool)
}

// adminStore is what the admin commands need of a store (issue 17: either).
type adminStore interface {
	directory.Store
	AuditOfAction(ctx context.Context, action string, limit int) ([]directory.AuditEvent, error)
}

// addStoreFlags gives an admin command serve's --store and --insecure-store.
func addStoreFlags(fs *flag.FlagSet, m *Main) {
	fs.StringVar(&m.StoreURL, "store", os.Getenv("SIGNPOST_STORE"), "a PostgreSQL URL (postgres://…) of the directory, instead of the embedded store in --data (or SIGNPOST_STORE)")
	fs.BoolVar(&m.InsecureStore, "insecure-store", false, "allow a database off this machine without sslmode=verify-full or verify-ca")
}

// openAdminStore opens the PostgreSQL store of --store, else the embedded
// one in --data.
func (m *Main) openAdminStore(ctx context.Context) (adminStore, error) {
	if m.StoreURL != "" {
		return openPostgres(ctx, m.StoreURL, m.InsecureStore)
	}
	return m.OpenStore(ctx)
}

// openPostgres opens the PostgreSQL store after checking that the
// connection to it is protected (CheckStoreURL).
func openPostgres(ctx context.Context, dsn string, insecure bool) (*postgres.Store, error) {
	if err := CheckStoreURL(dsn, insecure); err != nil {
		return nil, err
	}
	return postgres.Open(ctx, dsn)
}

// CheckStoreURL refuses a database URL that reaches a host other than this
// machine (a Unix socket or a loopback address) without TLS that checks the
// server's certificate (sslmode=verify-full or verify-ca), unless insecure:
// PostgreSQL has no encryption at rest of its own, and the children's
// records must not cross a network in the clear nor to a server that
// merely claims to be the directory's database.
func CheckStoreURL(dsn string, insecure bool) error {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return &signpost.Error{Kind: signpost.KindInvalid, Message: "--store: not a PostgreSQL URL: " + redactDSN(err.Error())}
	}
	if insecure {
		return nil
	}
	hosts := []string{cfg.Host}
	for _, f := range cfg.Fallbacks {
		hosts = append(hosts, f.Host)
	}
	remote := ""
	for _, h := range hosts {
		if !localHost(h) {
			remote = h
			break
		}
	}
	if remote == "" {
		return nil
	}
	switch mode := sslMode(dsn); mode {
	case "verify-full", "verify-ca":
		return nil
	default:
		if mode == "" {
			mode = "unset (prefer)"
		}
		return &signpost.Error{Kind: signpost.KindInvalid, Message: fmt.Sprintf(
			"--store: the database at %s is not on this machine and its sslmode is %s: use sslmode=verify-full (or verify-ca) with sslrootcert, or --insecure-store on a private network you trust", remote, mode)}
	}
}

// localHost reports whether a PostgreSQL host is a Unix socket folder or a
// loopback address.
func localHost(h string) bool {
	if strings.HasPrefix(h, "/") || h == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && ip.IsLoopback()
}

// sslMode returns the sslmode a connection string asks for ("" for none),
// or PGSSLMODE's.
func sslMode(dsn string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if u, err := url.Parse(dsn); err == nil {
			if m := u.Query().Get("sslmode"); m != "" {
				return m
			}
		}
	} else {
		for _, f := range strings.Fields(dsn) {
			if k, v, ok := strings.Cut(f, "="); ok && k == "sslmode" {
				return strings.Trim(v, "'")
			}
		}
	}
	return os.Getenv("PGSSLMODE")
}

// redactDSN hides a password in an error's text.
func redactDSN(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if j := strings.Index(s[i+3:], "@"); j >= 0 {
			if k := strings.Index(s[i+3:i+3+j], ":"); k >= 0 {
				s = s[:i+3+k+1] + "xxxxx" + s[i+3+j:]
			}
		}
	}
	return s
}

// pgImportStore is a PostgreSQL store as import's importer.Load takes it:
// PostgreSQL keeps its own cache, and its search indexes stay in place (new
// children are written with COPY, directory/postgres/copy.go).
type pgImportStore struct{ *postgres.Store }

func (pgImportStore) SetWriterCache(context.Context, int) error { return nil }

func (pgImportStore) BeginBulk(context.Context) error {
	return &signpost.Error{Kind: signpost.KindInvalid, Message: "--bulk is for the embedded store: import into PostgreSQL without it"}
}

func (pgImportStore) EndBulk(context.Context, int) error { return nil }

// openImportStore opens the store import writes: --store's PostgreSQL, else
// the embedded one in --data.
func (m *Main) openImportStore(ctx context.Context) (importer.BulkStore, error) {
	if m.StoreURL != "" {
		st, err := openPostgres(ctx, m.StoreURL, m.InsecureStore)
		if err != nil {
			return nil, err
		}
		return pgImportStore{st}, nil
	}
	return m.OpenStore(ctx)
}
