package main

// Issue 17, operations: backup while a real serve process writes, restore,
// and serve the copy.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	gosync "sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func postJSON(t *testing.T, url, token string, body any) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

func TestBackupWhileServeWritesThenRestoreAndServe(t *testing.T) {
	ctx := context.Background()
	work := t.TempDir()
	bin := filepath.Join(work, "signpost-directory")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building: %v\n%s", err, out)
	}
	data := filepath.Join(work, "data")
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	var log bytes.Buffer
	cmd := exec.Command(bin, "serve", "--data", data, "--listen", addr, "--metrics-addr", metricsAddr, "--demo", "--demo-children", "300", "--maintenance=false")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	base := "http://" + addr
	for i := 0; ; i++ {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if i > 600 {
			t.Fatalf("serve did not start:\n%s", log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	otp, _ := totp.GenerateCode(demo.TOTPSecret, time.Now())
	st, b := postJSON(t, base+"/v1/session", "", signpost.SessionRequest{Username: "nurse", Password: demo.Password, OTP: otp, DeviceID: uuid.NewString(), DeviceName: "Backup test laptop"})
	if st != 200 {
		t.Fatalf("sign-in: %d %s", st, b)
	}
	var sess signpost.SessionResponse
	json.Unmarshal(b, &sess)

	// Three searches (each audited) before the backup; pushes (each kept,
	// and audited) while it runs.
	var jamie string
	for i := 0; i < 3; i++ {
		st, b := postJSON(t, base+"/v1/search", sess.Token, signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14", Reason: "checking a referral"})
		var sr signpost.SearchResponse
		if json.Unmarshal(b, &sr); st != 200 || len(sr.Matches) == 0 {
			t.Fatalf("search: %d %s", st, b)
		}
		jamie = sr.Matches[0].SignpostID
	}
	var pushes atomic.Int64
	stop := make(chan struct{})
	var wg gosync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			m := signpost.Mutation{ID: uuid.Must(uuid.NewV7()).String(), Kind: signpost.MutSetCAF, ChildID: jamie, Value: pushes.Load()%2 == 0, At: time.Now()}
			if st, b := postJSON(t, base+"/v1/sync/push", sess.Token, signpost.PushRequest{Mutations: []signpost.Mutation{m}}); st != 200 {
				t.Errorf("push during the backup: %d %s", st, b)
				return
			}
			pushes.Add(1)
		}
	}()
	for pushes.Load() < 3 {
		time.Sleep(10 * time.Millisecond)
	}
	backup := filepath.Join(work, "signpost.backup")
	var out bytes.Buffer
	err := run(ctx, []string{"backup", "--data", data, "--to", backup}, &out, io.Discard)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup while serving: %v", err)
	}
	if !strings.Contains(out.String(), "backed up") {
		t.Errorf("backup printed %q", out.String())
	}
	raw, _ := os.ReadFile(backup)
	for _, s := range []string{"Fixture", "Jamie", "checking a referral", "nurse"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("the backup holds %q in plaintext", s)
		}
	}

	// The serving process counted the searches.
	res, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !bytes.Contains(mb, []byte(`signpost_http_requests_total{route="POST /v1/search",status="200"}`)) {
		t.Errorf("serve --metrics-addr does not count the searches:\n%s", mb)
	}

	restored := filepath.Join(work, "restored")
	out.Reset()
	if err := run(ctx, []string{"restore", "--from", backup, "--to", restored, "--key-file", filepath.Join(data, "store.key")}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "--key-file") {
		t.Errorf("restore printed %q: it should say how to serve with the key", out.String())
	}
	// Restoring over it again is refused.
	if err := run(ctx, []string{"restore", "--from", backup, "--to", restored, "--key-file", filepath.Join(data, "store.key")}, io.Discard, io.Discard); err == nil {
		t.Error("a restore over a store succeeded")
	}

	m := NewMain()
	m.DataDir, m.KeyFile, m.Listen, m.Maintenance = restored, filepath.Join(data, "store.key"), "127.0.0.1:0", false
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c, err := m.Store.Child(ctx, m.Store.IDCodec().ID(1))
	if err != nil || c.GivenName != "Jamie" {
		t.Fatalf("Jamie in the restored store: %+v %v", c, err)
	}
	// The searches made before the backup began are in the restored audit.
	n := 0
	if err := directory.EachAccess(ctx, m.Store, c.SignpostID, func(e signpost.AccessEntry) error {
		if e.Action == "search" {
			n++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n < 3 {
		t.Errorf("the restored audit has %d searches that found Jamie; at least 3 were made before the backup", n)
	}
	t.Logf("pushes while backing up: %d; searches in the restored audit: %d", pushes.Load(), n)
}
