package hub_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	bolt "go.etcd.io/bbolt"

	"switchboard/model"
	"switchboard/store"
	"switchboard/sync/client"
	"switchboard/sync/hub"
	"switchboard/sync/wire"
)

var authTiming = hub.Timing{HelloWait: 2 * time.Second, WriteWait: 2 * time.Second, PongWait: time.Minute, PingEvery: 30 * time.Second}

// authHub is a hub that requires tokens, with two cases in its log, served
// on loopback (TLS when tlsOn).
type authHub struct {
	dir    string
	tokens *hub.TokenStore
	ts     *httptest.Server
}

func startAuthHub(t *testing.T, tlsOn bool) *authHub {
	t.Helper()
	dir := t.TempDir()
	l, err := hub.OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	for i, handle := range []string{"ulla", "vic"} {
		_, _, err := h.Ingest(hub.Inbound{
			Channel: model.ChannelTwitter, ThreadRef: "t-" + handle, PlatformID: handle,
			Author: model.Identity{Handle: handle, Followers: 10}, Text: "hello from " + handle,
			Time: time.Date(2026, 3, 1, 9, i, 0, 0, time.UTC), Public: true,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	tokens, err := hub.OpenTokenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := hub.NewServer(h, authTiming)
	srv.SetAuth(tokens)
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // refused TLS handshakes are expected
	if tlsOn {
		ts.StartTLS()
	} else {
		ts.Start()
	}
	t.Cleanup(func() { ts.Close(); srv.Close(); l.Close() })
	return &authHub{dir: dir, tokens: tokens, ts: ts}
}

func (a *authHub) syncURL(t *testing.T) string {
	t.Helper()
	u, err := client.SyncURL(a.ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// dial opens the websocket with an Authorization header (none if empty).
func (a *authHub) dial(t *testing.T, authorization string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	hdr := http.Header{}
	if authorization != "" {
		hdr.Set("Authorization", authorization)
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, resp, err := d.Dial(a.syncURL(t), hdr)
	if conn != nil {
		t.Cleanup(func() { conn.Close() })
	}
	return conn, resp, err
}

func welcomeOf(t *testing.T, conn *websocket.Conn) wire.Welcome {
	t.Helper()
	hello, _ := wire.Encode(wire.Hello{Protocol: wire.Protocol, ClientID: "auth-test"})
	if err := conn.WriteMessage(websocket.TextMessage, hello); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, raw, err := conn.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	f, err := wire.Decode(raw)
	w, ok := f.(wire.Welcome)
	if err != nil || !ok {
		t.Fatalf("first frame %s: %v", raw, err)
	}
	return w
}

func TestSyncRequiresToken(t *testing.T) {
	a := startAuthHub(t, false)
	agentTok, _ := addToken(t, a.tokens, "ana", hub.RoleAgent)
	leadTok, _ := addToken(t, a.tokens, "lea", hub.RoleLead)
	revokedTok, _ := addToken(t, a.tokens, "rex", hub.RoleAgent)
	if _, err := a.tokens.RevokeAgent("rex"); err != nil {
		t.Fatal(err)
	}

	// Refused before the upgrade: the dialer sees the HTTP answer.
	for _, tc := range []struct{ name, header string }{
		{"no header", ""},
		{"empty bearer", "Bearer "},
		{"other scheme", "Basic " + agentTok},
		{"unknown token", "Bearer " + hub.TokenPrefix + strings.Repeat("x", len(agentTok)-len(hub.TokenPrefix))},
		{"garbage", "Bearer hunter2"},
		{"revoked token", "Bearer " + revokedTok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, resp, err := a.dial(t, tc.header)
			if conn != nil || !errors.Is(err, websocket.ErrBadHandshake) {
				t.Fatalf("dial: %v, want ErrBadHandshake", err)
			}
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", resp.StatusCode)
			}
			if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}

	for _, tc := range []struct {
		name, header string
		want         wire.Welcome
	}{
		{"agent", "Bearer " + agentTok, wire.Welcome{Agent: "ana", Role: "agent", Head: 4}},
		{"lead", "Bearer " + leadTok, wire.Welcome{Agent: "lea", Role: "lead", Head: 4}},
		{"scheme in lower case", "bearer " + agentTok, wire.Welcome{Agent: "ana", Role: "agent", Head: 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, _, err := a.dial(t, tc.header)
			if err != nil {
				t.Fatal(err)
			}
			if w := welcomeOf(t, conn); w.Agent != tc.want.Agent || w.Role != tc.want.Role || w.Head != tc.want.Head {
				t.Errorf("welcome = %+v, want %+v", w, tc.want)
			}
		})
	}

	// Revoking takes effect at the next connection.
	if _, err := a.tokens.RevokeAgent("ana"); err != nil {
		t.Fatal(err)
	}
	if _, resp, err := a.dial(t, "Bearer "+agentTok); resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after revoke: %v, want 401", err)
	}
}

// A token file the hub cannot read is the hub's trouble: 503, so consoles
// retry, not 401.
func TestSyncTokenFileLockedIs503(t *testing.T) {
	a := startAuthHub(t, false)
	tok, _ := addToken(t, a.tokens, "ana", hub.RoleAgent)
	db, err := bolt.Open(filepath.Join(a.dir, hub.TokensFile), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, resp, err := a.dial(t, "Bearer "+tok)
	if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial with the token file locked: %v, want 503", err)
	}
}

// Over TLS a console that trusts the hub's CA syncs through wss://; one
// that does not is refused by its own TLS check.
func TestSyncOverTLS(t *testing.T) {
	a := startAuthHub(t, true)
	tok, _ := addToken(t, a.tokens, "ana", hub.RoleAgent)
	if u := a.syncURL(t); !strings.HasPrefix(u, "wss://") {
		t.Fatalf("sync URL %s, want wss://", u)
	}
	pool := x509.NewCertPool()
	pool.AddCert(a.ts.Certificate())
	trusting := &websocket.Dialer{HandshakeTimeout: 5 * time.Second, TLSClientConfig: &tls.Config{RootCAs: pool}}

	st, err := store.Open(filepath.Join(t.TempDir(), "console.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var mu sync.Mutex
	var last client.Status
	online := make(chan struct{})
	var once sync.Once
	c := &client.Client{HubURL: a.ts.URL, Token: tok, Cache: st, Dialer: trusting, MinBackoff: 50 * time.Millisecond,
		OnStatus: func(s client.Status) {
			mu.Lock()
			last = s
			mu.Unlock()
			if s.State == client.StateOnline {
				once.Do(func() { close(online) })
			}
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	select {
	case <-online:
	case <-time.After(10 * time.Second):
		mu.Lock()
		t.Fatalf("no sync over wss: %+v", last)
	}
	cancel()
	<-done
	if cur, _ := st.Cursor(); cur != 4 {
		t.Errorf("cursor after wss sync = %d, want 4", cur)
	}
	if sums, _ := st.Summaries(); len(sums) != 2 {
		t.Errorf("%d cases after wss sync, want 2", len(sums))
	}

	// Without the CA in its pool the dialer refuses the certificate.
	_, _, err = (&websocket.Dialer{HandshakeTimeout: 5 * time.Second}).Dial(a.syncURL(t), http.Header{"Authorization": {"Bearer " + tok}})
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("dial without the CA: %v, want a certificate error", err)
	}
}
