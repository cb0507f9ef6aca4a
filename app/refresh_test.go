package app

import (
	"testing"
	"time"

	"switchboard/model"
)

// A case with ops pending shows its cached record with the ops on top
// whatever writes the record: a page of events (its record taken from the
// page), a page with an event the cache had (read back), the acks of some
// of the ops (the record at hand), a reject carrying the hub's case and a
// reset. Each step checks the queue row against the record as the cache
// holds it with the ops still pending on top.
func TestRefreshShowsPendingOpsOnEveryWriteOfTheCase(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a := cacheOf{c}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	cs := model.Case{ID: "k1", Channel: model.ChannelTwitter, Status: model.StatusOpen, Subject: "hello",
		Author: model.Identity{Platform: model.ChannelTwitter, Handle: "@k"}, Created: now, LastMessageAt: now, MessageCount: 1, Version: 1}
	seq := uint64(0)
	upsert := func(cs model.Case) model.Event {
		seq++
		return model.Event{Seq: seq, Type: model.EventCaseUpserted, Time: now, Case: &cs}
	}
	if _, err := a.Apply([]model.Event{upsert(cs)}); err != nil {
		t.Fatal(err)
	}
	var ops []model.Op
	for range 3 {
		op, err := c.Do(model.Op{Kind: model.OpNote, CaseID: "k1", Text: "note"})
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, op)
	}
	check := func(step string, notes int, assignee string) {
		t.Helper()
		c.mu.RLock()
		got, ok := c.t.get("k1")
		c.mu.RUnlock()
		rec, err := c.store.CaseRecord("k1")
		if err != nil {
			t.Fatal(err)
		}
		if !ok || got.MessageCount != rec.MessageCount+notes || got.Assignee != assignee || got.Version != rec.Version+int64(notes) {
			t.Fatalf("%s: row %+v, want the cached record (%d messages, version %d) with %d notes (a message and a version each) on top, assignee %q",
				step, got, rec.MessageCount, rec.Version, notes, assignee)
		}
	}
	check("queued", 3, "")

	// Another agent claims it: the page's case is the record.
	cs.Assignee, cs.Version = "zoe", 2
	if _, err := a.Apply([]model.Event{upsert(cs)}); err != nil {
		t.Fatal(err)
	}
	check("claimed by zoe", 3, "zoe")

	// The hub applied the first note: the case comes back with it, then
	// its ack.
	cs.MessageCount, cs.Version = 2, 3
	if _, err := a.Apply([]model.Event{upsert(cs)}); err != nil {
		t.Fatal(err)
	}
	if err := a.AckedMany([]string{ops[0].ID}); err != nil {
		t.Fatal(err)
	}
	check("first note acked", 2, "zoe")

	// Another claim, then a page that repeats an event the cache had (the
	// older claim by zoe) and edits a message of the case: the record is
	// read back, not taken from the repeated event.
	zoe := cs
	cs.Assignee, cs.Version = "ben", 4
	if _, err := a.Apply([]model.Event{upsert(cs)}); err != nil {
		t.Fatal(err)
	}
	seq++
	edit := model.Event{Seq: seq, Type: model.EventMessageUpdated, Time: now, Message: &model.Message{ID: "m1", CaseID: "k1", Seq: 1, Text: "edited"}}
	res, err := a.Apply([]model.Event{{Seq: 3, Type: model.EventCaseUpserted, Time: now, Case: &zoe}, edit})
	if err != nil || res.Skipped != 1 {
		t.Fatalf("apply of a seen event: %+v, %v", res, err)
	}
	check("claimed by ben", 2, "ben")

	// The hub refuses the second note and sends its case.
	cur := cs
	cur.Assignee, cur.Version = "carl", 5
	if err := a.Rejected(ops[1].ID, model.Rejection{Code: model.RejectInvalid, Reason: "test"}, &cur); err != nil {
		t.Fatal(err)
	}
	check("second note refused", 1, "carl")

	// A reset: the next snapshot brings the case again.
	if err := a.Reset(); err != nil {
		t.Fatal(err)
	}
	cs.Assignee, cs.Version = "dora", 6
	if _, err := a.ApplySnapshot([]model.Event{{Type: model.EventCaseUpserted, Time: now, Case: &cs}}); err != nil {
		t.Fatal(err)
	}
	check("after a reset", 1, "dora")

	// The last note answered: the row is the record.
	if err := a.AckedMany([]string{ops[2].ID}); err != nil {
		t.Fatal(err)
	}
	check("all answered", 0, "dora")
	c.opMu.Lock()
	n := len(c.bases)
	c.opMu.Unlock()
	if n != 0 {
		t.Fatalf("%d case records kept with no op pending", n)
	}
}
