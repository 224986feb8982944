package directory_test

// Issue 17, operations: the OpenAPI 3 description of the v1 wire
// (openapi.json), generated from the wire types and the route table below,
// and checked against the real answers of every endpoint: the end-to-end
// tests (the role matrix and the issue 14 matrices among them) run again with
// every exchange watched, each JSON answer is validated against the schema
// of its route and status, each successful request's query and body against
// what the description says the route takes, and every route of the server's
// mux must be in the description and answered at least once with success.

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
)

var updateOpenAPI = flag.Bool("update-openapi", false, "rewrite openapi.json from the wire types and the route table")

// exchange is one request and its answer, as the tap saw them.
type exchange struct {
	method, path string
	query        url.Values
	reqBody      []byte
	status       int
	contentType  string
	body         []byte
}

var (
	tapMu gosync.Mutex
	tap   func(exchange)
)

func setTap(f func(exchange)) {
	tapMu.Lock()
	tap = f
	tapMu.Unlock()
}

// tapped wraps the server of every end-to-end test (newEnv): while a tap is
// set, it sees each request and answer.
func tapped(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tapMu.Lock()
		f := tap
		tapMu.Unlock()
		if f == nil {
			h.ServeHTTP(w, r)
			return
		}
		var reqBody []byte
		if r.Body != nil {
			reqBody, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(reqBody))
		}
		tw := &teeWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(tw, r)
		f(exchange{method: r.Method, path: r.URL.Path, query: r.URL.Query(), reqBody: reqBody, status: tw.status,
			contentType: tw.Header().Get("Content-Type"), body: tw.buf.Bytes()})
	})
}

type teeWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
	buf    bytes.Buffer
}

func (w *teeWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *teeWriter) Write(b []byte) (int, error) {
	w.wrote = true
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *teeWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// The route table: what each route takes and answers.

type apiOp struct {
	method, path string
	summary      string
	auth         string   // session, credential, session-or-credential, none
	query        []string // query parameters it reads
	body         any      // the request body's type (a zero value), or nil
	bodyOptional bool
	answers      map[int]any // status → the answer's type (nil: no JSON schema)
	csv          bool        // the 200 answer is text/csv
}

// Health is GET /healthz's answer.
type Health struct {
	Status string `json:"status"`
}

// ErrorResponse is every error's body: the error, the directives a device
// must follow (wipe, lock) and, for a wiped device's last push, the results.
type ErrorResponse struct {
	Error      signpost.Error            `json:"error"`
	Directives []signpost.Directive      `json:"directives,omitempty"`
	Results    []signpost.MutationResult `json:"results,omitempty"`
}

// openAPIDocument is the description's own answer: any JSON object.
type openAPIDocument map[string]any

func apiOps() []apiOp {
	ok := func(v any) map[int]any { return map[int]any{200: v} }
	page := []string{"after", "limit"}
	return []apiOp{
		{method: "GET", path: "/healthz", summary: "Whether the directory and its store answer", auth: "none", answers: ok(Health{})},
		{method: "GET", path: "/v1/openapi.json", summary: "This description", auth: "none", answers: ok(openAPIDocument{})},
		{method: "POST", path: "/v1/session", summary: "Sign in with password and security code on a device", auth: "none", body: signpost.SessionRequest{}, answers: ok(signpost.SessionResponse{})},
		{method: "POST", path: "/v1/session/password", summary: "Sign in while choosing a new password", auth: "none", body: signpost.ChangePasswordRequest{}, answers: ok(signpost.SessionResponse{})},
		{method: "POST", path: "/v1/search", summary: "Search for a child (audited, rate-limited)", auth: "session", body: signpost.SearchRequest{}, answers: ok(signpost.SearchResponse{})},
		{method: "GET", path: "/v1/children/{id}", summary: "Open a child's record, with a reason (audited)", auth: "session", query: []string{"reason"}, answers: ok(signpost.Child{})},
		{method: "POST", path: "/v1/children/{id}/break-glass", summary: "Open a shielded record in an emergency (audited, alerted)", auth: "session", body: signpost.BreakGlassRequest{}, answers: ok(signpost.Child{})},
		{method: "POST", path: "/v1/children/{id}/shield", summary: "Shield a child's record", auth: "session", body: signpost.ShieldRequest{}, answers: ok(signpost.Child{})},
		{method: "DELETE", path: "/v1/children/{id}/shield", summary: "Lift a shield, with a reason", auth: "session", query: []string{"reason"}, body: signpost.UnshieldRequest{}, bodyOptional: true, answers: ok(signpost.Child{})},
		{method: "GET", path: "/v1/children/{id}/access", summary: "Who searched for and opened a child's record (subject-access report)", auth: "session", query: []string{"user", "before", "limit"}, answers: ok(signpost.AccessReport{})},
		{method: "GET", path: "/v1/children/{id}/access.csv", summary: "The whole subject-access report as CSV (audited)", auth: "session", query: []string{"reason", "user"}, answers: ok(nil), csv: true},
		{method: "POST", path: "/v1/sync/push", summary: "Send a device's changes, each applied exactly once", auth: "session", body: signpost.PushRequest{}, answers: ok(signpost.PushResponse{})},
		{method: "GET", path: "/v1/sync/pull", summary: "The caseload's changes since a cursor", auth: "session", query: []string{"cursor", "limit"}, answers: ok(signpost.PullResponse{})},
		{method: "GET", path: "/v1/sync/wait", summary: "Long-poll until a pull would return something", auth: "session", query: []string{"cursor"}, answers: ok(signpost.WaitResponse{})},
		{method: "GET", path: "/v1/alerts", summary: "Break-glass and harvest alerts of the caller's authority", auth: "session", query: []string{"before", "limit"}, answers: ok(signpost.AlertsResponse{})},
		{method: "POST", path: "/v1/alerts/{id}/ack", summary: "Acknowledge an alert with what was done", auth: "session", body: signpost.AlertAck{}, answers: ok(signpost.Alert{})},
		{method: "GET", path: "/v1/shielded", summary: "The authority's shielded children, review due first", auth: "session", query: page, answers: ok(signpost.ShieldedResponse{})},
		{method: "GET", path: "/v1/devices", summary: "Enrolled devices (IT staff)", auth: "session", query: []string{"after", "limit", "user", "name", "state", "not_seen_days", "sort"}, answers: ok(signpost.DevicesResponse{})},
		{method: "POST", path: "/v1/devices/{id}/wipe", summary: "Order a device wiped", auth: "session", body: signpost.WipeOrder{}, bodyOptional: true, answers: map[int]any{202: signpost.Device{}}},
		{method: "DELETE", path: "/v1/devices/{id}/wipe", summary: "Cancel a wipe order not yet carried out", auth: "session", query: []string{"reason"}, body: signpost.ReasonRequest{}, bodyOptional: true, answers: ok(signpost.Device{})},
		{method: "POST", path: "/v1/devices/{id}/wiped", summary: "A device's receipt for its own wipe", auth: "session-or-credential", body: signpost.WipeReceipt{}, answers: ok(signpost.WipeReceipt{})},
		{method: "POST", path: "/v1/devices/{id}/revoke", summary: "Refuse a device's tokens from now on", auth: "session", body: signpost.ReasonRequest{}, bodyOptional: true, answers: ok(signpost.Device{})},
		{method: "GET", path: "/v1/devices/self/directive", summary: "What a locked device must do (asked with its device credential)", auth: "credential", answers: ok(signpost.DeviceDirective{})},
		{method: "GET", path: "/v1/reviews", summary: "The authority's open review items", auth: "session", query: page, answers: ok(signpost.ReviewsResponse{})},
		{method: "GET", path: "/v1/reviews/{id}", summary: "A review item, field by field against its candidates", auth: "session", answers: ok(signpost.ReviewDetail{})},
		{method: "POST", path: "/v1/reviews/{id}", summary: "Decide a review item", auth: "session", body: signpost.ReviewDecisionRequest{}, answers: ok(signpost.ReviewDecision{})},
		{method: "POST", path: "/v1/merges/preview", summary: "What merging two records of one child would give", auth: "session", body: signpost.MergeRequest{}, answers: ok(signpost.MergePreview{})},
		{method: "POST", path: "/v1/merges", summary: "Merge two records of one child", auth: "session", body: signpost.MergeRequest{}, answers: ok(signpost.MergePreview{})},
		{method: "GET", path: "/v1/accounts", summary: "The authority's accounts", auth: "session", query: page, answers: ok(signpost.AccountsResponse{})},
		{method: "POST", path: "/v1/accounts", summary: "Create an account", auth: "session", body: signpost.NewAccountRequest{}, answers: map[int]any{201: signpost.Enrolment{}}},
		{method: "POST", path: "/v1/accounts/{username}/disable", summary: "Disable an account", auth: "session", body: signpost.ReasonRequest{}, answers: ok(signpost.AccountSummary{})},
		{method: "POST", path: "/v1/accounts/{username}/enable", summary: "Enable an account again", auth: "session", body: signpost.ReasonRequest{}, answers: ok(signpost.AccountSummary{})},
		{method: "POST", path: "/v1/accounts/{username}/reset-authenticator", summary: "Give an account a new TOTP secret", auth: "session", body: signpost.ReasonRequest{}, answers: ok(signpost.Enrolment{})},
		{method: "POST", path: "/v1/accounts/{username}/reset-password", summary: "Give an account a temporary password", auth: "session", body: signpost.ReasonRequest{}, answers: ok(signpost.Enrolment{})},
		{method: "GET", path: "/v1/organisations", summary: "The authority's organisations", auth: "session", query: page, answers: ok(signpost.OrganisationsResponse{})},
		{method: "POST", path: "/v1/organisations/{id}/accredited", summary: "Accredit an organisation or withdraw it", auth: "session", body: signpost.AccreditRequest{}, answers: ok(signpost.Organisation{})},
		{method: "GET", path: "/v1/authority/contact", summary: "How the authority's management team is reached", auth: "session", answers: ok(signpost.TeamContact{})},
		{method: "PUT", path: "/v1/authority/contact", summary: "Change how the management team is reached", auth: "session", body: signpost.TeamContact{}, answers: ok(signpost.TeamContact{})},
		// Issue 16 (notify.go): notifications and the lead-professional handover.
		{method: "GET", path: "/v1/notifications", summary: "The caller's notifications, newest first", auth: "session", query: []string{"before"}, answers: ok(signpost.NotificationsResponse{})},
		{method: "POST", path: "/v1/notifications/read", summary: "Mark notifications read", auth: "session", body: signpost.ReadNotificationsRequest{}, answers: ok(signpost.ReadNotificationsResponse{})},
		{method: "GET", path: "/v1/notifications/settings", summary: "The kinds of notification the caller has muted", auth: "session", answers: ok(signpost.NotificationSettings{})},
		{method: "PUT", path: "/v1/notifications/settings", summary: "Mute the kinds that are not about safety", auth: "session", body: signpost.NotificationSettings{}, answers: ok(signpost.NotificationSettings{})},
		{method: "POST", path: "/v1/children/{id}/lead/offer", summary: "Offer the lead-professional role to another practitioner working with the child", auth: "session", body: signpost.HandoverRequest{}, answers: ok(signpost.HandoverResponse{})},
		{method: "POST", path: "/v1/children/{id}/lead/answer", summary: "Accept or decline the lead-professional role offered", auth: "session", body: signpost.HandoverAnswer{}, answers: ok(signpost.HandoverResponse{})},
	}
}

// schemaGen turns Go types into OpenAPI schemas, as encoding/json writes them.
type schemaGen struct {
	comps map[string]any
	names map[reflect.Type]string
	// in makes request schemas, named "in.T": encoding/json takes a body
	// with fields left out, so they list no required fields (a handler
	// says which it needs, in a 400 naming the field).
	in bool
}

var timeType = reflect.TypeFor[time.Time]()

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == reflect.TypeFor[openAPIDocument]():
		return map[string]any{"type": "object"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := g.schema(t.Elem())
		if _, isRef := s["$ref"]; isRef {
			return map[string]any{"allOf": []any{s}, "nullable": true}
		}
		s["nullable"] = true
		return s
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte"}
		}
		// A nil slice is written null.
		return map[string]any{"type": "array", "items": g.schema(t.Elem()), "nullable": true}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem()), "nullable": true}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := g.names[t]
		if name == "" {
			name = t.Name()
			if name == "" {
				return g.object(t)
			}
			if t.PkgPath() != "signpost" {
				name = pkgPrefix(t.PkgPath()) + name
			}
			if g.in {
				name = "in." + name
			}
			g.names[t] = name
			g.comps[name] = nil // taken, for recursive types
			g.comps[name] = g.object(t)
		}
		return ref(name)
	}
	panic(fmt.Sprintf("no schema for %v", t))
}

func pkgPrefix(pkg string) string {
	parts := strings.Split(pkg, "/")
	p := parts[len(parts)-1]
	if p == "directory_test" || p == "directory" {
		return ""
	}
	return strings.ToUpper(p[:1]) + p[1:]
}

// object is a struct's schema: its JSON fields (embedded structs' fields
// promoted), those without omitempty required, and no others allowed.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			s := g.schema(f.Type)
			if strings.Contains(opts, "string") {
				s = map[string]any{"type": "string"}
			}
			props[name] = s
			if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
				required = append(required, name)
			}
		}
	}
	walk(t)
	o := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 && !g.in {
		sort.Strings(required)
		o["required"] = required
	}
	return o
}

// openAPIDoc builds the description.
func openAPIDoc() map[string]any {
	g := &schemaGen{comps: map[string]any{}, names: map[reflect.Type]string{}}
	in := &schemaGen{comps: g.comps, names: map[reflect.Type]string{}, in: true}
	errRef := g.schema(reflect.TypeFor[ErrorResponse]())
	paths := map[string]any{}
	for _, op := range apiOps() {
		item, _ := paths[op.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[op.path] = item
		}
		var params []any
		for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(op.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range op.query {
			params = append(params, map[string]any{"name": q, "in": "query", "required": false, "schema": map[string]any{"type": "string"}})
		}
		responses := map[string]any{"default": map[string]any{"description": "An error: its kind, a message and the field at fault; 429 and 503 carry Retry-After.",
			"content": map[string]any{"application/json": map[string]any{"schema": errRef}}}}
		for status, v := range op.answers {
			r := map[string]any{"description": http.StatusText(status)}
			switch {
			case op.csv:
				r["content"] = map[string]any{"text/csv": map[string]any{"schema": map[string]any{"type": "string"}}}
			case v != nil:
				r["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(v))}}
			}
			responses[strconv.Itoa(status)] = r
		}
		o := map[string]any{"summary": op.summary, "operationId": operationID(op), "responses": responses}
		if params != nil {
			o["parameters"] = params
		}
		switch op.auth {
		case "none":
			o["security"] = []any{}
		case "session":
			o["security"] = []any{map[string]any{"session": []any{}}}
		case "credential":
			o["security"] = []any{map[string]any{"deviceCredential": []any{}}}
		case "session-or-credential":
			o["security"] = []any{map[string]any{"session": []any{}}, map[string]any{"deviceCredential": []any{}}}
		}
		if op.body != nil {
			o["requestBody"] = map[string]any{"required": !op.bodyOptional,
				"content": map[string]any{"application/json": map[string]any{"schema": in.schema(reflect.TypeOf(op.body))}}}
		}
		item[strings.ToLower(op.method)] = o
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "Signpost directory, v1", "version": "1",
			"description": "The wire between the Signpost app and the central directory. Every body is JSON (but the CSV report); " +
				"unknown fields in a request are refused; every error is an ErrorResponse. Request bodies are the in.* schemas: " +
				"any field may be left out as far as the format goes, and a route that needs one answers 400 naming it. HEAD is answered as GET. Generated from the wire types by " +
				"directory/openapi_test.go, which checks every endpoint's real answers against it."},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.comps,
			"securitySchemes": map[string]any{
				"session":          map[string]any{"type": "http", "scheme": "bearer", "description": "The token POST /v1/session gives, for one device."},
				"deviceCredential": map[string]any{"type": "http", "scheme": "bearer", "description": "The device credential a sign-in gives: it asks only what the device must do, and sends its wipe receipt."},
			},
		},
	}
}

func operationID(op apiOp) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(op.method))
	for _, part := range strings.FieldsFunc(op.path, func(r rune) bool { return r == '/' || r == '-' || r == '.' || r == '{' || r == '}' }) {
		if part == "v1" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// The validator of the JSON-schema subset the generator writes: $ref, allOf,
// nullable, type, properties, required, additionalProperties, items, and
// format date-time.

type validator struct{ schemas map[string]any }

func (v *validator) check(s map[string]any, val any, at string) []string {
	if r, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(r, "#/components/schemas/")
		target, ok := v.schemas[name].(map[string]any)
		if !ok {
			return []string{at + ": no schema " + name}
		}
		return v.check(target, val, at)
	}
	if val == nil {
		if s["nullable"] == true || len(s) == 0 {
			return nil
		}
		return []string{at + ": null is not allowed"}
	}
	var out []string
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			out = append(out, v.check(sub.(map[string]any), val, at)...)
		}
	}
	switch s["type"] {
	case nil:
	case "object":
		obj, ok := val.(map[string]any)
		if !ok {
			return append(out, fmt.Sprintf("%s: %s, want an object", at, kindOf(val)))
		}
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, ok := obj[r.(string)]; !ok {
					out = append(out, fmt.Sprintf("%s: %s is missing", at, r))
				}
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k].(map[string]any); ok {
				out = append(out, v.check(ps, obj[k], at+"."+k)...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					out = append(out, fmt.Sprintf("%s: %s is not in the description", at, k))
				}
			case map[string]any:
				out = append(out, v.check(ap, obj[k], at+"."+k)...)
			}
		}
	case "array":
		arr, ok := val.([]any)
		if !ok {
			return append(out, fmt.Sprintf("%s: %s, want an array", at, kindOf(val)))
		}
		items, _ := s["items"].(map[string]any)
		for i, it := range arr {
			out = append(out, v.check(items, it, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case "string":
		str, ok := val.(string)
		if !ok {
			return append(out, fmt.Sprintf("%s: %s, want a string", at, kindOf(val)))
		}
		if s["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				out = append(out, fmt.Sprintf("%s: %q is not a date-time", at, str))
			}
		}
	case "integer":
		n, ok := val.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			return append(out, fmt.Sprintf("%s: %v, want an integer", at, val))
		}
	case "number":
		if _, ok := val.(json.Number); !ok {
			return append(out, fmt.Sprintf("%s: %s, want a number", at, kindOf(val)))
		}
	case "boolean":
		if _, ok := val.(bool); !ok {
			return append(out, fmt.Sprintf("%s: %s, want a boolean", at, kindOf(val)))
		}
	default:
		out = append(out, fmt.Sprintf("%s: unknown schema type %v", at, s["type"]))
	}
	return out
}

func kindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

// serverQueryKeys are the query parameters the server reads on some route
// (server.go's queryKeys).
var serverQueryKeys = map[string]bool{"reason": true, "cursor": true, "limit": true, "before": true, "after": true,
	"user": true, "name": true, "state": true, "not_seen_days": true, "sort": true}

// route is an operation of the description a request falls to: of the
// paths that match, the one with the most literal parts (as the mux picks).
type route struct {
	path string
	op   map[string]any
}

func findRoute(doc map[string]any, method, p string) (route, bool) {
	if method == http.MethodHead {
		method = http.MethodGet // the mux answers HEAD with GET's handler
	}
	paths := doc["paths"].(map[string]any)
	parts := strings.Split(p, "/")
	best, bestLit := route{}, -1
	for tmpl, item := range paths {
		tp := strings.Split(tmpl, "/")
		if len(tp) != len(parts) {
			continue
		}
		lit, ok := 0, true
		for i := range tp {
			switch {
			case strings.HasPrefix(tp[i], "{"):
				ok = ok && parts[i] != ""
			case tp[i] == parts[i]:
				lit++
			default:
				ok = false
			}
		}
		op, has := item.(map[string]any)[strings.ToLower(method)].(map[string]any)
		if ok && has && lit > bestLit {
			best, bestLit = route{tmpl, op}, lit
		}
	}
	return best, bestLit >= 0
}

// muxRoutes are the patterns the server registers, read from its source.
func muxRoutes(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`s\.mux\.Handle(?:Func)?\("([A-Z]+ /[^"]*)"`)
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			out = append(out, m[1])
		}
	}
	sort.Strings(out)
	return out
}

func TestOpenAPIDescribesTheMuxAndIsUpToDate(t *testing.T) {
	b, err := json.MarshalIndent(openAPIDoc(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	if *updateOpenAPI {
		if err := os.WriteFile("openapi.json", b, 0o644); err != nil {
			t.Fatal(err)
		}
	} else if !bytes.Equal(b, directory.OpenAPI()) {
		t.Fatalf("openapi.json is not what the wire types and the route table give: go test ./directory -run OpenAPI -update-openapi")
	}
	var doc map[string]any
	if err := json.Unmarshal(directory.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	routes := muxRoutes(t)
	if len(routes) < 30 {
		t.Fatalf("found %d routes in the server's source; the pattern reading them is broken", len(routes))
	}
	for _, r := range routes {
		method, p, _ := strings.Cut(r, " ")
		item, _ := doc["paths"].(map[string]any)[p].(map[string]any)
		if _, ok := item[strings.ToLower(method)]; !ok {
			t.Errorf("the server routes %s, which openapi.json does not describe", r)
		}
	}
	n := 0
	for p, item := range doc["paths"].(map[string]any) {
		for m := range item.(map[string]any) {
			n++
			if i := sort.SearchStrings(routes, strings.ToUpper(m)+" "+p); i == len(routes) || routes[i] != strings.ToUpper(m)+" "+p {
				t.Errorf("openapi.json describes %s %s, which the server does not route", strings.ToUpper(m), p)
			}
		}
	}
	t.Logf("%d routes, %d operations described", len(routes), n)
}

func TestOpenAPIServedAndEveryAnswerValidates(t *testing.T) {
	var mu gosync.Mutex
	var seen []exchange
	setTap(func(x exchange) {
		mu.Lock()
		seen = append(seen, x)
		mu.Unlock()
	})
	defer setTap(nil)
	// The end-to-end tests that ask every endpoint, by every role, well and badly.
	for name, test := range map[string]func(*testing.T){
		"role matrix":           TestRoleEndpointMatrix,
		"accounts by role":      TestAccountsEndpointsByRole,
		"accounts bad input":    TestAccountsBadInputNamesTheField,
		"password reset":        TestResetPasswordMakesTheUserChooseANewOne,
		"authenticator reset":   TestResetAuthenticatorEndsSessionsAndChangesTheSecret,
		"access by role":        TestAccessEndpointsByRole,
		"access bad input":      TestAccessBadInputIsA4xxNamingTheField,
		"alert acknowledged":    TestAlertAcknowledgedOnceAuditedAndEscalated,
		"shielded list":         TestShieldedListDueFirstRenewKeepsHistory,
		"access report and csv": TestAccessReportPagedWithSearchesAndCSVAudited,
		"reviews by role":       TestReviewEndpointsAnswerOnlyTheirAuthoritysTeamAndLeakNothing,
		"reviews bad input":     TestReviewEndpointsNameTheFieldOfBadInput,
		"review decisions":      TestReviewDecisionsAndMergesAreAuditedWithTheReason,
		"device credential":     TestADeviceCredentialReadsNothingButTheDirective,
		"wipe receipt":          TestWipeReceiptAnswersOnlyAnOrderWithSaneCounts,
		"revoke":                TestRevokeEndsEverySessionAndIsFinal,
		"devices paged":         TestDevicesListIsPaged,
		"wipe after expiry":     TestWipeOrderReachesADeviceWhoseSessionExpired,
		"devices and revoke":    TestDevicesFiltersAndRevokeByRole,
		"revoked device":        TestARevokedDevicesTokenIsRefusedWithALockDirective,
		"accounts paged":        TestAccountsListIsPaged,
		"unaccredited":          TestUnaccreditedOrganisationCannotSignIn,
		"disabled":              TestDisabledAccountIsRefusedAtOnce,
		"hostile requests":      TestHostileRequestCatalogue,
		"every error is JSON":   TestEveryAnswerIsTheJSONErrorBody,
		"golden wire":           TestWireFormatMatchesTheGoldenFiles,
		"lead handover":         TestLeadHandoverOnlineIsToldToEveryoneInvolved, // issue 16
	} {
		t.Run(name, test)
	}
	e := newEnv(t, 10, nil)
	r := e.do("GET", "/v1/openapi.json", "", nil)
	if r.status != 200 || !bytes.Equal(r.body, directory.OpenAPI()) {
		t.Errorf("GET /v1/openapi.json: %d, %d bytes; want 200 and the embedded description", r.status, len(r.body))
	}
	setTap(nil)

	var doc map[string]any
	if err := json.Unmarshal(directory.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	v := &validator{schemas: doc["components"].(map[string]any)["schemas"].(map[string]any)}
	errSchema := ref("ErrorResponse")
	answered := map[string]int{} // operation → successful answers
	bad := map[string][]string{} // operation and status → failures
	statuses := map[string]map[int]bool{}
	fail := func(key, msg string) {
		if len(bad[key]) < 3 {
			bad[key] = append(bad[key], msg)
		} else {
			bad[key] = append(bad[key][:3], "…")
		}
	}
	for _, x := range seen {
		rt, found := findRoute(doc, x.method, x.path)
		key := x.method + " " + rt.path
		if !found {
			key = x.method + " (no route)"
		}
		if statuses[key] == nil {
			statuses[key] = map[int]bool{}
		}
		statuses[key][x.status] = true
		var schema map[string]any
		csv := false
		if found {
			responses := rt.op["responses"].(map[string]any)
			resp, ok := responses[strconv.Itoa(x.status)].(map[string]any)
			if !ok {
				if x.status < 400 {
					fail(key, fmt.Sprintf("answered %d, which the description does not give", x.status))
					continue
				}
				resp = responses["default"].(map[string]any)
			}
			content, _ := resp["content"].(map[string]any)
			if c, ok := content["application/json"].(map[string]any); ok {
				schema = c["schema"].(map[string]any)
			}
			_, csv = content["text/csv"]
		} else if x.status < 400 {
			fail(key, fmt.Sprintf("%s answered %d though the description has no such route", signpost.Printable(x.path), x.status))
			continue
		} else {
			schema = errSchema
		}
		switch {
		case x.method == http.MethodHead:
			// No body to check.
		case csv:
			if !strings.HasPrefix(x.contentType, "text/csv") {
				fail(key, fmt.Sprintf("%d with Content-Type %q, want text/csv", x.status, x.contentType))
			}
		case schema != nil:
			if !strings.HasPrefix(x.contentType, "application/json") {
				fail(key, fmt.Sprintf("%d with Content-Type %q, want application/json", x.status, x.contentType))
				continue
			}
			val, err := decodeJSON(x.body)
			if err != nil {
				fail(key, fmt.Sprintf("%d: the body is not JSON: %v", x.status, err))
				continue
			}
			for _, f := range v.check(schema, val, "body") {
				fail(key, fmt.Sprintf("%d: %s", x.status, f))
			}
		}
		if !found || x.status >= 300 {
			continue
		}
		answered[key]++
		// A request that succeeded asked only what the description says.
		allowed := map[string]bool{}
		params, _ := rt.op["parameters"].([]any)
		for _, p := range params {
			if pm := p.(map[string]any); pm["in"] == "query" {
				allowed[pm["name"].(string)] = true
			}
		}
		for q := range x.query {
			// The server ignores a key it never reads (the hostile tests send
			// some); one it reads elsewhere must be listed where it is taken.
			if !allowed[q] && serverQueryKeys[q] {
				fail(key, fmt.Sprintf("a successful request gave ?%s=, which the description does not list", q))
			}
		}
		rb, hasBody := rt.op["requestBody"].(map[string]any)
		switch {
		case len(bytes.TrimSpace(x.reqBody)) == 0:
			if hasBody && rb["required"] == true {
				fail(key, "a successful request had no body, which the description requires")
			}
		case !hasBody:
			if x.method == http.MethodPost || x.method == http.MethodPut {
				fail(key, "a successful request had a body, which the description does not take")
			}
		default:
			val, err := decodeJSON(x.reqBody)
			if err != nil {
				fail(key, "a successful request's body is not JSON")
				continue
			}
			s := rb["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
			for _, f := range v.check(s, val, "request") {
				fail(key, "a successful request: "+f)
			}
		}
	}
	for _, op := range apiOps() {
		if key := op.method + " " + op.path; answered[key] == 0 {
			fail(key, "never answered with success by the end-to-end tests: its answer is not checked")
		}
	}
	keys := make([]string, 0, len(bad))
	for k := range bad {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Errorf("%s:\n    %s", k, strings.Join(bad[k], "\n    "))
	}
	var summary []string
	for k, st := range statuses {
		var codes []string
		for c := range st {
			codes = append(codes, strconv.Itoa(c))
		}
		sort.Strings(codes)
		summary = append(summary, fmt.Sprintf("%s %v", k, codes))
	}
	sort.Strings(summary)
	t.Logf("%d exchanges checked against openapi.json:\n  %s", len(seen), strings.Join(summary, "\n  "))
}

// The validator refuses what the description does not allow, and every
// reference in the description resolves.
func TestOpenAPIValidatorRefusesWhatTheDescriptionDoesNot(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(directory.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				if _, ok := schemas[strings.TrimPrefix(r, "#/components/schemas/")]; !ok || !strings.HasPrefix(r, "#/components/schemas/") {
					t.Errorf("%s: $ref %s does not resolve", at, r)
				}
			}
			for k, x := range v {
				walk(x, at+"/"+k)
			}
		case []any:
			for i, x := range v {
				walk(x, fmt.Sprintf("%s/%d", at, i))
			}
		}
	}
	walk(doc, "#")
	v := &validator{schemas: schemas}
	good := `{"matches":[],"too_many":false}`
	if got := v.check(ref("SearchResponse"), mustJSON(t, good), "body"); len(got) != 0 {
		t.Fatalf("a good answer does not validate: %v", got)
	}
	for name, body := range map[string]string{
		"a field not described": `{"matches":[],"too_many":false,"total":3}`,
		"a required field gone": `{"matches":[]}`,
		"a string for a bool":   `{"matches":[],"too_many":"no"}`,
		"an object for a list":  `{"matches":{},"too_many":false}`,
		"null for a bool":       `{"matches":[],"too_many":null}`,
		"not an object":         `[]`,
	} {
		if got := v.check(ref("SearchResponse"), mustJSON(t, body), "body"); len(got) == 0 {
			t.Errorf("%s: %s validates (%v)", name, body, got)
		}
	}
	if got := v.check(ref("Error"), mustJSON(t, `{"kind":"invalid","message":5}`), "body"); len(got) == 0 {
		t.Errorf("a number for a string validates")
	}
	pull := `{"changes":[],"removals":[],"directives":[],"cursor":"0","more":false,"server_time":"2026-12-02T15:00:00Z"}`
	if got := v.check(ref("PullResponse"), mustJSON(t, pull), "body"); len(got) != 0 {
		t.Fatalf("a good pull does not validate: %v", got)
	}
	if got := v.check(ref("PullResponse"), mustJSON(t, strings.Replace(pull, "2026-12-02T15:00:00Z", "yesterday", 1)), "body"); len(got) == 0 {
		t.Errorf("a date-time that is not one validates")
	}
	if got := v.check(ref("PullResponse"), mustJSON(t, strings.Replace(pull, `"changes":[]`, `"changes":[{"signpost_id":"SP1","nickname":"x"}]`, 1)), "body"); len(got) == 0 {
		t.Errorf("a child with a field not described validates, inside a list")
	}
}

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	v, err := decodeJSON([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v
}
