package hub_test

import (
	"fmt"
	"testing"

	"github.com/google/uuid"

	"switchboard/sync/wire"
)

// An op whose fields do not decode — a field of the wrong JSON type, a
// created that is no RFC 3339 time — is refused alone, with a bad_op that
// names it: in an ops frame the others are applied (docs/protocol.md: each
// op is checked on its own), and in an op frame the client learns which
// op it was. Both were a bad_frame without op_id: a batch holding one such
// op was refused whole, and a client that resent it was never answered
// for any of its ops.
func TestWrongTypedOpIsRefusedAlone(t *testing.T) {
	h := startInputHub(t, inputTiming)
	p, _ := h.joinWelcome(t, "anna")
	good1, good2, bad := uuid.NewString(), uuid.NewString(), uuid.NewString()
	p.sendRaw([]byte(fmt.Sprintf(`{"type":"ops","ops":[`+
		`{"op_id":%q,"kind":"note","case_id":%q,"text":"first"},`+
		`{"op_id":%q,"kind":"set_priority","case_id":%q,"priority":"high"},`+
		`{"op_id":%q,"kind":"note","case_id":%q,"text":"second"}]}`,
		good1, h.cases[0], bad, h.cases[0], good2, h.cases[1])))
	var errs []wire.Error
	var acks *wire.Acks
	for acks == nil {
		switch f := p.next("answers", func(wire.Frame) bool { return true }).(type) {
		case wire.Error:
			errs = append(errs, f)
		case wire.Acks:
			acks = &f
		case wire.Reject:
			t.Fatalf("reject %+v", f)
		}
	}
	if len(errs) != 1 || errs[0].Code != wire.CodeBadOp || errs[0].OpID != bad {
		t.Fatalf("errors %+v, want one bad_op naming %s", errs, bad)
	}
	if len(acks.Acks) != 2 || acks.Acks[0].OpID != good1 || acks.Acks[1].OpID != good2 || acks.Acks[0].Seq == 0 {
		t.Fatalf("acks %+v, want the two good ops applied, in order", acks.Acks)
	}
	// A batch of nothing but such ops: each gets its bad_op, no acks.
	b1, b2 := uuid.NewString(), uuid.NewString()
	p.sendRaw([]byte(fmt.Sprintf(`{"type":"ops","ops":[{"op_id":%q,"kind":"reply","case_id":"c","text":5},{"op_id":%q,"kind":"note","case_id":"c","text":"x","created":"yesterday"}]}`, b1, b2)))
	if e := p.nextError(wire.CodeBadOp); e.OpID != b1 {
		t.Fatalf("first bad_op %+v, want %s", e, b1)
	}
	if e := p.nextError(wire.CodeBadOp); e.OpID != b2 {
		t.Fatalf("second bad_op %+v, want %s", e, b2)
	}
	// The same in an op frame.
	id := uuid.NewString()
	p.sendRaw([]byte(fmt.Sprintf(`{"type":"op","op_id":%q,"kind":"note","case_id":%q,"text":"x","created":"yesterday"}`, id, h.cases[0])))
	if e := p.nextError(wire.CodeBadOp); e.OpID != id {
		t.Fatalf("op frame: %+v, want bad_op naming %s", e, id)
	}
	// An op_id of the wrong type cannot be named: a bad frame, as before.
	p.sendRaw([]byte(fmt.Sprintf(`{"type":"op","op_id":7,"kind":"note","case_id":%q,"text":"x"}`, h.cases[0])))
	p.nextError(wire.CodeBadFrame)
	// The session goes on: a good op is applied.
	if a, ok := p.answer(note(h.cases[0], "after")).(wire.Ack); !ok || a.Seq == 0 {
		t.Fatalf("after the refusals: %#v", a)
	}
}
