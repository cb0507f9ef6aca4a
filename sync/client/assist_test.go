package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"switchboard/sync/client"
	"switchboard/sync/hub"
	"switchboard/sync/wire"
)

func TestAssistOverTheSocket(t *testing.T) {
	e := openHub(t, t.TempDir())
	id, _, err := e.hub.Ingest(inbound("t1", "p1", "ana", "my suitcase did not arrive in Lisbon"))
	if err != nil {
		t.Fatal(err)
	}
	e.serve(t, "")
	e.srv.SetAssistant(hub.NewAssistant(nil, nil)) // offline: canned answers
	st := openStore(t)
	c := &client.Client{HubURL: e.ts.URL, Cache: st, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	var ans wire.AssistAnswer
	waitFor(t, "an answer from the hub", func() bool {
		actx, acancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer acancel()
		ans, err = c.Assist(actx, wire.AssistRequest{RequestID: "r1", CaseID: id, Kind: wire.AssistDrafts, Agent: "Mia"})
		return err == nil
	})
	if ans.RequestID != "r1" || ans.Error != "" || len(ans.Drafts) < 2 || ans.Source != "offline" {
		t.Fatalf("answer %+v", ans)
	}
	if !strings.HasSuffix(ans.Drafts[0].Text, "^Mia") {
		t.Fatalf("draft not signed by the agent: %q", ans.Drafts[0].Text)
	}
	sum, err := c.Assist(context.Background(), wire.AssistRequest{RequestID: "r2", CaseID: id, Kind: wire.AssistThreadSummary})
	if err != nil || !strings.HasPrefix(sum.Summary, "Asked: my suitcase") {
		t.Fatalf("summary %+v, %v", sum, err)
	}
	// An unknown case is said in the answer; the session goes on.
	unknown, err := c.Assist(context.Background(), wire.AssistRequest{RequestID: "r3", CaseID: "nope", Kind: wire.AssistDrafts})
	if err != nil || unknown.Error == "" {
		t.Fatalf("unknown case: %+v, %v", unknown, err)
	}
}

func TestAssistWithoutHubFailsFast(t *testing.T) {
	c := &client.Client{HubURL: "ws://127.0.0.1:1"}
	start := time.Now()
	_, err := c.Assist(context.Background(), wire.AssistRequest{RequestID: "r1", CaseID: "c1", Kind: wire.AssistDrafts})
	if !errors.Is(err, client.ErrNotConnected) {
		t.Fatalf("err %v, want ErrNotConnected", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %v", d)
	}
}
