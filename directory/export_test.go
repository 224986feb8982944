package directory

// PasswordChecks returns how many password hashes sign-in has computed.
func (s *Server) PasswordChecks() int64 { return s.passwordChecks.Load() }
