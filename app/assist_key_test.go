package app

import (
	"testing"

	"switchboard/model"
	"switchboard/sync/wire"
)

// A triage changes no case's version: the console's cached assist answers
// are keyed by the triage too, so the model's triage arriving after the
// offline one asks again.
func TestAssistKeyChangesWithTheTriage(t *testing.T) {
	offline := &model.CaseTriage{MessageID: "m1", Source: "offline", Category: "praise"}
	fromModel := &model.CaseTriage{MessageID: "m1", Source: "model:gpt-test", Category: "billing"}
	d := CaseDetail{Case: model.Case{ID: "c1", CustomerID: "C-7", Version: 3, Triage: offline},
		Others: []model.Summary{{ID: "c0", Version: 2, TriageSource: "offline", Category: "praise"}}}
	drafts, history := assistKey(d, wire.AssistDrafts, 4), assistKey(d, wire.AssistCustomerHistory, 4)
	d.Case.Triage = fromModel
	if assistKey(d, wire.AssistDrafts, 4) == drafts {
		t.Error("drafts: the same key after the model's triage")
	}
	d.Case.Triage = offline
	d.Others[0].TriageSource, d.Others[0].Category = "model:gpt-test", "billing"
	if assistKey(d, wire.AssistCustomerHistory, 4) == history {
		t.Error("customer history: the same key after another case's model triage")
	}
	if assistKey(d, wire.AssistCustomerHistory, 4) != assistKey(d, wire.AssistCustomerHistory, 4) {
		t.Error("the key is not stable")
	}
}
