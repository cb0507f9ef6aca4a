package hub

import (
	"errors"
	"net/http"
	"strings"
)

// Role is what an agent may do.
type Role string

const (
	RoleAgent Role = "agent"
	RoleLead  Role = "lead"
)

// Agent is who a session acts for.
type Agent struct {
	Name string
	Role Role
}

// Authenticator turns a bearer token into an agent.
type Authenticator interface {
	Authenticate(token string) (Agent, error)
}

// ErrUnauthorized is returned for a missing, unknown or revoked token.
var ErrUnauthorized = errors.New("unauthorized")

// SetAuth makes the server require a bearer token on every session. Without
// it every session acts for an anonymous agent (tests, local tools).
func (s *Server) SetAuth(a Authenticator) { s.auth = a }

// agentOf authenticates a request before the upgrade; it answers itself
// and reports false when the request may not go on: 401 for a missing,
// unknown or revoked token, 503 when the tokens cannot be read (the client
// retries; a locked token file is not the agent's fault).
func (s *Server) agentOf(w http.ResponseWriter, r *http.Request) (Agent, string, bool) {
	if s.auth == nil {
		return Agent{Name: "anonymous", Role: RoleAgent}, "", true
	}
	token, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard"`)
		http.Error(w, "missing bearer token", http.StatusUnauthorized)
		return Agent{}, "", false
	}
	a, err := s.auth.Authenticate(token)
	switch {
	case errors.Is(err, ErrUnauthorized):
		w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard", error="invalid_token"`)
		http.Error(w, "invalid or revoked token", http.StatusUnauthorized)
		s.refusals.Warn(s.logger, "auth: refused", "remote", r.RemoteAddr)
		return Agent{}, "", false
	case err != nil:
		w.Header().Set("Retry-After", "5")
		http.Error(w, "cannot check tokens now", http.StatusServiceUnavailable)
		s.refusals.Error(s.logger, "auth: token check failed", "remote", r.RemoteAddr, "err", err)
		return Agent{}, "", false
	}
	return a, token, true
}

// bearer takes the token from an Authorization header; the scheme is
// case-insensitive (RFC 9110).
func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// stillValid re-checks a session's token, so a revoked token ends the
// sessions already open with it, not only new ones.
func (s *Server) stillValid(token string) bool {
	if s.auth == nil {
		return true
	}
	_, err := s.auth.Authenticate(token)
	return !errors.Is(err, ErrUnauthorized) // a passing read error keeps the session
}

// RequireToken wraps an HTTP API (the generic ingest, the CRM import) so it
// takes only requests with a valid bearer token, answered like the sync
// upgrade: 401 without one, 503 when tokens cannot be read.
func (s *Server) RequireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := s.agentOf(w, r); ok {
			next.ServeHTTP(w, r)
		}
	})
}
