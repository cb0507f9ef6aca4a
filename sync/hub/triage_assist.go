package hub

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"switchboard/assist"
	"switchboard/model"
	"switchboard/sync/wire"
)

// Assistant answers the consoles' assist_request frames: reply drafts,
// thread summaries and customer histories from the hub's model (its key
// never leaves the hub), or offline without one (the team's canned
// answers filled with the case's variables; an extractive summary; a
// summary of the customer's cases built from their triage). Requests run
// off the session's reader, a few at a time, each under Timeout; answers
// are cached per case version and triage (a history per the versions and
// triages of all the customer's cases: a triage changes no version, and a
// model's triage arriving late must not leave the offline topics cached),
// so a second console asking about the same case version costs no second
// model call. An answer the model could not give
// for a passing reason (its breaker open, over budget, a 429, an error, a
// timeout) is not cached: the next request asks again.
type Assistant struct {
	client  *assist.Client
	canned  []assist.Canned
	timeout time.Duration

	sem chan struct{} // requests in flight on the hub

	mu      sync.Mutex
	cache   map[assistKey]wire.AssistAnswer
	order   []assistKey
	session map[*session]int // requests in flight per session
	stats   AssistStats
}

// AssistStats counts the assistant's answers, for the lead's usage view.
type AssistStats struct {
	Answers   int `json:"answers"`
	CacheHits int `json:"cache_hits"`
	// Model answers came from the model; Offline ones did not (no model,
	// or it failed: Notes says how often it failed).
	Model   int `json:"model_answers"`
	Offline int `json:"offline_answers"`
	Notes   int `json:"model_not_used"`
}

// Stats is a snapshot of the counters.
func (a *Assistant) Stats() AssistStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

type assistKey struct {
	caseID, kind, agent string
	version             int64
	msgs                int
	triage              string // triageStamp of the case's triage
	others              string // customer_history: assist.HistoryKey and the other cases' triage stamps
}

// triageStamp tells a case's triages apart: the message triaged, the
// source (offline, or the model's later answer) and when it was stored.
func triageStamp(ct *model.CaseTriage) string {
	if ct == nil {
		return ""
	}
	return ct.MessageID + "/" + ct.Source + "/" + strconv.FormatInt(ct.At.UnixNano(), 36)
}

// historyKey is the cache key of c's customer history from the other
// cases (read with versions): their versions and their triages.
func historyKey(c model.Case, versions map[string]int64, cases []model.Case) assistKey {
	stamps := make([]string, 0, len(cases))
	for _, o := range cases {
		stamps = append(stamps, o.ID+"="+triageStamp(o.Triage))
	}
	slices.Sort(stamps)
	return assistKey{caseID: c.ID, kind: wire.AssistCustomerHistory, triage: triageStamp(c.Triage),
		others: assist.HistoryKey(c.CustomerID, c.ID, versions) + "|" + strings.Join(stamps, "|")}
}

// Bounds of the assistant.
const (
	assistInFlight   = 8    // on the hub
	assistPerSession = 2    // per console connection
	assistCache      = 2000 // answers kept
)

// NewAssistant makes the hub's assistant: client nil answers offline;
// canned are the team's canned answers (assist.DefaultCanned are used
// where none fits).
func NewAssistant(client *assist.Client, canned []assist.Canned) *Assistant {
	return &Assistant{client: client, canned: canned, timeout: triageTimeout,
		sem: make(chan struct{}, assistInFlight), cache: map[assistKey]wire.AssistAnswer{}, session: map[*session]int{}}
}

// SetAssistant makes the server answer assist requests with a; without
// one they are answered offline.
func (s *Server) SetAssistant(a *Assistant) { assistants.Store(s, a) }

// assistants maps a *Server to its *Assistant (kept beside the server,
// whose struct another part of the hub owns).
var assistants sync.Map

func (s *Server) assistant() *Assistant {
	if a, ok := assistants.Load(s); ok {
		return a.(*Assistant)
	}
	return offlineAssistant
}

// offlineAssistant answers when none was set.
var offlineAssistant = NewAssistant(nil, nil)

// assistRequest answers r on a goroutine of its own; a session or hub
// with too many requests in flight is told to try again.
func (ss *session) assistRequest(ctx context.Context, r wire.AssistRequest, reply func(wire.Frame) bool) {
	a := ss.srv.assistant()
	busy := wire.AssistAnswer{RequestID: r.RequestID, CaseID: r.CaseID, Kind: r.Kind, Error: "busy: too many assist requests at once; try again"}
	a.mu.Lock()
	if a.session[ss] >= assistPerSession {
		a.mu.Unlock()
		reply(busy)
		return
	}
	select {
	case a.sem <- struct{}{}:
	default:
		a.mu.Unlock()
		reply(busy)
		return
	}
	a.session[ss]++
	a.mu.Unlock()
	go func() {
		defer func() {
			a.mu.Lock()
			if a.session[ss]--; a.session[ss] <= 0 {
				delete(a.session, ss)
			}
			a.mu.Unlock()
			<-a.sem
		}()
		agent := r.Agent
		if agent == "" {
			agent = ss.agent.Name
		}
		reply(a.Answer(ctx, ss.srv.hub, r, agent))
	}()
}

// Answer computes the answer to r for agent (drafts are signed with the
// name). It never fails: an unknown case is said in Error, a model that
// fails in Note, with the offline answer.
func (a *Assistant) Answer(ctx context.Context, h *Hub, r wire.AssistRequest, agent string) wire.AssistAnswer {
	ans := wire.AssistAnswer{RequestID: r.RequestID, CaseID: r.CaseID, Kind: r.Kind}
	c, ok := h.Case(r.CaseID)
	if !ok {
		ans.Error = "unknown case " + r.CaseID
		return ans
	}
	key := assistKey{caseID: c.ID, kind: r.Kind, agent: agent, version: c.Version, msgs: c.MessageCount, triage: triageStamp(c.Triage)}
	var others []model.Case
	if r.Kind == wire.AssistCustomerHistory {
		if c.CustomerID == "" {
			ans.Error = "the case is not linked to a customer"
			return ans
		}
		versions := h.customerCaseVersions(c.CustomerID, c.ID)
		others = h.casesOf(versions)
		key = historyKey(c, versions, others)
	}
	a.mu.Lock()
	cached, hit := a.cache[key]
	a.stats.Answers++
	if hit {
		a.stats.CacheHits++
	}
	a.mu.Unlock()
	if hit {
		cached.RequestID = r.RequestID
		return cached
	}
	if r.Kind == wire.AssistCustomerHistory {
		return a.answerHistory(ctx, h, c, others, key, ans)
	}
	thread, err := h.log.Thread(c.ID)
	if err != nil {
		ans.Error = "could not read the thread"
		h.cfg.Logger.Error("assist: read thread", "case", c.ID, "err", err)
		return ans
	}
	req := assist.DraftRequest{
		CaseID: c.ID, Thread: thread, Channel: c.Channel, Public: c.Public, Agent: agent,
		Triage: assist.FromCaseTriage(c.Triage), Canned: a.canned,
	}
	if c.Triage != nil {
		req.Summary = c.Triage.Summary
	}
	if cust, ok := h.customer(c.CustomerID); ok {
		req.Tier, req.FirstName = cust.Tier, firstName(cust.Name)
	} else {
		req.FirstName = firstName(c.Author.DisplayName)
	}
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	var modelErr error
	switch r.Kind {
	case wire.AssistThreadSummary:
		var s assist.ThreadSummary
		s, modelErr = a.client.SummarizeThread(ctx, req)
		ans.Summary, ans.Source = s.Text, s.Source
	default:
		var ds []assist.Draft
		ds, modelErr = a.client.Drafts(ctx, req)
		ans.Source = assist.SourceOffline
		for _, d := range ds {
			ans.Drafts = append(ans.Drafts, wire.AssistDraft{Text: d.Text, Source: d.Source, CannedID: d.CannedID, Length: d.Length, Limit: d.Limit})
			ans.Source = d.Source
		}
	}
	return a.finish(ctx, key, ans, modelErr)
}

// finish counts ans and caches it, unless the model failed for a passing
// reason (or the request was cut short): then the next request asks
// again. An answer invalid twice is cached, as triage caches it.
func (a *Assistant) finish(ctx context.Context, key assistKey, ans wire.AssistAnswer, modelErr error) wire.AssistAnswer {
	if modelErr != nil {
		ans.Note = modelErr.Error()
	}
	a.mu.Lock()
	if strings.HasPrefix(ans.Source, "model:") {
		a.stats.Model++
	} else {
		a.stats.Offline++
	}
	if modelErr != nil {
		a.stats.Notes++
	}
	a.mu.Unlock()
	if modelErr != nil && (ctx.Err() != nil || !errors.Is(modelErr, assist.ErrInvalidReply)) {
		return ans // cut short, or a passing failure: not cached
	}
	a.mu.Lock()
	if _, ok := a.cache[key]; !ok {
		a.order = append(a.order, key)
	}
	a.cache[key] = ans
	for len(a.order) > assistCache {
		delete(a.cache, a.order[0])
		a.order = a.order[1:]
	}
	a.mu.Unlock()
	return ans
}

// maxHistoryCandidates bounds the cases read for a customer history (the
// summary itself reads the newest 20).
const maxHistoryCandidates = 200

// answerHistory summarises the other cases of c's customer on every
// channel: what they asked, how they ended, the open ones, the mood.
func (a *Assistant) answerHistory(ctx context.Context, h *Hub, c model.Case, cases []model.Case, key assistKey, ans wire.AssistAnswer) wire.AssistAnswer {
	slices.SortFunc(cases, func(x, y model.Case) int { return y.Created.Compare(x.Created) })
	cases = cases[:min(len(cases), 20)]
	req := assist.HistoryRequest{CustomerID: c.CustomerID, CaseID: c.ID}
	if c.Triage != nil {
		req.Lang = c.Triage.Lang
	}
	if cust, ok := h.customer(c.CustomerID); ok {
		req.Tier, req.FirstName = cust.Tier, firstName(cust.Name)
	}
	for _, o := range cases {
		thread, err := h.log.Thread(o.ID)
		if err != nil {
			ans.Error = "could not read the customer's cases"
			h.cfg.Logger.Error("assist: read thread", "case", o.ID, "err", err)
			return ans
		}
		req.Cases = append(req.Cases, assist.HistoryCaseOf(o, thread))
	}
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	s, err := a.client.SummarizeHistory(ctx, req)
	ans.Summary, ans.Source = s.Text, s.Source
	return a.finish(ctx, key, ans, err)
}

// customerCaseVersions are the versions of the customer's cases but
// except (and but those merged into another case), found through the
// customer's linked identities and the author of except.
func (h *Hub) customerCaseVersions(customerID, except string) map[string]int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int64{}
	cust, ok := h.customers[customerID]
	if !ok {
		return out
	}
	var hashes []uint64
	for _, id := range cust.Linked() {
		hashes = append(hashes, authorHash(id.Key()))
	}
	if rec, ok := h.cases[except]; ok {
		hashes = append(hashes, rec.author)
	}
	for _, ah := range hashes {
		for _, id := range h.byAuthor[ah] {
			rec := h.cases[id]
			if id == except || rec.customerID != customerID || rec.mergedInto != "" {
				continue
			}
			if len(out) >= maxHistoryCandidates {
				return out
			}
			out[id] = rec.version
		}
	}
	return out
}

// casesOf reads the full cases of ids.
func (h *Hub) casesOf(ids map[string]int64) []model.Case {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]model.Case, 0, len(ids))
	for id := range ids {
		c, ok, err := h.fullCase(id)
		if err != nil {
			h.cfg.Logger.Error("hub: read case", "case", id, "err", err)
			continue
		}
		if ok {
			out = append(out, c)
		}
	}
	return out
}

// customer is a copy of a CRM record.
func (h *Hub) customer(id string) (model.Customer, bool) {
	if id == "" {
		return model.Customer{}, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.customers[id]
	if !ok {
		return model.Customer{}, false
	}
	return *c, true
}

// firstName is the first word of a name, titles skipped.
func firstName(name string) string {
	for _, w := range strings.Fields(name) {
		switch w {
		case "Dr.", "Dr", "Prof.", "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Herr", "Frau":
			continue
		}
		return w
	}
	return ""
}

// AssistUsagePath is the lead's view of triage and of the model's budget.
const AssistUsagePath = "/v1/assist/usage"

// AssistUsageHandler serves GET /v1/assist/usage to leads: the triager's
// counters and the model client's use of its endpoint (calls and tokens
// in the last hour against the budget, failures, the breaker), or
// "model": null without one.
func (s *Server) AssistUsageHandler(t *Triager) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.leadOnly(w, r) {
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"triage": t.Stats(), "model": t.Usage(), "assist": s.assistant().Stats()})
	})
}

// AssistPath is assist_request over HTTP, for a console whose session
// cannot carry it: POST a JSON assist_request (without "type") with the
// agent's bearer token; the answer is the assist_answer's JSON.
const AssistPath = "/v1/assist"

// AssistHandler serves POST /v1/assist with the server's assistant, under
// the same limits as the frame (per token instead of per session).
func (s *Server) AssistHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		agent, _, ok := s.agentOf(w, r)
		if !ok {
			return
		}
		var req wire.AssistRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
		if err := dec.Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "not an assist_request: " + err.Error()})
			return
		}
		if err := req.Check(); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		a := s.assistant()
		select {
		case a.sem <- struct{}{}:
		default:
			w.Header().Set("Retry-After", "2")
			writeJSON(w, http.StatusServiceUnavailable, wire.AssistAnswer{RequestID: req.RequestID, CaseID: req.CaseID, Kind: req.Kind,
				Error: "busy: too many assist requests at once; try again"})
			return
		}
		defer func() { <-a.sem }()
		name := req.Agent
		if name == "" {
			name = agent.Name
		}
		writeJSON(w, http.StatusOK, a.Answer(r.Context(), s.hub, req, name))
	})
}
