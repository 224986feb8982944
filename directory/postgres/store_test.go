package postgres_test

import (
	"context"
	"testing"

	"signpost/directory"
	"signpost/directory/postgres"
	"signpost/directory/postgres/pgtest"
	"signpost/directory/storetest"
)

// The shared suite, each test on a database of its own.
func TestStoreSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) directory.Store {
		st, err := postgres.Open(context.Background(), pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}

// The suite again with searches answered by the in-memory index.
func TestStoreSuiteWithSearchIndex(t *testing.T) {
	storetest.Run(t, func(t *testing.T) directory.Store {
		st, err := postgres.Open(context.Background(), pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.BuildSearchIndex(context.Background()); err != nil {
			t.Fatal(err)
		}
		return st
	})
}
