// Package sync is the client side of the v1 wire: a resty client of the
// directory, and the engine that pushes the device cache's outbox, pulls
// changes into it, long-polls for live updates and obeys directives (wipe,
// lock, policy). It reports progress as events and imports no UI toolkit.
package sync

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	gosync "sync"
	"time"

	"github.com/go-resty/resty/v2"

	"signpost"
)

// ClientOptions configure a Client.
type ClientOptions struct {
	// BaseURL is the directory's address: https://, or http:// on loopback only.
	BaseURL string
	// CAFile is an extra PEM certificate authority to trust besides the system's.
	CAFile string
	// Timeout bounds one request (default 30 s); long-polls get WaitTimeout + 10 s.
	Timeout time.Duration
	// Retries on network errors and 5xx answers (default 3), with exponential
	// backoff and jitter between RetryWait and RetryMaxWait.
	Retries      int
	RetryWait    time.Duration
	RetryMaxWait time.Duration
}

// Client talks to the directory. It is safe for concurrent use.
type Client struct {
	r    *resty.Client
	wait *resty.Client // for long-polls: longer timeout, no retries

	mu    gosync.Mutex
	token string
}

// NewClient returns a client of the directory at opts.BaseURL.
func NewClient(opts ClientOptions) (*Client, error) {
	u, err := url.Parse(opts.BaseURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, &signpost.Error{Kind: signpost.KindInvalid, Field: "server", Message: "the directory address must look like https://signpost.example.org"}
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		return nil, &signpost.Error{Kind: signpost.KindInvalid, Field: "server", Message: "the directory must be reached over https (plain http only on this computer)"}
	}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if opts.CAFile != "" {
		pem, err := os.ReadFile(opts.CAFile)
		if err != nil {
			return nil, &signpost.Error{Kind: signpost.KindInvalid, Field: "ca_file", Message: "cannot read the certificate authority file " + opts.CAFile, Err: err}
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &signpost.Error{Kind: signpost.KindInvalid, Field: "ca_file", Message: "the certificate authority file holds no PEM certificate"}
		}
		tlsConf.RootCAs = pool
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.Retries == 0 {
		opts.Retries = 3
	}
	if opts.RetryWait == 0 {
		opts.RetryWait = 200 * time.Millisecond
	}
	if opts.RetryMaxWait == 0 {
		opts.RetryMaxWait = 5 * time.Second
	}
	base := u.String()
	mk := func(timeout time.Duration, retries int) *resty.Client {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = tlsConf
		tr.ResponseHeaderTimeout = timeout
		c := resty.New().SetTransport(tr).SetBaseURL(base).SetTimeout(timeout).
			SetHeader("Accept", "application/json").SetHeader("User-Agent", userAgent). // issue 14: version and OS for IT staff
			SetRetryCount(retries).SetRetryWaitTime(opts.RetryWait).SetRetryMaxWaitTime(opts.RetryMaxWait).
			SetLogger(quietLogger{})
		// Retry network errors and 5xx only; 4xx answers are final.
		c.AddRetryCondition(func(r *resty.Response, err error) bool {
			if err != nil {
				return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
			}
			return r.StatusCode() >= 500
		})
		return c
	}
	return &Client{r: mk(opts.Timeout, opts.Retries), wait: mk(40*time.Second, 0)}, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// quietLogger keeps resty from printing request details (which may hold a
// child's name) to standard error.
type quietLogger struct{}

func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}

// SetToken sets the bearer token sent with every request.
func (c *Client) SetToken(token string) {
	c.mu.Lock()
	c.token = token
	c.mu.Unlock()
}

// Token returns the bearer token.
func (c *Client) Token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

// GoneError is the directory's order to wipe: every request of a device
// ordered to wipe answers 410 with the directive.
type GoneError struct {
	Err        *signpost.Error
	Directives []signpost.Directive
	// Results answer a push: the directory applies a wiping device's last push.
	Results []signpost.MutationResult
}

func (e *GoneError) Error() string { return e.Err.Error() }
func (e *GoneError) Unwrap() error { return e.Err }

// do sends one request and decodes a JSON answer into out.
func (c *Client) do(ctx context.Context, rc *resty.Client, method, path string, body, out any) error {
	req := rc.R().SetContext(ctx)
	if t := c.Token(); t != "" {
		req.SetAuthToken(t)
	}
	if body != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(body)
	}
	res, err := req.Execute(method, path)
	if err != nil {
		return transportError(ctx, err)
	}
	b := res.Body()
	if res.StatusCode() >= 200 && res.StatusCode() < 300 {
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(b, out); err != nil {
			return &signpost.Error{Kind: signpost.KindUnavailable, Message: "the directory sent an answer Signpost cannot read; try again later", Err: err}
		}
		return nil
	}
	var eb struct {
		Error      *signpost.Error           `json:"error"`
		Directives []signpost.Directive      `json:"directives"`
		Results    []signpost.MutationResult `json:"results"`
	}
	if err := json.Unmarshal(b, &eb); err != nil || eb.Error == nil || eb.Error.Kind == "" {
		return &signpost.Error{Kind: signpost.KindUnavailable, Message: fmt.Sprintf("the directory answered with an error Signpost cannot read (HTTP %d); try again later", res.StatusCode())}
	}
	if res.StatusCode() == http.StatusGone {
		return &GoneError{Err: eb.Error, Directives: eb.Directives, Results: eb.Results}
	}
	if res.StatusCode() == http.StatusUnauthorized && hasDirective(eb.Directives, signpost.DirectiveLock) { // issue 14, accounts slice
		return &RevokedError{Err: eb.Error}
	}
	return eb.Error
}

func transportError(ctx context.Context, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return &signpost.Error{Kind: signpost.KindUnavailable, Message: "cancelled", Err: err}
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &signpost.Error{Kind: signpost.KindUnavailable, Message: "the directory did not answer in time; you can keep working offline", Err: err}
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Timeout() {
		return &signpost.Error{Kind: signpost.KindUnavailable, Message: "the directory did not answer in time; you can keep working offline", Err: err}
	}
	var cert *tls.CertificateVerificationError
	if errors.As(err, &cert) {
		return &signpost.Error{Kind: signpost.KindForbidden, Message: "the directory's certificate is not trusted; ask your IT service", Err: err}
	}
	return &signpost.Error{Kind: signpost.KindUnavailable, Message: "cannot reach the directory; you can keep working offline", Err: err}
}

// IsOffline reports whether err means the directory could not be reached.
func IsOffline(err error) bool {
	var g *GoneError
	return !errors.As(err, &g) && signpost.KindOf(err) == signpost.KindUnavailable
}

// SignIn signs in and keeps the token for later requests.
func (c *Client) SignIn(ctx context.Context, req signpost.SessionRequest) (*signpost.SessionResponse, error) {
	var out signpost.SessionResponse
	c.SetToken("")
	path, body := "/v1/session", any(req)
	if np := newPasswordOf(ctx); np != "" { // issue 14, accounts slice: a new password chosen at sign-in
		path, body = "/v1/session/password", signpost.ChangePasswordRequest{SessionRequest: req, NewPassword: np}
	}
	if err := c.do(ctx, c.r, http.MethodPost, path, body, &out); err != nil {
		return nil, err
	}
	c.SetToken(out.Token)
	return &out, nil
}

// Search runs a signposting search.
func (c *Client) Search(ctx context.Context, req signpost.SearchRequest) (*signpost.SearchResponse, error) {
	var out signpost.SearchResponse
	return &out, c.do(ctx, c.r, http.MethodPost, "/v1/search", req, &out)
}

// Child returns a child's record; reason is required off the caseload.
func (c *Client) Child(ctx context.Context, id, reason string) (*signpost.Child, error) {
	var out signpost.Child
	p := "/v1/children/" + url.PathEscape(id)
	if reason != "" {
		p += "?reason=" + url.QueryEscape(reason)
	}
	return &out, c.do(ctx, c.r, http.MethodGet, p, nil, &out)
}

// BreakGlass returns the full record of a shielded child, once.
func (c *Client) BreakGlass(ctx context.Context, id, reason string) (*signpost.Child, error) {
	var out signpost.Child
	return &out, c.do(ctx, c.r, http.MethodPost, "/v1/children/"+url.PathEscape(id)+"/break-glass", signpost.BreakGlassRequest{Reason: reason}, &out)
}

// Shield shields a child; Unshield lifts it.
func (c *Client) Shield(ctx context.Context, id string, req signpost.ShieldRequest) (*signpost.Child, error) {
	var out signpost.Child
	return &out, c.do(ctx, c.r, http.MethodPost, "/v1/children/"+url.PathEscape(id)+"/shield", req, &out)
}

// Unshield lifts a child's shielding, for a reason (required, and audited).
func (c *Client) Unshield(ctx context.Context, id, reason string) (*signpost.Child, error) {
	var out signpost.Child
	return &out, c.do(ctx, c.r, http.MethodDelete, "/v1/children/"+url.PathEscape(id)+"/shield", signpost.UnshieldRequest{Reason: reason}, &out)
}

// Push sends mutations and returns one result each, in order. A device
// ordered to wipe gets its results with a *GoneError.
func (c *Client) Push(ctx context.Context, ms []signpost.Mutation) ([]signpost.MutationResult, error) {
	var out signpost.PushResponse
	if err := c.do(ctx, c.r, http.MethodPost, "/v1/sync/push", signpost.PushRequest{Mutations: ms}, &out); err != nil {
		var g *GoneError
		if errors.As(err, &g) && answers(g.Results, ms) {
			return g.Results, err
		}
		return nil, err
	}
	if !answers(out.Results, ms) { // one result per change, for that change
		return nil, &signpost.Error{Kind: signpost.KindUnavailable, Message: "the directory answered a different number of changes than were sent; they will be sent again"}
	}
	return out.Results, nil
}

// Pull returns one page of changes after cursor.
func (c *Client) Pull(ctx context.Context, cursor string, limit int) (*signpost.PullResponse, error) {
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out signpost.PullResponse
	return &out, c.do(ctx, c.r, http.MethodGet, "/v1/sync/pull?"+q.Encode(), nil, &out)
}

// Wait long-polls until there is something to pull (or ~25 s pass).
func (c *Client) Wait(ctx context.Context, cursor string) (*signpost.WaitResponse, error) {
	var out signpost.WaitResponse
	return &out, c.do(ctx, c.wait, http.MethodGet, "/v1/sync/wait?cursor="+url.QueryEscape(cursor), nil, &out)
}

// Devices lists a page of enrolled devices, most recently seen first (IT
// admin): after is "" for the first page, else the Next of the one before.
func (c *Client) Devices(ctx context.Context, after string) (*signpost.DevicesResponse, error) {
	var out signpost.DevicesResponse
	path := "/v1/devices"
	if after != "" {
		path += "?after=" + url.QueryEscape(after)
	}
	return &out, c.do(ctx, c.r, http.MethodGet, path, nil, &out)
}

// OrderWipe orders a remote wipe of a device (IT admin), for reason
// (signpost.WipeLost, WipeStolen or WipeLeaver).
func (c *Client) OrderWipe(ctx context.Context, id, reason string) (*signpost.Device, error) {
	var out signpost.Device
	return &out, c.do(ctx, c.r, http.MethodPost, "/v1/devices/"+url.PathEscape(id)+"/wipe", signpost.WipeOrder{Reason: reason}, &out)
}

// CancelWipe cancels a wipe order not yet carried out (IT admin), for a
// reason (audited).
func (c *Client) CancelWipe(ctx context.Context, id, reason string) (*signpost.Device, error) {
	var out signpost.Device
	return &out, c.do(ctx, c.r, http.MethodDelete, "/v1/devices/"+url.PathEscape(id)+"/wipe", signpost.ReasonRequest{Reason: reason}, &out)
}

// Directive asks what this device must do, with the device credential as
// the client's token (SetToken): the one question a locked laptop asks.
func (c *Client) Directive(ctx context.Context) (*signpost.DeviceDirective, error) {
	var out signpost.DeviceDirective
	return &out, c.do(ctx, c.r, http.MethodGet, "/v1/devices/self/directive", nil, &out)
}

// Wiped posts this device's receipt after it wiped itself, with a session
// token or the device credential.
func (c *Client) Wiped(ctx context.Context, id string, r signpost.WipeReceipt) error {
	return c.do(ctx, c.r, http.MethodPost, "/v1/devices/"+url.PathEscape(id)+"/wiped", r, nil)
}
