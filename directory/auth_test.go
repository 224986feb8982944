package directory_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strconv"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
)

// answer is a reply with its headers, for checks on Retry-After.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// send is do without t.Fatal, for use from many goroutines at once.
func (e *env) send(method, path, token string, body any) (answer, error) {
	j, err := json.Marshal(body)
	if err != nil {
		return answer{}, err
	}
	req, err := http.NewRequest(method, e.http.URL+path, bytes.NewReader(j))
	if err != nil {
		return answer{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, b}, err
}

// flood sends n sign-ins at once, made by req(i), and returns the answers.
func (e *env) flood(t *testing.T, n int, req func(i int) signpost.SessionRequest) []answer {
	t.Helper()
	out := make([]answer, n)
	errs := make([]error, n)
	var wg gosync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i], errs[i] = e.send("POST", "/v1/session", "", req(i))
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// checkRetryAfter fails unless every 429 and 503 says, in whole seconds, when to try again.
func checkRetryAfter(t *testing.T, as []answer) {
	t.Helper()
	bad := 0
	for _, a := range as {
		if a.status != http.StatusTooManyRequests && a.status != http.StatusServiceUnavailable {
			continue
		}
		if n, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || n < 1 {
			if bad == 0 {
				t.Errorf("%d without a Retry-After in seconds (%q): %s", a.status, a.header.Get("Retry-After"), a.body)
			}
			bad++
		}
	}
	if bad > 1 {
		t.Errorf("and %d more answers without Retry-After", bad-1)
	}
}

func answerStatuses(as []answer) map[int]int {
	m := map[int]int{}
	for _, a := range as {
		m[a.status]++
	}
	return m
}

func TestConcurrentWrongGuessesCheckAtMostFivePasswords(t *testing.T) {
	e := newEnv(t, 20, nil)
	before := e.server.PasswordChecks()
	as := e.flood(t, 40, func(i int) signpost.SessionRequest {
		return signpost.SessionRequest{Username: "manager", Password: fmt.Sprintf("guess-%d", i), OTP: "000000", DeviceID: uuid.NewString(), DeviceName: "x"}
	})
	checked := e.server.PasswordChecks() - before
	if checked > 5 || checked < 1 {
		t.Errorf("40 concurrent wrong guesses had %d passwords checked; the design allows 5 per 15 minutes (and at least one must be checked)", checked)
	}
	for status, n := range answerStatuses(as) {
		if status != http.StatusUnauthorized && status != http.StatusTooManyRequests {
			t.Errorf("%d answers of %d, want only 401 and 429", n, status)
		}
	}
	checkRetryAfter(t, as)
	// The right password is refused too now: the account is throttled, not just the guesses.
	r := e.do("POST", "/v1/session", "", signpost.SessionRequest{Username: "manager", Password: demo.Password, OTP: code(t, e.clock.Now()), DeviceID: uuid.NewString(), DeviceName: "x"})
	if r.status != http.StatusTooManyRequests {
		t.Errorf("the right password after 40 wrong guesses: %d %s, want 429", r.status, r.body)
	}
}

func TestOneTOTPCodeSignsInOnce(t *testing.T) {
	type attempt struct {
		offset time.Duration // of the code from the server's clock
		want   int
	}
	for _, tc := range []struct {
		name     string
		attempts []attempt
	}{
		{"the same code twice", []attempt{{0, 200}, {0, 401}}},
		{"an earlier code after a later one", []attempt{{30 * time.Second, 200}, {0, 401}, {-30 * time.Second, 401}}},
		{"the next code after one was used", []attempt{{0, 200}, {30 * time.Second, 200}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 20, nil)
			for i, at := range tc.attempts {
				r := e.do("POST", "/v1/session", "", signpost.SessionRequest{Username: "social", Password: demo.Password,
					OTP: code(t, e.clock.Now().Add(at.offset)), DeviceID: uuid.NewString(), DeviceName: "x"})
				if r.status != at.want {
					t.Errorf("sign-in %d (code %v from now): %d %s, want %d", i, at.offset, r.status, r.body, at.want)
				}
			}
		})
	}
	t.Run("concurrent sign-ins with one code", func(t *testing.T) {
		e := newEnv(t, 20, nil)
		otp := code(t, e.clock.Now())
		as := e.flood(t, 8, func(int) signpost.SessionRequest {
			return signpost.SessionRequest{Username: "social", Password: demo.Password, OTP: otp, DeviceID: uuid.NewString(), DeviceName: "x"}
		})
		if got := answerStatuses(as); got[200] != 1 || got[200]+got[401]+got[429] != len(as) {
			t.Errorf("8 concurrent sign-ins with one code: %v, want exactly one 200 and the rest 401 or 429", got)
		}
	})
}

// heapPeak samples the heap in use every millisecond until stop is closed
// and returns the highest value seen.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-stop:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
}

func heapNow() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func TestSignInFloodKeepsMemoryFlat(t *testing.T) {
	const n, limit = 96, 300 << 20
	for _, tc := range []struct {
		name  string
		tweak func(*directory.Config)
	}{
		{"default limits", func(c *directory.Config) { c.PasswordCost = directory.DefaultPasswordParams }},
		// Only the password-check slots stand between the flood and the memory.
		{"address limit lifted", func(c *directory.Config) {
			c.PasswordCost = directory.DefaultPasswordParams
			c.SignInAddrRate, c.SignInAddrBurst = 1000, 1000
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 20, tc.tweak)
			base := heapNow()
			stop := make(chan struct{})
			peak := heapPeak(stop)
			var fresh atomic.Int64
			as := e.flood(t, n, func(int) signpost.SessionRequest {
				return signpost.SessionRequest{Username: fmt.Sprintf("nobody-%d", fresh.Add(1)), Password: "a guess", OTP: "000000", DeviceID: uuid.NewString(), DeviceName: "x"}
			})
			close(stop)
			growth := int64(<-peak) - int64(base)
			t.Logf("%d sign-ins with fresh usernames: %v, %d passwords checked, heap growth %d MiB", n, answerStatuses(as), e.server.PasswordChecks(), growth>>20)
			if growth > limit {
				t.Errorf("heap grew by %d MiB during the flood, want under %d MiB (%d × 19 MiB would be %d MiB)", growth>>20, limit>>20, n, n*19)
			}
			for status, k := range answerStatuses(as) {
				switch status {
				case http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusServiceUnavailable:
				default:
					t.Errorf("%d answers of %d, want only 401, 429 and 503", k, status)
				}
			}
			if e.server.PasswordChecks() < 1 {
				t.Error("no password was checked: the flood proves nothing")
			}
			checkRetryAfter(t, as)
		})
	}
}

func TestSignInThrottledPerClientAddress(t *testing.T) {
	e := newEnv(t, 20, func(c *directory.Config) { c.SignInAddrRate, c.SignInAddrBurst = 0.001, 3 })
	// Successful sign-ins do not count against the address.
	for _, user := range []string{"nurse", "social", "manager", "itadmin"} {
		e.login(user)
	}
	wrong := func(i int) answer {
		a, err := e.send("POST", "/v1/session", "", signpost.SessionRequest{Username: fmt.Sprintf("fresh-%d", i), Password: "a guess", OTP: "000000", DeviceID: uuid.NewString(), DeviceName: "x"})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	before := e.server.PasswordChecks()
	for i := range 3 {
		if a := wrong(i); a.status != http.StatusUnauthorized {
			t.Errorf("wrong sign-in %d from one address: %d %s, want 401", i, a.status, a.body)
		}
	}
	a := wrong(3)
	if kind, _ := (resp{a.status, a.body}).errField(); a.status != http.StatusTooManyRequests || kind != "rate_limited" {
		t.Errorf("fourth wrong sign-in with a fresh username from one address: %d %s, want 429 rate_limited", a.status, a.body)
	}
	checkRetryAfter(t, []answer{a})
	if n, _ := strconv.Atoi(a.header.Get("Retry-After")); n < 900 {
		t.Errorf("Retry-After %d s, want the time until the address has a token again (1000 s)", n)
	}
	if checked := e.server.PasswordChecks() - before; checked != 3 {
		t.Errorf("%d passwords checked, want 3", checked)
	}
}
