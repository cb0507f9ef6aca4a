package wire

import (
	"strings"
	"testing"

	"switchboard/model"
)

// ask_expert's expert and contact are identity keys, which on a forum hold
// an '@': checked as names without control characters.
func TestAskExpertKeysAreNames(t *testing.T) {
	ok := model.Op{ID: "op-1", Kind: model.OpAskExpert, CaseID: "c-1", Expert: "forum:kohlmark@community.a1.example", Contact: "forum:kohlmark@community.a1.example", Text: "?"}
	if err := (Op{ok}).check(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []model.Op{
		{ID: "op-2", Kind: model.OpAskExpert, CaseID: "c-1", Expert: "forum:kohlmark", Contact: "forum:\x00kohl", Text: "?"},
		{ID: "op-3", Kind: model.OpAskExpert, CaseID: "c-1", Expert: "forum:" + strings.Repeat("k", 300), Text: "?"},
	} {
		if err := (Op{bad}).check(); err == nil {
			t.Errorf("%+v passed", bad)
		}
	}
}
