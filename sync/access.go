package sync

// Issue 14, slice access: the management team's alerts, shielded children
// and subject-access reports.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"signpost"
)

// Alerts lists a page of the team's alerts, newest first ("" for the first
// page, else the Next of the one before), with the counts.
func (c *Client) Alerts(ctx context.Context, before string) (*signpost.AlertsResponse, error) {
	var out signpost.AlertsResponse
	path := "/v1/alerts"
	if before != "" {
		path += "?before=" + url.QueryEscape(before)
	}
	return &out, c.do(ctx, c.r, http.MethodGet, path, nil, &out)
}

// AckAlert acknowledges an alert with a note (required).
func (c *Client) AckAlert(ctx context.Context, id int64, note string) (*signpost.Alert, error) {
	var out signpost.Alert
	return &out, c.do(ctx, c.r, http.MethodPost, "/v1/alerts/"+strconv.FormatInt(id, 10)+"/ack", signpost.AlertAck{Note: note}, &out)
}

// Shielded lists a page of the team's shielded children, review due first.
func (c *Client) Shielded(ctx context.Context, after string) (*signpost.ShieldedResponse, error) {
	var out signpost.ShieldedResponse
	path := "/v1/shielded"
	if after != "" {
		path += "?after=" + url.QueryEscape(after)
	}
	return &out, c.do(ctx, c.r, http.MethodGet, path, nil, &out)
}

// AccessReport returns a page of a child's subject-access report, newest
// first: before is "" for the newest, user "" for everyone's events.
func (c *Client) AccessReport(ctx context.Context, id, before, user string) (*signpost.AccessReport, error) {
	q := url.Values{}
	if before != "" {
		q.Set("before", before)
	}
	if user != "" {
		q.Set("user", user)
	}
	path := "/v1/children/" + url.PathEscape(id) + "/access"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out signpost.AccessReport
	return &out, c.do(ctx, c.r, http.MethodGet, path, nil, &out)
}

// ExportAccess streams a child's whole subject-access report, as CSV, to w;
// the directory records the export, with reason, in the audit.
func (c *Client) ExportAccess(ctx context.Context, id, reason string, w io.Writer) error {
	req := c.r.R().SetContext(ctx).SetDoNotParseResponse(true).SetHeader("Accept", "text/csv")
	if t := c.Token(); t != "" {
		req.SetAuthToken(t)
	}
	res, err := req.Get("/v1/children/" + url.PathEscape(id) + "/access.csv?reason=" + url.QueryEscape(reason))
	if err != nil {
		return transportError(ctx, err)
	}
	body := res.RawBody()
	defer body.Close()
	if res.StatusCode() == http.StatusOK {
		if _, err := io.Copy(w, body); err != nil {
			return &signpost.Error{Kind: signpost.KindUnavailable, Message: "the report stopped arriving before its end; export it again", Err: err}
		}
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(body, 64<<10))
	var eb struct {
		Error      *signpost.Error      `json:"error"`
		Directives []signpost.Directive `json:"directives"`
	}
	if err := json.Unmarshal(b, &eb); err != nil || eb.Error == nil || eb.Error.Kind == "" {
		return &signpost.Error{Kind: signpost.KindUnavailable, Message: fmt.Sprintf("the directory answered with an error Signpost cannot read (HTTP %d); try again later", res.StatusCode())}
	}
	if res.StatusCode() == http.StatusGone {
		return &GoneError{Err: eb.Error, Directives: eb.Directives}
	}
	return eb.Error
}
