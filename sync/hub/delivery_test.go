package hub_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"switchboard/connector"
	"switchboard/model"
	"switchboard/sync/hub"
)

// platform is a Sender standing in for a platform API at the connector
// boundary; the connectors' own tests run the real HTTP clients.
type platform struct {
	mu    sync.Mutex
	sent  []connector.Reply
	fail  []error // errors to return, in order, before succeeding
	found bool    // for Find
}

func (p *platform) Send(_ context.Context, r connector.Reply) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, r)
	if len(p.fail) > 0 {
		err := p.fail[0]
		p.fail = p.fail[1:]
		return "", err
	}
	return fmt.Sprintf("posted-%d", len(p.sent)), nil
}

func (p *platform) calls() []connector.Reply {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]connector.Reply(nil), p.sent...)
}

type reconciling struct {
	*platform
}

func (r reconciling) Find(context.Context, connector.Reply) (string, bool, error) {
	return "found-1", r.found, nil
}

func deliveryHub(t *testing.T, dir string) (*hub.Hub, *hub.BoltLog) {
	t.Helper()
	l, err := hub.OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler), RetryBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return h, l
}

func replyOn(t *testing.T, h *hub.Hub, ch model.Channel, thread string) (caseID, opID string) {
	t.Helper()
	for i, id := range []string{"100", "101"} {
		var err error
		caseID, _, err = h.Ingest(hub.Inbound{Channel: ch, ThreadRef: thread, PlatformID: thread + id, Author: model.Identity{Handle: "@kim", PlatformID: "u-kim"},
			Text: "where is my bag?", Time: time.Date(2026, 3, 1, 9, i, 0, 0, time.UTC), Public: true})
		if err != nil {
			t.Fatal(err)
		}
	}
	opID = "op-" + thread
	a, err := h.ApplyOp(hub.Agent{Name: "anna", Role: hub.RoleAgent}, model.Op{ID: opID, Kind: model.OpReply, CaseID: caseID, Text: "On its way!"})
	if err != nil || a.Reject != nil {
		t.Fatalf("reply op: %+v %v", a, err)
	}
	return caseID, opID
}

func waitDelivery(t *testing.T, l *hub.BoltLog, caseID, msgID string, want model.Delivery) model.Message {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		thread, err := l.Thread(caseID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range thread {
			if m.ID == msgID && m.Delivery == want {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("reply never reached %q: %+v", want, thread)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestReplyIsDeliveredOnceToTheNewestCustomerMessage(t *testing.T) {
	h, l := deliveryHub(t, t.TempDir())
	defer l.Close()
	caseID, opID := replyOn(t, h, model.ChannelTwitter, "conv-1")
	x := &platform{fail: []error{errors.New("connection reset")}} // one transient failure
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.RunDelivery(ctx, map[model.Channel]connector.Sender{model.ChannelTwitter: x}); close(done) }()
	defer func() { cancel(); <-done }()

	m := waitDelivery(t, l, caseID, opID, model.DeliverySent)
	calls := x.calls()
	if len(calls) != 2 {
		t.Fatalf("sender called %d times, want 2 (one retry)", len(calls))
	}
	if r := calls[1]; r.InReplyTo != "conv-1101" || r.Key != opID || r.Text != "On its way!" || r.Private {
		t.Fatalf("reply sent as %+v", r)
	}
	if m.PlatformID != "posted-2" {
		t.Fatalf("platform id = %q", m.PlatformID)
	}
	// The same op again changes nothing and sends nothing.
	if _, err := h.ApplyOp(hub.Agent{Name: "anna"}, model.Op{ID: opID, Kind: model.OpReply, CaseID: caseID, Text: "On its way!"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if n := len(x.calls()); n != 2 {
		t.Fatalf("repeated op sent again: %d calls", n)
	}
}

func TestPermanentFailureAndManualReplies(t *testing.T) {
	h, l := deliveryHub(t, t.TempDir())
	defer l.Close()
	fbCase, fbOp := replyOn(t, h, model.ChannelFacebook, "post-9")
	forumCase, forumOp := replyOn(t, h, model.ChannelForum, "https://forum.example/t/1")
	fb := &platform{fail: []error{connector.Permanentf("(#100) comment was deleted")}}
	forum := &platform{fail: []error{connector.ErrManual}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		h.RunDelivery(ctx, map[model.Channel]connector.Sender{model.ChannelFacebook: fb, model.ChannelForum: forum})
		close(done)
	}()
	defer func() { cancel(); <-done }()

	m := waitDelivery(t, l, fbCase, fbOp, model.DeliveryFailed)
	if len(fb.calls()) != 1 || m.DeliveryError == "" {
		t.Fatalf("permanent failure: %d calls, error %q", len(fb.calls()), m.DeliveryError)
	}
	waitDelivery(t, l, forumCase, forumOp, model.DeliveryManual)
	// The agent posts it by hand and says so.
	a, err := h.ApplyOp(hub.Agent{Name: "anna"}, model.Op{ID: "mark-1", Kind: model.OpMarkPosted, CaseID: forumCase, MessageID: forumOp})
	if err != nil || a.Reject != nil {
		t.Fatalf("mark posted: %+v %v", a, err)
	}
	if m := waitDelivery(t, l, forumCase, forumOp, model.DeliverySent); m.DeliveryError != "posted by anna" {
		t.Fatalf("marked reply = %+v", m)
	}
}

func TestCrashBetweenSendAndRecordNeverPostsTwice(t *testing.T) {
	for _, tc := range []struct {
		name      string
		reconcile bool
		found     bool
		want      model.Delivery
		sends     int
	}{
		{"no way to know", false, false, model.DeliveryFailed, 0},
		{"found on the platform", true, true, model.DeliverySent, 0},
		{"not found: sent now", true, false, model.DeliverySent, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			h, l := deliveryHub(t, dir)
			caseID, opID := replyOn(t, h, model.ChannelTwitter, "conv-2")
			// The hub recorded its intent and stopped before the outcome.
			jobs, err := l.Jobs(hub.JobPending)
			if err != nil || len(jobs) != 1 {
				t.Fatalf("jobs = %v, %v", jobs, err)
			}
			j := jobs[0]
			j.State, j.Attempts = hub.JobSending, 1
			if _, err := l.PutJob(j); err != nil {
				t.Fatal(err)
			}
			l.Close()

			h, l = deliveryHub(t, dir)
			defer l.Close()
			p := &platform{found: tc.found}
			var s connector.Sender = p
			if tc.reconcile {
				s = reconciling{p}
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { h.RunDelivery(ctx, map[model.Channel]connector.Sender{model.ChannelTwitter: s}); close(done) }()
			defer func() { cancel(); <-done }()
			waitDelivery(t, l, caseID, opID, tc.want)
			if n := len(p.calls()); n != tc.sends {
				t.Fatalf("sent %d times after the restart, want %d", n, tc.sends)
			}
		})
	}
}

func TestEditsAndDeletionsUpdateTheMessage(t *testing.T) {
	h, l := deliveryHub(t, t.TempDir())
	defer l.Close()
	in := hub.Inbound{Channel: model.ChannelFacebook, ThreadRef: "fb-post-1", PlatformID: "1_2", Author: model.Identity{Handle: "kim"}, Text: "room was dirty", Public: true}
	caseID, _, err := h.Ingest(in)
	if err != nil {
		t.Fatal(err)
	}
	in.Action, in.Text = model.InboundEdit, "room was dirty, and no towels"
	if _, dup, err := h.Ingest(in); err != nil || dup {
		t.Fatalf("edit: dup=%v err=%v", dup, err)
	}
	if _, dup, _ := h.Ingest(in); !dup {
		t.Fatal("the same edit twice changed the message twice")
	}
	in.Action, in.Text = model.InboundDelete, ""
	if _, dup, err := h.Ingest(in); err != nil || dup {
		t.Fatalf("delete: dup=%v err=%v", dup, err)
	}
	thread, _ := l.Thread(caseID)
	if len(thread) != 1 || thread[0].Text != "room was dirty, and no towels" || !thread[0].Deleted || thread[0].Edited.IsZero() {
		t.Fatalf("thread = %+v", thread)
	}
}
