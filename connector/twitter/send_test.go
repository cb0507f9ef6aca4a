package twitter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/connector"
	"switchboard/model"
)

// reconciler is the hub's delivery interface (sync/hub.Reconciler); the
// connector may not import the hub, so the shape is repeated here.
type reconciler interface {
	Find(ctx context.Context, r connector.Reply) (platformID string, found bool, err error)
}

var _ reconciler = (*Sender)(nil)

type recorded struct {
	method, path, query, auth, contentType string
	body                                   []byte
}

// apiServer answers every request with answer and records it.
type apiServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

func newAPIServer(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) *apiServer {
	s := &apiServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body})
		s.mu.Unlock()
		answer(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *apiServer) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

func newSender(t *testing.T, base string) *Sender {
	t.Helper()
	s, err := NewSender(testConfig(base))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var annaReply = connector.Reply{
	Key:       "0b6c6d1e-op",
	CaseID:    "case-1",
	Channel:   model.ChannelTwitter,
	ThreadRef: "tw-conv-1796912345678900100",
	InReplyTo: "1796912345678900105",
	Text:      "@anna_k_travels Hi Anna, your refund for booking 48213 was sent today. Sorry it took so long. ^MK",
}

func TestSendReplyRequest(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusCreated, fixture(t, "tweet_create_response.json"))
	})
	id, err := newSender(t, srv.URL).Send(context.Background(), annaReply)
	if err != nil {
		t.Fatal(err)
	}
	if id != "1796912345678900140" {
		t.Errorf("id %q, want data.id", id)
	}
	reqs := srv.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want exactly one", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/2/tweets" || r.query != "" {
		t.Errorf("request %s %s?%s", r.method, r.path, r.query)
	}
	if r.auth != "Bearer brand-user-token" {
		t.Errorf("Authorization %q", r.auth)
	}
	if r.contentType != "application/json" {
		t.Errorf("Content-Type %q", r.contentType)
	}
	var body map[string]any
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"text":  annaReply.Text,
		"reply": map[string]any{"in_reply_to_tweet_id": "1796912345678900105"},
	}
	gotJSON, _ := json.Marshal(body)
	wantJSON, _ := json.Marshal(want)
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("body %s, want %s", r.body, wantJSON)
	}
}

func TestSendDMRequest(t *testing.T) {
	for _, tc := range []struct {
		name, fixture, want string
		reply               connector.Reply
	}{
		{"recipient given, data-wrapped answer", "dm_create_response.json", "1796912345678900360",
			connector.Reply{Channel: model.ChannelTwitter, ThreadRef: "tw-dm-1029384756", Private: true, Recipient: "1029384756", InReplyTo: "1796912345678900300", Text: "Your refund of CHF 640 is on its way, Anna."}},
		{"recipient from the thread ref, bare answer", "dm_create_response_bare.json", "1796912345678900361",
			connector.Reply{Channel: model.ChannelTwitter, ThreadRef: "tw-dm-1029384756", Private: true, Text: "Your refund of CHF 640 is on its way, Anna."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusCreated, fixture(t, tc.fixture))
			})
			id, err := newSender(t, srv.URL).Send(context.Background(), tc.reply)
			if err != nil {
				t.Fatal(err)
			}
			if id != tc.want {
				t.Errorf("id %q, want dm_event_id %q", id, tc.want)
			}
			reqs := srv.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			r := reqs[0]
			if r.method != http.MethodPost || r.path != "/2/dm_conversations/with/1029384756/messages" || r.auth != "Bearer brand-user-token" {
				t.Errorf("request %s %s auth %q", r.method, r.path, r.auth)
			}
			if string(r.body) != `{"text":"Your refund of CHF 640 is on its way, Anna."}` {
				t.Errorf("body %s", r.body)
			}
		})
	}
}

func TestSendErrorClassification(t *testing.T) {
	reset := time.Date(2024, 6, 1, 12, 15, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		status    int
		fixture   string
		header    map[string]string
		permanent bool
		duplicate bool
		rateLimit bool
	}{
		{"400 invalid request", 400, "error_400_invalid.json", nil, true, false, false},
		{"401 bad token", 401, "error_401.json", nil, true, false, false},
		{"403 duplicate", 403, "error_403_duplicate.json", nil, true, true, false},
		{"403 deleted tweet", 403, "error_403_deleted.json", nil, true, false, false},
		{"404", 404, "", nil, true, false, false},
		{"429 with reset", 429, "error_429.json", map[string]string{"x-rate-limit-reset": strconv.FormatInt(reset.Unix(), 10), "x-rate-limit-remaining": "0"}, false, false, true},
		{"500", 500, "", nil, false, false, false},
		{"503", 503, "error_503.json", nil, false, false, false},
		{"201 without an id", 201, "error_429.json", nil, true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				var body []byte
				if tc.fixture != "" {
					body = fixture(t, tc.fixture)
				}
				writeJSON(w, tc.status, body)
			})
			_, err := newSender(t, srv.URL).Send(context.Background(), annaReply)
			if err == nil {
				t.Fatal("no error")
			}
			if connector.IsPermanent(err) != tc.permanent {
				t.Errorf("permanent = %v, want %v: %v", connector.IsPermanent(err), tc.permanent, err)
			}
			if errors.Is(err, ErrDuplicate) != tc.duplicate {
				t.Errorf("ErrDuplicate = %v, want %v: %v", errors.Is(err, ErrDuplicate), tc.duplicate, err)
			}
			var rl *RateLimitError
			if errors.As(err, &rl) != tc.rateLimit {
				t.Errorf("RateLimitError = %v, want %v", errors.As(err, &rl), tc.rateLimit)
			} else if tc.rateLimit && !rl.Reset.Equal(reset) {
				t.Errorf("reset %v, want %v", rl.Reset, reset)
			}
			if n := len(srv.requests()); n != 1 {
				t.Errorf("%d requests, want 1 (the hub retries, not the sender)", n)
			}
		})
	}
	t.Run("network error", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there any more
		_, err = newSender(t, "http://"+addr).Send(context.Background(), annaReply)
		if err == nil || connector.IsPermanent(err) {
			t.Errorf("connection refused: %v (permanent %v), want transient", err, connector.IsPermanent(err))
		}
	})
	t.Run("api error text", func(t *testing.T) {
		srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 403, fixture(t, "error_403_deleted.json"))
		})
		_, err := newSender(t, srv.URL).Send(context.Background(), annaReply)
		if err == nil || !strings.Contains(err.Error(), "deleted or not visible") {
			t.Errorf("error %v does not carry X's detail", err)
		}
	})
}

func TestSendRefusesBeforeCalling(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusCreated, fixture(t, "tweet_create_response.json"))
	})
	s := newSender(t, srv.URL)
	ctx := context.Background()
	long := annaReply
	long.Text = strings.Repeat("a", 281)
	noTarget := annaReply
	noTarget.InReplyTo = ""
	empty := annaReply
	empty.Text = "  \n"
	facebook := annaReply
	facebook.Channel = model.ChannelFacebook
	noRecipient := connector.Reply{Channel: model.ChannelTwitter, ThreadRef: "tw-conv-1", Private: true, Text: "hi"}
	bom := annaReply
	bom.Text = "\ufeffHello"
	longDM := connector.Reply{Channel: model.ChannelTwitter, Private: true, Recipient: "1029384756", Text: strings.Repeat("é", MaxDMLength+1)}
	for name, r := range map[string]connector.Reply{
		"281 characters": long, "nothing to reply to": noTarget, "empty": empty,
		"wrong channel": facebook, "DM without recipient": noRecipient, "DM too long": longDM,
		"character X refuses": bom,
	} {
		if _, err := s.Send(ctx, r); !connector.IsPermanent(err) {
			t.Errorf("%s: %v, want a permanent error", name, err)
		}
	}
	if n := len(srv.requests()); n != 0 {
		t.Fatalf("%d requests for replies that must not be sent", n)
	}
	ok := annaReply
	ok.Text = strings.Repeat("a", 280)
	if _, err := s.Send(ctx, ok); err != nil {
		t.Errorf("280 characters: %v", err)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestFind(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/2/users/" + brandID + "/tweets":
			writeJSON(w, 200, fixture(t, "user_tweets_find.json"))
		case "/2/dm_conversations/with/1029384756/dm_events":
			writeJSON(w, 200, fixture(t, "dm_events_find.json"))
		default:
			http.NotFound(w, r)
		}
	})
	s := newSender(t, srv.URL)
	ctx := context.Background()

	id, found, err := s.Find(ctx, annaReply)
	if err != nil || !found || id != "1796912345678900140" {
		t.Errorf("posted reply: %q %v %v", id, found, err)
	}
	q := srv.requests()[0].query
	for _, want := range []string{"since_id=1796912345678900105", "tweet.fields=referenced_tweets", "exclude=retweets"} {
		if !strings.Contains(q, strings.ReplaceAll(want, ",", "%2C")) {
			t.Errorf("timeline query %q lacks %s", q, want)
		}
	}

	other := annaReply
	other.Text = "A different text"
	if _, found, err := s.Find(ctx, other); err != nil || found {
		t.Errorf("a reply that was not posted: found %v, %v", found, err)
	}

	dm := connector.Reply{Channel: model.ChannelTwitter, ThreadRef: "tw-dm-1029384756", Private: true, Recipient: "1029384756",
		InReplyTo: "1796912345678900300", Text: "Your refund of CHF 640 is on its way, Anna."}
	if id, found, err := s.Find(ctx, dm); err != nil || !found || id != "1796912345678900360" {
		t.Errorf("posted DM: %q %v %v", id, found, err)
	}
	later := dm
	later.InReplyTo = "1796912345678900999" // answers a newer message: the match is an older reply
	if _, found, err := s.Find(ctx, later); err != nil || found {
		t.Errorf("identical older DM taken for this reply: %v %v", found, err)
	}
}

func TestSenderNeedsUserToken(t *testing.T) {
	cfg := testConfig("http://127.0.0.1:1")
	cfg.UserToken = ""
	if _, err := NewSender(cfg); err == nil {
		t.Error("NewSender without a user token")
	}
}
