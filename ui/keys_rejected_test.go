package ui_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/model"
	"switchboard/store"
	"switchboard/ui"
)

// refusalsFixture is a cache with three ops the hub refused while the
// console was offline: a claim and a status on the forum case, and a reply
// on the lounge case, which ben had claimed meanwhile.
func refusalsFixture(t *testing.T) *app.Core {
	t.Helper()
	dir := t.TempDir()
	now := time.Now().UTC()
	author := model.Identity{Platform: model.ChannelTwitter, Handle: "@flyer", DisplayName: "Frequent Flyer", Followers: 120}
	forumUser := model.Identity{Platform: model.ChannelForum, Handle: "e5_driver_bo", DisplayName: "e5_driver_bo", Followers: 12}
	cases := []model.Case{
		{ID: "c-lounge", Channel: model.ChannelTwitter, Subject: "refused at the lounge", Author: author,
			Status: model.StatusOpen, Priority: model.PriorityHigh, Public: true, Created: now.Add(-time.Hour), LastMessageAt: now.Add(-time.Hour), Version: 1},
		{ID: "c-forum", Channel: model.ChannelForum, Subject: "Software 4.2 range", Author: forumUser,
			Status: model.StatusOpen, Priority: model.PriorityNormal, Public: true, Created: now.Add(-2 * time.Hour), LastMessageAt: now.Add(-2 * time.Hour), Version: 1},
	}
	var evs []model.Event
	add := func(ev model.Event) { ev.Seq = uint64(len(evs) + 1); ev.Time = now; evs = append(evs, ev) }
	for i := range cases {
		add(model.Event{Type: model.EventCaseUpserted, Case: &cases[i]})
	}
	msgs := []model.Message{
		{ID: "m1", CaseID: "c-lounge", Direction: model.DirectionIn, Author: author, Text: "Turned away at the lounge.", Time: now.Add(-time.Hour)},
		{ID: "m2", CaseID: "c-forum", Direction: model.DirectionIn, Author: forumUser, Text: "Range dropped after 4.2", Time: now.Add(-2 * time.Hour)},
	}
	for i := range msgs {
		add(model.Event{Type: model.EventMessageAdded, Message: &msgs[i]})
	}
	st, err := store.Open(filepath.Join(dir, "console.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(evs); err != nil {
		t.Fatal(err)
	}
	refuse := func(op model.Op, code string, cur model.Case) {
		t.Helper()
		op.Created = now
		if err := st.Enqueue(op); err != nil {
			t.Fatal(err)
		}
		cur.Assignee, cur.Version = "ben", 2
		if err := st.Rejected(op.ID, model.Rejection{Code: code, Reason: "claimed by ben"}, &cur); err != nil {
			t.Fatal(err)
		}
	}
	refuse(model.Op{ID: "op-claim", Kind: model.OpClaim, CaseID: "c-forum"}, model.RejectClaimed, cases[1])
	refuse(model.Op{ID: "op-reply", Kind: model.OpReply, CaseID: "c-lounge", Text: "We are sorry about the lounge."}, model.RejectClaimed, cases[0])
	refuse(model.Op{ID: "op-status", Kind: model.OpSetStatus, CaseID: "c-forum", Status: model.StatusSolved}, model.RejectClaimed, cases[1])
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	core, err := app.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { core.Close() })
	return core
}

// The refusals were reachable only with Tab (found working the demo by
// keys alone). Key ! gives them the keys: j/k pick one (highlighted), y
// or Enter retries (a reply on someone else's case asks once more), d
// discards, o opens its case, Esc gives the keys back.
func TestRefusalsByKeyboard(t *testing.T) {
	test.NewTempApp(t)
	core := refusalsFixture(t)
	c, w := openWindow(t, core)
	// The core's changes reach the console only while it runs: against a
	// hub that is down (a closed loopback port), so retried ops wait.
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := core.Start(ctx, down.URL, "")
	t.Cleanup(func() { cancel(); <-done })
	kb := keyboard{t, c, w}
	p := c.RejectedPanel()
	rejected := func() map[string]bool {
		ros, _ := core.Rejected()
		m := map[string]bool{}
		for _, r := range ros {
			m[r.Op.ID] = true
		}
		return m
	}
	marked := func() (id string) { c.Locked(func() { id = p.Marked() }); return id }
	// pick moves the highlight to opID with j (the list is short).
	pick := func(opID string) {
		t.Helper()
		for range 3 {
			kb.key(fyne.KeyUp)
		}
		for range 3 {
			if marked() == opID {
				return
			}
			kb.rune_('j')
		}
		if marked() != opID {
			t.Fatalf("j never reached %s (at %q)", opID, marked())
		}
	}
	eventually(t, c, "three refusals", func() bool { return p.Visible() && len(p.Lines()) == 3 })

	kb.rune_('!')
	if any(kb.focused()) != any(p) {
		t.Fatalf("! gave the keys to %T, not the refusals", kb.focused())
	}
	first := marked()
	if first == "" {
		t.Fatal("no refusal highlighted")
	}
	kb.rune_('j')
	if second := marked(); second == first || second == "" {
		t.Fatalf("j: highlight %q after %q", second, first)
	}
	kb.rune_('k')
	if marked() != first {
		t.Fatalf("k: highlight %q, want %q", marked(), first)
	}

	// Esc gives the keys back: j moves the queue again.
	kb.key(fyne.KeyEscape)
	if f := kb.focused(); f != nil {
		t.Fatalf("Esc left the keys with %T", f)
	}
	kb.rune_('j')
	eventually(t, c, "j opens a case of the queue", func() bool { return c.Selected() != "" })

	// o opens the refusal's case, and the queue has the keys.
	kb.rune_('!')
	pick("op-reply")
	kb.rune_('o')
	eventually(t, c, "o opens the lounge case", func() bool { return c.Selected() == "c-lounge" })
	if f := kb.focused(); f != nil {
		t.Fatalf("after o the keys stay with %T", f)
	}

	// The refused reply asks once more; moving away takes the question back.
	kb.rune_('!')
	pick("op-reply")
	kb.rune_('y')
	var ask string
	c.Locked(func() { ask = p.RetryText("op-reply") })
	if !strings.Contains(ask, "ben has the case") {
		t.Fatalf("y on the refused reply: button %q, want the question", ask)
	}
	if !rejected()["op-reply"] || core.Pending() != 0 {
		t.Fatalf("the first y retried the reply (pending %d)", core.Pending())
	}
	kb.rune_('j')
	kb.rune_('k')
	c.Locked(func() { ask = p.RetryText("op-reply") })
	if ask != "Retry" {
		t.Fatalf("moving away left the question: %q", ask)
	}
	pick("op-reply")
	kb.rune_('y')
	kb.key(fyne.KeyReturn) // the second press: send anyway
	eventually(t, c, "the reply retried", func() bool { return !rejected()["op-reply"] && core.Pending() == 1 })
	eventually(t, c, "the panel lists two", func() bool { return len(p.Lines()) == 2 })
	if any(kb.focused()) != any(p) {
		t.Fatalf("after a retry the keys went to %T", kb.focused())
	}

	// Enter retries a plain refusal at once; d discards.
	pick("op-claim")
	kb.key(fyne.KeyReturn)
	eventually(t, c, "the claim retried", func() bool { return !rejected()["op-claim"] && core.Pending() == 2 })
	eventually(t, c, "the panel lists one", func() bool { return len(p.Lines()) == 1 })
	pick("op-status")
	kb.rune_('d')
	eventually(t, c, "the status discarded", func() bool { return len(rejected()) == 0 && !p.Visible() })
	if core.Pending() != 2 {
		t.Fatalf("discard queued something: pending %d", core.Pending())
	}
	if f := kb.focused(); f != nil {
		t.Fatalf("with no refusals left the keys stay with %T", f)
	}
	kb.rune_('!') // nothing to decide: says so
	if f := kb.focused(); f != nil {
		t.Fatalf("! with no refusals gave the keys to %T", f)
	}
	var listed bool
	for _, s := range ui.Shortcuts() {
		listed = listed || s.Keys == "!"
	}
	if !listed {
		t.Error("? does not list !")
	}
}
