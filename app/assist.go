package app

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"switchboard/assist"
	"switchboard/model"
	"switchboard/sync/client"
	"switchboard/sync/wire"
)

// LocalModel names a model endpoint on the agent's own machine (an
// Ollama at http://localhost:11434/v1): drafts and thread summaries are
// then asked of it, not of the hub, and need no network. It is named by
// SWITCHBOARD_LOCAL_MODEL_URL (and SWITCHBOARD_LOCAL_MODEL,
// SWITCHBOARD_LOCAL_MODEL_KEY) in the environment, or by UseLocalModel.
type LocalModel struct {
	BaseURL string `json:"base_url"`
	Model   string `json:"model,omitempty"`
	APIKey  string `json:"api_key,omitempty"`
}

// AssistResult is drafts or a thread summary for the case view.
type AssistResult struct {
	Drafts  []assist.Draft
	Summary string
	// Source is "offline" or "model:<name>" (assist.SourceLabel says it
	// in words); Via is who answered: "hub", "local" (the agent's own
	// endpoint) or "console" (offline, with no hub to ask).
	Source string
	Via    string
	// Note says why a model's answer was not used, when it was not.
	Note string
}

// Where an AssistResult came from.
const (
	ViaHub     = "hub"
	ViaLocal   = "local"
	ViaConsole = "console"
)

// hubAssistWait bounds a request to the hub (its model has 30 s).
const hubAssistWait = 40 * time.Second

// locals holds each Core's local model client (a *localModel).
var locals sync.Map // *Core → *localModel

type localModel struct {
	client *assist.Client // nil: none

	// Answers of the local model or the hub, per case version: nothing
	// is asked twice (a new local model starts an empty cache).
	mu    sync.Mutex
	cache map[string]AssistResult
	order []string
}

// consoleAssistCache bounds the answers a console keeps.
const consoleAssistCache = 500

func (l *localModel) cached(key string) (AssistResult, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.cache[key]
	return r, ok
}

// remember keeps res under key, unless the model was not used for a
// passing reason (Note says which): the next request asks again.
func (l *localModel) remember(key string, res AssistResult) {
	if res.Note != "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cache == nil {
		l.cache = map[string]AssistResult{}
	}
	if _, ok := l.cache[key]; !ok {
		l.order = append(l.order, key)
	}
	l.cache[key] = res
	for len(l.order) > consoleAssistCache {
		delete(l.cache, l.order[0])
		l.order = l.order[1:]
	}
}

// UseLocalModel makes drafts and summaries come from lm (nil: from the
// hub again). SWITCHBOARD_LOCAL_MODEL_URL in the environment wins over
// lm; a console that never calls UseLocalModel reads the environment at
// its first request.
func (c *Core) UseLocalModel(lm *LocalModel) {
	if u := os.Getenv("SWITCHBOARD_LOCAL_MODEL_URL"); u != "" {
		lm = &LocalModel{BaseURL: u, Model: os.Getenv("SWITCHBOARD_LOCAL_MODEL"), APIKey: os.Getenv("SWITCHBOARD_LOCAL_MODEL_KEY")}
	}
	st := &localModel{}
	if lm != nil && strings.TrimSpace(lm.BaseURL) != "" {
		st.client = assist.NewClient(assist.Config{BaseURL: lm.BaseURL, Model: lm.Model, APIKey: lm.APIKey})
	}
	locals.Store(c, st)
}

func (c *Core) localState() *localModel {
	v, ok := locals.Load(c)
	if !ok {
		c.UseLocalModel(nil)
		v, _ = locals.Load(c)
	}
	return v.(*localModel)
}

func (c *Core) localModel() *assist.Client { return c.localState().client }

// Drafts asks for two or three reply drafts of a case: from the local
// model when one is configured, else from the hub (its model, or its
// canned answers), else, with no hub to ask, from the console's own
// offline drafts (canned answers of the case's offline triage, in the
// customer's language). Nothing is ever sent: the agent puts a draft in
// the composer and edits it. It reads disk and the network: call it off
// the UI goroutine; cancel ctx when the agent leaves the case.
func (c *Core) Drafts(ctx context.Context, caseID string) (AssistResult, error) {
	return c.assistCase(ctx, caseID, wire.AssistDrafts)
}

// ThreadSummary is a few lines about a case's thread, from the same
// places as Drafts (offline: an extractive summary).
func (c *Core) ThreadSummary(ctx context.Context, caseID string) (AssistResult, error) {
	return c.assistCase(ctx, caseID, wire.AssistThreadSummary)
}

// ErrNoCustomer is a customer history asked for a case whose author is
// not linked to a customer.
var ErrNoCustomer = errors.New("the case is not linked to a customer")

// CustomerHistory is a few lines about the other cases, on every
// channel, of the customer linked to the case (Summary): what they asked,
// how those cases ended, the open ones, the mood. From the local model
// (with the cases this console has), else the hub (which reads all the
// customer's cases itself), else offline from the console's cache.
// ErrNoCustomer when the case is not linked.
func (c *Core) CustomerHistory(ctx context.Context, caseID string) (AssistResult, error) {
	return c.assistCase(ctx, caseID, wire.AssistCustomerHistory)
}

// assistKey names what an answer was made from, as the console sees it:
// the case's version, thread length and triage (drafts, thread summary),
// or the customer and its other cases' versions and triages (history). A
// triage changes no version: the model's, arriving after the offline
// one, must not leave an answer made from the offline one cached.
func assistKey(d CaseDetail, kind string, threadLen int) string {
	triage := ""
	if t := d.Case.Triage; t != nil {
		triage = t.MessageID + "/" + t.Source
	}
	if kind == wire.AssistCustomerHistory {
		versions := make(map[string]int64, len(d.Others))
		var b strings.Builder
		for _, o := range d.Others {
			versions[o.ID] = o.Version
			fmt.Fprintf(&b, "|%s=%s/%s/%s", o.ID, o.TriageSource, o.Category, o.Sentiment)
		}
		return kind + "|" + assist.HistoryKey(d.Case.CustomerID, d.Case.ID, versions) + "|" + triage + b.String()
	}
	return fmt.Sprintf("%s|%s|%d|%d|%s", kind, d.Case.ID, d.Case.Version, threadLen, triage)
}

func (c *Core) assistCase(ctx context.Context, caseID, kind string) (AssistResult, error) {
	d, err := c.Case(caseID)
	if err != nil {
		return AssistResult{}, err
	}
	if kind == wire.AssistCustomerHistory && (d.Case.CustomerID == "" || d.Customer == nil) {
		return AssistResult{}, ErrNoCustomer
	}
	req := c.draftRequest(d)
	hist := func() assist.HistoryRequest { return c.historyRequest(d) }
	st := c.localState()
	key := assistKey(d, kind, len(req.Thread))
	if res, ok := st.cached(key); ok {
		return res, nil
	}
	if lc := st.client; lc != nil {
		res := runAssist(ctx, lc, req, hist, kind, ViaLocal)
		if ctx.Err() != nil {
			return AssistResult{}, ctx.Err()
		}
		st.remember(key, res)
		return res, nil
	}
	c.opMu.Lock()
	cl := c.client
	c.opMu.Unlock()
	if cl != nil {
		hctx, cancel := context.WithTimeout(ctx, hubAssistWait)
		ans, err := cl.Assist(hctx, wire.AssistRequest{RequestID: uuid.NewString(), CaseID: caseID, Kind: kind, Agent: c.Me()})
		cancel()
		if ctx.Err() != nil {
			return AssistResult{}, ctx.Err()
		}
		if errors.Is(err, client.ErrNotConnected) {
			// The session cannot carry it (none open, or its writer is
			// busy): the same request over HTTP.
			hctx, cancel := context.WithTimeout(ctx, hubAssistWait)
			ans, err = c.assistHTTP(hctx, cl, wire.AssistRequest{RequestID: uuid.NewString(), CaseID: caseID, Kind: kind, Agent: c.Me()})
			cancel()
			if ctx.Err() != nil {
				return AssistResult{}, ctx.Err()
			}
		}
		if err == nil && ans.Error == "" {
			res := AssistResult{Summary: ans.Summary, Source: ans.Source, Via: ViaHub, Note: ans.Note}
			for _, dr := range ans.Drafts {
				res.Drafts = append(res.Drafts, assist.Draft{Text: dr.Text, Source: dr.Source, CannedID: dr.CannedID, Length: dr.Length, Limit: dr.Limit})
			}
			st.remember(key, res)
			return res, nil
		}
		// No hub to ask (or it could not answer): the console's own.
		res := runAssist(ctx, nil, req, hist, kind, ViaConsole)
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			res.Note = "the hub did not answer in time"
		case err != nil:
			res.Note = err.Error()
		default:
			res.Note = "the hub: " + ans.Error
		}
		return res, nil
	}
	return runAssist(ctx, nil, req, hist, kind, ViaConsole), nil
}

// runAssist answers from client (nil: offline).
func runAssist(ctx context.Context, client *assist.Client, req assist.DraftRequest, hist func() assist.HistoryRequest, kind, via string) AssistResult {
	res := AssistResult{Via: via}
	var err error
	switch kind {
	case wire.AssistCustomerHistory:
		var s assist.ThreadSummary
		s, err = client.SummarizeHistory(ctx, hist())
		res.Summary, res.Source = s.Text, s.Source
	case wire.AssistThreadSummary:
		var s assist.ThreadSummary
		s, err = client.SummarizeThread(ctx, req)
		res.Summary, res.Source = s.Text, s.Source
	default:
		res.Drafts, err = client.Drafts(ctx, req)
		res.Source = assist.SourceOffline
		if len(res.Drafts) > 0 {
			res.Source = res.Drafts[0].Source
		}
	}
	if err != nil {
		res.Note = err.Error()
	}
	return res
}

// historyRequest is the customer's other cases as the console has them
// (the cases merged into this one are part of it, not history).
func (c *Core) historyRequest(d CaseDetail) assist.HistoryRequest {
	req := assist.HistoryRequest{CustomerID: d.Case.CustomerID, CaseID: d.Case.ID}
	if d.Case.Triage != nil {
		req.Lang = d.Case.Triage.Lang
	}
	if d.Customer != nil {
		req.Tier, req.FirstName = d.Customer.Tier, FirstName(d.Customer.Name)
	}
	merged := map[string]bool{}
	for _, m := range d.MergedCases {
		merged[m.ID] = true
	}
	for _, o := range d.Others {
		if merged[o.ID] {
			continue
		}
		cs, msgs, err := c.store.Case(o.ID)
		if err != nil {
			continue // not in the cache any more
		}
		if cs.MergedInto != "" {
			continue
		}
		req.Cases = append(req.Cases, assist.HistoryCaseOf(cs, msgs))
	}
	return req
}

// draftRequest is what a draft of the case is written from, as the
// console knows it.
func (c *Core) draftRequest(d CaseDetail) assist.DraftRequest {
	cs := d.Case
	req := assist.DraftRequest{
		CaseID: cs.ID, Thread: d.Thread, Channel: cs.Channel, Public: cs.Public, Agent: c.Me(),
		Triage: assist.FromCaseTriage(cs.Triage), FirstName: FirstName(cs.Author.DisplayName),
	}
	if cs.Triage != nil {
		req.Summary = cs.Triage.Summary
	}
	if d.Customer != nil {
		req.Tier = d.Customer.Tier
		if n := FirstName(d.Customer.Name); n != "" {
			req.FirstName = n
		}
	}
	// Messages still in the outbox are the agent's own, not sent yet.
	req.Thread = make([]model.Message, 0, len(d.Thread))
	for _, m := range d.Thread {
		if m.Delivery != model.DeliveryPending {
			req.Thread = append(req.Thread, m)
		}
	}
	return req
}

// assistHTTP asks the hub's POST /v1/assist (each of the console's hubs in
// turn) with the session's token and TLS.
func (c *Core) assistHTTP(ctx context.Context, cl *client.Client, req wire.AssistRequest) (wire.AssistAnswer, error) {
	var tlsConf *tls.Config
	if c.dialer != nil {
		tlsConf = c.dialer.TLSClientConfig
	}
	body, err := json.Marshal(req)
	if err != nil {
		return wire.AssistAnswer{}, err
	}
	lastErr := errors.New("no hub to ask")
	for _, hub := range strings.Split(cl.HubURL, ",") {
		rc, err := NewReportClient(strings.TrimSpace(hub), cl.Token, tlsConf)
		if err != nil {
			lastErr = err
			continue
		}
		hr, err := http.NewRequestWithContext(ctx, http.MethodPost, rc.base+"/v1/assist", bytes.NewReader(body))
		if err != nil {
			return wire.AssistAnswer{}, err
		}
		hr.Header.Set("Content-Type", "application/json")
		if rc.token != "" {
			hr.Header.Set("Authorization", "Bearer "+rc.token)
		}
		resp, err := rc.http.Do(hr)
		if err != nil {
			lastErr = err
			continue
		}
		var ans wire.AssistAnswer
		err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&ans)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK && err == nil:
			return ans, nil
		case resp.StatusCode == http.StatusServiceUnavailable && ans.Error != "":
			return ans, nil
		default:
			lastErr = fmt.Errorf("hub: %s", resp.Status)
		}
	}
	return wire.AssistAnswer{}, lastErr
}
