package wire

import (
	"strings"
	"testing"

	"switchboard/model"
)

// ask_expert's via and expert are identity keys, which on a forum hold an
// '@': checked as names, while via stays an id for every other kind.
func TestAskExpertViaIsAnIdentityKey(t *testing.T) {
	ok := model.Op{ID: "op-1", Kind: model.OpAskExpert, CaseID: "c-1", Expert: "forum:kohlmark@community.a1.example", Via: "forum:kohlmark@community.a1.example", Text: "?"}
	if err := CheckOp(ok); err != nil {
		t.Fatal(err)
	}
	bad := ok
	bad.Via = "forum:\x00kohl"
	if err := CheckOp(bad); err == nil || !strings.Contains(err.Error(), "via") {
		t.Fatalf("control character in via: %v", err)
	}
	reply := model.Op{ID: "op-2", Kind: model.OpReply, CaseID: "c-1", Via: "forum:kohlmark@community.a1.example", Text: "hi"}
	if err := CheckOp(reply); err == nil {
		t.Fatal("a reply's via with '@' passed as an id")
	}
}
