package facebook

import (
	"bytes"
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

	"switchboard/model"
)

const testPSID = "1254459154682919" // messenger_message.json's sender

// newGraphFunc is a Graph API stand-in that records every request and
// lets answer reply.
func newGraphFunc(t *testing.T, answer http.HandlerFunc) *graphServer {
	t.Helper()
	g := &graphServer{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.seen = append(g.seen, seenRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query()})
		g.mu.Unlock()
		answer(w, r)
	}))
	t.Cleanup(g.Close)
	return g
}

// profileAnswers answers profile GETs from a PSID → name table, "Unknown
// Person" for the rest, after delay.
func profileAnswers(delay time.Duration, names map[string][2]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		psid := strings.TrimPrefix(r.URL.Path, "/v21.0/")
		n, ok := names[psid]
		if !ok {
			n = [2]string{"Unknown", "Person"}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"first_name": n[0], "last_name": n[1], "id": psid})
	}
}

func (g *graphServer) count() int { return len(g.requests()) }

// lockedBuffer collects log lines written from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type profileHarness struct {
	srv  *httptest.Server
	wh   *Webhook
	sink *fakeSink
	logs *lockedBuffer
}

// newProfileWebhook serves a webhook with the page token whose Graph API
// is g; edit changes the config first.
func newProfileWebhook(t *testing.T, g *graphServer, edit func(*Config)) *profileHarness {
	t.Helper()
	h := &profileHarness{sink: &fakeSink{}, logs: &lockedBuffer{}}
	cfg := testConfig()
	cfg.GraphURL, cfg.HTTPClient = g.URL, g.Client()
	cfg.Logger = slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if edit != nil {
		edit(&cfg)
	}
	wh, err := NewWebhook(cfg, h.sink)
	if err != nil {
		t.Fatal(err)
	}
	h.wh = wh
	h.srv = httptest.NewServer(wh)
	t.Cleanup(h.srv.Close)
	return h
}

// deliver posts a signed body, wants 200, and returns the items sunk by it.
func (h *profileHarness) deliver(t *testing.T, body []byte) []model.Inbound {
	t.Helper()
	before := len(h.sink.got())
	resp := post(t, h.srv, body, Signature(body, testAppSecret))
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d %s", resp.StatusCode, b)
	}
	return h.sink.got()[before:]
}

// messengerBody is a webhook body with one message from each PSID given.
func messengerBody(psids ...string) []byte {
	var events []any
	for i, psid := range psids {
		events = append(events, map[string]any{
			"sender": map[string]string{"id": psid}, "recipient": map[string]string{"id": testPageID},
			"timestamp": 1458692752478 + i,
			"message":   map[string]string{"mid": fmt.Sprintf("m_%s_%d", psid, i), "text": "hello"},
		})
	}
	b, _ := json.Marshal(map[string]any{"object": "page", "entry": []any{
		map[string]any{"id": testPageID, "time": 1458692752478, "messaging": events}}})
	return b
}

func TestProfileFillsName(t *testing.T) {
	g := newGraph(t, 200, fixture(t, "graph_profile_ok.json"))
	h := newProfileWebhook(t, g, nil)
	in := one(t, h.deliver(t, fixture(t, "messenger_message.json")))
	want := model.Identity{Platform: model.ChannelFacebook, Handle: testPSID, PlatformID: testPSID, DisplayName: "Peter Chang"}
	if in.Author != want {
		t.Fatalf("author %+v, want %+v", in.Author, want)
	}
	if in.ThreadRef != "fb-msgr-"+testPSID || in.Text != "hello, world!" || in.Direction != model.DirectionIn {
		t.Fatalf("item %+v", in)
	}
	reqs := g.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodGet || r.Path != "/v21.0/"+testPSID ||
		r.Query.Get("fields") != "first_name,last_name" || r.Query.Get("access_token") != "page-token-789" {
		t.Fatalf("request %+v", r)
	}
}

// Many events from one person in one POST, later POSTs, and POSTs at the
// same time: one lookup per PSID.
func TestProfileOneLookupPerPSID(t *testing.T) {
	g := newGraphFunc(t, profileAnswers(50*time.Millisecond, map[string][2]string{
		"1001": {"Anna", "Schäfer"}, "1002": {"Daniel", "Okafor"}, "1003": {"Grace", "Kim"}}))
	h := newProfileWebhook(t, g, nil)

	items := h.deliver(t, messengerBody("1001", "1001", "1002", "1001", "1002", "1001"))
	if len(items) != 6 {
		t.Fatalf("%d items", len(items))
	}
	for _, in := range items {
		want := map[string]string{"1001": "Anna Schäfer", "1002": "Daniel Okafor"}[in.Author.Handle]
		if in.Author.DisplayName != want || in.Author.PlatformID != in.Author.Handle {
			t.Fatalf("author %+v, want name %q", in.Author, want)
		}
	}
	h.deliver(t, messengerBody("1002", "1001"))
	if n := g.count(); n != 2 {
		t.Fatalf("%d requests for 2 PSIDs", n)
	}

	// Four deliveries at once from a new person: they share one lookup.
	body := messengerBody("1003")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, h.srv.URL, bytes.NewReader(body))
			req.Header.Set("X-Hub-Signature-256", Signature(body, testAppSecret))
			resp, err := h.srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	if n := g.count(); n != 3 {
		t.Fatalf("%d requests for 3 PSIDs", n)
	}
	for _, in := range h.sink.got() {
		if in.Author.Handle == "1003" && in.Author.DisplayName != "Grace Kim" {
			t.Fatalf("author %+v", in.Author)
		}
	}
}

// Whatever goes wrong, the message arrives under its PSID; the PSID is
// not asked again soon, and failures of the API itself pause all lookups.
func TestProfileFailureKeepsPSID(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   []byte
		pause  bool // a failure of the API, not of this person's profile
	}{
		{"expired token", 400, fixture(t, "graph_error_oauth.json"), true},
		{"rate limit", 400, fixture(t, "graph_error_rate_limit.json"), true},
		{"service error", 500, fixture(t, "graph_error_service.json"), true},
		{"HTML error page", 502, []byte("<html><body>502 Bad Gateway</body></html>"), true},
		{"garbage JSON", 200, []byte(`{"first_name": "Pe`), true},
		{"wrong types", 200, []byte(`{"first_name": ["Peter"], "last_name": 7}`), true},
		{"no profile", 400, fixture(t, "graph_profile_no_profile.json"), false},
		{"empty object", 200, []byte(`{}`), false},
		{"blank names", 200, []byte(`{"first_name": " \t", "last_name": "\n", "id": "1254459154682919"}`), false},
		{"invalid UTF-8", 200, []byte("{\"first_name\": \"Pe\xffter\", \"last_name\": \"Chang\"}"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGraph(t, tc.status, tc.body)
			h := newProfileWebhook(t, g, nil)
			for range 2 {
				in := one(t, h.deliver(t, fixture(t, "messenger_message.json")))
				if in.Author.DisplayName != "" || in.Author.Handle != testPSID || in.Author.PlatformID != testPSID {
					t.Fatalf("author %+v", in.Author)
				}
			}
			if n := g.count(); n != 1 {
				t.Fatalf("%d requests, want 1: the failure is cached", n)
			}
			if in := one(t, h.deliver(t, messengerBody("2002"))); in.Author.DisplayName != "" || in.Author.Handle != "2002" {
				t.Fatalf("author %+v", in.Author)
			}
			wantRequests := 2
			if tc.pause {
				wantRequests = 1
			}
			if n := g.count(); n != wantRequests {
				t.Fatalf("%d requests after another person wrote, want %d\n%s", n, wantRequests, h.logs.String())
			}
			logs := h.logs.String()
			if n := strings.Count(logs, "level=WARN msg=\"facebook: Messenger profile lookup failed"); n != wantRequests {
				t.Fatalf("%d warnings for %d failed lookups:\n%s", n, wantRequests, logs)
			}
			if strings.Contains(logs, "page-token-789") {
				t.Fatalf("token in the logs:\n%s", logs)
			}
		})
	}
}

// A Graph API that does not answer delays the delivery by the time box,
// not more, and only once: the lookups pause.
func TestProfileTimeout(t *testing.T) {
	release := make(chan struct{})
	g := newGraphFunc(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // before g closes: cleanups run last first
	h := newProfileWebhook(t, g, nil)

	start := time.Now()
	in := one(t, h.deliver(t, fixture(t, "messenger_message.json")))
	if took := time.Since(start); took < profileTimeout-100*time.Millisecond || took > profileTimeout+time.Second {
		t.Fatalf("delivery took %v, time box %v", took, profileTimeout)
	}
	if in.Author.Handle != testPSID || in.Author.DisplayName != "" {
		t.Fatalf("author %+v", in.Author)
	}
	// The lookup that timed out paused the rest.
	waitFor(t, func() bool { return strings.Contains(h.logs.String(), "lookups_paused=true") })
	start = time.Now()
	one(t, h.deliver(t, messengerBody("3003")))
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Fatalf("delivery while paused took %v", took)
	}
	if n := g.count(); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

// An unreachable Graph API: the message arrives, the token stays out of
// the logs.
func TestProfileUnreachable(t *testing.T) {
	g := newGraph(t, 200, nil)
	h := newProfileWebhook(t, g, nil)
	g.Close()
	in := one(t, h.deliver(t, fixture(t, "messenger_message.json")))
	if in.Author.Handle != testPSID || in.Author.DisplayName != "" {
		t.Fatalf("author %+v", in.Author)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "profile lookup failed") || strings.Contains(logs, "page-token-789") {
		t.Fatalf("logs:\n%s", logs)
	}
}

func TestProfileNotAsked(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fixture string
		edit    func(*Config)
	}{
		{"echo of the page's message", "messenger_echo.json", nil},
		{"no page token", "messenger_message.json", func(c *Config) { c.PageAccessToken = "" }},
		{"feed comment, named", "feed_comment_add.json", nil},
		{"delivery receipt", "messenger_delivery.json", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGraph(t, 200, fixture(t, "graph_profile_ok.json"))
			h := newProfileWebhook(t, g, tc.edit)
			items := h.deliver(t, fixture(t, tc.fixture))
			if n := g.count(); n != 0 {
				t.Fatalf("%d profile requests", n)
			}
			for _, in := range items {
				if in.Author.DisplayName == "Peter Chang" {
					t.Fatalf("author %+v", in.Author)
				}
			}
		})
	}
}

// The cache is bounded, its answers expire, and a failure is logged at
// warn once per PSID.
func TestProfileCache(t *testing.T) {
	g := newGraphFunc(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/4004") {
			w.WriteHeader(400)
			w.Write(fixture(t, "graph_profile_no_profile.json"))
			return
		}
		profileAnswers(0, nil)(w, r)
	})
	logs := &lockedBuffer{}
	cfg := testConfig()
	cfg.GraphURL, cfg.HTTPClient = g.URL, g.Client()
	p := newProfiles(cfg.withDefaults(), slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	p.capacity = 2
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return now }
	ctx := context.Background()
	ask := func(psid string, wantRequests int) {
		t.Helper()
		if name := p.name(ctx, psid); psid != "4004" && name != "Unknown Person" {
			t.Fatalf("name of %s: %q", psid, name)
		}
		if n := g.count(); n != wantRequests {
			t.Fatalf("after %s: %d requests, want %d", psid, n, wantRequests)
		}
	}
	ask("1", 1)
	ask("2", 2)
	ask("1", 2)
	ask("3", 3) // evicts 2, the least recently used
	ask("1", 3)
	ask("2", 4)
	now = now.Add(profileTTL + time.Second)
	ask("2", 5)

	ask("4004", 6)
	ask("4004", 6)
	now = now.Add(profileFailTTL + time.Second)
	ask("4004", 7)
	out := logs.String()
	if strings.Count(out, "level=WARN") != 1 || strings.Count(out, "level=DEBUG") != 1 {
		t.Fatalf("want one warning, then debug:\n%s", out)
	}
}

func TestCleanName(t *testing.T) {
	long := strings.Repeat("é", 150) + " " + strings.Repeat("ß", 150)
	for _, tc := range []struct{ in, want string }{
		{"Peter Chang", "Peter Chang"},
		{"  Peter \t  Chang\n", "Peter Chang"},
		{" Peter", "Peter"},
		{"Jürgen Weiß", "Jürgen Weiß"},
		{"李 小龙", "李 小龙"},
		{"Eve\x00\x1b[31m Red", "Eve [31m Red"},
		{"Bob \u202Egnp.exe", "Bob gnp.exe"},
		{"Pe\xffter", ""},
		{"Pe\uFFFDter", ""},
		{" ", ""},
		{long, strings.Repeat("é", 150) + " " + strings.Repeat("ß", 49)},
	} {
		if got := cleanName(tc.in); got != tc.want {
			t.Errorf("cleanName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}
