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
	"net/url"
	"strings"
	"time"

	"switchboard/community"
	"switchboard/listen"
	"switchboard/model"
	"switchboard/sync/client"
)

// Experts is the cached community expert directory (removed members left
// out), by key.
func (c *Core) Experts() ([]model.Expert, error) { return c.store.Experts() }

// SuggestExperts ranks the directory's experts for a case. Online it asks
// the hub (GET /v1/experts/suggest), whose ranking adds the evidence it
// learned from forum threads; offline, or when the hub cannot answer, it
// ranks the cached directory: the case's tags, triage category and the
// directory topics its messages name, its language, and availability.
func (c *Core) SuggestExperts(caseID string, max int) ([]community.Suggestion, error) {
	if c.Status().State == client.StateOnline {
		var out struct{ Suggestions []community.Suggestion }
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err := c.hubCall(ctx, http.MethodGet, fmt.Sprintf("/v1/experts/suggest?case=%s&max=%d", url.QueryEscape(caseID), max), &out)
		cancel()
		if err == nil {
			return out.Suggestions, nil
		}
		// An older hub, or the hub went away: the cache's ranking.
	}
	d, err := c.Case(caseID)
	if err != nil {
		return nil, err
	}
	experts, err := c.store.Experts()
	if err != nil {
		return nil, err
	}
	q := community.QueryOf(d.Case, d.Thread, community.KnownTopics(experts))
	return community.Suggest(experts, nil, nil, q, time.Now(), max), nil
}

// CheckHandoff returns the customer's personal data a hand-off text on
// the case names (community.CheckHandoff): the console shows it before
// the agent sends, and the hub refuses such a hand-off anyway.
func (c *Core) CheckHandoff(caseID, text string) ([]community.Finding, error) {
	d, err := c.Case(caseID)
	if err != nil {
		return nil, err
	}
	return community.CheckHandoff(text, community.PersonalOf(d.Case, d.Customer)), nil
}

// AskExpert queues the hand-off of a case to an expert (ask_expert):
// contact "thread" mentions them in the forum thread, an identity key
// sends a note there by hand. A text naming the customer's personal data is refused
// here already.
func (c *Core) AskExpert(caseID, expert, contact, text string) (model.Op, error) {
	found, err := c.CheckHandoff(caseID, text)
	if err != nil {
		return model.Op{}, err
	}
	if len(found) > 0 {
		return model.Op{}, &model.Rejection{Code: model.RejectPersonalData, Reason: "the hand-off names the customer: " + found[0].String()}
	}
	return c.Do(model.Op{Kind: model.OpAskExpert, CaseID: caseID, Expert: expert, Contact: contact, Text: text})
}

// Listening is the listening view of the cached listened items over the
// last days days (local time), and the items of topic ("" all), newest
// first, at most max.
func (c *Core) Listening(days int, topic string, max int) (listen.View, []model.ListenItem, error) {
	items, err := c.store.ListenItems()
	if err != nil {
		return listen.View{}, nil, err
	}
	view := listen.Trend(items, time.Now(), time.Local, days)
	var out []model.ListenItem
	for _, it := range items {
		if it.Time.Before(view.Days[0]) {
			continue
		}
		if topic != "" && !containsTopic(it, topic) {
			continue
		}
		if out = append(out, it); max > 0 && len(out) == max {
			break
		}
	}
	return view, out, nil
}

func containsTopic(it model.ListenItem, topic string) bool {
	if len(it.Topics) == 0 {
		return topic == "other"
	}
	for _, t := range it.Topics {
		if t == topic {
			return true
		}
	}
	return false
}

// ErrOffline: the call needs the hub, and the console has no session.
var ErrOffline = errors.New("the hub is not reachable now; try again when online")

// AdoptListened turns a listened item into a care case on the hub
// (POST /v1/listen/adopt) and returns the case id; it needs the hub.
func (c *Core) AdoptListened(ctx context.Context, id string) (string, error) {
	var out struct {
		CaseID string `json:"case_id"`
		Error  string `json:"error"`
	}
	if err := c.hubCall(ctx, http.MethodPost, "/v1/listen/adopt?id="+url.QueryEscape(id), &out); err != nil {
		return "", err
	}
	return out.CaseID, nil
}

// hubCall makes one call of the hub's HTTP API with the console's token
// (and TLS) and decodes the JSON answer into out.
func (c *Core) hubCall(ctx context.Context, method, path string, out any) error {
	c.opMu.Lock()
	cl := c.client
	c.opMu.Unlock()
	if cl == nil {
		return ErrOffline
	}
	var tlsConf *tls.Config
	if c.dialer != nil {
		tlsConf = c.dialer.TLSClientConfig
	}
	rc, err := NewReportClient(cl.HubURL, cl.Token, tlsConf)
	if err != nil {
		return err
	}
	defer rc.http.CloseIdleConnections()
	b, err := rc.send(ctx, method, path, nil)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// Community is GET /v1/reports/community: the recognition of the
// community's help in [from, to) (a lead's token).
func (c *ReportClient) Community(ctx context.Context, from, to time.Time) (community.Recognition, error) {
	var out community.Recognition
	b, err := c.get(ctx, "/v1/reports/community", communityQuery(from, to, ""))
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("reports: community: %w", err)
	}
	return out, nil
}

// CommunityCSV is the recognition report as the hub's CSV, byte for byte,
// and the file name to save it as.
func (c *ReportClient) CommunityCSV(ctx context.Context, from, to time.Time) ([]byte, string, error) {
	b, err := c.get(ctx, "/v1/reports/community", communityQuery(from, to, "csv"))
	return b, fmt.Sprintf("community-%s-%s.csv", from.UTC().Format("20060102"), to.UTC().Format("20060102")), err
}

func communityQuery(from, to time.Time, format string) url.Values {
	v := url.Values{}
	v.Set("from", from.UTC().Format(time.RFC3339))
	v.Set("to", to.UTC().Format(time.RFC3339))
	if format != "" {
		v.Set("format", format)
	}
	return v
}

// ExpertEntry is a directory entry as the hub's API shows it, with the
// topics it learned from forum threads and whether the member is away now.
type ExpertEntry struct {
	model.Expert
	Learned []community.TopicEvidence `json:"learned,omitempty"`
	AwayNow bool                      `json:"away_now"`
}

// Experts is GET /v1/experts: the hub's directory with what it learned.
func (c *ReportClient) Experts(ctx context.Context) ([]ExpertEntry, error) {
	var out struct{ Experts []ExpertEntry }
	b, err := c.send(ctx, http.MethodGet, "/v1/experts", nil)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("experts: %w", err)
	}
	return out.Experts, nil
}

// PutExpert is PUT /v1/experts (a lead's token): add or replace an entry;
// the hub validates it (a recorded opt-in is required).
func (c *ReportClient) PutExpert(ctx context.Context, e model.Expert) (model.Expert, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return model.Expert{}, err
	}
	b, err := c.send(ctx, http.MethodPut, "/v1/experts", body)
	if err != nil {
		return model.Expert{}, err
	}
	var out model.Expert
	err = json.Unmarshal(b, &out)
	return out, err
}

// RemoveExpert is DELETE /v1/experts?key=K (a lead's token).
func (c *ReportClient) RemoveExpert(ctx context.Context, key string) error {
	_, err := c.send(ctx, http.MethodDelete, "/v1/experts?key="+url.QueryEscape(key), nil)
	return err
}

// send makes one call of the hub's API with the console's token and
// returns the body of a 200 answer; any other answer is an error with the
// hub's reason (ErrNotLead for a 403), a network failure wraps ErrOffline.
func (c *ReportClient) send(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	name, _, _ := strings.Cut(path, "?")
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("hub: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL says nothing the caller does not know
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrOffline, name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxReport+1))
	if err != nil {
		return nil, fmt.Errorf("hub: %s: %w", name, err)
	}
	if len(b) > maxReport {
		return nil, fmt.Errorf("hub: %s: the answer is over %d MB: ask for a shorter period", name, maxReport>>20)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return b, nil
	case http.StatusForbidden:
		return nil, ErrNotLead
	case http.StatusUnauthorized:
		return nil, errors.New("hub: the hub does not accept this console's token")
	}
	var e struct{ Error string }
	if json.Unmarshal(b, &e) == nil && e.Error != "" {
		return nil, fmt.Errorf("hub: %s: %s", name, e.Error)
	}
	return nil, fmt.Errorf("hub: %s: %s", name, resp.Status)
}
