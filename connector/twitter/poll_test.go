package twitter

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"switchboard/connector"
	"switchboard/model"
)

const page2Token = "7140dibdnow9c7btw3z2vwioavpvutgzrzm9ql4cyitf5"

// mentionsServer serves the mentions timeline through answer and records
// each request's query.
type mentionsServer struct {
	*httptest.Server
	mu      sync.Mutex
	queries []map[string]string
	auth    []string
	answer  func(w http.ResponseWriter, q map[string]string, n int)
}

func newMentionsServer(t *testing.T, answer func(w http.ResponseWriter, q map[string]string, n int)) *mentionsServer {
	ms := &mentionsServer{answer: answer}
	ms.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/2/users/"+brandID+"/mentions" {
			t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		q := map[string]string{}
		for k, v := range r.URL.Query() {
			q[k] = v[0]
		}
		ms.mu.Lock()
		ms.queries = append(ms.queries, q)
		ms.auth = append(ms.auth, r.Header.Get("Authorization"))
		n := len(ms.queries)
		ms.mu.Unlock()
		ms.answer(w, q, n)
	}))
	t.Cleanup(ms.Close)
	return ms
}

func (ms *mentionsServer) calls() []map[string]string {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]map[string]string(nil), ms.queries...)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// twoPages answers page 1, then page 2 for its next_token.
func twoPages(t *testing.T) func(http.ResponseWriter, map[string]string, int) {
	return func(w http.ResponseWriter, q map[string]string, _ int) {
		switch q["pagination_token"] {
		case "":
			writeJSON(w, 200, fixture(t, "mentions_page1.json"))
		case page2Token:
			writeJSON(w, 200, fixture(t, "mentions_page2.json"))
		default:
			t.Errorf("unknown pagination_token %q", q["pagination_token"])
			writeJSON(w, 400, fixture(t, "error_400_invalid.json"))
		}
	}
}

func TestPollTwoPagesInOrder(t *testing.T) {
	srv := newMentionsServer(t, twoPages(t))
	var saved []string
	cfg := testConfig(srv.URL)
	cfg.OnState = func(id string) { saved = append(saved, id) }
	p, err := NewPoller(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sink := &fakeSink{}
	if err := p.PollOnce(context.Background(), sink); err != nil {
		t.Fatal(err)
	}

	calls := srv.calls()
	if len(calls) != 2 {
		t.Fatalf("%d requests, want 2 (two pages)", len(calls))
	}
	want := map[string]string{
		"max_results":  "100",
		"tweet.fields": "created_at,conversation_id,in_reply_to_user_id,public_metrics,author_id",
		"expansions":   "author_id",
		"user.fields":  "username,name,verified,public_metrics,description,url",
	}
	for i, q := range calls {
		for k, v := range want {
			if q[k] != v {
				t.Errorf("request %d: %s = %q, want %q", i, k, q[k], v)
			}
		}
		if _, ok := q["since_id"]; ok {
			t.Errorf("request %d: since_id on the first poll", i)
		}
		if srv.auth[i] != "Bearer app-bearer-token" {
			t.Errorf("request %d: Authorization %q", i, srv.auth[i])
		}
	}
	if calls[0]["pagination_token"] != "" || calls[1]["pagination_token"] != page2Token {
		t.Errorf("pagination tokens %q, %q", calls[0]["pagination_token"], calls[1]["pagination_token"])
	}

	got := sink.got()
	ids := []string{}
	for _, in := range got {
		ids = append(ids, in.PlatformID)
	}
	wantIDs := []string{"1796912345678900100", "1796912345678900102", "1796912345678900104", "1796912345678900105"}
	if len(ids) != len(wantIDs) {
		t.Fatalf("ingested %v, want %v", ids, wantIDs)
	}
	for i := range ids {
		if ids[i] != wantIDs[i] {
			t.Fatalf("ingested %v, want oldest first %v", ids, wantIDs)
		}
	}

	wantAnna := model.Inbound{
		Channel:    model.ChannelTwitter,
		ThreadRef:  "tw-conv-1796912345678900100",
		PlatformID: "1796912345678900105",
		Author: model.Identity{
			Platform:    model.ChannelTwitter,
			Handle:      "@anna_k_travels",
			PlatformID:  "1029384756",
			DisplayName: "Anna K.",
			Followers:   152340,
			Verified:    true,
			Engagement:  104, // 12 retweets, 3 replies, 88 likes, 1 quote
			Bio:         "Travel writer. Also on Facebook as anna.k.travels https://t.co/a1b2c3",
		},
		Text:      "@HotelAlpenblick @anna_k_travels Still no answer on the refund for booking 48213. Third time asking & nobody replies.",
		Time:      mustTime(t, "2024-06-01T10:05:11Z"),
		Public:    true,
		Source:    "@HotelAlpenblick mentions",
		URL:       "https://x.com/anna_k_travels/status/1796912345678900105",
		Direction: model.DirectionIn,
	}
	if !reflect.DeepEqual(got[3], wantAnna) {
		t.Errorf("mention:\n got %+v\nwant %+v", got[3], wantAnna)
	}
	if got[1].ThreadRef != "tw-conv-1796912345678900102" || got[1].Author.Handle != "@jonas_wandert" || got[1].Author.Followers != 214 {
		t.Errorf("second conversation: %+v", got[1])
	}
	brand := got[2]
	if brand.Direction != model.DirectionOut || brand.Author.Handle != "@HotelAlpenblick" || brand.ThreadRef != "tw-conv-1796912345678900100" {
		t.Errorf("the brand's own tweet: %+v", brand)
	}

	if p.State() != "1796912345678900105" {
		t.Errorf("State %q, want the newest id", p.State())
	}
	if len(saved) != 1 || saved[0] != "1796912345678900105" {
		t.Errorf("OnState calls %v", saved)
	}
}

func TestPollSinceIDAdvances(t *testing.T) {
	srv := newMentionsServer(t, func(w http.ResponseWriter, q map[string]string, n int) {
		switch q["since_id"] {
		case "1796912345678900105":
			writeJSON(w, 200, fixture(t, "mentions_page3_newer.json"))
		case "1796912345678900130":
			writeJSON(w, 200, fixture(t, "mentions_empty.json"))
		default:
			t.Errorf("since_id %q", q["since_id"])
			writeJSON(w, 200, fixture(t, "mentions_empty.json"))
		}
	})
	p, err := NewPoller(testConfig(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetState("1796912345678900105"); err != nil {
		t.Fatal(err)
	}
	sink := &fakeSink{}
	ctx := context.Background()
	if err := p.PollOnce(ctx, sink); err != nil {
		t.Fatal(err)
	}
	if p.State() != "1796912345678900130" || len(sink.got()) != 1 {
		t.Fatalf("after a newer page: state %q, %d items", p.State(), len(sink.got()))
	}
	if err := p.PollOnce(ctx, sink); err != nil {
		t.Fatal(err)
	}
	if p.State() != "1796912345678900130" || len(sink.got()) != 1 {
		t.Errorf("after an empty page: state %q, %d items", p.State(), len(sink.got()))
	}
	calls := srv.calls()
	if len(calls) != 2 || calls[1]["since_id"] != "1796912345678900130" {
		t.Errorf("requests %v", calls)
	}
	if err := p.SetState("12a"); err == nil {
		t.Error("SetState took a non-numeric since_id")
	}
}

func TestPollRateLimit(t *testing.T) {
	clk := newClock(time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC))
	reset := clk.Now().Add(120 * time.Second)
	srv := newMentionsServer(t, func(w http.ResponseWriter, q map[string]string, n int) {
		if n == 1 {
			w.Header().Set("x-rate-limit-limit", "450")
			w.Header().Set("x-rate-limit-remaining", "0")
			w.Header().Set("x-rate-limit-reset", strconv.FormatInt(reset.Unix(), 10))
			writeJSON(w, http.StatusTooManyRequests, fixture(t, "error_429.json"))
			return
		}
		writeJSON(w, 200, fixture(t, "mentions_page3_newer.json"))
	})
	cfg := testConfig(srv.URL)
	cfg.Now = clk.Now
	p, err := NewPoller(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.SetState("1796912345678900105")
	sink := &fakeSink{}
	ctx := context.Background()

	err = p.PollOnce(ctx, sink)
	var rl *RateLimitError
	if !errors.As(err, &rl) || !rl.Reset.Equal(reset) {
		t.Fatalf("first poll: %v, want a RateLimitError until %v", err, reset)
	}
	if connector.IsPermanent(err) {
		t.Error("a 429 is not permanent")
	}
	if p.State() != "1796912345678900105" {
		t.Errorf("a refused poll moved since_id to %q", p.State())
	}

	clk.Advance(60 * time.Second)
	err = p.PollOnce(ctx, sink)
	if !errors.As(err, &rl) || !rl.Reset.Equal(reset) {
		t.Fatalf("poll before the reset: %v", err)
	}
	if n := len(srv.calls()); n != 1 {
		t.Fatalf("%d requests before x-rate-limit-reset, want 1", n)
	}

	clk.Advance(61 * time.Second)
	if err := p.PollOnce(ctx, sink); err != nil {
		t.Fatalf("poll after the reset: %v", err)
	}
	calls := srv.calls()
	if len(calls) != 2 || calls[1]["since_id"] != "1796912345678900105" {
		t.Errorf("requests after the reset: %v", calls)
	}
	if len(sink.got()) != 1 || p.State() != "1796912345678900130" {
		t.Errorf("after the reset: %d items, state %q", len(sink.got()), p.State())
	}
}

func TestPollExhaustedWindowWaits(t *testing.T) {
	clk := newClock(time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC))
	reset := clk.Now().Add(5 * time.Minute)
	srv := newMentionsServer(t, func(w http.ResponseWriter, q map[string]string, n int) {
		w.Header().Set("x-rate-limit-remaining", "0")
		w.Header().Set("x-rate-limit-reset", strconv.FormatInt(reset.Unix(), 10))
		writeJSON(w, 200, fixture(t, "mentions_empty.json"))
	})
	cfg := testConfig(srv.URL)
	cfg.Now = clk.Now
	p, _ := NewPoller(cfg)
	if err := p.PollOnce(context.Background(), &fakeSink{}); err != nil {
		t.Fatal(err)
	}
	var rl *RateLimitError
	if err := p.PollOnce(context.Background(), &fakeSink{}); !errors.As(err, &rl) {
		t.Fatalf("second poll in a used-up window: %v", err)
	}
	if n := len(srv.calls()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestRunSleepsUntilReset(t *testing.T) {
	clk := newClock(time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC))
	reset := clk.Now().Add(120 * time.Second)
	var callTimes []time.Time
	var mu sync.Mutex
	srv := newMentionsServer(t, func(w http.ResponseWriter, q map[string]string, n int) {
		mu.Lock()
		callTimes = append(callTimes, clk.Now())
		mu.Unlock()
		if n == 1 {
			w.Header().Set("x-rate-limit-reset", strconv.FormatInt(reset.Unix(), 10))
			writeJSON(w, http.StatusTooManyRequests, fixture(t, "error_429.json"))
			return
		}
		writeJSON(w, 200, fixture(t, "mentions_page3_newer.json"))
	})
	cfg := testConfig(srv.URL)
	cfg.Now = clk.Now
	p, _ := NewPoller(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waits []time.Duration
	p.sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		clk.Advance(d)
		if len(waits) == 2 {
			cancel()
			return ctx.Err()
		}
		return nil
	}
	sink := &fakeSink{}
	if err := p.Run(ctx, sink, 30*time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	if len(waits) != 2 || waits[0] != 121*time.Second || waits[1] != 30*time.Second {
		t.Errorf("waits %v, want [2m1s 30s]: until the reset (plus a second), then the interval", waits)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(callTimes) != 2 || callTimes[1].Before(reset) {
		t.Errorf("calls at %v; the second must not come before %v", callTimes, reset)
	}
	if len(sink.got()) != 1 {
		t.Errorf("%d items after the wait", len(sink.got()))
	}
}

func TestPollPartialFailureKeepsSinceID(t *testing.T) {
	srv := newMentionsServer(t, func(w http.ResponseWriter, q map[string]string, n int) {
		if q["pagination_token"] == "" {
			writeJSON(w, 200, fixture(t, "mentions_page1.json"))
			return
		}
		writeJSON(w, http.StatusServiceUnavailable, fixture(t, "error_503.json"))
	})
	p, _ := NewPoller(testConfig(srv.URL))
	sink := &fakeSink{}
	err := p.PollOnce(context.Background(), sink)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 503 {
		t.Fatalf("PollOnce: %v, want the 503", err)
	}
	if len(sink.got()) != 2 {
		t.Errorf("%d items from the page that did arrive, want 2", len(sink.got()))
	}
	if p.State() != "" {
		t.Errorf("since_id moved to %q although page 2 is missing", p.State())
	}
}

func TestPollSinkErrors(t *testing.T) {
	srv := newMentionsServer(t, twoPages(t))
	ctx := context.Background()

	p, _ := NewPoller(testConfig(srv.URL))
	transient := &fakeSink{err: func(in model.Inbound) error {
		if in.PlatformID == "1796912345678900104" {
			return errors.New("disk full")
		}
		return nil
	}}
	if err := p.PollOnce(ctx, transient); err == nil {
		t.Fatal("a failing sink went unreported")
	}
	if p.State() != "" {
		t.Errorf("since_id moved to %q past a tweet the sink did not take", p.State())
	}

	p, _ = NewPoller(testConfig(srv.URL))
	refusing := &fakeSink{err: func(in model.Inbound) error {
		if in.PlatformID == "1796912345678900104" {
			return connector.Permanentf("invalid")
		}
		return nil
	}}
	if err := p.PollOnce(ctx, refusing); err != nil {
		t.Fatal(err)
	}
	if len(refusing.got()) != 3 || p.State() != "1796912345678900105" {
		t.Errorf("a permanently refused tweet: %d items, state %q", len(refusing.got()), p.State())
	}
}

func TestPollAuthorWithoutExpansion(t *testing.T) {
	srv := newMentionsServer(t, func(w http.ResponseWriter, q map[string]string, n int) {
		writeJSON(w, 200, []byte(`{"data":[{"id":"1796912345678900150","text":"hello @HotelAlpenblick","author_id":"999","conversation_id":"1796912345678900150","created_at":"2024-06-01T11:00:00.000Z"}],"meta":{"result_count":1,"newest_id":"1796912345678900150","oldest_id":"1796912345678900150"}}`))
	})
	p, _ := NewPoller(testConfig(srv.URL))
	sink := &fakeSink{}
	if err := p.PollOnce(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	got := sink.got()
	if len(got) != 1 || got[0].Author.Handle != "id:999" || got[0].URL != "https://x.com/i/web/status/1796912345678900150" {
		t.Errorf("tweet of an unexpanded author: %+v", got)
	}
}

func TestPollerNeedsCredentials(t *testing.T) {
	cfg := testConfig("http://127.0.0.1:1")
	cfg.BearerToken = ""
	if _, err := NewPoller(cfg); err == nil {
		t.Error("NewPoller without a bearer token")
	}
	cfg = testConfig("http://127.0.0.1:1")
	cfg.UserID = "@brand"
	if _, err := NewPoller(cfg); err == nil {
		t.Error("NewPoller with a non-numeric user id")
	}
}

func TestPollDropsBrandBroadcasts(t *testing.T) {
	srv := newMentionsServer(t, func(w http.ResponseWriter, q map[string]string, n int) {
		writeJSON(w, 200, []byte(`{"data":[`+
			`{"id":"1796912345678900151","text":"Summer at @HotelAlpenblick!","author_id":"`+brandID+`","conversation_id":"1796912345678900151","created_at":"2024-06-01T11:00:00.000Z"},`+
			`{"id":"1796912345678900152","text":"2/2 @HotelAlpenblick terrace","author_id":"`+brandID+`","in_reply_to_user_id":"`+brandID+`","conversation_id":"1796912345678900151","created_at":"2024-06-01T11:01:00.000Z"}],`+
			`"includes":{"users":[{"id":"`+brandID+`","name":"Hotel Alpenblick","username":"HotelAlpenblick","verified":false,"public_metrics":{"followers_count":8420}}]},`+
			`"meta":{"result_count":2,"newest_id":"1796912345678900152","oldest_id":"1796912345678900151"}}`))
	})
	p, _ := NewPoller(testConfig(srv.URL))
	sink := &fakeSink{}
	if err := p.PollOnce(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if got := sink.got(); len(got) != 0 {
		t.Errorf("brand broadcasts passed on: %+v", got)
	}
	if p.State() != "1796912345678900152" {
		t.Errorf("since_id %q must still move past dropped tweets", p.State())
	}
}
