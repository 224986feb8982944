package directory

import "context"

// PasswordChecks returns how many password hashes sign-in has computed.
func (s *Server) PasswordChecks() int64 { return s.passwordChecks.Load() }

// SetBeforeSearch makes f run as each search starts its work; set it before
// any request.
func (s *Server) SetBeforeSearch(f func(context.Context)) { s.beforeSearch = f }
