package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/connector/facebook"
	"switchboard/connector/twitter"
	"switchboard/model"
	"switchboard/sync/hub"
)

func TestReachConfig(t *testing.T) {
	write := func(body string) string {
		p := filepath.Join(t.TempDir(), "hub.json")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg, err := loadConfig("")
	if err != nil || cfg.Reach != model.DefaultReach {
		t.Fatalf("no config: reach %+v, %v", cfg.Reach, err)
	}
	// Fields left out keep their defaults.
	cfg, err = loadConfig(write(`{"reach": {"high": 50000, "raise_at": "influencer", "raise_to": 3}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := model.ReachThresholds{Notable: 2_000, Influencer: 10_000, High: 50_000, RaiseAt: model.ReachInfluencer, RaiseTo: model.PriorityUrgent}
	if cfg.Reach != want {
		t.Fatalf("reach = %+v, want %+v", cfg.Reach, want)
	}
	for body, wantErr := range map[string]string{
		`{"reach": {"notable": 20000}}`:         "cut-offs must grow",
		`{"reach": {"high": -1}}`:               "negative",
		`{"reach": {"raise_at": "celebrity"}}`:  `raise_at "celebrity"`,
		`{"reach": {"raise_to": 7}}`:            "raise_to",
		`{"reach": {"raise_at": "none"}}`:       "",
		`{"reach": {"notable": 0, "high": 10}}`: "cut-offs must grow",
	} {
		_, err := loadConfig(write(body))
		if wantErr == "" && err != nil || wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)) {
			t.Errorf("%s: err %v, want %q", body, err, wantErr)
		}
	}
}

// brandHub is a hub with its connectors started from a config, served on
// loopback, with one agent token.
type brandHub struct {
	hub   *hub.Hub
	url   string
	token string
}

func startBrandHub(t *testing.T, cfg Config) *brandHub {
	t.Helper()
	h, tokens, url := serveConfig(t, cfg, hub.Config{RetryBase: time.Millisecond})
	token, _, err := tokens.Add("ana", hub.RoleAgent)
	if err != nil {
		t.Fatal(err)
	}
	return &brandHub{hub: h, url: url, token: token}
}

// serveConfig is a hub on a fresh bbolt log with cfg's connectors started
// (startConnectors, as the hub serves), served on loopback with its token
// store for auth; hc is the hub's own config (a discarding logger unless
// it names one). It returns the hub, the token store to add agents to and
// the server's URL; everything stops when the test ends.
func serveConfig(t *testing.T, cfg Config, hc hub.Config) (*hub.Hub, *hub.TokenStore, string) {
	t.Helper()
	dir := t.TempDir()
	l, err := hub.OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	if hc.Logger == nil {
		hc.Logger = slog.New(slog.DiscardHandler)
	}
	h, err := hub.New(l, hc)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := hub.OpenTokenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := hub.NewServer(h, hub.DefaultTiming)
	srv.SetAuth(tokens)
	ctx, cancel := context.WithCancel(context.Background())
	var bg sync.WaitGroup
	if err := startConnectors(ctx, &bg, cfg, h, srv, l, hc.Logger); err != nil {
		cancel()
		bg.Wait()
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); cancel(); bg.Wait(); srv.Close() })
	return h, tokens, ts.URL
}

func (b *brandHub) post(t *testing.T, path string, header http.Header, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.url+path, bytes.NewReader(body))
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// reply applies a reply op on the case of thread and waits until the
// platform has it.
func (b *brandHub) reply(t *testing.T, ch model.Channel, thread, text string) model.Case {
	t.Helper()
	c, ok := b.hub.CaseByThread(ch, thread)
	if !ok {
		t.Fatalf("no case for %s %s", ch, thread)
	}
	a, err := b.hub.ApplyOp(hub.Agent{Name: "ana", Role: hub.RoleAgent}, model.Op{ID: "op-" + thread, Kind: model.OpReply, CaseID: c.ID, Text: text})
	if err != nil || a.Reject != nil {
		t.Fatalf("reply on %s: %+v %v", thread, a, err)
	}
	return c
}

// platformCalls is an httptest platform API recording each call's path
// and credential.
type platformCalls struct {
	mu    sync.Mutex
	calls map[string]string // path → credential
	got   chan struct{}
}

func newPlatform(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) (*platformCalls, string) {
	p := &platformCalls{calls: map[string]string{}, got: make(chan struct{}, 16)}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		cred := r.Form.Get("access_token")
		if a := r.Header.Get("Authorization"); a != "" {
			cred = a
		}
		p.mu.Lock()
		p.calls[r.URL.Path] = cred
		p.mu.Unlock()
		answer(w, r)
		select {
		case p.got <- struct{}{}:
		default: // wait reads the calls themselves
		}
	}))
	t.Cleanup(ts.Close)
	return p, ts.URL
}

// wait returns the calls once every one of paths was called.
func (p *platformCalls) wait(t *testing.T, paths ...string) map[string]string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		p.mu.Lock()
		calls := maps.Clone(p.calls)
		p.mu.Unlock()
		missing := false
		for _, path := range paths {
			_, ok := calls[path]
			missing = missing || !ok
		}
		if !missing {
			return calls
		}
		select {
		case <-p.got:
		case <-timeout:
			t.Fatalf("platform never called %v: %v", paths, calls)
		}
	}
}

func TestTwoFacebookPagesEachWithItsToken(t *testing.T) {
	graph, graphURL := newPlatform(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/comments"):
			io.WriteString(w, `{"id": "777_1"}`)
		case strings.HasSuffix(r.URL.Path, "/me/messages"):
			io.WriteString(w, `{"recipient_id": "5551", "message_id": "m_1"}`)
		default:
			io.WriteString(w, `{}`)
		}
	})
	const secret = "one-app-secret"
	cfg, err := loadConfig(writeConfig(t, `{"facebook": {
		"graph_url": "`+graphURL+`", "app_secret": "`+secret+`", "verify_token": "vt",
		"pages": [
			{"page_id": "1001", "page_name": "Alpine Air", "page_token": "token-air", "brand": "alpine-air"},
			{"page_id": "1002", "page_name": "Alpine Lite", "page_access_token": "token-lite", "brand": "alpine-lite"},
			{"page_id": "1003", "page_name": "Other App Hotel", "app_secret": "other-secret", "page_token": "token-hotel"}
		]}}`))
	if err != nil {
		t.Fatal(err)
	}
	b := startBrandHub(t, cfg)

	// One delivery of the app holds both pages' entries (Meta batches
	// them), and one for a page of another app, which it may not speak for.
	body := []byte(`{"object": "page", "entry": [
	 {"id": "1001", "time": 1449135003, "changes": [{"field": "feed", "value": {"item": "comment", "verb": "add",
	   "comment_id": "1001_9_1", "post_id": "1001_9", "from": {"id": "8423678347823", "name": "John Doe"},
	   "created_time": 1449135003, "message": "My flight was cancelled, what now?"}}]},
	 {"id": "1002", "time": 1458692752478, "messaging": [{"sender": {"id": "5551"}, "recipient": {"id": "1002"},
	   "timestamp": 1458692752478, "message": {"mid": "mid.lite.1", "text": "Can I change my seat?"}}]},
	 {"id": "1003", "time": 1458692752478, "messaging": [{"sender": {"id": "5552"}, "recipient": {"id": "1003"},
	   "timestamp": 1458692752478, "message": {"mid": "mid.hotel.1", "text": "forged"}}]}
	]}`)
	h := http.Header{"X-Hub-Signature-256": {facebook.Signature(body, secret)}, "Content-Type": {"application/json"}}
	if code := b.post(t, facebook.Path, h, body); code != 200 {
		t.Fatalf("webhook answered %d", code)
	}
	air, ok1 := b.hub.CaseByThread(model.ChannelFacebook, "fb-post-1001_9")
	lite, ok2 := b.hub.CaseByThread(model.ChannelFacebook, "fb-msgr-5551")
	if !ok1 || !ok2 || air.Brand != "alpine-air" || lite.Brand != "alpine-lite" {
		t.Fatalf("cases: air %v %q, lite %v %q", ok1, air.Brand, ok2, lite.Brand)
	}
	if _, ok := b.hub.CaseByThread(model.ChannelFacebook, "fb-msgr-5552"); ok {
		t.Fatal("an entry of another app's page was taken under this app's signature")
	}
	// The other app's page is served with its own secret; its brand
	// defaults to its name.
	body3 := []byte(`{"object": "page", "entry": [{"id": "1003", "time": 1458692752478, "messaging": [{"sender": {"id": "5553"},
	  "recipient": {"id": "1003"}, "timestamp": 1458692752478, "message": {"mid": "mid.hotel.2", "text": "Is breakfast included?"}}]}]}`)
	h.Set("X-Hub-Signature-256", facebook.Signature(body3, "other-secret"))
	if code := b.post(t, facebook.Path, h, body3); code != 200 {
		t.Fatalf("webhook answered %d for the other app", code)
	}
	if c, ok := b.hub.CaseByThread(model.ChannelFacebook, "fb-msgr-5553"); !ok || c.Brand != "Other App Hotel" {
		t.Fatalf("other app's case: %v %+v", ok, c.Brand)
	}

	b.reply(t, model.ChannelFacebook, "fb-post-1001_9", "We have rebooked you.")
	b.reply(t, model.ChannelFacebook, "fb-msgr-5551", "Yes, in the app.")
	calls := graph.wait(t, "/v21.0/1001_9_1/comments", "/v21.0/me/messages")
	// Messenger names are looked up with the page's own token too.
	if calls["/v21.0/1001_9_1/comments"] != "token-air" || calls["/v21.0/me/messages"] != "token-lite" ||
		calls["/v21.0/5551"] != "token-lite" || calls["/v21.0/5553"] != "token-hotel" {
		t.Fatalf("replies went out as %v", calls)
	}

	// The status shows each page, with a token; /metrics needs none.
	st := getJSON(t, b.url+hub.StatusPath, b.token)
	for _, name := range []string{"facebook/1001", "facebook/1002", "facebook/1003", "facebook/webhook", "generic"} {
		if !strings.Contains(st, `"name":"`+name+`"`) {
			t.Errorf("status has no %s: %s", name, st)
		}
	}
	if !strings.Contains(st, `"name":"facebook/1001","kind":"facebook","last_success"`) {
		t.Errorf("page 1001 shows no success: %s", st)
	}
	if code := getStatus(t, b.url+hub.StatusPath, ""); code != http.StatusUnauthorized {
		t.Errorf("status without a token: %d", code)
	}
	if code := getStatus(t, b.url+hub.MetricsPath, ""); code != 200 {
		t.Errorf("metrics: %d", code)
	}
}

func TestTwoXAccountsEachWithItsToken(t *testing.T) {
	x, xURL := newPlatform(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/2/tweets":
			io.WriteString(w, `{"data": {"id": "1900000000000000001", "text": "ok"}}`)
		case strings.HasPrefix(r.URL.Path, "/2/dm_conversations/"):
			io.WriteString(w, `{"data": {"dm_conversation_id": "1-2", "dm_event_id": "1900000000000000002"}}`)
		default:
			http.NotFound(w, r)
		}
	})
	const secret = "x-consumer-secret"
	cfg, err := loadConfig(writeConfig(t, `{"twitter": {"base_url": "`+xURL+`", "consumer_secret": "`+secret+`",
		"accounts": [
			{"user_id": "111", "brand_handle": "AlpineAir", "user_token": "user-air"},
			{"user_id": "222", "brand_handle": "@AlpineLite", "user_token": "user-lite"}
		]}}`))
	if err != nil {
		t.Fatal(err)
	}
	b := startBrandHub(t, cfg)
	sign := func(body []byte) http.Header {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		return http.Header{"X-Twitter-Webhooks-Signature": {"sha256=" + base64.StdEncoding.EncodeToString(m.Sum(nil))}}
	}
	tweet := func(forUser, id, text string) []byte {
		return []byte(`{"for_user_id": "` + forUser + `", "tweet_create_events": [{"id_str": "` + id + `", "text": "` + text + `",
		  "created_at": "Mon Mar 02 09:00:00 +0000 2026", "user": {"id_str": "999", "screen_name": "kim", "name": "Kim"}}]}`)
	}
	dm := func(forUser, id string) []byte {
		return []byte(`{"for_user_id": "` + forUser + `", "direct_message_events": [{"type": "message_create", "id": "` + id + `",
		  "created_timestamp": "1772442000000", "message_create": {"target": {"recipient_id": "` + forUser + `"}, "sender_id": "999",
		  "message_data": {"text": "my booking?"}}}], "users": {"999": {"id": "999", "screen_name": "kim", "name": "Kim"}}}`)
	}
	for _, body := range [][]byte{tweet("111", "1800000000000000001", "@AlpineAir bag lost"), tweet("222", "1800000000000000002", "@AlpineLite seat?"),
		dm("111", "1800000000000000003"), dm("222", "1800000000000000004")} {
		if code := b.post(t, twitter.WebhookPath, sign(body), body); code != 200 {
			t.Fatalf("webhook answered %d to %s", code, body)
		}
	}
	for thread, brand := range map[string]string{
		"tw-conv-1800000000000000001": "AlpineAir", "tw-conv-1800000000000000002": "AlpineLite",
		// The same customer writing to both accounts has two DM cases.
		"tw-dm-999": "AlpineAir", "tw-dm-999.222": "AlpineLite",
	} {
		if c, ok := b.hub.CaseByThread(model.ChannelTwitter, thread); !ok || c.Brand != brand {
			t.Errorf("case of %s: %v, brand %q, want %q", thread, ok, c.Brand, brand)
		}
	}
	b.reply(t, model.ChannelTwitter, "tw-conv-1800000000000000002", "Seats can be changed in the app.")
	if calls := x.wait(t, "/2/tweets"); calls["/2/tweets"] != "Bearer user-lite" {
		t.Fatalf("the reply went out as %v", calls)
	}
	b.reply(t, model.ChannelTwitter, "tw-dm-999.222", "Your booking is fine.")
	if calls := x.wait(t, "/2/dm_conversations/with/999/messages"); calls["/2/dm_conversations/with/999/messages"] != "Bearer user-lite" {
		t.Fatalf("the DM went out as %v", calls)
	}
	x.mu.Lock()
	delete(x.calls, "/2/tweets")
	x.mu.Unlock()
	b.reply(t, model.ChannelTwitter, "tw-conv-1800000000000000001", "Sorry about your bag.")
	if calls := x.wait(t, "/2/tweets"); calls["/2/tweets"] != "Bearer user-air" {
		t.Fatalf("the reply went out as %v", calls)
	}
	st := getJSON(t, b.url+hub.StatusPath, b.token)
	if !strings.Contains(st, `"name":"twitter/@AlpineLite","kind":"twitter","last_success"`) || !strings.Contains(st, `"name":"twitter/webhook"`) {
		t.Errorf("status: %s", st)
	}
}

func getStatus(t *testing.T, u, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func getJSON(t *testing.T, u, token string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, raw)
	}
	return string(raw)
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hub.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBrandConfigForms(t *testing.T) {
	// The single-object forms still work: one page, one account, no brand.
	cfg, err := loadConfig(writeConfig(t, `{"twitter": {"user_id": "111", "bearer_token": "b", "poll_every": "1m"},
		"facebook": {"page_id": "1001", "page_access_token": "p", "app_secret": "s", "verify_token": "v"}}`))
	if err != nil {
		t.Fatal(err)
	}
	accts, err := cfg.Twitter.accounts()
	if err != nil || len(accts) != 1 || accts[0].UserID != "111" || accts[0].Brand != "" || accts[0].BearerToken != "b" {
		t.Fatalf("accounts %+v %v", accts, err)
	}
	pages, err := cfg.Facebook.PageConfigs()
	if err != nil || len(pages) != 1 || pages[0].PageID != "1001" || pages[0].Brand != "" || pages[0].PageAccessToken != "p" {
		t.Fatalf("pages %+v %v", pages, err)
	}
	// Accounts take the shared app credentials; each has a brand.
	cfg, err = loadConfig(writeConfig(t, `{"twitter": {"bearer_token": "app", "consumer_secret": "cs", "poll_every": "2m",
		"accounts": [{"user_id": "111", "brand_handle": "@AlpineAir"}, {"user_id": "222", "brand": "lite", "poll_every": "0"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	accts, err = cfg.Twitter.accounts()
	if err != nil || len(accts) != 2 || accts[0].Brand != "AlpineAir" || accts[1].Brand != "lite" ||
		accts[0].BearerToken != "app" || accts[1].ConsumerSecret != "cs" || accts[0].PollEvery != "2m" || accts[1].PollEvery != "0" {
		t.Fatalf("accounts %+v %v", accts, err)
	}
	for body, want := range map[string]string{
		`{"twitter": {"accounts": [{"user_id": "1", "brand": "a"}, {"user_id": "2", "brand": "a"}]}}`:                     "brand \"a\" given to two accounts",
		`{"twitter": {"accounts": [{"user_id": "1"}, {"user_id": "1", "brand": "b"}]}}`:                                   "user_id 1 given twice",
		`{"twitter": {"accounts": [{"user_id": "1", "consumer_secret": "x"}, {"user_id": "2", "consumer_secret": "y"}]}}`: "share one consumer_secret",
		`{"twitter": {}}`: "give user_id, or accounts",
		`{"facebook": {"app_secret": "s", "pages": [{"page_id": "1", "page_name": "A"}, {"page_id": "2", "page_name": "A"}]}}`: "brand \"A\" given to two pages",
		`{"facebook": {"app_secret": "s", "pages": [{"page_id": "1"}, {"page_id": "1", "brand": "x"}]}}`:                       "page_id 1 given twice",
		`{"facebook": {"app_secret": "s"}}`: "no page",
	} {
		_, err := loadConfig(writeConfig(t, body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want %q", body, err, want)
		}
	}
}

// The README's connector examples are configs the hub loads, and the
// twitter README names no environment variable the hub does not read.
func TestReadmeConfigExamplesLoad(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	channels := readme[strings.Index(readme, "## Channels"):]
	channels = channels[:strings.Index(channels, "\n## ")]
	var examples []string
	for rest := channels; ; {
		i := strings.Index(rest, "```json\n{\n")
		if i < 0 {
			break
		}
		rest = rest[i+len("```json\n"):]
		end := strings.Index(rest, "```")
		examples = append(examples, rest[:end])
		rest = rest[end:]
	}
	if len(examples) < 2 {
		t.Fatalf("found %d config examples in the README's Channels", len(examples))
	}
	for i, ex := range examples {
		cfg, err := loadConfig(writeConfig(t, ex))
		if err != nil {
			t.Errorf("README example %d: %v", i, err)
			continue
		}
		if cfg.Twitter == nil || cfg.Facebook == nil {
			t.Errorf("README example %d lacks twitter or facebook", i)
		}
	}
	last, _ := loadConfig(writeConfig(t, examples[len(examples)-1]))
	accts, _ := last.Twitter.accounts()
	pages, _ := last.Facebook.PageConfigs()
	if len(accts) != 2 || len(pages) != 3 || last.Forum == nil || len(last.Forum.Feeds) != 2 {
		t.Errorf("the complete example: %d accounts, %d pages, forum %+v", len(accts), len(pages), last.Forum)
	}

	tw, err := os.ReadFile("../../connector/twitter/README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("connectors.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\b(?:SWITCHBOARD_|TWITTER_)[A-Z_]+\b`).FindAllString(string(tw), -1) {
		if !strings.Contains(string(src), `"`+m+`"`) {
			t.Errorf("connector/twitter/README.md names %s, which the hub does not read", m)
		}
	}
}
