package facebook

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/connector"
	"switchboard/model"
)

const (
	testPageID      = "1234567890321"
	testPageName    = "Hotel Alpenblick"
	testAppSecret   = "app-secret-123"
	testVerifyToken = "verify-me-456"
)

// fakeSink records what it is given; err, when set, fails every Ingest.
type fakeSink struct {
	mu    sync.Mutex
	items []model.Inbound
	err   error
}

func (s *fakeSink) Ingest(in model.Inbound) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return "", false, s.err
	}
	s.items = append(s.items, in)
	return "case-" + in.ThreadRef, false, nil
}

func (s *fakeSink) got() []model.Inbound {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]model.Inbound(nil), s.items...)
}

func testConfig() Config {
	return Config{
		PageID:          testPageID,
		PageName:        testPageName,
		PageAccessToken: "page-token-789",
		AppSecret:       testAppSecret,
		VerifyToken:     testVerifyToken,
		Logger:          slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// webhookConfig is testConfig without the page token: the webhook then
// looks up no names, so these tests never reach out to graph.facebook.com.
// profile_test.go tests the lookups against stand-ins.
func webhookConfig() Config {
	c := testConfig()
	c.PageAccessToken = ""
	return c
}

// newServer serves the webhook on an httptest server, as the hub would.
func newServer(t *testing.T, sink connector.Sink) *httptest.Server {
	t.Helper()
	wh, err := NewWebhook(webhookConfig(), sink)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(Path, wh)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post sends body signed with sig ("" for no header).
func post(t *testing.T, srv *httptest.Server, body []byte, sig string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+Path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set("X-Hub-Signature-256", sig)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// deliver posts a fixture the way Facebook does and wants 200.
func deliver(t *testing.T, name string) []model.Inbound {
	t.Helper()
	sink := &fakeSink{}
	srv := newServer(t, sink)
	body := fixture(t, name)
	resp := post(t, srv, body, Signature(body, testAppSecret))
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s: status %d %s", name, resp.StatusCode, b)
	}
	return sink.got()
}

func one(t *testing.T, items []model.Inbound) model.Inbound {
	t.Helper()
	if len(items) != 1 {
		t.Fatalf("got %d items, want 1: %+v", len(items), items)
	}
	return items[0]
}

func TestHandshake(t *testing.T) {
	srv := newServer(t, &fakeSink{})
	for _, tc := range []struct {
		name       string
		query      url.Values
		wantStatus int
		wantBody   string
	}{
		{"ok", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {testVerifyToken}, "hub.challenge": {"1158201444"}}, 200, "1158201444"},
		{"wrong token", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"guess"}, "hub.challenge": {"1158201444"}}, 403, ""},
		{"no token", url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {"1158201444"}}, 403, ""},
		{"wrong mode", url.Values{"hub.mode": {"unsubscribe"}, "hub.verify_token": {testVerifyToken}, "hub.challenge": {"1"}}, 403, ""},
		{"no challenge", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {testVerifyToken}}, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := srv.Client().Get(srv.URL + Path + "?" + tc.query.Encode())
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tc.wantStatus, body)
			}
			if tc.wantBody != "" {
				if string(body) != tc.wantBody {
					t.Fatalf("body %q, want the challenge %q", body, tc.wantBody)
				}
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
					t.Fatalf("content type %q, want text/plain", ct)
				}
			}
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	srv := newServer(t, &fakeSink{})
	req, _ := http.NewRequest(http.MethodPut, srv.URL+Path, nil)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, POST" {
		t.Fatalf("status %d allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestSignature(t *testing.T) {
	body := fixture(t, "feed_comment_add.json")
	good := Signature(body, testAppSecret)
	for _, tc := range []struct {
		name       string
		body       []byte
		sig        string
		wantStatus int
		wantItems  int
	}{
		{"ok", body, good, 200, 1},
		{"ok upper-case hex", body, "sha256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256=")), 200, 1},
		{"missing", body, "", 401, 0},
		{"wrong secret", body, Signature(body, "not-the-secret"), 403, 0},
		{"body changed after signing", bytes.Replace(body, []byte("twice"), []byte("thrice"), 1), good, 403, 0},
		{"sha1 form", body, "sha1=" + strings.TrimPrefix(good, "sha256="), 403, 0},
		{"no prefix", body, strings.TrimPrefix(good, "sha256="), 403, 0},
		{"not hex", body, "sha256=zz" + good[9:], 403, 0},
		{"truncated", body, good[:len(good)-2], 403, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := &fakeSink{}
			srv := newServer(t, sink)
			resp := post(t, srv, tc.body, tc.sig)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if n := len(sink.got()); n != tc.wantItems {
				t.Fatalf("sink got %d items, want %d", n, tc.wantItems)
			}
		})
	}
}

func TestBadBodies(t *testing.T) {
	huge := append([]byte(`{"object":"page","entry":[],"pad":"`), bytes.Repeat([]byte("x"), MaxBody)...)
	huge = append(huge, `"}`...)
	for _, tc := range []struct {
		name       string
		body       []byte
		wantStatus int
	}{
		{"malformed", []byte(`{"object":"page","entry":[{"id":`), 400},
		{"not an object", []byte(`["page"]`), 400},
		{"entry not a list", []byte(`{"object":"page","entry":{}}`), 400},
		{"empty", []byte(``), 400},
		{"oversized", huge, 413},
		{"other object", []byte(`{"object":"instagram","entry":[]}`), 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := &fakeSink{}
			srv := newServer(t, sink)
			resp := post(t, srv, tc.body, Signature(tc.body, testAppSecret))
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if n := len(sink.got()); n != 0 {
				t.Fatalf("sink got %d items", n)
			}
		})
	}
}

func TestBadBodyIsLogged(t *testing.T) {
	var logs bytes.Buffer
	cfg := webhookConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	wh, err := NewWebhook(cfg, &fakeSink{})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"object":`)
	req := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
	req.Header.Set("X-Hub-Signature-256", Signature(body, testAppSecret))
	rec := httptest.NewRecorder()
	wh.ServeHTTP(rec, req)
	if rec.Code != 400 || !strings.Contains(logs.String(), "not a webhook body") {
		t.Fatalf("status %d, log %q", rec.Code, logs.String())
	}
}

func TestFeedCommentAdd(t *testing.T) {
	in := one(t, deliver(t, "feed_comment_add.json"))
	want := model.Inbound{
		Channel:    model.ChannelFacebook,
		ThreadRef:  "fb-post-1234567890321_901097836652708",
		PlatformID: "901097836652708_903438993085259",
		Author: model.Identity{Platform: model.ChannelFacebook, Handle: "8423678347823",
			PlatformID: "8423678347823", DisplayName: "John Doe"},
		Text:      "Our room booking for Friday shows twice on my card. Can someone help?",
		Time:      time.Unix(1449135003, 0).UTC(),
		Public:    true,
		Source:    "Facebook page Hotel Alpenblick",
		URL:       "https://www.facebook.com/1234567890321_901097836652708",
		Direction: model.DirectionIn,
		Action:    model.InboundNew,
	}
	if !reflect.DeepEqual(in, want) {
		t.Fatalf("got  %+v\nwant %+v", in, want)
	}
}

func TestReplyJoinsPostThread(t *testing.T) {
	first := one(t, deliver(t, "feed_comment_add.json"))
	reply := one(t, deliver(t, "feed_comment_reply.json"))
	if reply.ThreadRef != first.ThreadRef {
		t.Fatalf("reply thread %q, comment thread %q", reply.ThreadRef, first.ThreadRef)
	}
	if reply.PlatformID != "901097836652708_903439516418540" || reply.Author.DisplayName != "Erika Musterfrau" {
		t.Fatalf("reply %+v", reply)
	}
}

func TestFeedEditAndRemove(t *testing.T) {
	for _, tc := range []struct {
		fixture    string
		action     model.InboundAction
		platformID string
		thread     string
		text       string
	}{
		{"feed_comment_edited.json", model.InboundEdit, "900728623356296_900744590021366", "fb-post-1234567890321_900728623356296", "Let's see the Webhooks in action :D"},
		{"feed_comment_remove.json", model.InboundDelete, "905578656204626_905579239537901", "fb-post-1234567890321_905578656204626", ""},
		{"feed_post_edit.json", model.InboundEdit, "1234567890321_7293787835232", "fb-post-1234567890321_7293787835232", "Let's check this"},
		{"feed_post_remove.json", model.InboundDelete, "1234567890321_901097836652708", "fb-post-1234567890321_901097836652708", ""},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			in := one(t, deliver(t, tc.fixture))
			if in.Action != tc.action || in.PlatformID != tc.platformID || in.ThreadRef != tc.thread || in.Text != tc.text {
				t.Fatalf("got action %q id %q thread %q text %q", in.Action, in.PlatformID, in.ThreadRef, in.Text)
			}
		})
	}
}

func TestLegacySenderFields(t *testing.T) {
	in := one(t, deliver(t, "feed_comment_legacy.json"))
	if in.Author.Handle != "8423678347823" || in.Author.PlatformID != "8423678347823" || in.Author.DisplayName != "John Doe" {
		t.Fatalf("author %+v", in.Author)
	}
	if in.Direction != model.DirectionIn || in.Text != "and the next one" {
		t.Fatalf("item %+v", in)
	}
	// The numeric id of feed_post_edit.json's from{} decodes the same way.
	if a := one(t, deliver(t, "feed_post_edit.json")).Author; a.Handle != "8423678347823" || a.DisplayName != "Joe" {
		t.Fatalf("numeric from.id: %+v", a)
	}
}

func TestPageOwnComment(t *testing.T) {
	in := one(t, deliver(t, "feed_comment_page.json"))
	if in.Direction != model.DirectionOut {
		t.Fatalf("direction %q, want out", in.Direction)
	}
	if in.Author.Handle != testPageID || in.Author.DisplayName != "Tester" {
		t.Fatalf("author %+v", in.Author)
	}
}

// The page commenting under its own post in the older payload form: the
// author is in sender_id (a number) and sender_name, and no from{}.
func TestPageOwnCommentLegacySender(t *testing.T) {
	in := one(t, deliver(t, "feed_comment_legacy_page.json"))
	if in.Direction != model.DirectionOut || in.Author.Handle != testPageID || in.Author.DisplayName != "Tester" ||
		in.ThreadRef != "fb-post-1234567890321_901097836652708" {
		t.Fatalf("item %+v", in)
	}
}

func TestPageOwnPostSkipped(t *testing.T) {
	if items := deliver(t, "feed_status_page.json"); len(items) != 0 {
		t.Fatalf("page's own status became %+v", items)
	}
}

func TestVisitorPost(t *testing.T) {
	in := one(t, deliver(t, "feed_post_add.json"))
	if in.ThreadRef != "fb-post-1234567890321_7293787835232" || in.PlatformID != "1234567890321_7293787835232" {
		t.Fatalf("post %+v", in)
	}
	// No created_time in this payload: the entry's time stands in.
	if !in.Time.Equal(time.Unix(1454707020, 0)) || in.Direction != model.DirectionIn || !in.Public {
		t.Fatalf("post %+v", in)
	}
}

func TestISOTime(t *testing.T) {
	in := one(t, deliver(t, "feed_status_iso_time.json"))
	want := time.Date(2016, 1, 4, 23, 16, 55, 0, time.UTC)
	if !in.Time.Equal(want) {
		t.Fatalf("time %v, want %v", in.Time, want)
	}
}

func TestPhotoOnlyComment(t *testing.T) {
	in := one(t, deliver(t, "feed_comment_photo.json"))
	if !strings.HasPrefix(in.Text, "[photo] https://scontent") {
		t.Fatalf("text %q", in.Text)
	}
}

func TestBatch(t *testing.T) {
	items := deliver(t, "batch.json")
	var got []string
	for _, in := range items {
		got = append(got, in.PlatformID+" "+in.ThreadRef)
	}
	want := []string{
		"1520383571601_1520544814001 fb-post-1234567890321_1520383571601",
		"1520383571601_1520544816002 fb-post-1234567890321_1520383571601",
		"1234567890321_1520544830003 fb-post-1234567890321_1520544830003",
		"m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P fb-msgr-1254459154682919",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant (reaction and the other page's entry skipped)\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMessengerMessage(t *testing.T) {
	in := one(t, deliver(t, "messenger_message.json"))
	want := model.Inbound{
		Channel:    model.ChannelFacebook,
		ThreadRef:  "fb-msgr-1254459154682919",
		PlatformID: "mid.1457764197618:41d102a3e1ae206a38",
		Author: model.Identity{Platform: model.ChannelFacebook, Handle: "1254459154682919",
			PlatformID: "1254459154682919"},
		Text:      "hello, world!",
		Time:      time.UnixMilli(1458692752478).UTC(),
		Public:    false,
		Private:   true,
		Source:    "Messenger · Hotel Alpenblick",
		Direction: model.DirectionIn,
	}
	if !reflect.DeepEqual(in, want) {
		t.Fatalf("got  %+v\nwant %+v", in, want)
	}
}

func TestMessengerEchoIsOut(t *testing.T) {
	in := one(t, deliver(t, "messenger_echo.json"))
	if in.Direction != model.DirectionOut || in.ThreadRef != "fb-msgr-1254459154682919" ||
		in.Author.Handle != testPageID || in.Author.DisplayName != testPageName || !in.Private {
		t.Fatalf("echo %+v", in)
	}
}

// An echo whose sender and recipient are the other way round from Meta's
// reference (the person as sender, the page as recipient, numeric ids) is
// still the page's message in the person's conversation.
func TestMessengerEchoSwappedParties(t *testing.T) {
	in := one(t, deliver(t, "messenger_echo_swapped.json"))
	if in.Direction != model.DirectionOut || in.ThreadRef != "fb-msgr-1254459154682919" ||
		in.Author.Handle != testPageID || in.Text != "hello, world!" {
		t.Fatalf("echo %+v", in)
	}
}

func TestMessengerEditAttachmentDelivery(t *testing.T) {
	edit := one(t, deliver(t, "messenger_edit.json"))
	if edit.Action != model.InboundEdit || edit.PlatformID != "mid.1457764197618:41d102a3e1ae206a38" || edit.Text != "hello, world! (edited)" {
		t.Fatalf("edit %+v", edit)
	}
	img := one(t, deliver(t, "messenger_attachment.json"))
	if img.Text != "[image] https://scontent.xx.fbcdn.net/v/t1.15752-9/broken_tap.jpg" {
		t.Fatalf("attachment text %q", img.Text)
	}
	if items := deliver(t, "messenger_delivery.json"); len(items) != 0 {
		t.Fatalf("delivery receipt became %+v", items)
	}
}

func TestSinkFailure(t *testing.T) {
	body := fixture(t, "batch.json")
	t.Run("transient: 500 so Facebook retries", func(t *testing.T) {
		srv := newServer(t, &fakeSink{err: errors.New("disk full")})
		if resp := post(t, srv, body, Signature(body, testAppSecret)); resp.StatusCode != 500 {
			t.Fatalf("status %d, want 500", resp.StatusCode)
		}
	})
	t.Run("permanent: dropped, 200", func(t *testing.T) {
		srv := newServer(t, &fakeSink{err: connector.Permanentf("invalid inbound message")})
		if resp := post(t, srv, body, Signature(body, testAppSecret)); resp.StatusCode != 200 {
			t.Fatalf("status %d, want 200", resp.StatusCode)
		}
	})
}

func TestConfigValidation(t *testing.T) {
	if err := testConfig().Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Config)
	}{
		{"no page id", func(c *Config) { c.PageID = "" }},
		{"page name as id", func(c *Config) { c.PageID = "Hotel Alpenblick" }},
		{"bad version", func(c *Config) { c.APIVersion = "21" }},
		{"bad graph url", func(c *Config) { c.GraphURL = "graph.facebook.com" }},
		{"graph url with query", func(c *Config) { c.GraphURL = "https://graph.facebook.com?x=1" }},
		{"no secret", func(c *Config) { c.AppSecret = "" }},
		{"no verify token", func(c *Config) { c.VerifyToken = "" }},
		{"no page token", func(c *Config) { c.PageAccessToken = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig()
			tc.edit(&c)
			if err := c.Validate(); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	// Each half needs only its own secrets.
	c := testConfig()
	c.PageAccessToken = ""
	if _, err := NewWebhook(c, &fakeSink{}); err != nil {
		t.Fatalf("webhook without page token: %v", err)
	}
	if _, err := NewWebhook(testConfig(), nil); err == nil {
		t.Fatal("webhook with nil sink accepted")
	}
	c = testConfig()
	c.AppSecret, c.VerifyToken = "", ""
	if _, err := NewSender(c); err != nil {
		t.Fatalf("sender without webhook secrets: %v", err)
	}
}
