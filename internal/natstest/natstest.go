// Package natstest runs in-process NATS servers with JetStream for tests:
// one node, or a cluster of nodes on loopback that can be killed and
// restarted (the hub's JetStream log, docs/scale.md).
package natstest

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Start runs one node with JetStream, its store in dir; it stops at cleanup.
func Start(tb testing.TB, dir string) *server.Server {
	tb.Helper()
	opts := &server.Options{ServerName: "sb-test", Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir,
		NoLog: true, NoSigs: true}
	s := run(tb, opts)
	tb.Cleanup(s.Shutdown)
	return s
}

func run(tb testing.TB, opts *server.Options) *server.Server {
	tb.Helper()
	s, err := server.NewServer(opts)
	if err != nil {
		tb.Fatalf("nats server: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(20 * time.Second) {
		s.Shutdown()
		tb.Fatalf("nats server %s did not start", opts.ServerName)
	}
	return s
}

// Cluster is a JetStream cluster on loopback.
type Cluster struct {
	tb    testing.TB
	opts  []*server.Options
	Nodes []*server.Server // nil: killed
}

// StartCluster runs n nodes (3 for R3 streams), each storing in its own
// folder under dir; they stop at cleanup.
func StartCluster(tb testing.TB, n int, dir string) *Cluster {
	tb.Helper()
	c := &Cluster{tb: tb, Nodes: make([]*server.Server, n)}
	ports := freePorts(tb, 2*n)
	var routes []string
	for i := range n {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", ports[n+i]))
	}
	for i := range n {
		c.opts = append(c.opts, &server.Options{
			ServerName: fmt.Sprintf("sb-%d", i), Host: "127.0.0.1", Port: ports[i], JetStream: true,
			StoreDir: filepath.Join(dir, fmt.Sprintf("n%d", i)), NoLog: true, NoSigs: true,
			Cluster: server.ClusterOpts{Name: "sb-test", Host: "127.0.0.1", Port: ports[n+i]},
			Routes:  server.RoutesFromStr(strings.Join(routes, ",")),
		})
	}
	started := make(chan struct {
		i int
		s *server.Server
	}, n)
	for i := range n {
		go func() {
			s, err := server.NewServer(c.opts[i])
			if err != nil {
				tb.Errorf("nats server: %v", err)
				started <- struct {
					i int
					s *server.Server
				}{i, nil}
				return
			}
			go s.Start()
			started <- struct {
				i int
				s *server.Server
			}{i, s}
		}()
	}
	for range n {
		r := <-started
		c.Nodes[r.i] = r.s
	}
	tb.Cleanup(func() {
		for _, s := range c.Nodes {
			if s != nil {
				s.Shutdown()
			}
		}
	})
	for i, s := range c.Nodes {
		if s == nil || !s.ReadyForConnections(20*time.Second) {
			tb.Fatalf("nats node %d did not start", i)
		}
	}
	c.WaitLeader()
	return c
}

// WaitLeader waits until the cluster has a JetStream meta leader.
func (c *Cluster) WaitLeader() {
	c.tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, s := range c.Nodes {
			if s != nil && s.JetStreamIsLeader() {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.tb.Fatal("the JetStream cluster elected no leader")
}

// URLs are the client URLs of every node, comma-separated.
func (c *Cluster) URLs() string {
	var u []string
	for _, o := range c.opts {
		u = append(u, fmt.Sprintf("nats://127.0.0.1:%d", o.Port))
	}
	return strings.Join(u, ",")
}

// Kill stops node i at once.
func (c *Cluster) Kill(i int) {
	if s := c.Nodes[i]; s != nil {
		s.Shutdown()
		s.WaitForShutdown()
		c.Nodes[i] = nil
	}
}

// Restart starts node i again on its ports and store.
func (c *Cluster) Restart(i int) {
	c.tb.Helper()
	o := *c.opts[i]
	c.Nodes[i] = run(c.tb, &o)
}

func freePorts(tb testing.TB, n int) []int {
	tb.Helper()
	var ls []net.Listener
	var out []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return out
}
