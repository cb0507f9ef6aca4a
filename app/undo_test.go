package app_test

import (
	"errors"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/model"
)

// A reply is held for the undo window: cancelled inside it, it never
// reaches the hub, while an action queued after it still lands once the
// window of the next reply is over.
func TestUndoSendHoldsAReplyUntilTheWindowEnds(t *testing.T) {
	th := startAuthHub(t)
	id := th.post(t, post{ch: model.ChannelTwitter, thread: "t1", handle: "@kim", text: "my bag is lost"})
	anna := openConsole(t, t.TempDir())
	anna.SetUndoWindow(time.Hour)
	th.connect(t, anna, "tok-anna")
	waitFor(t, "first sync", func() bool { return anna.Status().Cursor == th.log.Head() })

	wrong, err := anna.Do(model.Op{Kind: model.OpReply, CaseID: id, Text: "Reply meant for another customer"})
	if err != nil {
		t.Fatal(err)
	}
	// Held: the claim queued after it waits too, so the order holds.
	if _, err := anna.Do(model.Op{Kind: model.OpClaim, CaseID: id}); err != nil {
		t.Fatal(err)
	}
	q, _ := anna.Queued()
	if len(q) != 2 || q[0].HeldUntil.IsZero() || !q[0].Changeable || !q[1].Changeable {
		t.Fatalf("queued = %+v", q)
	}
	if err := anna.Cancel(wrong.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the claim landed", func() bool { return caseOf(t, anna, id).Assignee == "anna" && anna.Pending() == 0 })
	if err := anna.Cancel(wrong.ID); !errors.Is(err, app.ErrAlreadySent) {
		t.Fatalf("second cancel: %v", err)
	}

	// A short window: the reply goes out by itself, and cannot be taken
	// back afterwards.
	anna.SetUndoWindow(50 * time.Millisecond)
	sent, err := anna.Do(model.Op{Kind: model.OpReply, CaseID: id, Text: "So sorry, we are on it."})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reply landed", func() bool { return anna.Pending() == 0 })
	if err := anna.Cancel(sent.ID); !errors.Is(err, app.ErrAlreadySent) {
		t.Fatalf("cancel after send: %v", err)
	}
	d, err := anna.Case(id)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range d.Thread {
		texts = append(texts, m.Text)
	}
	for _, tx := range texts {
		if tx == wrong.Text {
			t.Fatalf("the cancelled reply reached the hub: %q", texts)
		}
	}
	if texts[len(texts)-1] != sent.Text {
		t.Fatalf("thread = %q", texts)
	}
}

// Offline, a queued reply can be edited and a queued action cancelled; on
// reconnect only the edited reply lands.
func TestOfflineOutboxEditAndCancel(t *testing.T) {
	th := startAuthHub(t)
	id := th.post(t, post{ch: model.ChannelTwitter, thread: "t1", handle: "@kim", text: "my bag is lost"})
	dir := t.TempDir()
	anna := openConsole(t, dir)
	stop := th.connect(t, anna, "tok-anna")
	waitFor(t, "first sync", func() bool { return anna.Status().Cursor == th.log.Head() })
	stop()

	reply, err := anna.Do(model.Op{Kind: model.OpReply, CaseID: id, Text: "Hi Tom"})
	if err != nil {
		t.Fatal(err)
	}
	solve, err := anna.Do(model.Op{Kind: model.OpSetStatus, CaseID: id, Status: model.StatusSolved})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anna.Edit(reply.ID, "Hi Kim, your bag is on its way."); err != nil {
		t.Fatal(err)
	}
	if _, err := anna.Edit(reply.ID, string(make([]rune, 300))+"x"); err == nil {
		t.Fatal("an edit past the channel's limit was taken")
	}
	if err := anna.Cancel(solve.ID); err != nil {
		t.Fatal(err)
	}
	q, _ := anna.Queued()
	if len(q) != 1 || q[0].Op.Text != "Hi Kim, your bag is on its way." {
		t.Fatalf("queued = %+v", q)
	}
	th.connect(t, anna, "tok-anna")
	waitFor(t, "the outbox drained", func() bool { return anna.Pending() == 0 })
	v := caseOf(t, anna, id)
	if v.Status == model.StatusSolved {
		t.Fatal("the cancelled status change landed")
	}
	d, _ := anna.Case(id)
	if last := d.Thread[len(d.Thread)-1]; last.Text != "Hi Kim, your bag is on its way." {
		t.Fatalf("last message %q", last.Text)
	}
}
