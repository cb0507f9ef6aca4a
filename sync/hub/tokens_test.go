package hub_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/sync/hub"
)

func openTokens(t *testing.T, dir string) *hub.TokenStore {
	t.Helper()
	s, err := hub.OpenTokenStore(dir)
	if err != nil {
		t.Fatalf("open tokens: %v", err)
	}
	return s
}

func addToken(t *testing.T, s *hub.TokenStore, agent string, role hub.Role) (string, hub.TokenRecord) {
	t.Helper()
	tok, rec, err := s.Add(agent, role)
	if err != nil {
		t.Fatalf("add token for %s: %v", agent, err)
	}
	return tok, rec
}

func wantAgent(t *testing.T, s *hub.TokenStore, token string, want hub.Agent) {
	t.Helper()
	got, err := s.Authenticate(token)
	if err != nil || got != want {
		t.Fatalf("authenticate: %+v, %v; want %+v", got, err, want)
	}
}

func wantRefused(t *testing.T, s *hub.TokenStore, token string) {
	t.Helper()
	if got, err := s.Authenticate(token); !errors.Is(err, hub.ErrUnauthorized) {
		t.Fatalf("authenticate: %+v, %v; want ErrUnauthorized", got, err)
	}
}

func TestTokenStoreAddListRevoke(t *testing.T) {
	s := openTokens(t, t.TempDir())
	ana, anaRec := addToken(t, s, "ana", hub.RoleLead)
	bo1, bo1Rec := addToken(t, s, "bo", hub.RoleAgent)
	bo2, _ := addToken(t, s, "bo", hub.RoleAgent)

	for _, tok := range []string{ana, bo1, bo2} {
		if !strings.HasPrefix(tok, hub.TokenPrefix) || len(tok) < len(hub.TokenPrefix)+43 {
			t.Errorf("token %q: want prefix %s and 32 random bytes", tok, hub.TokenPrefix)
		}
	}
	if ana == bo1 || bo1 == bo2 {
		t.Fatal("two adds gave the same token")
	}
	if anaRec.ID == "" || anaRec.ID == bo1Rec.ID || len(anaRec.ID) > 12 {
		t.Errorf("ids %q, %q: want short and distinct", anaRec.ID, bo1Rec.ID)
	}
	wantAgent(t, s, ana, hub.Agent{Name: "ana", Role: hub.RoleLead})
	wantAgent(t, s, bo1, hub.Agent{Name: "bo", Role: hub.RoleAgent})
	wantAgent(t, s, bo2, hub.Agent{Name: "bo", Role: hub.RoleAgent})

	recs, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0].ID != anaRec.ID || recs[0].Agent != "ana" || recs[0].Role != hub.RoleLead ||
		recs[0].Created.IsZero() || !recs[0].Active() {
		t.Fatalf("list = %+v", recs)
	}

	// Revoke by id: only that token stops working, at once.
	got, err := s.RevokeID(bo1Rec.ID)
	if err != nil || got.ID != bo1Rec.ID || got.Active() {
		t.Fatalf("revoke id: %+v, %v", got, err)
	}
	wantRefused(t, s, bo1)
	wantAgent(t, s, bo2, hub.Agent{Name: "bo", Role: hub.RoleAgent})
	if _, err := s.RevokeID(bo1Rec.ID); !errors.Is(err, hub.ErrNoToken) {
		t.Errorf("second revoke of one id: %v, want ErrNoToken", err)
	}

	// Revoke by agent: every active token of the agent.
	revoked, err := s.RevokeAgent("bo")
	if err != nil || len(revoked) != 1 {
		t.Fatalf("revoke agent: %+v, %v; want the one active token left", revoked, err)
	}
	wantRefused(t, s, bo2)
	wantAgent(t, s, ana, hub.Agent{Name: "ana", Role: hub.RoleLead})
	if _, err := s.RevokeAgent("nobody"); !errors.Is(err, hub.ErrNoToken) {
		t.Errorf("revoke unknown agent: %v, want ErrNoToken", err)
	}

	// Revoked records stay listed, with the time.
	recs, _ = s.List()
	active := 0
	for _, r := range recs {
		if r.Active() {
			active++
		} else if r.Agent != "bo" || r.Revoked.Before(r.Created) {
			t.Errorf("revoked record %+v", r)
		}
	}
	if len(recs) != 3 || active != 1 {
		t.Errorf("after revokes: %d records, %d active; want 3, 1", len(recs), active)
	}
}

func TestTokenStoreRefusesUnknownAndMalformed(t *testing.T) {
	s := openTokens(t, t.TempDir())
	tok, _ := addToken(t, s, "ana", hub.RoleAgent)
	other := hub.TokenPrefix + strings.Repeat("A", len(tok)-len(hub.TokenPrefix))
	for _, bad := range []string{"", "sb_", tok[:len(tok)-1], tok + "x", other, strings.ToUpper(tok), "Bearer " + tok} {
		wantRefused(t, s, bad)
	}
}

func TestTokenStoreValidates(t *testing.T) {
	s := openTokens(t, t.TempDir())
	for _, tc := range []struct {
		agent string
		role  hub.Role
	}{
		{"", hub.RoleAgent},
		{"two words", hub.RoleAgent},
		{"-dash", hub.RoleAgent},
		{strings.Repeat("a", 65), hub.RoleAgent},
		{"line\nbreak", hub.RoleAgent},
		{"ana", "admin"},
		{"ana", ""},
	} {
		if _, _, err := s.Add(tc.agent, tc.role); err == nil {
			t.Errorf("Add(%q, %q) succeeded", tc.agent, tc.role)
		}
	}
	for _, ok := range []string{"ana", "ana.berg@example.com", "agent_7", "A-1"} {
		if _, _, err := s.Add(ok, hub.RoleAgent); err != nil {
			t.Errorf("Add(%q): %v", ok, err)
		}
	}
	if r, err := hub.ParseRole("lead"); err != nil || r != hub.RoleLead {
		t.Errorf("ParseRole(lead) = %q, %v", r, err)
	}
}

// Only SHA-256 hashes reach the disk.
func TestTokenStoreKeepsOnlyHashes(t *testing.T) {
	dir := t.TempDir()
	s := openTokens(t, dir)
	tok, _ := addToken(t, s, "ana", hub.RoleAgent)
	raw, err := os.ReadFile(filepath.Join(dir, hub.TokensFile))
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimPrefix(tok, hub.TokenPrefix)
	if bytes.Contains(raw, []byte(secret)) || bytes.Contains(raw, []byte(secret[:16])) {
		t.Fatal("the token's plaintext is in tokens.db")
	}
	hash := sha256.Sum256([]byte(tok))
	if !bytes.Contains(raw, hash[:]) {
		t.Fatal("the token's SHA-256 is not in tokens.db")
	}
	fi, err := os.Stat(filepath.Join(dir, hub.TokensFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("tokens.db mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
}

func TestTokenStoreReopenKeepsTokens(t *testing.T) {
	dir := t.TempDir()
	s := openTokens(t, dir)
	ana, _ := addToken(t, s, "ana", hub.RoleLead)
	bo, _ := addToken(t, s, "bo", hub.RoleAgent)
	if _, err := s.RevokeAgent("bo"); err != nil {
		t.Fatal(err)
	}
	s2 := openTokens(t, dir)
	wantAgent(t, s2, ana, hub.Agent{Name: "ana", Role: hub.RoleLead})
	wantRefused(t, s2, bo)
	if recs, err := s2.List(); err != nil || len(recs) != 2 {
		t.Fatalf("list after reopen: %+v, %v", recs, err)
	}
}

// The hub and `hub token ...` are two stores on one file: what the CLI adds
// works at once in the hub, what it revokes is refused at once.
func TestTokenStoreSeesOtherProcess(t *testing.T) {
	dir := t.TempDir()
	served, cli := openTokens(t, dir), openTokens(t, dir)
	ana, _ := addToken(t, cli, "ana", hub.RoleAgent)
	wantAgent(t, served, ana, hub.Agent{Name: "ana", Role: hub.RoleAgent})

	// Connections keep arriving while tokens are managed.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := served.Authenticate(ana); err != nil && !errors.Is(err, hub.ErrUnauthorized) {
					t.Errorf("authenticate while the CLI writes: %v", err)
					return
				}
			}
		}()
	}
	var toks []string
	for i := range 20 {
		tok, _ := addToken(t, cli, "bo", hub.RoleAgent)
		wantAgent(t, served, tok, hub.Agent{Name: "bo", Role: hub.RoleAgent})
		toks = append(toks, tok)
		if i%5 == 4 {
			if _, err := cli.RevokeAgent("bo"); err != nil {
				t.Fatal(err)
			}
			for _, tok := range toks {
				wantRefused(t, served, tok)
			}
		}
	}
	if _, err := cli.RevokeAgent("ana"); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	wantRefused(t, served, ana)
}

// A process that keeps tokens.db open (an old hub, a stuck tool) costs a
// clear error after a second, not a hang and not a 401 for everyone.
func TestTokenStoreLockedFile(t *testing.T) {
	dir := t.TempDir()
	s := openTokens(t, dir)
	other := openTokens(t, dir) // will have no copy in memory
	tok, _ := addToken(t, s, "ana", hub.RoleAgent)
	wantAgent(t, s, tok, hub.Agent{Name: "ana", Role: hub.RoleAgent}) // s has one
	db, err := bolt.Open(filepath.Join(dir, hub.TokensFile), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	start := time.Now()
	_, _, err = s.Add("bo", hub.RoleAgent)
	if err == nil || !strings.Contains(err.Error(), "locked by another process") {
		t.Errorf("add while locked: %v, want a clear error", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("add while locked took %v", took)
	}
	// A copy read before the lock still answers; one that must read the
	// file reports the lock, not an unknown token.
	wantAgent(t, s, tok, hub.Agent{Name: "ana", Role: hub.RoleAgent})
	if _, err := other.Authenticate(tok); err == nil || errors.Is(err, hub.ErrUnauthorized) {
		t.Errorf("authenticate from a locked file: %v, want an error other than ErrUnauthorized", err)
	}
}
