package facebook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"switchboard/connector"
	"switchboard/model"
)

type seenRequest struct {
	Method, Path, ContentType string
	Query                     url.Values
	Body                      string
}

// graphServer stands in for graph.facebook.com: it records every request
// and answers with status and body.
type graphServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []seenRequest
}

func newGraph(t *testing.T, status int, body []byte) *graphServer {
	t.Helper()
	g := &graphServer{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		g.mu.Lock()
		g.seen = append(g.seen, seenRequest{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.URL.Query(), string(b)})
		g.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *graphServer) requests() []seenRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]seenRequest(nil), g.seen...)
}

func newTestSender(t *testing.T, g *graphServer) *Sender {
	t.Helper()
	cfg := testConfig()
	cfg.GraphURL = g.URL
	cfg.HTTPClient = g.Client()
	s, err := NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSendCommentReply(t *testing.T) {
	g := newGraph(t, 200, fixture(t, "graph_comment_created.json"))
	s := newTestSender(t, g)
	id, err := s.Send(context.Background(), connector.Reply{
		Key: "op-1", Channel: model.ChannelFacebook,
		ThreadRef: "fb-post-1234567890321_901097836652708",
		InReplyTo: "901097836652708_903438993085259",
		Text:      "Sorry about that, John! We have refunded the second charge.",
	})
	if err != nil {
		t.Fatal(err)
	}
	if id != "901097836652708_903440196418472" {
		t.Fatalf("id %q", id)
	}
	reqs := g.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want exactly 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/v21.0/901097836652708_903438993085259/comments" {
		t.Fatalf("%s %s", r.Method, r.Path)
	}
	if r.ContentType != "application/x-www-form-urlencoded" {
		t.Fatalf("content type %q", r.ContentType)
	}
	form, err := url.ParseQuery(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("message") != "Sorry about that, John! We have refunded the second charge." ||
		form.Get("access_token") != "page-token-789" || len(form) != 2 {
		t.Fatalf("form %v", form)
	}
	if len(r.Query) != 0 {
		t.Fatalf("token or more in the URL: %v", r.Query)
	}
}

func TestSendCommentVersionAndFallback(t *testing.T) {
	g := newGraph(t, 200, fixture(t, "graph_comment_created.json"))
	cfg := testConfig()
	cfg.GraphURL = g.URL + "/" // a trailing slash is tolerated
	cfg.APIVersion = "v19.0"
	cfg.HTTPClient = g.Client()
	s, err := NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// No InReplyTo: the reply goes under the thread's post.
	if _, err := s.Send(context.Background(), connector.Reply{ThreadRef: "fb-post-1234567890321_7293787835232", Text: "Thanks!"}); err != nil {
		t.Fatal(err)
	}
	if p := g.requests()[0].Path; p != "/v19.0/1234567890321_7293787835232/comments" {
		t.Fatalf("path %q", p)
	}
}

func TestSendMessenger(t *testing.T) {
	g := newGraph(t, 200, fixture(t, "send_api_ok.json"))
	s := newTestSender(t, g)
	id, err := s.Send(context.Background(), connector.Reply{
		Key: "op-2", Channel: model.ChannelFacebook, Private: true,
		ThreadRef: "fb-msgr-1254459154682919", Recipient: "1254459154682919",
		Text: "Dogs are welcome — 15 € per night.",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "AG5Hz2Uq7tuw") {
		t.Fatalf("id %q", id)
	}
	reqs := g.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want exactly 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/v21.0/me/messages" || r.ContentType != "application/json" {
		t.Fatalf("%s %s %s", r.Method, r.Path, r.ContentType)
	}
	if r.Query.Get("access_token") != "page-token-789" {
		t.Fatalf("query %v", r.Query)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"recipient":      map[string]any{"id": "1254459154682919"},
		"messaging_type": "RESPONSE",
		"message":        map[string]any{"text": "Dogs are welcome — 15 € per night."},
	}
	gotJSON, _ := json.Marshal(body)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Fatalf("body %s\nwant %s", gotJSON, wantJSON)
	}
	// Without Recipient the PSID comes from the thread ref.
	if _, err := s.Send(context.Background(), connector.Reply{Private: true, ThreadRef: "fb-msgr-42", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(g.requests()[1].Body, `"recipient":{"id":"42"}`) {
		t.Fatalf("body %s", g.requests()[1].Body)
	}
}

func TestSendErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		body      []byte
		permanent bool
		code      int
	}{
		{"expired token 400", 400, fixture(t, "graph_error_oauth.json"), true, 190},
		{"outside 24h window", 400, fixture(t, "graph_error_outside_window.json"), true, 10},
		{"rate limit code 4 on a 400", 400, fixture(t, "graph_error_rate_limit.json"), false, 4},
		{"code 613", 400, []byte(`{"error":{"message":"Calls to this api have exceeded the rate limit.","type":"OAuthException","code":613}}`), false, 613},
		{"code 32 page limit", 403, []byte(`{"error":{"message":"Page request limit reached","code":32}}`), false, 32},
		{"code 17", 400, []byte(`{"error":{"message":"User request limit reached","code":17}}`), false, 17},
		{"code 1 unknown", 400, []byte(`{"error":{"message":"An unknown error occurred","code":1}}`), false, 1},
		{"is_transient", 400, []byte(`{"error":{"message":"try again","code":100,"is_transient":true}}`), false, 100},
		{"business rate limit 80001", 400, []byte(`{"error":{"message":"too many calls to this Page","code":80001}}`), false, 80001},
		{"service 500", 500, fixture(t, "graph_error_service.json"), false, 2},
		{"bad gateway, html body", 502, []byte("<html>bad gateway</html>"), false, 0},
		{"429", 429, []byte(`{}`), false, 0},
		{"permission 403", 403, []byte(`{"error":{"message":"(#200) Permissions error","type":"OAuthException","code":200}}`), true, 200},
		{"deleted comment 400", 400, []byte(`{"error":{"message":"Unsupported post request. Object with ID does not exist","type":"GraphMethodException","code":100,"error_subcode":33}}`), true, 100},
		{"404 no body", 404, nil, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, private := range []bool{false, true} {
				g := newGraph(t, tc.status, tc.body)
				s := newTestSender(t, g)
				_, err := s.Send(context.Background(), connector.Reply{
					Private: private, InReplyTo: "1_2", Recipient: "42", Text: "hello",
				})
				if err == nil {
					t.Fatal("no error")
				}
				if connector.IsPermanent(err) != tc.permanent {
					t.Fatalf("private=%v: permanent=%v, want %v: %v", private, connector.IsPermanent(err), tc.permanent, err)
				}
				var ge *GraphError
				if !errors.As(err, &ge) || ge.Status != tc.status || ge.Code != tc.code {
					t.Fatalf("graph error %+v from %v", ge, err)
				}
				if strings.Contains(err.Error(), "page-token-789") {
					t.Fatalf("token in error: %v", err)
				}
				if n := len(g.requests()); n != 1 {
					t.Fatalf("%d requests: the sender must not retry itself", n)
				}
			}
		})
	}
}

func TestSendNetworkErrorIsTransient(t *testing.T) {
	g := newGraph(t, 200, nil)
	s := newTestSender(t, g)
	g.Close() // nothing listens any more
	for _, private := range []bool{false, true} {
		_, err := s.Send(context.Background(), connector.Reply{Private: private, InReplyTo: "1_2", Recipient: "42", Text: "hello"})
		if err == nil || connector.IsPermanent(err) {
			t.Fatalf("private=%v: %v, want a transient error", private, err)
		}
		if strings.Contains(err.Error(), "page-token-789") {
			t.Fatalf("token in error: %v", err)
		}
	}
}

func TestSendAmbiguousSuccessIsPermanent(t *testing.T) {
	// A 200 without an id: the comment may exist; resending could post it
	// twice, so the hub must not retry.
	g := newGraph(t, 200, []byte(`{"success":true}`))
	s := newTestSender(t, g)
	_, err := s.Send(context.Background(), connector.Reply{InReplyTo: "1_2", Text: "hello"})
	if !connector.IsPermanent(err) {
		t.Fatalf("err %v, want permanent", err)
	}
}

func TestSendLimits(t *testing.T) {
	// Answers both shapes: a comment's id and the Send API's message_id.
	g := newGraph(t, 200, []byte(`{"id":"1_3","recipient_id":"42","message_id":"m_1"}`))
	s := newTestSender(t, g)
	for _, tc := range []struct {
		name string
		r    connector.Reply
		ok   bool
	}{
		{"comment at limit", connector.Reply{InReplyTo: "1_2", Text: strings.Repeat("a", MaxCommentText)}, true},
		{"comment over limit", connector.Reply{InReplyTo: "1_2", Text: strings.Repeat("a", MaxCommentText+1)}, false},
		{"comment emoji count twice", connector.Reply{InReplyTo: "1_2", Text: strings.Repeat("😀", MaxCommentText/2+1)}, false},
		{"messenger at limit", connector.Reply{Private: true, Recipient: "42", Text: strings.Repeat("ä", MaxMessengerText)}, true},
		{"messenger over limit", connector.Reply{Private: true, Recipient: "42", Text: strings.Repeat("a", MaxMessengerText+1)}, false},
		{"empty text", connector.Reply{InReplyTo: "1_2", Text: "  \n"}, false},
		{"invalid UTF-8", connector.Reply{InReplyTo: "1_2", Text: "a\xffb"}, false},
		{"no target", connector.Reply{Text: "hi"}, false},
		{"no recipient", connector.Reply{Private: true, Text: "hi"}, false},
		{"path in id", connector.Reply{InReplyTo: "../me/feed", Text: "hi"}, false},
		{"other channel", connector.Reply{Channel: model.ChannelTwitter, InReplyTo: "1_2", Text: "hi"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(g.requests())
			_, err := s.Send(context.Background(), tc.r)
			sent := len(g.requests()) - before
			if tc.ok {
				if err != nil || sent != 1 {
					t.Fatalf("err %v, %d requests", err, sent)
				}
				return
			}
			if !connector.IsPermanent(err) {
				t.Fatalf("err %v, want permanent", err)
			}
			if sent != 0 {
				t.Fatalf("%d requests for a refused reply", sent)
			}
		})
	}
}

func TestSendContextCanceled(t *testing.T) {
	g := newGraph(t, 200, fixture(t, "graph_comment_created.json"))
	s := newTestSender(t, g)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Send(ctx, connector.Reply{InReplyTo: "1_2", Text: "hi"})
	if !errors.Is(err, context.Canceled) || connector.IsPermanent(err) {
		t.Fatalf("err %v", err)
	}
}
