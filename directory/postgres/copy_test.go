package postgres_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"signpost"
	"signpost/directory"
	"signpost/directory/postgres"
	"signpost/directory/postgres/pgtest"
)

// A large Creates batch (COPY) stores each child as a batch of one
// (INSERT) does, commits or fails with the rest of its batch, and cleans
// text as the INSERTs do.
func TestApplyFeedCopiesLargeCreates(t *testing.T) {
	ctx := context.Background()
	st, err := postgres.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const n = 200
	first, err := st.AllocateSerials(ctx, 3*n)
	if err != nil {
		t.Fatal(err)
	}
	child := func(serial, i int) directory.NewChild {
		c := directory.NewChild{Child: signpost.Child{SignpostID: st.IDCodec().ID(serial), GivenName: fmt.Sprintf("Nia%d", i), FamilyName: "Feed\x00",
			DateOfBirth: "2016-02-03", Gender: "female", Postcode: "LS6 1AA", Address: "1 Street",
			School: &signpost.Setting{Code: "100002", Name: "School", StartedOn: "2021-09-01"}}, AuthorityCode: "E08000035"}
		if i%2 == 0 {
			c.NHSNumber = fmt.Sprintf("9%09d", i)
			c.DateOfDeath = "2024-01-01"
		}
		return c
	}
	big := make([]directory.NewChild, n)
	for i := range big {
		big[i] = child(first+i, i)
	}
	res, err := st.ApplyFeed(ctx, &directory.FeedBatch{Creates: big})
	if err != nil || res.Created != n {
		t.Fatalf("large batch: %+v %v", res, err)
	}
	for _, i := range []int{0, 1, n - 1} {
		one := child(first+n+i, i)
		one.NHSNumber = ""
		b := child(first+i, i)
		b.NHSNumber = ""
		if _, err := st.ApplyFeed(ctx, &directory.FeedBatch{Creates: []directory.NewChild{one}}); err != nil {
			t.Fatal(err)
		}
		got, err := st.Child(ctx, b.SignpostID)
		if err != nil {
			t.Fatal(err)
		}
		want, err := st.Child(ctx, one.SignpostID)
		if err != nil {
			t.Fatal(err)
		}
		if got.FamilyName != "Feed\uFFFD" {
			t.Errorf("copied child %d: %+v", i, got)
		}
		if i%2 == 0 {
			if got.NHSNumber == "" || got.Status != signpost.StatusDeceased {
				t.Errorf("copied child %d: NHS %q status %s", i, got.NHSNumber, got.Status)
			}
			got.NHSNumber = ""
		}
		got.SignpostID, want.SignpostID = "", ""
		if !reflect.DeepEqual(got, want) {
			t.Errorf("copied child %d:\n%+v\ninserted:\n%+v", i, got, want)
		}
	}
	// A batch that fails (a Signpost ID already held) leaves nothing.
	bad := make([]directory.NewChild, n)
	for i := range bad {
		bad[i] = child(first+2*n+i, n+i)
		bad[i].NHSNumber = ""
	}
	bad[n-1] = child(first, 1)
	if _, err := st.ApplyFeed(ctx, &directory.FeedBatch{Creates: bad[1:]}); err == nil {
		t.Fatal("a batch with a Signpost ID already held was applied")
	}
	if _, err := st.Child(ctx, bad[1].SignpostID); err == nil {
		t.Error("a failed batch left a child")
	}
}
