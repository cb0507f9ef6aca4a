package hub_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"switchboard/sync/hub"
)

// The log suite (forBackends) also runs on a nats-server binary: Debian's
// 2.9.10 when installed (apt-get install nats-server; CI installs it), or
// the one $SWITCHBOARD_NATS_SERVER names — the server docs/scale.md tells
// operators to run, older than the in-process one of go.mod.
func init() {
	backends = append(backends, backend{"nats-server", func(t *testing.T) func(*testing.T, string) hub.EventLog {
		bin := natsServerBin()
		if bin == "" {
			t.Skip("no nats-server binary (apt-get install nats-server, or $SWITCHBOARD_NATS_SERVER): the in-process backend covers the log")
		}
		url := startNATSServerProc(t, bin, t.TempDir())
		return func(t *testing.T, dir string) hub.EventLog { return openJS(t, url, dir, 1) }
	}})
}

// natsServerBin is the nats-server binary to test with, "" for none.
func natsServerBin() string {
	if bin := os.Getenv("SWITCHBOARD_NATS_SERVER"); bin != "" {
		return bin
	}
	if bin, err := exec.LookPath("nats-server"); err == nil {
		return bin
	}
	if _, err := os.Stat("/usr/sbin/nats-server"); err == nil {
		return "/usr/sbin/nats-server" // Debian's, when /usr/sbin is not on PATH
	}
	return ""
}

// startNATSServerProc runs bin with JetStream on a loopback port, storing
// in dir, until the test ends; it returns the client URL.
func startNATSServerProc(t *testing.T, bin, dir string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "-js", "-a", "127.0.0.1", "-p", fmt.Sprint(port), "-sd", dir)
	out := &procBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return fmt.Sprintf("nats://127.0.0.1:%d", port)
		}
		select {
		case <-done:
			t.Fatalf("%s ended while starting; log:\n%s", bin, out)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not up after 30s; log:\n%s", bin, out)
		}
	}
}

// procBuffer is a process's output, written and read from two goroutines.
type procBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (p *procBuffer) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.b.Write(b)
}

func (p *procBuffer) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.b.String()
}
