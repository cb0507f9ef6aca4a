package app_test

import (
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"switchboard/app"
)

func TestConfigFileIsPrivateAndReadBack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "console") // not there yet
	if c, err := app.LoadConfig(dir); err != nil || c != (app.Config{}) {
		t.Fatalf("load without a file: %+v, %v; want empty", c, err)
	}
	if err := app.SaveConfig(dir, app.Config{Token: "sb_secret"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, app.ConfigFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", app.ConfigFile, fi.Mode().Perm())
	}
	if c, err := app.LoadConfig(dir); err != nil || c.Token != "sb_secret" {
		t.Fatalf("read back: %+v, %v", c, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}

	// A file someone made readable to others is made private on load.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := app.LoadConfig(dir); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("after load: mode %v, want 0600", fi.Mode().Perm())
	}

	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := app.LoadConfig(dir); err == nil {
		t.Error("a corrupt config loads without an error")
	}
}

func TestResolveToken(t *testing.T) {
	dir := t.TempDir()
	if tok, err := app.ResolveToken(dir, "", ""); err != nil || tok != "" {
		t.Fatalf("nothing anywhere: %q, %v", tok, err)
	}
	if tok, _ := app.ResolveToken(dir, "", "sb_env"); tok != "sb_env" {
		t.Errorf("from the environment: %q", tok)
	}
	if c, _ := app.LoadConfig(dir); c.Token != "" {
		t.Errorf("a token from the environment was saved: %+v", c)
	}
	// The flag wins and is saved, so the next start needs none.
	if tok, err := app.ResolveToken(dir, "sb_flag", "sb_env"); err != nil || tok != "sb_flag" {
		t.Fatalf("from the flag: %q, %v", tok, err)
	}
	if tok, _ := app.ResolveToken(dir, "", ""); tok != "sb_flag" {
		t.Errorf("next start: %q, want the saved sb_flag", tok)
	}
	if tok, _ := app.ResolveToken(dir, "", "sb_env"); tok != "sb_env" {
		t.Errorf("the environment over the file: %q", tok)
	}
	if _, err := app.ResolveToken(dir, "sb_new", ""); err != nil {
		t.Fatal(err)
	}
	if c, _ := app.LoadConfig(dir); c.Token != "sb_new" {
		t.Errorf("a new flag token replaces the saved one: %+v", c)
	}
}

// HubDialer trusts a hub whose certificate comes from the given CA.
func TestHubDialerTrustsCA(t *testing.T) {
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err == nil {
			conn.Close()
		}
	}))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	defer ts.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "hub-ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "wss://" + strings.TrimPrefix(ts.URL, "https://")

	d, err := app.HubDialer(ca)
	if err != nil {
		t.Fatal(err)
	}
	d.HandshakeTimeout = 5 * time.Second
	conn, _, err := d.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial with the CA: %v", err)
	}
	conn.Close()
	if _, _, err := (&websocket.Dialer{HandshakeTimeout: 5 * time.Second}).Dial(url, nil); err == nil {
		t.Error("the hub's self-signed certificate is trusted without the CA")
	}

	notPEM := filepath.Join(dir, "not.pem")
	_ = os.WriteFile(notPEM, []byte("hello"), 0o644)
	for _, f := range []string{notPEM, filepath.Join(dir, "missing.pem")} {
		if _, err := app.HubDialer(f); err == nil {
			t.Errorf("HubDialer(%s): no error", filepath.Base(f))
		}
	}
}
