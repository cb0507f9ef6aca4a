package hub_test

import (
	"testing"
	"time"

	"switchboard/model"
	"switchboard/sync/hub"
)

// Snooze is a case state the hub applies and logs (issue 13): the
// assignee, anyone on an unassigned case, or a lead may snooze; another
// agent is refused as on a reply. The snooze travels in the case's event;
// unsnooze, solving and a new customer message wake it.
func TestSnoozeOpAuthorisedLoggedAndWokenByTheCustomer(t *testing.T) {
	h, l, _ := newHub(t)
	id := ingest(t, h, tweet("t-1", "p-1", "kim", "my bag is lost", t0))
	anna, ben, lea := hub.Agent{Name: "anna", Role: hub.RoleAgent}, hub.Agent{Name: "ben", Role: hub.RoleAgent}, hub.Agent{Name: "lea", Role: hub.RoleLead}
	until := t0.Add(3 * time.Hour)
	apply := func(by hub.Agent, op model.Op) hub.OpAnswer {
		t.Helper()
		a, err := h.ApplyOp(by, op)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	snoozedUntil := func() time.Time {
		t.Helper()
		c, ok := h.Case(id)
		if !ok {
			t.Fatal("no case")
		}
		return c.SnoozedUntil
	}

	// Unassigned: any agent may snooze it; the event carries the time.
	head := l.Head()
	if a := apply(ben, model.Op{ID: "s-1", Kind: model.OpSnooze, CaseID: id, Until: until}); a.Reject != nil {
		t.Fatalf("snooze of an unassigned case refused: %v", a.Reject)
	}
	if got := snoozedUntil(); !got.Equal(until) {
		t.Fatalf("snoozed until %v, want %v", got, until)
	}
	evs, err := l.Read(head, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Type != model.EventCaseUpserted || !evs[0].Case.SnoozedUntil.Equal(until) {
		t.Fatalf("snooze logged as %+v", evs)
	}
	// The hand codec writes it and reads it back (the stored case).
	h2, err := hub.New(l, quietConfig(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := h2.Case(id); !c.SnoozedUntil.Equal(until) {
		t.Fatalf("reopened hub has snoozed_until %v", c.SnoozedUntil)
	}

	// Anna claims it: ben may no longer snooze or wake it, anna and a
	// lead may.
	apply(anna, model.Op{ID: "c-1", Kind: model.OpClaim, CaseID: id})
	for _, op := range []model.Op{
		{ID: "s-2", Kind: model.OpSnooze, CaseID: id, Until: until.Add(time.Hour)},
		{ID: "u-2", Kind: model.OpUnsnooze, CaseID: id},
	} {
		if a := apply(ben, op); a.Reject == nil || a.Reject.Code != model.RejectClaimed {
			t.Errorf("ben's %s of anna's case: %+v, want claimed", op.Kind, a.Reject)
		}
	}
	if got := snoozedUntil(); !got.Equal(until) {
		t.Fatalf("a refused op changed the snooze: %v", got)
	}
	if a := apply(lea, model.Op{ID: "s-3", Kind: model.OpSnooze, CaseID: id, Until: until.Add(time.Hour)}); a.Reject != nil {
		t.Fatalf("lead's snooze refused: %v", a.Reject)
	}
	if a := apply(anna, model.Op{ID: "u-3", Kind: model.OpUnsnooze, CaseID: id}); a.Reject != nil || !snoozedUntil().IsZero() {
		t.Fatalf("anna's unsnooze: %+v, until %v", a.Reject, snoozedUntil())
	}
	// Too far ahead, or on a solved case: refused.
	if a := apply(anna, model.Op{ID: "s-4", Kind: model.OpSnooze, CaseID: id, Until: t0.Add(2 * model.MaxSnooze)}); a.Reject == nil || a.Reject.Code != model.RejectInvalid {
		t.Errorf("a snooze of two years: %+v", a.Reject)
	}

	// A new message from the customer wakes the case.
	apply(anna, model.Op{ID: "s-5", Kind: model.OpSnooze, CaseID: id, Until: until})
	if snoozedUntil().IsZero() {
		t.Fatal("not snoozed again")
	}
	ingest(t, h, tweet("t-1", "p-2", "kim", "any news?", t0.Add(time.Minute)))
	if got := snoozedUntil(); !got.IsZero() {
		t.Fatalf("the customer's message left it snoozed until %v", got)
	}
	// A snooze chosen before that message (the agent had not seen it) is
	// refused as stale: the customer is not put to sleep unseen.
	if a := apply(anna, model.Op{ID: "s-6", Kind: model.OpSnooze, CaseID: id, Until: until, BaseMessages: 1, BaseVersion: 1}); a.Reject == nil || a.Reject.Code != model.RejectStale {
		t.Errorf("snooze from before the customer's message: %+v, want stale", a.Reject)
	}

	// Solving ends the snooze; a solved case cannot be snoozed.
	apply(anna, model.Op{ID: "s-7", Kind: model.OpSnooze, CaseID: id, Until: until})
	apply(anna, model.Op{ID: "st-7", Kind: model.OpSetStatus, CaseID: id, Status: model.StatusSolved})
	if got := snoozedUntil(); !got.IsZero() {
		t.Errorf("solved, still snoozed until %v", got)
	}
	if a := apply(anna, model.Op{ID: "s-8", Kind: model.OpSnooze, CaseID: id, Until: until}); a.Reject == nil || a.Reject.Code != model.RejectInvalid {
		t.Errorf("snooze of a solved case: %+v", a.Reject)
	}
}
