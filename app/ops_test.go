package app_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/model"
	"switchboard/sync/hub"
)

// tokens is an Authenticator over a fixed table, so two consoles act as two
// agents against one real hub.
type tokens map[string]hub.Agent

func (t tokens) Authenticate(tok string) (hub.Agent, error) {
	if a, ok := t[tok]; ok {
		return a, nil
	}
	return hub.Agent{}, hub.ErrUnauthorized
}

func startAuthHub(t *testing.T) *testHub {
	t.Helper()
	return startHubWith(t, tokens{"tok-anna": {Name: "anna", Role: hub.RoleAgent}, "tok-ben": {Name: "ben", Role: hub.RoleAgent}, "tok-lea": {Name: "lea", Role: hub.RoleLead}})
}

func openConsole(t *testing.T, dir string) *app.Core {
	t.Helper()
	c, err := app.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (th *testHub) connect(t *testing.T, c *app.Core, token string) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := c.Start(ctx, th.url, token)
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

func caseOf(t *testing.T, c *app.Core, id string) model.Case {
	t.Helper()
	d, err := c.Case(id)
	if err != nil {
		t.Fatal(err)
	}
	return d.Case
}

func TestOfflineOpsReachTheHubExactlyOnce(t *testing.T) {
	th := startAuthHub(t)
	id := th.post(t, post{ch: model.ChannelTwitter, thread: "t1", handle: "@kim", text: "my bag is lost"})

	dir := t.TempDir()
	anna := openConsole(t, dir)
	stop := th.connect(t, anna, "tok-anna")
	waitFor(t, "first sync", func() bool { return anna.Status().Cursor == th.log.Head() })
	stop()

	// Offline: claim, reply, close. The view changes at once.
	for _, op := range []model.Op{
		{Kind: model.OpClaim, CaseID: id},
		{Kind: model.OpReply, CaseID: id, Text: "So sorry, we are on it."},
		{Kind: model.OpSetStatus, CaseID: id, Status: model.StatusSolved},
	} {
		if _, err := anna.Do(op); err != nil {
			t.Fatalf("%s: %v", op.Kind, err)
		}
	}
	v := caseOf(t, anna, id)
	if v.Assignee != "anna" || v.Status != model.StatusSolved {
		t.Fatalf("offline view = assignee %q status %s", v.Assignee, v.Status)
	}
	if anna.Pending() != 3 {
		t.Fatalf("pending = %d", anna.Pending())
	}
	// The outbox survives closing the console.
	anna.Close()
	anna = openConsole(t, dir)
	defer anna.Close()
	if anna.Pending() != 3 {
		t.Fatalf("pending after reopen = %d", anna.Pending())
	}
	th.connect(t, anna, "tok-anna")
	waitFor(t, "outbox drained", func() bool { return anna.Pending() == 0 })

	hc, _ := th.hub.Case(id)
	if hc.Assignee != "anna" || hc.Status != model.StatusSolved || hc.FirstResponse.IsZero() {
		t.Fatalf("hub case = %+v", hc)
	}
	evs, _ := th.log.Read(0, 1000)
	replies := 0
	for _, ev := range evs {
		if ev.Message != nil && ev.Message.Direction == model.DirectionOut {
			replies++
		}
	}
	if replies != 1 {
		t.Fatalf("hub logged %d replies, want 1", replies)
	}
	waitFor(t, "console caught up", func() bool { return anna.Status().Cursor == th.log.Head() })
	d, _ := anna.Case(id)
	if len(d.Thread) != 2 || d.Thread[1].Delivery == model.DeliveryPending {
		t.Fatalf("console thread after ack = %+v", d.Thread)
	}
}

func TestConcurrentClaimsOneWinner(t *testing.T) {
	th := startAuthHub(t)
	id := th.post(t, post{ch: model.ChannelFacebook, thread: "p1", handle: "kim", text: "hotel booking?"})
	anna, ben := openConsole(t, t.TempDir()), openConsole(t, t.TempDir())
	defer anna.Close()
	defer ben.Close()
	// Both queue their claim before either reaches the hub.
	for _, c := range []*app.Core{anna, ben} {
		if _, err := c.Do(model.Op{Kind: model.OpClaim, CaseID: id}); err == nil {
			t.Fatal("claim on a case the console has never seen was accepted")
		}
	}
	th.connect(t, anna, "tok-anna")
	th.connect(t, ben, "tok-ben")
	waitFor(t, "sync", func() bool {
		return anna.Status().Cursor == th.log.Head() && ben.Status().Cursor == th.log.Head()
	})
	var wg sync.WaitGroup
	for _, c := range []*app.Core{anna, ben} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Do(model.Op{Kind: model.OpClaim, CaseID: id}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	waitFor(t, "both answered", func() bool { return anna.Pending() == 0 && ben.Pending() == 0 })
	hc, _ := th.hub.Case(id)
	winner, loser := anna, ben
	if hc.Assignee == "ben" {
		winner, loser = ben, anna
	} else if hc.Assignee != "anna" {
		t.Fatalf("assignee = %q", hc.Assignee)
	}
	if r, _ := winner.Rejected(); len(r) != 0 {
		t.Fatalf("winner has rejects: %+v", r)
	}
	r, _ := loser.Rejected()
	if len(r) != 1 || r[0].Reject.Code != model.RejectClaimed || r[0].Current == nil || r[0].Current.Assignee != hc.Assignee {
		t.Fatalf("loser's rejects = %+v", r)
	}
	// The loser's view shows the real assignee, not its own guess.
	waitFor(t, "loser sees the winner", func() bool { return caseOf(t, loser, id).Assignee == hc.Assignee })
}

func TestReplyOnSomeoneElsesCaseNeedsConfirmation(t *testing.T) {
	th := startAuthHub(t)
	id := th.post(t, post{ch: model.ChannelForum, thread: "f1", handle: "bo", text: "range dropped"})
	anna, ben := openConsole(t, t.TempDir()), openConsole(t, t.TempDir())
	defer anna.Close()
	defer ben.Close()
	th.connect(t, anna, "tok-anna")
	th.connect(t, ben, "tok-ben")
	waitFor(t, "sync", func() bool { return anna.Status().Cursor == th.log.Head() && ben.Status().Cursor == th.log.Head() })
	if _, err := anna.Do(model.Op{Kind: model.OpClaim, CaseID: id}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "ben sees anna's claim", func() bool { return caseOf(t, ben, id).Assignee == "anna" })

	// Ben's console already knows: it refuses before queueing.
	_, err := ben.Do(model.Op{Kind: model.OpReply, CaseID: id, Text: "try the eco setting"})
	var rej *model.Rejection
	if !errors.As(err, &rej) || rej.Code != model.RejectClaimed {
		t.Fatalf("reply on anna's case: %v", err)
	}
	if _, err := ben.Do(model.Op{Kind: model.OpReply, CaseID: id, Text: "try the eco setting", Confirm: true}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "confirmed reply applied", func() bool { return ben.Pending() == 0 })
	if r, _ := ben.Rejected(); len(r) != 0 {
		t.Fatalf("confirmed reply rejected: %+v", r)
	}
	// An agent cannot release someone else's case; a lead can reassign.
	if _, err := ben.Do(model.Op{Kind: model.OpRelease, CaseID: id}); err == nil {
		t.Fatal("ben released anna's case")
	}
}

func TestStaleStatusChangeIsRejectedWithCurrentState(t *testing.T) {
	th := startAuthHub(t)
	id := th.post(t, post{ch: model.ChannelTwitter, thread: "t9", handle: "@kim", text: "refund?"})
	anna := openConsole(t, t.TempDir())
	defer anna.Close()
	stop := th.connect(t, anna, "tok-anna")
	waitFor(t, "sync", func() bool { return anna.Status().Cursor == th.log.Head() })
	stop()
	if _, err := anna.Do(model.Op{Kind: model.OpSetStatus, CaseID: id, Status: model.StatusSolved}); err != nil {
		t.Fatal(err)
	}
	// Meanwhile the customer writes again: the case moves on.
	th.post(t, post{ch: model.ChannelTwitter, thread: "t9", handle: "@kim", text: "hello??", at: time.Minute})
	th.connect(t, anna, "tok-anna")
	waitFor(t, "answer", func() bool { return anna.Pending() == 0 })
	r, _ := anna.Rejected()
	if len(r) != 1 || r[0].Reject.Code != model.RejectStale || r[0].Current == nil || r[0].Current.Status == model.StatusSolved {
		t.Fatalf("rejects = %+v", r)
	}
	if !strings.HasPrefix(r[0].Reject.Reason, model.StaleCustomerWrote) {
		t.Fatalf("the refusal does not say the customer wrote again: %q", r[0].Reject.Reason)
	}
	hc, _ := th.hub.Case(id)
	if hc.Status == model.StatusSolved {
		t.Fatal("stale status change applied")
	}
	// Retry applies it against the current version.
	if _, err := anna.Retry(r[0].Op.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "retry applied", func() bool { hc, _ := th.hub.Case(id); return hc.Status == model.StatusSolved })
	if r, _ := anna.Rejected(); len(r) != 0 {
		t.Fatalf("rejects after retry = %+v", r)
	}
}

func TestPresenceShowsWhoIsInACaseAndExpiresWithTheConsole(t *testing.T) {
	th := startAuthHub(t)
	id := th.post(t, post{ch: model.ChannelTwitter, thread: "t5", handle: "@kim", text: "refund please"})
	anna, ben := openConsole(t, t.TempDir()), openConsole(t, t.TempDir())
	defer anna.Close()
	defer ben.Close()
	stopAnna := th.connect(t, anna, "tok-anna")
	th.connect(t, ben, "tok-ben")
	waitFor(t, "sync", func() bool { return anna.Status().Cursor == th.log.Head() && ben.Status().Cursor == th.log.Head() })

	anna.SetPresence(id, false)
	waitFor(t, "ben sees anna viewing", func() bool {
		v, ty := ben.Presence(id)
		return len(v) == 1 && v[0] == "anna" && len(ty) == 0
	})
	anna.SetPresence(id, true)
	waitFor(t, "ben sees anna typing", func() bool {
		v, ty := ben.Presence(id)
		return len(ty) == 1 && ty[0] == "anna" && len(v) == 0
	})
	if v, ty := anna.Presence(id); len(v)+len(ty) != 0 {
		t.Fatalf("anna sees herself: %v %v", v, ty)
	}
	// A console that joins later gets the current presence at once.
	lea := openConsole(t, t.TempDir())
	defer lea.Close()
	th.connect(t, lea, "tok-lea")
	waitFor(t, "lea sees anna typing", func() bool { _, ty := lea.Presence(id); return len(ty) == 1 })

	stopAnna()
	waitFor(t, "anna's presence gone with her console", func() bool {
		v, ty := ben.Presence(id)
		return len(v)+len(ty) == 0
	})
}

func TestOnlyALeadReassigns(t *testing.T) {
	th := startAuthHub(t)
	id := th.post(t, post{ch: model.ChannelTwitter, thread: "t7", handle: "@kim", text: "lost luggage"})
	anna, lea := openConsole(t, t.TempDir()), openConsole(t, t.TempDir())
	defer anna.Close()
	defer lea.Close()
	th.connect(t, anna, "tok-anna")
	th.connect(t, lea, "tok-lea")
	waitFor(t, "sync", func() bool { return anna.Status().Cursor == th.log.Head() && lea.Status().Cursor == th.log.Head() })
	var rej *model.Rejection
	if _, err := anna.Do(model.Op{Kind: model.OpClaim, CaseID: id, Assignee: "ben"}); !errors.As(err, &rej) || rej.Code != model.RejectForbidden {
		t.Fatalf("agent assigning to ben: %v", err)
	}
	if _, err := anna.Do(model.Op{Kind: model.OpClaim, CaseID: id}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "anna holds it", func() bool { hc, _ := th.hub.Case(id); return hc.Assignee == "anna" })
	// The lead's console knows its role from the welcome and lets the
	// lead hand the case to ben.
	if _, err := lea.Do(model.Op{Kind: model.OpClaim, CaseID: id, Assignee: "ben"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "lea's op answered", func() bool { return lea.Pending() == 0 })
	if hc, _ := th.hub.Case(id); hc.Assignee != "ben" {
		r, _ := lea.Rejected()
		t.Fatalf("after the lead's reassignment assignee = %q (rejects %+v)", hc.Assignee, r)
	}
}
