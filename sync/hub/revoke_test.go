package hub_test

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"switchboard/sync/hub"
	"switchboard/sync/wire"
)

// revocable is an Authenticator whose one token can be revoked.
type revocable struct {
	mu      sync.Mutex
	revoked bool
}

func (r *revocable) Authenticate(tok string) (hub.Agent, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if tok != "tok" || r.revoked {
		return hub.Agent{}, hub.ErrUnauthorized
	}
	return hub.Agent{Name: "anna", Role: hub.RoleAgent}, nil
}

func TestRevokedTokenEndsOpenSession(t *testing.T) {
	l, err := hub.OpenBoltLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	auth := &revocable{}
	srv := hub.NewServer(h, hub.Timing{HelloWait: 2 * time.Second, WriteWait: 2 * time.Second, PongWait: time.Minute, PingEvery: 50 * time.Millisecond})
	srv.SetAuth(auth)
	ts := httptest.NewServer(srv.Handler())
	defer srv.Close()
	defer ts.Close()

	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, _, err := d.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+wire.SyncPath, http.Header{"Authorization": {"Bearer tok"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	hello, _ := wire.Encode(wire.Hello{Protocol: wire.Protocol, ClientID: "c"})
	if err := conn.WriteMessage(websocket.TextMessage, hello); err != nil {
		t.Fatal(err)
	}
	auth.mu.Lock()
	auth.revoked = true
	auth.mu.Unlock()

	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	sawRevoked := false
	for {
		_, raw, err := conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.ClosePolicyViolation {
				t.Fatalf("session ended with %v, want close 1008", err)
			}
			break
		}
		if f, _ := wire.Decode(raw); f != nil {
			if e, ok := f.(wire.Error); ok && e.Code == wire.CodeRevoked {
				sawRevoked = true
			}
		}
	}
	if !sawRevoked {
		t.Fatal("no token_revoked error before the close")
	}
}
