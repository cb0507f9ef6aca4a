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

// agentOf authenticates a request; it answers 401 itself and reports false.
func (s *Server) agentOf(w http.ResponseWriter, r *http.Request) (Agent, bool) {
	if s.auth == nil {
		return Agent{Name: "anonymous", Role: RoleAgent}, true
	}
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(token) == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard"`)
		http.Error(w, "missing bearer token", http.StatusUnauthorized)
		return Agent{}, false
	}
	a, err := s.auth.Authenticate(strings.TrimSpace(token))
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard", error="invalid_token"`)
		http.Error(w, "invalid or revoked token", http.StatusUnauthorized)
		s.logger.Warn("auth: refused", "remote", r.RemoteAddr)
		return Agent{}, false
	}
	return a, true
}
