package directory

// Issue 17, operations: the OpenAPI 3 description of the v1 wire, served at
// GET /v1/openapi.json. openapi.json is generated from the wire types and
// the route table in openapi_test.go (go test ./directory -run OpenAPI
// -update-openapi rewrites it), and the same test checks every response
// the end-to-end tests get against it.

import (
	_ "embed"
	"net/http"
)

//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI 3 description of the v1 API (JSON).
func OpenAPI() []byte { return openAPI }

func (s *Server) openAPIRoutes() {
	s.mux.HandleFunc("GET /v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(openAPI)
	})
}
