package facebook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"switchboard/connector"
	"switchboard/model"
)

// graphTransport answers every request with one status and body: the
// Graph API's HTTP client without a socket.
type graphTransport struct {
	status int
	body   []byte
}

func (g graphTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	return &http.Response{StatusCode: g.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(g.body)), ContentLength: int64(len(g.body)), Request: r}, nil
}

// graphStatuses are the statuses the Graph API answers with; a fuzzed
// number picks one.
var graphStatuses = []int{200, 201, 204, 400, 401, 403, 404, 429, 500, 502, 503}

func fuzzStatus(n uint16) int { return graphStatuses[int(n)%len(graphStatuses)] }

// addGraphSeeds adds the Graph and Send API answers of testdata, each with
// its status, and a few edge cases.
func addGraphSeeds(f *testing.F) {
	for _, s := range []struct {
		status int
		name   string
	}{
		{200, "graph_comment_created.json"}, {200, "send_api_ok.json"},
		{400, "graph_error_oauth.json"}, {400, "graph_error_outside_window.json"},
		{403, "graph_error_rate_limit.json"}, {503, "graph_error_service.json"},
		{200, "graph_profile_ok.json"}, {400, "graph_profile_no_profile.json"},
	} {
		f.Add(uint16(slices.Index(graphStatuses, s.status)), fixture(f, s.name))
	}
	f.Add(uint16(0), []byte(`{"id":""}`))
	f.Add(uint16(0), []byte(`{"recipient_id":"1","message_id":"m_\u0000 \n/"}`))
	f.Add(uint16(3), []byte(`{"error":{"message":"`+strings.Repeat("long ", 400)+`","type":"OAuthException","code":190,"fbtrace_id":"`+strings.Repeat("x", 300)+`"}}`))
	f.Add(uint16(3), []byte(`{"error":null}`))
	f.Add(uint16(8), []byte("\xff\xfe not json"))
	f.Add(uint16(0), []byte(`[1,2]`))
}

// maxErrText bounds what a Graph answer can make of an error's text: it is
// logged and stored with the reply (DeliveryError) for every console.
const maxErrText = 2 << 10

// checkGraphErr holds for every error a Graph answer produces: readable,
// bounded, without the page token, and classified: a 5xx or 429 is worth a
// retry, a 2xx whose answer cannot be used is not (it may be posted).
func checkGraphErr(t *testing.T, status int, err error, body []byte) {
	t.Helper()
	msg := err.Error()
	switch {
	case !utf8.ValidString(msg):
		t.Fatalf("error text is not UTF-8: %q (http %d %q)", msg, status, body)
	case len(msg) > maxErrText:
		t.Fatalf("error text of %d bytes (http %d, body of %d)", len(msg), status, len(body))
	case strings.Contains(msg, testConfig().PageAccessToken):
		t.Fatalf("error text names the page token: %q", msg)
	case (status >= 500 || status == 429) && connector.IsPermanent(err):
		t.Fatalf("http %d classified permanent: %v", status, err)
	case status/100 == 2 && !connector.IsPermanent(err):
		t.Fatalf("http %d with an unusable answer classified transient (a retry may post twice): %v", status, err)
	}
}

// FuzzSendResponse answers a comment reply (Graph API) and a Messenger
// message (Send API) with any status and body: Send never panics, returns
// an id only for a 2xx answer, and that id is a Graph id; errors hold
// checkGraphErr.
func FuzzSendResponse(f *testing.F) {
	addGraphSeeds(f)
	f.Fuzz(func(t *testing.T, st uint16, body []byte) {
		status := fuzzStatus(st)
		cfg := testConfig()
		cfg.GraphURL = "https://graph.test"
		cfg.HTTPClient = &http.Client{Transport: graphTransport{status, body}}
		s, err := NewSender(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []connector.Reply{
			{Key: "op-1", Channel: model.ChannelFacebook, ThreadRef: "fb-post-1234567890321_901097836652708",
				InReplyTo: "901097836652708_903438993085259", Text: "Sorry about that!"},
			{Key: "op-2", Channel: model.ChannelFacebook, ThreadRef: messengerThreadPrefix + "6543210987654321",
				Private: true, Text: "We have refunded it."},
		} {
			id, err := s.Send(context.Background(), r)
			if err != nil {
				if id != "" {
					t.Fatalf("id %q with error %v", id, err)
				}
				checkGraphErr(t, status, err, body)
				continue
			}
			if status/100 != 2 {
				t.Fatalf("http %d taken as sent, id %q", status, id)
			}
			if checkID("id", id) != nil {
				t.Fatalf("http %d %q: id %q is not a Graph id", status, body, id)
			}
		}
	})
}

// FuzzProfileResponse answers a User Profile API lookup with any status and
// body: lookup never panics, and a name it returns is one to show (clean
// UTF-8, no control or bidi characters, single spaces, at most maxNameRunes
// runes).
func FuzzProfileResponse(f *testing.F) {
	addGraphSeeds(f)
	f.Add(uint16(0), []byte(`{"first_name":"\u202eJohn\u0007","last_name":"  Smith\t\n"}`))
	f.Add(uint16(0), []byte(`{"first_name":"`+strings.Repeat("é", 300)+`"}`))
	f.Fuzz(func(t *testing.T, st uint16, body []byte) {
		status := fuzzStatus(st)
		cfg := testConfig()
		cfg.GraphURL = "https://graph.test"
		cfg.HTTPClient = &http.Client{Transport: graphTransport{status, body}}
		p := newProfiles(cfg.withDefaults(), slog.New(slog.DiscardHandler))
		name, err := p.lookup(context.Background(), "6543210987654321")
		if err != nil {
			if name != "" {
				t.Fatalf("name %q with error %v", name, err)
			}
			if !errors.Is(err, errNoName) {
				checkGraphErr(t, status, err, body)
			}
			return
		}
		if status/100 != 2 {
			t.Fatalf("http %d gave the name %q", status, name)
		}
		switch {
		case name == "", !utf8.ValidString(name), strings.ContainsRune(name, utf8.RuneError),
			utf8.RuneCountInString(name) > maxNameRunes,
			name != strings.TrimSpace(name), strings.Contains(name, "  "),
			strings.ContainsFunc(name, func(r rune) bool {
				return unicode.IsControl(r) || isBidiControl(r) || unicode.IsSpace(r) && r != ' '
			}):
			t.Fatalf("name %q from %q", name, body)
		}
	})
}
