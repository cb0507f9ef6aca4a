package wire

import "fmt"

// Assist frames: a console asks the hub for reply drafts or a thread
// summary of a case; the hub answers from its language model (whose key
// never leaves the hub) or, without one, offline (canned answers filled
// with the case's variables; an extractive summary). See docs/protocol.md.
const (
	TypeAssistRequest Type = "assist_request"
	TypeAssistAnswer  Type = "assist_answer"
)

// Assist kinds.
const (
	AssistDrafts        = "drafts"
	AssistThreadSummary = "thread_summary"
	// AssistCustomerHistory summarises the other cases, on every channel,
	// of the customer linked to the case (the answer's Summary).
	AssistCustomerHistory = "customer_history"
)

// AssistRequest asks for drafts or a thread summary of one case.
// RequestID is the console's, repeated in the answer.
type AssistRequest struct {
	RequestID string `json:"request_id"`
	CaseID    string `json:"case_id"`
	Kind      string `json:"kind"`
	// Agent is the name drafts are signed with ("" for the session's).
	Agent string `json:"agent,omitempty"`
}

// AssistDraft is one suggested reply: never sent by the hub, only put in
// the agent's composer.
type AssistDraft struct {
	Text     string `json:"text"`
	Source   string `json:"source"` // offline or model:<name>
	CannedID string `json:"canned_id,omitempty"`
	Length   int    `json:"length"`
	Limit    int    `json:"limit,omitempty"`
}

// AssistAnswer answers an AssistRequest: Drafts for kind drafts, Summary
// for thread_summary and customer_history, with Source "offline" or "model:<name>"; Note says
// why the model's answer was not used, Error why there is no answer at
// all (unknown case, too many requests at once).
type AssistAnswer struct {
	RequestID string        `json:"request_id"`
	CaseID    string        `json:"case_id"`
	Kind      string        `json:"kind"`
	Drafts    []AssistDraft `json:"drafts,omitempty"`
	Summary   string        `json:"summary,omitempty"`
	Source    string        `json:"source,omitempty"`
	Note      string        `json:"note,omitempty"`
	Error     string        `json:"error,omitempty"`
}

func (AssistRequest) Type() Type { return TypeAssistRequest }
func (AssistAnswer) Type() Type  { return TypeAssistAnswer }

func (r AssistRequest) check() error {
	switch {
	case !ValidID(r.RequestID):
		return Error{Code: CodeBadFrame, Reason: "assist_request request_id must be " + idForm}
	case !ValidID(r.CaseID):
		return Error{Code: CodeBadFrame, Reason: "assist_request case_id must be " + idForm}
	case r.Kind != AssistDrafts && r.Kind != AssistThreadSummary && r.Kind != AssistCustomerHistory:
		return Error{Code: CodeBadFrame, Reason: fmt.Sprintf("assist_request kind %.20q: want drafts, thread_summary or customer_history", r.Kind)}
	case !printable(r.Agent, 128):
		return Error{Code: CodeBadFrame, Reason: "assist_request agent too long or not printable"}
	}
	return nil
}

// Check is the frame's check, for a request that came another way (the
// hub's POST /v1/assist).
func (r AssistRequest) Check() error { return r.check() }

func (a AssistAnswer) check() error {
	if a.RequestID == "" {
		return Error{Code: CodeBadFrame, Reason: "assist_answer without request_id"}
	}
	return nil
}

func init() {
	decoders[TypeAssistRequest] = decodeAs[AssistRequest]
	decoders[TypeAssistAnswer] = decodeAs[AssistAnswer]
}
