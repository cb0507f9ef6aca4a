package generic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/model"
)

// fakeSink records items and answers like the hub: one case per channel
// and thread ref, dup for a platform id it has.
type fakeSink struct {
	mu     sync.Mutex
	items  []model.Inbound
	cases  map[string]string
	seen   map[string]string
	failAt int // fail the n-th call (1-based); 0: never
	calls  int
}

func newSink() *fakeSink { return &fakeSink{cases: map[string]string{}, seen: map[string]string{}} }

func (s *fakeSink) Ingest(in model.Inbound) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.calls == s.failAt {
		return "", false, errors.New("log: disk full")
	}
	if id, ok := s.seen[string(in.Channel)+"|"+in.PlatformID]; ok {
		return id, true, nil
	}
	if in.Listen { // the hub keeps it for the listening view: no case
		s.seen[string(in.Channel)+"|"+in.PlatformID] = ""
		s.items = append(s.items, in)
		return "", false, nil
	}
	key := string(in.Channel) + "|" + in.ThreadRef
	id, ok := s.cases[key]
	if !ok {
		id = fmt.Sprintf("case-%d", len(s.cases)+1)
		s.cases[key] = id
	}
	s.seen[string(in.Channel)+"|"+in.PlatformID] = id
	s.items = append(s.items, in)
	return id, false, nil
}

var testNow = time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)

func serve(t *testing.T, sink *fakeSink, opt Options) *httptest.Server {
	t.Helper()
	opt.Now = func() time.Time { return testNow }
	opt.Logger = slog.New(slog.DiscardHandler)
	srv := httptest.NewServer(NewHandler(sink, opt))
	t.Cleanup(srv.Close)
	return srv
}

func post(t *testing.T, srv *httptest.Server, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+Path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("answer Content-Type %q", ct)
	}
	return resp.StatusCode, b
}

const review = `{"source": "Shop reviews · alpenblick-hotels.example", "thread_ref": "review-88213", "id": "review-88213",
 "author": {"handle": "sandra.o@example.com", "name": "Sandra Oyelaran", "followers": 12},
 "text": "The room was lovely but the garage is too low for a camper.",
 "time": "2026-11-23T16:02:31+01:00", "public": true, "url": "https://shop.example/r/88213", "lang": "en"}`

func TestSingle(t *testing.T) {
	sink := newSink()
	srv := serve(t, sink, Options{})
	status, body := post(t, srv, "application/json; charset=utf-8", []byte(review))
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var res Response
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 1 || res.Duplicates != 0 || len(res.Cases) != 1 || res.Cases[0] != "case-1" {
		t.Errorf("response %s", body)
	}
	want := model.Inbound{
		Channel:    model.ChannelForum,
		ThreadRef:  "generic/Shop%20reviews%20%C2%B7%20alpenblick-hotels.example/review-88213",
		PlatformID: "generic/Shop%20reviews%20%C2%B7%20alpenblick-hotels.example/review-88213",
		Author:     model.Identity{Platform: model.ChannelForum, Handle: "sandra.o@example.com", DisplayName: "Sandra Oyelaran", Followers: 12},
		Text:       "The room was lovely but the garage is too low for a camper.",
		Time:       time.Date(2026, 11, 23, 15, 2, 31, 0, time.UTC),
		Public:     true,
		Source:     "Shop reviews · alpenblick-hotels.example",
		URL:        "https://shop.example/r/88213",
		Lang:       "en",
		Direction:  model.DirectionIn,
	}
	if len(sink.items) != 1 || !reflect.DeepEqual(sink.items[0], want) {
		t.Errorf("stored\n%+v\nwant\n%+v", sink.items, want)
	}
	// No Content-Type is fine too; the same item again is a duplicate.
	status, body = post(t, srv, "", []byte(review))
	if status != http.StatusOK || !strings.Contains(string(body), `"accepted":0,"duplicates":1,"cases":["case-1"]`) {
		t.Errorf("repeat: %d %s", status, body)
	}
}

func TestBatch(t *testing.T) {
	sink := newSink()
	srv := serve(t, sink, Options{})
	batch := `[
	  {"source": "CRM web form", "thread_ref": "ticket-4411", "id": "ticket-4411-1", "author": {"handle": "j.kramer@example.com"}, "text": "Please confirm my cancellation."},
	  {"source": "CRM web form", "thread_ref": "ticket-4411", "id": "ticket-4411-2", "author": {"handle": "j.kramer@example.com"}, "text": "Still waiting."},
	  {"source": "Shop reviews", "thread_ref": "ticket-4411", "id": "ticket-4411-1", "author": {"handle": "other"}, "text": "Same numbers, other source."},
	  {"source": "Listening tool", "channel": "twitter", "thread_ref": "1861234567890", "id": "1861234567999", "author": {"handle": "@mbrenner_travels", "followers": 148300}, "text": "@SkyWingsAir lounge refused again", "public": true},
	  {"source": "CRM web form", "thread_ref": "ticket-4411", "id": "ticket-4411-1", "author": {"handle": "j.kramer@example.com"}, "text": "Please confirm my cancellation."}
	]`
	status, body := post(t, srv, "application/json", []byte(batch))
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var res Response
	json.Unmarshal(body, &res)
	want := Response{Accepted: 4, Duplicates: 1, Cases: []string{"case-1", "case-1", "case-2", "case-3", "case-1"}}
	if fmt.Sprint(res) != fmt.Sprint(want) {
		t.Errorf("response %+v, want %+v", res, want)
	}
	tw := sink.items[3]
	if tw.Channel != model.ChannelTwitter || tw.ThreadRef != "1861234567890" || tw.PlatformID != "1861234567999" || tw.Author.Followers != 148300 || !tw.Public {
		t.Errorf("twitter item kept its platform ids? %+v", tw)
	}
	if sink.items[0].Public {
		t.Error("public defaults to false")
	}
}

func TestInvalidItemStoresNothing(t *testing.T) {
	ok := `{"source": "s", "thread_ref": "t", "id": "1", "author": {"handle": "h"}, "text": "x"}`
	for _, tc := range []struct {
		name  string
		body  string
		index int
		field string
	}{
		{"no text", `[` + ok + `, {"source": "s", "thread_ref": "t", "id": "2", "author": {"handle": "h"}, "text": "  "}]`, 1, "text"},
		{"no thread_ref", `[` + ok + `,` + ok + `, {"source": "s", "id": "3", "author": {"handle": "h"}, "text": "x"}]`, 2, "thread_ref"},
		{"no id", `{"source": "s", "thread_ref": "t", "author": {"handle": "h"}, "text": "x"}`, 0, "id"},
		{"no author", `[` + ok + `, {"source": "s", "thread_ref": "t", "id": "2", "text": "x"}]`, 1, "author"},
		{"no handle", `[{"source": "s", "thread_ref": "t", "id": "2", "author": {"name": "N"}, "text": "x"}]`, 0, "author.handle"},
		{"no source", `[{"thread_ref": "t", "id": "2", "author": {"handle": "h"}, "text": "x"}]`, 0, "source"},
		{"bad channel", `[{"source": "s", "channel": "email", "thread_ref": "t", "id": "2", "author": {"handle": "h"}, "text": "x"}]`, 0, "channel"},
		{"bad time", `[` + ok + `, {"source": "s", "thread_ref": "t", "id": "2", "author": {"handle": "h"}, "text": "x", "time": "yesterday"}]`, 1, "time"},
		{"future time", `[{"source": "s", "thread_ref": "t", "id": "2", "author": {"handle": "h"}, "text": "x", "time": "2026-11-24T18:00:00Z"}]`, 0, "time"},
		{"javascript url", `[{"source": "s", "thread_ref": "t", "id": "2", "author": {"handle": "h"}, "text": "x", "url": "javascript:alert(1)"}]`, 0, "url"},
		{"negative followers", `[{"source": "s", "thread_ref": "t", "id": "2", "author": {"handle": "h", "followers": -1}, "text": "x"}]`, 0, "author.followers"},
		{"wrong type", `[` + ok + `, {"source": "s", "thread_ref": "t", "id": 2, "author": {"handle": "h"}, "text": "x"}]`, 1, "id"},
		{"nested wrong type", `[{"source": "s", "thread_ref": "t", "id": "2", "author": {"handle": "h", "followers": "many"}, "text": "x"}]`, 0, "author.followers"},
		{"unknown field", `[` + ok + `, {"source": "s", "thread": "t", "id": "2", "author": {"handle": "h"}, "text": "x"}]`, 1, "thread"},
		{"not an object", `[` + ok + `, null]`, 1, ""},
		{"control characters", `[{"source": "s", "thread_ref": "t\u0000", "id": "2", "author": {"handle": "h"}, "text": "x"}]`, 0, "thread_ref"},
		{"bad lang", `[{"source": "s", "thread_ref": "t", "id": "2", "author": {"handle": "h"}, "text": "x", "lang": "de; rm -rf"}]`, 0, "lang"},
		{"long text", `[{"source": "s", "thread_ref": "t", "id": "2", "author": {"handle": "h"}, "text": "` + strings.Repeat("x", DefaultMaxText+1) + `"}]`, 0, "text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := newSink()
			srv := serve(t, sink, Options{})
			status, body := post(t, srv, "application/json", []byte(tc.body))
			if status != http.StatusBadRequest {
				t.Fatalf("status %d: %s", status, body)
			}
			var eb ErrorBody
			if err := json.Unmarshal(body, &eb); err != nil {
				t.Fatal(err)
			}
			if eb.Index == nil || *eb.Index != tc.index || eb.Field != tc.field || len(eb.Problems) == 0 {
				t.Errorf("error body %s, want index %d field %q", body, tc.index, tc.field)
			}
			if !strings.Contains(eb.Error, fmt.Sprintf("item %d", tc.index)) || !strings.Contains(eb.Error, tc.field) {
				t.Errorf("error %q does not name item %d and %q", eb.Error, tc.index, tc.field)
			}
			if sink.calls != 0 {
				t.Errorf("%d items passed to the sink", sink.calls)
			}
		})
	}
}

func TestAllProblemsListed(t *testing.T) {
	sink := newSink()
	srv := serve(t, sink, Options{})
	status, body := post(t, srv, "application/json", []byte(`[{"source": "s"}, {"source": "s", "thread_ref": "t", "id": "1", "author": {"handle": "h"}, "text": "x", "time": "soon"}]`))
	var eb ErrorBody
	json.Unmarshal(body, &eb)
	want := []Problem{
		{0, "thread_ref", "required"}, {0, "id", "required"}, {0, "author", "required"}, {0, "text", "required"},
		{1, "time", `"soon": want RFC 3339, like 2026-11-23T15:02:31Z`},
	}
	if status != http.StatusBadRequest || fmt.Sprint(eb.Problems) != fmt.Sprint(want) {
		t.Errorf("%d problems %v\nwant %v", status, eb.Problems, want)
	}
	if !strings.Contains(eb.Error, "and 4 more problems") {
		t.Errorf("error %q", eb.Error)
	}
}

func TestMalformed(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"empty", "", "empty body"},
		{"truncated", `{"source": "s", "text": "x`, "malformed JSON"},
		{"trailing garbage", `{"source": "s"} {"x": 1}`, "malformed JSON"},
		{"scalar", `"hello"`, "want a JSON object or an array"},
		{"html form", `source=s&text=x`, "malformed JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := newSink()
			srv := serve(t, sink, Options{})
			status, body := post(t, srv, "application/json", []byte(tc.body))
			var eb ErrorBody
			if status != http.StatusBadRequest || json.Unmarshal(body, &eb) != nil || !strings.Contains(eb.Error, tc.want) {
				t.Errorf("%d %s, want 400 with %q", status, body, tc.want)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	sink := newSink()
	srv := serve(t, sink, Options{})
	item := `{"source": "s", "thread_ref": "t", "id": "%d", "author": {"handle": "h"}, "text": "x"}`

	t.Run("oversized body", func(t *testing.T) {
		big := `[` + strings.Repeat(fmt.Sprintf(item, 1)+",", 15000) + fmt.Sprintf(item, 2) + `]`
		if len(big) <= DefaultMaxBody {
			t.Fatalf("body of %d bytes is not over the limit", len(big))
		}
		status, body := post(t, srv, "application/json", []byte(big))
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "limit 1048576") {
			t.Errorf("%d %s", status, body)
		}
		// Without Content-Length (chunked), the read limit catches it.
		req, _ := http.NewRequest(http.MethodPost, srv.URL+Path, io.MultiReader(strings.NewReader(big)))
		req.ContentLength = -1
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("chunked: %d", resp.StatusCode)
		}
	})
	t.Run("too many items", func(t *testing.T) {
		var items []string
		for i := range DefaultMaxItems + 1 {
			items = append(items, fmt.Sprintf(item, i))
		}
		status, body := post(t, srv, "application/json", []byte("["+strings.Join(items, ",")+"]"))
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "batch of 501 items, limit 500") {
			t.Errorf("%d %s", status, body)
		}
		status, body = post(t, srv, "application/json", []byte("["+strings.Join(items[:DefaultMaxItems], ",")+"]"))
		if status != http.StatusOK || !strings.Contains(string(body), `"accepted":500`) {
			t.Errorf("500 items: %d %.200s", status, body)
		}
	})
	if sink.calls != DefaultMaxItems {
		t.Errorf("sink saw %d items", sink.calls)
	}
}

func TestMethodAndContentType(t *testing.T) {
	srv := serve(t, newSink(), Options{})
	resp, err := srv.Client().Get(srv.URL + Path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	for ct, want := range map[string]int{
		"application/x-www-form-urlencoded": http.StatusUnsupportedMediaType,
		"text/plain":                        http.StatusUnsupportedMediaType,
		"application/vnd.crm+json":          http.StatusOK,
	} {
		if status, body := post(t, srv, ct, []byte(review)); status != want {
			t.Errorf("Content-Type %s: %d %s", ct, status, body)
		}
	}
}

func TestSinkFailure(t *testing.T) {
	sink := newSink()
	sink.failAt = 2
	srv := serve(t, sink, Options{})
	batch := `[{"source": "s", "thread_ref": "t", "id": "1", "author": {"handle": "h"}, "text": "a"},
	           {"source": "s", "thread_ref": "t", "id": "2", "author": {"handle": "h"}, "text": "b"}]`
	status, body := post(t, srv, "application/json", []byte(batch))
	var eb ErrorBody
	json.Unmarshal(body, &eb)
	if status != http.StatusInternalServerError || eb.Index == nil || *eb.Index != 1 || eb.Accepted != 1 || len(eb.Cases) != 1 || strings.Contains(eb.Error, "disk") {
		t.Errorf("%d %s", status, body)
	}
	// The retry stores the rest; the first comes back as a duplicate.
	status, body = post(t, srv, "application/json", []byte(batch))
	if status != http.StatusOK || !strings.Contains(string(body), `"accepted":1,"duplicates":1`) {
		t.Errorf("retry: %d %s", status, body)
	}
}

// A listen item (a listening tool's X search hit) reaches the hub marked
// listen-only with its topics, and is counted as listened, not accepted;
// topics without listen are refused.
func TestListenItem(t *testing.T) {
	sink := newSink()
	srv := serve(t, sink, Options{})
	item := `{"source": "Listening · X search \"voltra update\"", "channel": "twitter", "thread_ref": "190001", "id": "190001",
 "author": {"handle": "e5fan", "followers": 4100}, "text": "4.2 update ate 60 km of my range", "public": true,
 "listen": true, "topics": ["reichweite", " update "]}`
	status, body := post(t, srv, "application/json", []byte(item))
	var res Response
	if err := json.Unmarshal(body, &res); status != http.StatusOK || err != nil || res.Listened != 1 || res.Accepted != 0 || res.Cases[0] != "" {
		t.Fatalf("%d %s", status, body)
	}
	if in := sink.items[0]; !in.Listen || !reflect.DeepEqual(in.Keywords, []string{"reichweite", "update"}) || in.Channel != model.ChannelTwitter {
		t.Fatalf("stored %+v", in)
	}
	status, body = post(t, srv, "application/json", []byte(strings.Replace(item, `"listen": true, `, "", 1)))
	if status != http.StatusBadRequest || !strings.Contains(string(body), "topics") {
		t.Fatalf("topics without listen: %d %s", status, body)
	}
}

// A listen item names the brand it was heard for: the hub gets it on the
// inbound (an adopted item's case is that brand's); a brand the hub does
// not answer for on that channel is refused before anything is stored.
func TestListenItemBrand(t *testing.T) {
	sink := newSink()
	known := func(ch model.Channel, brand string) bool { return ch == model.ChannelTwitter && brand == "voltra-at" }
	srv := serve(t, sink, Options{KnownBrand: known})
	item := func(id, brand string) string {
		return `{"source": "Listening tool", "channel": "twitter", "thread_ref": "` + id + `", "id": "` + id + `",
 "author": {"handle": "e5fan"}, "text": "4.2 update ate 60 km of my range", "public": true,
 "listen": true, "topics": ["reichweite"], "brand": "` + brand + `"}`
	}
	status, body := post(t, srv, "application/json", []byte(item("190001", " voltra-at ")))
	if status != http.StatusOK {
		t.Fatalf("%d %s", status, body)
	}
	if in := sink.items[0]; in.Brand != "voltra-at" || !in.Listen {
		t.Fatalf("stored %+v", in)
	}
	status, body = post(t, srv, "application/json", []byte("["+item("190002", "")+","+item("190003", "voltra-ch")+"]"))
	var eb ErrorBody
	if err := json.Unmarshal(body, &eb); status != http.StatusBadRequest || err != nil || eb.Field != "brand" || *eb.Index != 1 {
		t.Fatalf("an unknown brand: %d %s", status, body)
	}
	if len(sink.items) != 1 {
		t.Fatalf("stored %d items after a refusal", len(sink.items))
	}
	status, body = post(t, srv, "application/json", []byte(item("190002", "")))
	if status != http.StatusOK || sink.items[1].Brand != "" {
		t.Fatalf("no brand: %d %s, %+v", status, body, sink.items[1])
	}
}
