package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"switchboard/sync/hub"
	"switchboard/sync/wire"
)

// hubCmd runs the program with args and returns what it printed.
func hubCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestTokenCommands(t *testing.T) {
	dir := t.TempDir()
	out, _, err := hubCmd(t, "token", "add", "--agent", "ana", "--role", "lead", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	if !strings.HasPrefix(token, hub.TokenPrefix) || strings.ContainsAny(token, " \t") {
		t.Fatalf("last line %q is not a token alone; output:\n%s", token, out)
	}
	store, err := hub.OpenTokenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a, err := store.Authenticate(token); err != nil || a != (hub.Agent{Name: "ana", Role: hub.RoleLead}) {
		t.Fatalf("the printed token authenticates as %+v, %v", a, err)
	}

	out, _, err = hubCmd(t, "token", "add", "--agent", "bo", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	boToken := lastLine(out)
	if a, err := store.Authenticate(boToken); err != nil || a.Role != hub.RoleAgent {
		t.Fatalf("--role defaults to agent: %+v, %v", a, err)
	}

	list, _, err := hubCmd(t, "token", "list", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(list, token) || strings.Contains(list, boToken) || strings.Contains(list, hub.TokenPrefix) {
		t.Fatalf("list shows a token:\n%s", list)
	}
	recs, _ := store.List()
	for _, r := range recs {
		if !strings.Contains(list, r.ID) || !strings.Contains(list, r.Agent) {
			t.Errorf("list misses %+v:\n%s", r, list)
		}
	}

	if _, _, err := hubCmd(t, "token", "revoke", "--id", recs[1].ID, "--data", dir); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Authenticate(boToken); !errors.Is(err, hub.ErrUnauthorized) {
		t.Errorf("revoked by id, still: %v", err)
	}
	if _, _, err := hubCmd(t, "token", "revoke", "--agent", "ana", "--data", dir); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Authenticate(token); !errors.Is(err, hub.ErrUnauthorized) {
		t.Errorf("revoked by agent, still: %v", err)
	}
	list, _, _ = hubCmd(t, "token", "list", "--data", dir)
	if strings.Count(list, "Z\n") != 2 || strings.Contains(list, "  -\n") {
		t.Errorf("list after revoking both shows no revoke times:\n%s", list)
	}

	for _, bad := range [][]string{
		{"token"},
		{"token", "rotate"},
		{"token", "add", "--data", dir},
		{"token", "add", "--agent", "x y", "--data", dir},
		{"token", "add", "--agent", "cy", "--role", "admin", "--data", dir},
		{"token", "revoke", "--data", dir},
		{"token", "revoke", "--agent", "ana", "--id", "1", "--data", dir},
		{"token", "revoke", "--agent", "nobody", "--data", dir},
	} {
		if out, _, err := hubCmd(t, bad...); err == nil {
			t.Errorf("%q succeeded: %s", bad, out)
		}
	}
}

// serveHub runs the hub with args on a free loopback port until the test
// ends, and waits until its /healthz answers hc over scheme. It returns the
// address and the hub's log.
func serveHub(t *testing.T, hc *http.Client, scheme string, args ...string) (string, *lockedBuffer) {
	t.Helper()
	addr, logs, _ := serveHubStop(t, hc, scheme, args...)
	return addr, logs
}

// serveHubStop is serveHub with the stop handle: stop cancels the hub's
// context and returns what run returned, or an error when it did not stop
// within 15 s. The test's end stops a hub not stopped yet (an error of
// run fails the test there); stopping twice returns the first answer.
func serveHubStop(t *testing.T, hc *http.Client, scheme string, args ...string) (addr string, logs *lockedBuffer, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"--listen", addr}, args...), io.Discard, logs) }()
	var once sync.Once
	var stopErr error
	halt := func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(15 * time.Second):
				stopErr = errors.New("hub did not stop within 15 s")
			}
		})
		return stopErr
	}
	stopped := false
	t.Cleanup(func() {
		if err := halt(); err != nil && !stopped {
			t.Errorf("hub ended with %v; log:\n%s", err, logs)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := hc.Get(scheme + "://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			return addr, logs, func() error { stopped = true; return halt() }
		}
		if time.Now().After(deadline) {
			t.Fatalf("hub not up over %s: %v; log:\n%s", scheme, err, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lockedBuffer takes the hub's log from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// selfSigned writes a certificate for 127.0.0.1 and its key as PEM files.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "switchboard test hub"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "hub.crt"), filepath.Join(dir, "hub.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// The serving hub requires tokens, takes ones added while it runs, and
// serves wss:// with --tls-cert/--tls-key.
func TestServeTLSWithTokens(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	tlsConf := &tls.Config{RootCAs: pool}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf}, Timeout: 5 * time.Second}
	addr, logs := serveHub(t, hc, "https", "--data", dir, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.Contains(logs.String(), "no tokens") {
		t.Errorf("a hub without tokens does not warn; log:\n%s", logs)
	}

	resp, err := hc.Get("https://" + addr + wire.SyncPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET %s without a token: %d, want 401", wire.SyncPath, resp.StatusCode)
	}

	// `hub token add` while the hub serves.
	out, _, err := hubCmd(t, "token", "add", "--agent", "ana", "--role", "agent", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second, TLSClientConfig: tlsConf}
	conn, _, err := d.Dial("wss://"+addr+wire.SyncPath, http.Header{"Authorization": {"Bearer " + lastLine(out)}})
	if err != nil {
		t.Fatalf("wss dial with a fresh token: %v", err)
	}
	defer conn.Close()
	hello, _ := wire.Encode(wire.Hello{Protocol: wire.Protocol, ClientID: "cmd-test"})
	if err := conn.WriteMessage(websocket.TextMessage, hello); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, raw, err := conn.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	// The welcome names the agent and role the token was issued for (the
	// rest — head, the ops budget — is the protocol's, tested in sync/hub).
	if f, err := wire.Decode(raw); err != nil {
		t.Fatalf("first frame %s: %v", raw, err)
	} else if w, ok := f.(wire.Welcome); !ok || w.Agent != "ana" || w.Role != "agent" {
		t.Fatalf("first frame %s; want welcome for ana", raw)
	}
}

func TestServeFlagErrors(t *testing.T) {
	dir := t.TempDir()
	certFile, _, _ := selfSigned(t, dir)
	for _, args := range [][]string{
		{"--data", dir, "--tls-cert", certFile},
		{"--data", dir, "--tls-cert", certFile, "--tls-key", filepath.Join(dir, "missing.key")},
		{"--data", dir, "stray"},
	} {
		if _, _, err := hubCmd(t, args...); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
