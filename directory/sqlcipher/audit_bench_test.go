package sqlcipher_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"signpost/directory"
	"signpost/directory/sqlcipher"
)

func BenchmarkAuditCommit(b *testing.B) {
	st, err := sqlcipher.Open(context.Background(), filepath.Join(b.TempDir(), "d.db"), key)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ev := directory.AuditEvent{At: time.Now(), UserID: 1, Username: "nurse", DeviceID: "0191d6f2-0000-7000-8000-000000000000", Action: "search",
		Params: `{"family_name":"Smith","date_of_birth":"2016-01-01"}`, Results: []string{"SP000000018"}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := st.Audit(context.Background(), []directory.AuditEvent{ev, ev}); err != nil {
			b.Fatal(err)
		}
	}
}
