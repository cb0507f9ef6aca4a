package wire_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"switchboard/model"
	"switchboard/sync/wire"
)

func TestOpsFramesRoundTrip(t *testing.T) {
	for _, f := range []wire.Frame{
		wire.Welcome{Agent: "demo", Role: "agent", Head: 9, MaxOpsBatch: 200, OpRate: 2000, OpBurst: 20000},
		wire.Ops{Ops: []model.Op{
			{ID: "op-1", Kind: model.OpNote, CaseID: "c-1", Text: "called back", Created: t0},
			{ID: "op-2", Kind: model.OpTag, CaseID: "c-2", Tag: "refund", Created: t0},
		}},
		wire.Acks{Acks: []wire.Ack{{OpID: "op-1", Seq: 41}, {OpID: "op-2"}}},
	} {
		b, err := wire.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), `{"type":"`+string(f.Type())+`",`) {
			t.Errorf("%s does not start with its type", b)
		}
		got, err := wire.Decode(b)
		if err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
		if !reflect.DeepEqual(got, f) {
			t.Errorf("round trip of %s:\n got %#v\nwant %#v", f.Type(), got, f)
		}
	}
	// An older hub's welcome: no batches.
	f, err := wire.Decode([]byte(`{"type":"welcome","agent":"a","role":"agent","head":3}`))
	if err != nil || f.(wire.Welcome).MaxOpsBatch != 0 {
		t.Errorf("a welcome without max_ops_batch decoded as %#v, %v", f, err)
	}
}

// An ops frame is refused whole only for its size; each op in it is
// checked on its own (CheckOp), as an op frame's is.
func TestOpsFrameChecks(t *testing.T) {
	note := func(id string) string {
		return `{"op_id":"` + id + `","kind":"note","case_id":"c-1","text":"x"}`
	}
	many := make([]string, wire.MaxOpsBatch+1)
	for i := range many {
		many[i] = note("op-" + strings.Repeat("x", i%10+1))
	}
	for name, raw := range map[string]string{
		"empty":     `{"type":"ops","ops":[]}`,
		"no ops":    `{"type":"ops"}`,
		"too many":  `{"type":"ops","ops":[` + strings.Join(many, ",") + `]}`,
		"not list":  `{"type":"ops","ops":{"op_id":"a"}}`,
		"no acks":   `{"type":"acks","acks":[]}`,
		"ack no id": `{"type":"acks","acks":[{"seq":3}]}`,
	} {
		_, err := wire.Decode([]byte(raw))
		var we wire.Error
		if !errors.As(err, &we) || we.Code != wire.CodeBadFrame {
			t.Errorf("%s: %v, want bad_frame", name, err)
		}
	}
	f, err := wire.Decode([]byte(`{"type":"ops","ops":[` + note("good") + `,{"op_id":"bad","kind":"tag","case_id":"c-1","tag":"bell\u0007"}]}`))
	if err != nil {
		t.Fatalf("an ops frame with one malformed op is refused whole: %v", err)
	}
	ops := f.(wire.Ops).Ops
	if err := wire.CheckOp(ops[0]); err != nil {
		t.Errorf("good op: %v", err)
	}
	var we wire.Error
	if err := wire.CheckOp(ops[1]); !errors.As(err, &we) || we.Code != wire.CodeBadOp || we.OpID != "bad" {
		t.Errorf("malformed op: %v, want bad_op naming it", err)
	}
	// The limit of one frame: 200 ops of the longest text fit.
	long := make([]model.Op, wire.MaxOpsBatch)
	for i := range long {
		long[i] = model.Op{ID: "op", Kind: model.OpNote, CaseID: "c-1", Text: strings.Repeat("a", 16<<10)}
	}
	if _, err := wire.Encode(wire.Ops{Ops: long}); err != nil {
		t.Errorf("a full batch of 16 KiB notes: %v", err)
	}
}
