package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/connector"
	"switchboard/connector/facebook"
	"switchboard/connector/twitter"
	"switchboard/model"
	"switchboard/sync/hub"
)

// The hand-off's private message (docs/experts.md, "Asking an expert"):
// an expert whose chosen contact is on X or Facebook gets the hand-off as
// a DM or Messenger message, sent by the delivery worker through the real
// connector senders against httptest platforms that answer as X's and
// Meta's references document (connector/*/testdata).

// xDMPlatform is X's API as the Sender and its Find use it: the user
// lookup by username, the one-to-one DM endpoint and the DM event list.
type xDMPlatform struct {
	t     *testing.T
	mu    sync.Mutex
	users map[string]string // username → id
	// closed users refuse DMs from the brand (403).
	closed map[string]bool
	dms    []xDM // sent, oldest first
	// hold, when set, is told of a DM X took and then keeps the answer
	// until the client gives up: the hub stops mid-send.
	hold chan xDM
}

type xDM struct{ to, id, text string }

func newXDMPlatform(t *testing.T) (*xDMPlatform, *httptest.Server) {
	p := &xDMPlatform{t: t, users: map[string]string{"kohlmark": "1390000000000000042", "zed_closed": "1390000000000000099"},
		closed: map[string]bool{"1390000000000000099": true}}
	ts := httptest.NewServer(p)
	t.Cleanup(ts.Close)
	return p, ts
}

func (p *xDMPlatform) posts() []xDM {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]xDM(nil), p.dms...)
}

func (p *xDMPlatform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer brand-user-token" {
		writeRaw(w, 401, platformFixture(p.t, "twitter", "error_401.json"))
		return
	}
	path := r.URL.Path
	switch {
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/2/users/by/username/"):
		name := strings.TrimPrefix(path, "/2/users/by/username/")
		p.mu.Lock()
		id, ok := p.users[strings.ToLower(name)]
		p.mu.Unlock()
		if !ok {
			writeRaw(w, 200, platformFixture(p.t, "twitter", "user_by_username_not_found.json")) // X answers 200 with errors[]
			return
		}
		writeRaw(w, 200, fmt.Appendf(nil, `{"data":{"id":%q,"name":%q,"username":%q}}`, id, name, name))
	case r.Method == http.MethodPost && strings.HasPrefix(path, "/2/dm_conversations/with/") && strings.HasSuffix(path, "/messages"):
		to := strings.TrimSuffix(strings.TrimPrefix(path, "/2/dm_conversations/with/"), "/messages")
		if p.closed[to] {
			writeRaw(w, 403, platformFixture(p.t, "twitter", "error_403_dm_not_permitted.json"))
			return
		}
		var body struct{ Text string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Text == "" {
			writeRaw(w, 400, platformFixture(p.t, "twitter", "error_400_invalid.json"))
			return
		}
		p.mu.Lock()
		dm := xDM{to: to, id: fmt.Sprintf("17969123456789%05d", len(p.dms)+1), text: body.Text}
		p.dms = append(p.dms, dm)
		hold := p.hold
		p.mu.Unlock()
		if hold != nil {
			hold <- dm
			select { // taken, but the answer never reaches the stopping hub
			case <-r.Context().Done():
			case <-time.After(20 * time.Second):
			}
			return
		}
		writeRaw(w, 201, fmt.Appendf(nil, `{"data":{"dm_conversation_id":"%s-%s","dm_event_id":%q}}`, to, xBrand, dm.id))
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/2/dm_conversations/with/") && strings.HasSuffix(path, "/dm_events"):
		to := strings.TrimSuffix(strings.TrimPrefix(path, "/2/dm_conversations/with/"), "/dm_events")
		type event struct {
			ID        string `json:"id"`
			Text      string `json:"text"`
			EventType string `json:"event_type"`
			SenderID  string `json:"sender_id"`
		}
		out := struct {
			Data []event        `json:"data"`
			Meta map[string]int `json:"meta"`
		}{Data: []event{}}
		dms := p.posts()
		for i := len(dms) - 1; i >= 0; i-- { // newest first
			if dms[i].to == to {
				out.Data = append(out.Data, event{dms[i].id, dms[i].text, "MessageCreate", xBrand})
			}
		}
		out.Meta = map[string]int{"result_count": len(out.Data)}
		b, _ := json.Marshal(out)
		writeRaw(w, 200, b)
	default:
		p.t.Errorf("X: unexpected %s %s", r.Method, path)
		writeRaw(w, 404, []byte(`{"title":"Not Found Error","status":404}`))
	}
}

// messengerPlatform is the Send API: PSID 1254459154682919 (the fixtures'
// person) takes messages; others answer the documented errors.
type messengerPlatform struct {
	t    *testing.T
	mu   sync.Mutex
	sent []map[string]any
	hold chan struct{} // as xDMPlatform.hold
}

func newMessengerPlatform(t *testing.T) (*messengerPlatform, *httptest.Server) {
	p := &messengerPlatform{t: t}
	ts := httptest.NewServer(p)
	t.Cleanup(ts.Close)
	return p, ts
}

func (p *messengerPlatform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/v21.0/"+fbPage+"/conversations" && r.URL.Query().Get("access_token") == "page-token" {
		// The Conversations API (Sender.Find): the page's messages to
		// user_id, newest first.
		type msg struct {
			ID      string            `json:"id"`
			Message string            `json:"message"`
			From    map[string]string `json:"from"`
		}
		var msgs []msg
		reqs := p.requests()
		for i := len(reqs) - 1; i >= 0; i-- {
			if reqs[i]["recipient"].(map[string]any)["id"] == r.URL.Query().Get("user_id") {
				msgs = append(msgs, msg{fmt.Sprintf("m_sent-%d", i+1), reqs[i]["message"].(map[string]any)["text"].(string), map[string]string{"id": fbPage}})
			}
		}
		b, _ := json.Marshal(map[string]any{"data": []any{map[string]any{"id": "t_1", "messages": map[string]any{"data": msgs}}}})
		writeRaw(w, 200, b)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v21.0/me/messages" || r.URL.Query().Get("access_token") != "page-token" {
		p.t.Errorf("Messenger: unexpected %s %s", r.Method, r.URL.Path)
		writeRaw(w, 400, platformFixture(p.t, "facebook", "graph_error_oauth.json"))
		return
	}
	var req map[string]any
	b, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(b, &req); err != nil {
		writeRaw(w, 400, platformFixture(p.t, "facebook", "graph_error_oauth.json"))
		return
	}
	p.mu.Lock()
	p.sent = append(p.sent, req)
	hold := p.hold
	p.mu.Unlock()
	if hold != nil {
		hold <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-time.After(20 * time.Second):
		}
		return
	}
	switch psid, _ := req["recipient"].(map[string]any)["id"].(string); psid {
	case "1254459154682919":
		writeRaw(w, 200, platformFixture(p.t, "facebook", "send_api_ok.json"))
	case "2018278000000001":
		writeRaw(w, 400, platformFixture(p.t, "facebook", "graph_error_outside_window.json"))
	default:
		writeRaw(w, 400, platformFixture(p.t, "facebook", "graph_error_unavailable.json"))
	}
}

func (p *messengerPlatform) requests() []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]map[string]any(nil), p.sent...)
}

func writeRaw(w http.ResponseWriter, code int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// dmHub is a hub with its directory and its delivery worker; stop ends
// both and closes the log (a restart opens the same dir again).
type dmHub struct {
	h    *hub.Hub
	l    *hub.BoltLog
	x    *hub.Experts
	stop func()
}

func startDMHub(t *testing.T, dir string, senders map[model.Channel]connector.Sender) *dmHub {
	t.Helper()
	l := openLog(t, dir)
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler), RetryBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	x := hub.NewExperts(h)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); x.Run(ctx) }()
	go func() { defer wg.Done(); h.RunDelivery(ctx, senders) }()
	var once sync.Once
	d := &dmHub{h: h, l: l, x: x}
	d.stop = func() { once.Do(func() { cancel(); wg.Wait(); l.Close() }) }
	t.Cleanup(d.stop)
	return d
}

func dmSenders(t *testing.T, xURL, fbURL string) map[model.Channel]connector.Sender {
	t.Helper()
	out := map[model.Channel]connector.Sender{}
	if xURL != "" {
		xs, err := twitter.NewSender(twitter.Config{BaseURL: xURL, UserID: xBrand, UserToken: "brand-user-token", Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		out[model.ChannelTwitter] = xs
	}
	if fbURL != "" {
		fs, err := facebook.NewSender(facebook.Config{GraphURL: fbURL, PageID: fbPage, PageAccessToken: "page-token", Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		out[model.ChannelFacebook] = fs
	}
	return out
}

// member puts a forum member with a chosen contact into the directory.
func (d *dmHub) member(t *testing.T, handle, contact string) {
	t.Helper()
	if _, err := d.x.Put("lena", model.Expert{Key: "forum:" + handle, Name: handle, Topics: []string{"galaxy s24"}, Contact: contact,
		Consent: model.ExpertConsent{At: time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC), By: "lena"}}); err != nil {
		t.Fatal(err)
	}
}

// forumCase opens a forum question by Anna Keller.
func (d *dmHub) forumCase(t *testing.T, thread string) string {
	t.Helper()
	q := forumPost(thread, "anna_k", thread+"-1", "Mein Galaxy S24 verliert das WLAN", time.Now().UTC().Add(-time.Hour))
	q.Author.DisplayName = "Anna Keller"
	id, _, err := d.h.Ingest(q)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (d *dmHub) ask(t *testing.T, caseID, opID, expert, contact, text string) hub.OpAnswer {
	t.Helper()
	a, err := d.h.ApplyOp(hub.Agent{Name: "arno", Role: hub.RoleAgent}, model.Op{ID: opID, Kind: model.OpAskExpert, CaseID: caseID,
		Expert: expert, Contact: contact, Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// handoffSettles waits for the case's hand-off to leave "queued".
func (d *dmHub) handoffSettles(t *testing.T, caseID string) model.Handoff {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); ; {
		c, ok := d.h.Case(caseID)
		if ok && c.Handoff != nil && c.Handoff.Delivery != model.DeliveryQueued {
			return *c.Handoff
		}
		if time.Now().After(end) {
			t.Fatalf("hand-off of %s never settled: %+v", caseID, c.Handoff)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (d *dmHub) note(t *testing.T, caseID, id string) model.Message {
	t.Helper()
	thread, err := d.l.Thread(caseID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range thread {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("no message %s in %s", id, caseID)
	return model.Message{}
}

func TestExpertHandoffGoesOutAsAPrivateMessage(t *testing.T) {
	xp, xts := newXDMPlatform(t)
	mp, mts := newMessengerPlatform(t)
	d := startDMHub(t, t.TempDir(), dmSenders(t, xts.URL, mts.URL))
	d.member(t, "kohlmark", "twitter:@Kohlmark")
	d.member(t, "berta", "facebook:1254459154682919")
	d.member(t, "zed", "twitter:zed_closed")
	d.member(t, "late", "facebook:2018278000000001")
	d.member(t, "gone", "facebook:5510000000000001")
	d.member(t, "ghost", "twitter:ghost_member")
	d.member(t, "hans", "forum:hans@other.example")
	const text = "Kennst du das? Ein Galaxy S24 verliert nach dem November-Patch das WLAN."

	// The personal-data check comes before anything is sent; so does the
	// contact: the hub writes only to where the member agreed.
	pii := d.forumCase(t, "t-pii")
	if a := d.ask(t, pii, "op-pii", "forum:kohlmark", "twitter:kohlmark", "Anna Keller hat ein Galaxy S24 ohne WLAN"); a.Reject == nil || a.Reject.Code != model.RejectPersonalData {
		t.Fatalf("personal data handed over: %+v", a.Reject)
	}
	if a := d.ask(t, pii, "op-other", "forum:kohlmark", "twitter:someone_else", text); a.Reject == nil || !strings.Contains(a.Reject.Reason, "not the contact forum:kohlmark chose") {
		t.Fatalf("a contact the member did not choose: %+v", a.Reject)
	}

	type want struct {
		expert, contact string
		delivery        model.Delivery
		reason          string // in DeliveryError
	}
	cases := map[string]want{
		"x":        {"forum:kohlmark", "twitter:kohlmark", model.DeliverySent, ""},
		"x-closed": {"forum:zed", "twitter:zed_closed", model.DeliveryFailed, "do not accept direct messages"},
		"x-ghost":  {"forum:ghost", "twitter:ghost_member", model.DeliveryFailed, "Could not find user"},
		"fb":       {"forum:berta", "facebook:1254459154682919", model.DeliverySent, ""},
		"fb-late":  {"forum:late", "facebook:2018278000000001", model.DeliveryFailed, "24-hour window"},
		"fb-gone":  {"forum:gone", "facebook:5510000000000001", model.DeliveryFailed, "cannot be reached on Messenger"},
		"forum":    {"forum:hans", "forum:hans@other.example", model.DeliveryManual, ""},
	}
	ids := map[string]string{}
	for name, w := range cases {
		ids[name] = d.forumCase(t, "t-"+name)
		if a := d.ask(t, ids[name], "op-"+name, w.expert, w.contact, text); a.Reject != nil {
			t.Fatalf("%s: refused %+v", name, a.Reject)
		}
	}
	for name, w := range cases {
		hf := d.handoffSettles(t, ids[name])
		note := d.note(t, ids[name], "op-"+name)
		if hf.Delivery != w.delivery || !strings.Contains(hf.DeliveryError, w.reason) || (w.reason == "" && hf.DeliveryError != "") {
			t.Errorf("%s: hand-off %s %q, want %s %q", name, hf.Delivery, hf.DeliveryError, w.delivery, w.reason)
		}
		if w.delivery == model.DeliveryManual {
			if !strings.Contains(note.Text, "send by hand") || note.Delivery != model.DeliveryNone {
				t.Errorf("%s: the note for a contact the hub cannot reach: %+v", name, note)
			}
			continue
		}
		if note.Delivery != w.delivery || note.DeliveryError != hf.DeliveryError || note.PlatformID != hf.PlatformID || !strings.Contains(note.Text, "private message") {
			t.Errorf("%s: note %+v, hand-off %+v", name, note, hf)
		}
		if w.delivery == model.DeliverySent && hf.PlatformID == "" {
			t.Errorf("%s: sent without a platform id", name)
		}
		if !hf.Waiting() {
			t.Errorf("%s: the hand-off stopped waiting on the expert: %+v", name, hf)
		}
	}
	if dms := xp.posts(); len(dms) != 1 || dms[0].to != "1390000000000000042" || dms[0].text != text {
		t.Fatalf("X direct messages: %+v", dms)
	} else if c, _ := d.h.Case(ids["x"]); c.Handoff.PlatformID != dms[0].id {
		t.Fatalf("X event id %q, hand-off %q", dms[0].id, c.Handoff.PlatformID)
	}
	reqs := mp.requests()
	if len(reqs) != 3 {
		t.Fatalf("Messenger requests: %d, want 3 (one each, no retry of a refusal)", len(reqs))
	}
	for _, r := range reqs {
		if r["messaging_type"] != "UPDATE" || r["message"].(map[string]any)["text"] != text {
			t.Fatalf("Messenger request %v", r)
		}
	}
	if c, _ := d.h.Case(ids["fb"]); !strings.HasPrefix(c.Handoff.PlatformID, "AG5Hz2Uq7") {
		t.Fatalf("Messenger message id %q", c.Handoff.PlatformID)
	}
}

func TestExpertHandoffFailsClearlyWithoutASender(t *testing.T) {
	d := startDMHub(t, t.TempDir(), map[model.Channel]connector.Sender{})
	d.member(t, "kohlmark", "twitter:kohlmark")
	id := d.forumCase(t, "t-1")
	if a := d.ask(t, id, "op-1", "forum:kohlmark", "twitter:kohlmark", "Galaxy S24 ohne WLAN nach dem Update?"); a.Reject != nil {
		t.Fatal(a.Reject)
	}
	if hf := d.handoffSettles(t, id); hf.Delivery != model.DeliveryFailed || !strings.Contains(hf.DeliveryError, "no twitter connector") {
		t.Fatalf("hand-off without an X sender: %+v", hf)
	}
}

// The hub stops after X took the DM and before its answer came: the job
// stays "sending", and the next start finds the DM on X (Find) instead of
// sending a second one.
func TestExpertHandoffRestartMidSendSendsOneDM(t *testing.T) {
	xp, xts := newXDMPlatform(t)
	hold := make(chan xDM, 1)
	xp.hold = hold
	dir := t.TempDir()
	d := startDMHub(t, dir, dmSenders(t, xts.URL, ""))
	d.member(t, "kohlmark", "twitter:kohlmark")
	id := d.forumCase(t, "t-1")
	const text = "Galaxy S24 ohne WLAN nach dem November-Patch: kennst du das?"
	if a := d.ask(t, id, "op-1", "forum:kohlmark", "twitter:kohlmark", text); a.Reject != nil {
		t.Fatal(a.Reject)
	}
	var taken xDM
	select {
	case taken = <-hold:
	case <-time.After(20 * time.Second):
		t.Fatal("the DM never reached X")
	}
	d.stop()

	xp.mu.Lock()
	xp.hold = nil
	xp.mu.Unlock()
	d = startDMHub(t, dir, dmSenders(t, xts.URL, ""))
	hf := d.handoffSettles(t, id)
	if hf.Delivery != model.DeliverySent || hf.PlatformID != taken.id {
		t.Fatalf("after the restart: %+v, want sent as %s", hf, taken.id)
	}
	if n := len(xp.posts()); n != 1 {
		t.Fatalf("X got %d direct messages, want 1", n)
	}
}

// The same on Messenger: the next start finds the message in the page's
// conversation with the expert (the Conversations API).
func TestExpertHandoffRestartMidSendOnMessengerSendsOneMessage(t *testing.T) {
	mp, mts := newMessengerPlatform(t)
	hold := make(chan struct{}, 1)
	mp.hold = hold
	dir := t.TempDir()
	d := startDMHub(t, dir, dmSenders(t, "", mts.URL))
	d.member(t, "berta", "facebook:1254459154682919")
	id := d.forumCase(t, "t-1")
	if a := d.ask(t, id, "op-1", "forum:berta", "facebook:1254459154682919", "Galaxy S24 ohne WLAN: kennst du das?"); a.Reject != nil {
		t.Fatal(a.Reject)
	}
	select {
	case <-hold:
	case <-time.After(20 * time.Second):
		t.Fatal("the message never reached the Send API")
	}
	d.stop()
	mp.mu.Lock()
	mp.hold = nil
	mp.mu.Unlock()
	d = startDMHub(t, dir, dmSenders(t, "", mts.URL))
	hf := d.handoffSettles(t, id)
	if hf.Delivery != model.DeliverySent || hf.PlatformID != "m_sent-1" {
		t.Fatalf("after the restart: %+v, want sent as m_sent-1", hf)
	}
	if n := len(mp.requests()); n != 1 {
		t.Fatalf("Send API called %d times, want 1", n)
	}
}
