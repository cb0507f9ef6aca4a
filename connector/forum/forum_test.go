package forum

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"switchboard/connector"
	"switchboard/model"
)

// fakeSink records items and answers like the hub: one case per channel
// and thread ref, dup for a platform id it has, and the hub's validation.
type fakeSink struct {
	mu      sync.Mutex
	items   []model.Inbound
	cases   map[string]string // channel|thread → case id
	seen    map[string]string // channel|platform id → case id
	failFor map[string]error  // platform id → error to return once
}

func newSink() *fakeSink {
	return &fakeSink{cases: map[string]string{}, seen: map[string]string{}, failFor: map[string]error{}}
}

func (s *fakeSink) Ingest(in model.Inbound) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err, ok := s.failFor[in.PlatformID]; ok {
		delete(s.failFor, in.PlatformID)
		return "", false, err
	}
	switch {
	case !in.Channel.Valid(), strings.TrimSpace(in.ThreadRef) == "", strings.TrimSpace(in.Author.Handle) == "",
		strings.TrimSpace(in.Text) == "", !utf8.ValidString(in.Text):
		return "", false, fmt.Errorf("invalid inbound %+v", in)
	}
	if id, ok := s.seen[string(in.Channel)+"|"+in.PlatformID]; ok {
		return id, true, nil
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

func (s *fakeSink) got() []model.Inbound {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]model.Inbound(nil), s.items...)
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// feedServer serves named bodies with validators and records the
// conditional headers of every request.
type feedServer struct {
	*httptest.Server
	mu   sync.Mutex
	docs map[string]doc
	reqs []http.Header
}

type doc struct {
	body        []byte
	contentType string
	etag        string
	lastMod     string
	status      int // 0: 200 with conditional GET support
	header      map[string]string
}

func newFeedServer(t *testing.T) *feedServer {
	fs := &feedServer{docs: map[string]doc{}}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		d, ok := fs.docs[r.URL.Path]
		fs.reqs = append(fs.reqs, r.Header.Clone())
		fs.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		for k, v := range d.header {
			w.Header().Set(k, v)
		}
		if d.status != 0 {
			w.WriteHeader(d.status)
			return
		}
		if d.etag != "" {
			w.Header().Set("ETag", d.etag)
			if r.Header.Get("If-None-Match") == d.etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		if d.lastMod != "" {
			w.Header().Set("Last-Modified", d.lastMod)
			if d.etag == "" && r.Header.Get("If-Modified-Since") == d.lastMod {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		w.Header().Set("Content-Type", d.contentType)
		w.Write(d.body)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) put(path string, d doc) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.docs[path] = d
}

func (fs *feedServer) requests() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.reqs)
}

func (fs *feedServer) lastRequest() http.Header {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.reqs[len(fs.reqs)-1]
}

var testNow = time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)

func newPoller(t *testing.T, feeds ...Feed) *Poller {
	t.Helper()
	p, err := New(Config{Feeds: feeds, Now: func() time.Time { return testNow }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const voltraThread = "https://autoforum.example/threads/4-2-update-reichweite-deutlich-gesunken.88120"

func TestPollXenForoFeed(t *testing.T) {
	fs := newFeedServer(t)
	fs.put("/forums/voltra-e5.12/index.rss", doc{body: fixture(t, "xenforo_posts.rss"), contentType: "application/rss+xml; charset=utf-8"})
	p := newPoller(t, Feed{
		Name: "voltra", URL: fs.URL + "/forums/voltra-e5.12/index.rss", Source: "Forum autoforum.example · Voltra E5",
		Include: []string{"VOLTRA", "e5"}, Exclude: []string{"Verkaufe"}, Staff: []string{"voltra_support"},
	})
	sink := newSink()
	res := p.PollOnce(context.Background(), sink)
	if len(res) != 1 {
		t.Fatalf("results %+v", res)
	}
	r := res[0]
	if r.Err != nil || r.Entries != 5 || r.Passed != 3 || r.Filtered != 2 || r.Invalid != 0 || r.Duplicates != 0 {
		t.Fatalf("result %+v", r)
	}
	got := sink.got()
	wantAuthors := []string{"e5_driver_bo", "Voltra_Support", "RolandK"} // oldest first
	for i, in := range got {
		if in.Author.DisplayName != wantAuthors[i] || in.Author.Handle != wantAuthors[i]+"@autoforum.example" || in.Author.Platform != model.ChannelForum {
			t.Errorf("item %d author %+v, want %s", i, in.Author, wantAuthors[i])
		}
		if in.ThreadRef != voltraThread {
			t.Errorf("item %d thread %q, want %q", i, in.ThreadRef, voltraThread)
		}
		if in.Channel != model.ChannelForum || !in.Public || in.Source != "Forum autoforum.example · Voltra E5" || in.Lang != "de-DE" {
			t.Errorf("item %d: %+v", i, in)
		}
	}
	if len(sink.cases) != 1 {
		t.Errorf("three posts of one thread made %d cases", len(sink.cases))
	}

	first := got[0]
	wantText := "4.2-Update: Reichweite deutlich gesunken\n" +
		"Hallo,\nseit dem 4.2-Update schafft mein E5 nur noch 310 km statt 380 km :(\n\n" +
		"Was ich schon probiert habe:\n\n- Akku bis 100 % geladen\n- Klima aus & Eco-Modus\n\n" +
		"Hat noch jemand das Problem?"
	if first.Text != wantText {
		t.Errorf("text\n%q\nwant\n%q", first.Text, wantText)
	}
	if first.PlatformID != "autoforum.example/1200301" ||
		first.URL != "https://autoforum.example/threads/4-2-update-reichweite-deutlich-gesunken.88120/" ||
		!first.Time.Equal(time.Date(2026, 11, 23, 12, 5, 44, 0, time.UTC)) || first.Direction != model.DirectionIn {
		t.Errorf("first %+v", first)
	}
	if got[1].Direction != model.DirectionOut {
		t.Errorf("staff post direction %q, want out", got[1].Direction)
	}
	// The staff post is the brand's account on the forum (report counts it
	// for the brand); a member's post carries no id.
	if got[1].Author.PlatformID != "staff@autoforum.example" || got[0].Author.PlatformID != "" || got[2].Author.PlatformID != "" {
		t.Errorf("author ids %q %q %q, want only the staff post's staff@autoforum.example",
			got[0].Author.PlatformID, got[1].Author.PlatformID, got[2].Author.PlatformID)
	}
	wantQuote := "4.2-Update: Reichweite deutlich gesunken\n" +
		"> e5_driver_bo hat geschrieben:\n> Seit dem Update schafft er nur noch 310 km.\n\n" +
		"Das liegt am neuen Batterie-Puffer. Stell unter Laden > Akku die Option \"Reise\" ein, dann sind es wieder ~360 km.\n\nGruß, Roland"
	if got[2].Text != wantQuote {
		t.Errorf("reply text\n%q\nwant\n%q", got[2].Text, wantQuote)
	}
	if got[2].URL != "https://autoforum.example/threads/4-2-update-reichweite-deutlich-gesunken.88120/page-2#post-1200377" {
		t.Errorf("reply URL %q", got[2].URL)
	}

	// The server ignores nothing here, but the poller must not resend
	// what it has seen even when a feed is served in full again.
	fs.put("/forums/voltra-e5.12/index.rss", doc{body: fixture(t, "xenforo_posts.rss"), contentType: "application/rss+xml"})
	r = p.PollOnce(context.Background(), sink)[0]
	if r.Err != nil || r.Passed != 0 || r.Seen != 5 || len(sink.got()) != 3 {
		t.Fatalf("second poll %+v, items %d", r, len(sink.got()))
	}
}

func TestPollAtomQA(t *testing.T) {
	fs := newFeedServer(t)
	fs.put("/feeds/tag/alpenblick", doc{body: fixture(t, "stackexchange_tag.atom"), contentType: "application/atom+xml; charset=utf-8"})
	p := newPoller(t, Feed{Name: "se", URL: fs.URL + "/feeds/tag/alpenblick", Source: "Q&A travel.stackexchange.example", Lang: "en", Include: []string{"alpenblick"}})
	sink := newSink()
	r := p.PollOnce(context.Background(), sink)[0]
	if r.Err != nil || r.Passed != 2 {
		t.Fatalf("result %+v", r)
	}
	got := sink.got()
	q := got[0] // published first
	if q.PlatformID != "https://travel.stackexchange.example/q/190233" ||
		q.ThreadRef != "https://travel.stackexchange.example/questions/190233/alpenblick-cancellation-policy-for-non-refundable-rates-after-a-flight-cancellation" ||
		q.Author.Handle != "Priya N.@travel.stackexchange.example" || q.Author.DisplayName != "Priya N." || q.Lang != "en" ||
		!q.Time.Equal(time.Date(2026, 11, 23, 15, 2, 31, 0, time.UTC)) {
		t.Errorf("question %+v", q)
	}
	want := "Alpenblick cancellation policy for non-refundable rates after a flight cancellation\n" +
		"My flight was cancelled by the airline; the hotel says the rate is non-refundable.\n\n" +
		"> Non-refundable rates cannot be changed or cancelled.\n\n" +
		"Any experience with getting a goodwill refund?"
	if q.Text != want {
		t.Errorf("text\n%q\nwant\n%q", q.Text, want)
	}
	if !strings.Contains(got[1].Text, "7.4 m camper van. The hotel's website") {
		t.Errorf("entities not decoded: %q", got[1].Text)
	}
	if len(sink.cases) != 2 {
		t.Errorf("two questions made %d cases", len(sink.cases))
	}
}

func TestPollDiscourseLatest(t *testing.T) {
	fs := newFeedServer(t)
	fs.put("/latest.rss", doc{body: fixture(t, "discourse_latest.rss"), contentType: "application/rss+xml; charset=utf-8"})
	p := newPoller(t, Feed{Name: "nordnetz", URL: fs.URL + "/latest.rss", Lang: "de"})
	sink := newSink()
	r := p.PollOnce(context.Background(), sink)[0]
	if r.Err != nil || r.Passed != 2 {
		t.Fatalf("result %+v", r)
	}
	j := sink.got()[0] // 13 Nov, older
	if j.Author.Handle != "JuliaK_HH@community.nordnetz.example" ||
		j.ThreadRef != "https://community.nordnetz.example/t/umzug-nach-hamburg-kundigung-wird-nicht-bestatigt/3391" ||
		j.PlatformID != "community.nordnetz.example/community.nordnetz.example-topic-3391" ||
		j.Source != "nordnetz" || j.Lang != "de" {
		t.Errorf("topic %+v", j)
	}
	if !strings.HasPrefix(j.Text, "Umzug nach Hamburg – Kündigung wird nicht bestätigt\nHallo zusammen, ich ziehe zum 1.12.") || strings.ContainsAny(j.Text, "<>") {
		t.Errorf("text %q", j.Text)
	}
}

func TestConditionalGet(t *testing.T) {
	for _, tc := range []struct {
		name          string
		etag, lastMod string
	}{
		{"etag and last-modified", `"xf-9f3a"`, "Mon, 23 Nov 2026 14:30:05 GMT"},
		{"last-modified only", "", "Mon, 23 Nov 2026 14:30:05 GMT"},
		{"etag only", `W/"3391-17"`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := newFeedServer(t)
			fs.put("/f.rss", doc{body: fixture(t, "discourse_latest.rss"), contentType: "application/rss+xml", etag: tc.etag, lastMod: tc.lastMod})
			p := newPoller(t, Feed{Name: "f", URL: fs.URL + "/f.rss"})
			sink := newSink()
			if r := p.PollOnce(context.Background(), sink)[0]; r.Err != nil || r.Passed != 2 || r.NotModified {
				t.Fatalf("first poll %+v", r)
			}
			if h := fs.lastRequest(); h.Get("If-None-Match") != "" || h.Get("If-Modified-Since") != "" {
				t.Fatalf("first request was conditional: %v", h)
			}
			r := p.PollOnce(context.Background(), sink)[0]
			h := fs.lastRequest()
			if h.Get("If-None-Match") != tc.etag || h.Get("If-Modified-Since") != tc.lastMod {
				t.Errorf("second request If-None-Match %q If-Modified-Since %q, want %q %q",
					h.Get("If-None-Match"), h.Get("If-Modified-Since"), tc.etag, tc.lastMod)
			}
			if r.Err != nil || !r.NotModified || r.Passed != 0 || r.Entries != 0 || len(sink.got()) != 2 {
				t.Errorf("second poll %+v, items %d", r, len(sink.got()))
			}
		})
	}

	t.Run("changed feed", func(t *testing.T) {
		fs := newFeedServer(t)
		fs.put("/f.rss", doc{body: fixture(t, "xenforo_posts.rss"), contentType: "application/rss+xml", etag: `"v1"`})
		p := newPoller(t, Feed{Name: "f", URL: fs.URL + "/f.rss"})
		sink := newSink()
		p.PollOnce(context.Background(), sink)
		body := strings.Replace(string(fixture(t, "xenforo_posts.rss")), "<item>", `<item>
      <title>Voltra E5 lädt nicht an Wallbox</title>
      <pubDate>Mon, 23 Nov 2026 15:00:00 +0000</pubDate>
      <link>https://autoforum.example/threads/voltra-e5-laedt-nicht.88140/</link>
      <guid isPermaLink="false">1200400</guid>
      <dc:creator>neu_hier</dc:creator>
      <content:encoded><![CDATA[<div class="bbWrapper">Wallbox zeigt Fehler F3.</div>]]></content:encoded>
    </item>
    <item>`, 1)
		fs.put("/f.rss", doc{body: []byte(body), contentType: "application/rss+xml", etag: `"v2"`})
		r := p.PollOnce(context.Background(), sink)[0]
		if fs.lastRequest().Get("If-None-Match") != `"v1"` {
			t.Errorf("sent If-None-Match %q", fs.lastRequest().Get("If-None-Match"))
		}
		if r.Err != nil || r.Passed != 1 || r.Seen != 5 {
			t.Fatalf("poll after change %+v", r)
		}
		if last := sink.got()[len(sink.got())-1]; last.Author.Handle != "neu_hier@autoforum.example" || last.Text != "Voltra E5 lädt nicht an Wallbox\nWallbox zeigt Fehler F3." {
			t.Errorf("new entry %+v", last)
		}
		if p.State().Feeds["f"].ETag != `"v2"` {
			t.Errorf("state %+v", p.State().Feeds["f"])
		}
	})
}

// TestBrokenFeedsIsolated polls good and broken feeds together: every
// broken one fails with a reason of its own, the good one delivers.
func TestBrokenFeedsIsolated(t *testing.T) {
	fs := newFeedServer(t)
	html := fixture(t, "cloudflare_challenge.html")
	fs.put("/good.rss", doc{body: fixture(t, "xenforo_posts.rss"), contentType: "application/rss+xml"})
	fs.put("/html", doc{body: html, contentType: "text/html; charset=UTF-8"})
	fs.put("/html-as-rss", doc{body: html, contentType: "application/rss+xml"})
	fs.put("/truncated.rss", doc{body: fixture(t, "truncated.rss"), contentType: "application/rss+xml"})
	huge := hugeFeed(6 << 20)
	fs.put("/huge.rss", doc{body: huge, contentType: "application/rss+xml", header: map[string]string{"Content-Length": strconv.Itoa(len(huge))}})
	fs.put("/gone.rss", doc{status: http.StatusGone})
	fs.put("/text.txt", doc{body: []byte("hello, this is not a feed"), contentType: "text/plain"})

	mux := http.NewServeMux()
	// A body streamed without Content-Length, so only the read limit
	// catches it.
	mux.HandleFunc("/huge-chunked.rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		bw := bufio.NewWriter(w)
		body := hugeFeed(6 << 20)
		for i := 0; i < len(body); i += 64 << 10 {
			bw.Write(body[i:min(i+64<<10, len(body))])
			bw.Flush()
			w.(http.Flusher).Flush()
		}
	})
	// A body cut in transit: Content-Length promises more than comes.
	mux.HandleFunc("/cut.rss", func(w http.ResponseWriter, r *http.Request) {
		body := fixture(t, "xenforo_posts.rss")
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body[:1000])
		conn, buf, _ := w.(http.Hijacker).Hijack()
		buf.Flush()
		conn.Close()
	})
	other := httptest.NewServer(mux)
	defer other.Close()

	feeds := []Feed{
		{Name: "html", URL: fs.URL + "/html"},
		{Name: "html-as-rss", URL: fs.URL + "/html-as-rss"},
		{Name: "good", URL: fs.URL + "/good.rss", Include: []string{"reichweite"}},
		{Name: "truncated", URL: fs.URL + "/truncated.rss"},
		{Name: "huge", URL: fs.URL + "/huge.rss"},
		{Name: "huge-chunked", URL: other.URL + "/huge-chunked.rss"},
		{Name: "cut", URL: other.URL + "/cut.rss"},
		{Name: "gone", URL: fs.URL + "/gone.rss"},
		{Name: "text", URL: fs.URL + "/text.txt"},
	}
	p := newPoller(t, feeds...)
	sink := newSink()
	res := p.PollOnce(context.Background(), sink)
	want := map[string]string{
		"html":         "got an HTML page",
		"html-as-rss":  "got an HTML page",
		"truncated":    "malformed or truncated",
		"huge":         "limit 5242880",
		"huge-chunked": "larger than the limit of 5242880 bytes",
		"cut":          "truncated in transit",
		"gone":         "HTTP 410",
		"text":         "not an RSS, Atom or JSON feed",
	}
	for i, r := range res {
		if r.Feed != feeds[i].Name {
			t.Fatalf("result %d is for %q, want %q", i, r.Feed, feeds[i].Name)
		}
		if r.Feed == "good" {
			if r.Err != nil || r.Passed != 3 {
				t.Errorf("good feed %+v", r)
			}
			continue
		}
		if r.Err == nil || !strings.Contains(r.Err.Error(), want[r.Feed]) || !strings.Contains(r.Err.Error(), fmt.Sprintf("%q", r.Feed)) {
			t.Errorf("feed %s: err %v, want one naming the feed and %q", r.Feed, r.Err, want[r.Feed])
		}
		if r.Passed != 0 {
			t.Errorf("feed %s passed %d entries", r.Feed, r.Passed)
		}
	}
	if n := len(sink.got()); n != 3 {
		t.Errorf("sink got %d items, want the good feed's 3", n)
	}
}

// hugeFeed is a well-formed RSS document of at least n bytes.
func hugeFeed(n int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>big</title>`)
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "<item><title>t%d</title><link>https://big.example/t/%d</link><description>%s</description></item>", i, i, strings.Repeat("x", 4000))
	}
	b.WriteString("</channel></rss>")
	return []byte(b.String())
}

func TestRetryAfterDefersFeed(t *testing.T) {
	fs := newFeedServer(t)
	fs.put("/busy.rss", doc{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "120"}})
	now := testNow
	p, err := New(Config{Feeds: []Feed{{Name: "busy", URL: fs.URL + "/busy.rss"}}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	sink := newSink()
	if r := p.PollOnce(context.Background(), sink)[0]; r.Err == nil || !strings.Contains(r.Err.Error(), "HTTP 429") {
		t.Fatalf("first poll %+v", r)
	}
	if nb := p.State().Feeds["busy"].NotBefore; !nb.Equal(testNow.Add(2 * time.Minute)) {
		t.Errorf("not before %v", nb)
	}
	requests := fs.requests()
	now = testNow.Add(time.Minute)
	if r := p.PollOnce(context.Background(), sink)[0]; !r.Deferred || r.Err != nil {
		t.Errorf("poll within Retry-After %+v", r)
	}
	if fs.requests() != requests {
		t.Error("deferred feed was fetched")
	}
	fs.put("/busy.rss", doc{body: fixture(t, "discourse_latest.rss"), contentType: "application/rss+xml"})
	now = testNow.Add(3 * time.Minute)
	if r := p.PollOnce(context.Background(), sink)[0]; r.Deferred || r.Err != nil || r.Passed != 2 {
		t.Errorf("poll after Retry-After %+v", r)
	}
	if nb := p.State().Feeds["busy"].NotBefore; !nb.IsZero() {
		t.Errorf("not before kept: %v", nb)
	}
}

// A sink failure leaves the entry unseen and drops the validators, so the
// next poll fetches the feed in full and delivers the entry.
func TestSinkFailureRetried(t *testing.T) {
	fs := newFeedServer(t)
	fs.put("/f.rss", doc{body: fixture(t, "discourse_latest.rss"), contentType: "application/rss+xml", etag: `"e1"`})
	p := newPoller(t, Feed{Name: "f", URL: fs.URL + "/f.rss"})
	sink := newSink()
	sink.failFor["community.nordnetz.example/community.nordnetz.example-topic-3402"] = errors.New("log: disk full")
	r := p.PollOnce(context.Background(), sink)[0]
	if r.Err == nil || !strings.Contains(r.Err.Error(), "disk full") || r.Failed != 1 || r.Passed != 1 {
		t.Fatalf("poll %+v", r)
	}
	if st := p.State().Feeds["f"]; st.ETag != "" || len(st.Seen) != 1 {
		t.Errorf("state after failure %+v", st)
	}
	r = p.PollOnce(context.Background(), sink)[0]
	if fs.lastRequest().Get("If-None-Match") != "" {
		t.Error("conditional GET after a failed entry")
	}
	if r.Err != nil || r.Passed != 1 || r.Seen != 1 || len(sink.got()) != 2 {
		t.Errorf("retry poll %+v", r)
	}
	if p.State().Feeds["f"].ETag != `"e1"` {
		t.Error("validator not kept after a clean poll")
	}
}

func TestStatePersistence(t *testing.T) {
	fs := newFeedServer(t)
	// The server ignores conditional requests: only the seen ids keep old
	// entries from being passed again.
	fs.put("/f.rss", doc{body: fixture(t, "xenforo_posts.rss"), contentType: "application/rss+xml",
		header: map[string]string{"ETag": `"s1"`, "Last-Modified": "Mon, 23 Nov 2026 14:30:05 GMT"}})
	feed := Feed{Name: "f", URL: fs.URL + "/f.rss"}
	p := newPoller(t, feed)
	p.PollOnce(context.Background(), newSink())

	raw, err := json.Marshal(p.State())
	if err != nil {
		t.Fatal(err)
	}
	var st State
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	if fst := st.Feeds["f"]; fst.ETag != `"s1"` || fst.LastModified != "Mon, 23 Nov 2026 14:30:05 GMT" || len(fst.Seen) != 5 || fst.URL != feed.URL {
		t.Fatalf("persisted %s", raw)
	}

	p2 := newPoller(t, feed)
	p2.SetState(st)
	sink := newSink()
	r := p2.PollOnce(context.Background(), sink)[0]
	if h := fs.lastRequest(); h.Get("If-None-Match") != `"s1"` || h.Get("If-Modified-Since") != "Mon, 23 Nov 2026 14:30:05 GMT" {
		t.Errorf("restored poller sent %v", h)
	}
	if r.Passed != 0 || r.Seen != 5 || len(sink.got()) != 0 {
		t.Errorf("restored poller resent entries: %+v", r)
	}

	// A feed whose URL changed keeps its seen ids, not its validators.
	moved := Feed{Name: "f", URL: fs.URL + "/f.rss?v=2"}
	p3 := newPoller(t, moved)
	p3.SetState(st)
	r = p3.PollOnce(context.Background(), sink)[0]
	if fs.lastRequest().Get("If-None-Match") != "" || r.Seen != 5 {
		t.Errorf("moved feed: request %v, result %+v", fs.lastRequest(), r)
	}
}

// A thread followed before a restart lets a keyword-less reply through
// after it.
func TestFollowedThreadSurvivesRestart(t *testing.T) {
	fs := newFeedServer(t)
	full := string(fixture(t, "xenforo_posts.rss"))
	// Only the opening post, which names the E5.
	opening := full[:strings.Index(full, "<item>")] + full[strings.LastIndex(full, "<item>"):]
	fs.put("/f.rss", doc{body: []byte(opening), contentType: "application/rss+xml"})
	feed := Feed{Name: "f", URL: fs.URL + "/f.rss", Include: []string{"e5"}}
	p := newPoller(t, feed)
	if r := p.PollOnce(context.Background(), newSink())[0]; r.Passed != 1 {
		t.Fatalf("first poll %+v", r)
	}
	st := p.State()
	if th := st.Feeds["f"].Threads; len(th) != 1 || th[0] != voltraThread {
		t.Fatalf("threads %v", th)
	}
	p2 := newPoller(t, feed)
	p2.SetState(st)
	fs.put("/f.rss", doc{body: []byte(full), contentType: "application/rss+xml"})
	sink := newSink()
	r := p2.PollOnce(context.Background(), sink)[0]
	// The two replies follow the thread; the ad names the E5 too, the
	// tyre thread names nothing.
	if r.Passed != 3 || r.Seen != 1 || r.Filtered != 1 {
		t.Errorf("after restart %+v", r)
	}
}

func TestSeenIsBounded(t *testing.T) {
	fs := newFeedServer(t)
	fs.put("/f.rss", doc{body: fixture(t, "xenforo_posts.rss"), contentType: "application/rss+xml"})
	p, err := New(Config{Feeds: []Feed{{Name: "f", URL: fs.URL + "/f.rss"}}, MaxSeen: 3})
	if err != nil {
		t.Fatal(err)
	}
	p.PollOnce(context.Background(), newSink())
	seen := p.State().Feeds["f"].Seen
	// Oldest first: the two oldest of five are forgotten.
	want := []string{"autoforum.example/1200344", "autoforum.example/1200350", "autoforum.example/1200377"}
	if strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Errorf("seen %v, want %v", seen, want)
	}
	p.SetState(State{Feeds: map[string]FeedState{"f": {URL: fs.URL + "/f.rss", Seen: []string{"a", "b", "c", "d", "e"}}}})
	if seen := p.State().Feeds["f"].Seen; strings.Join(seen, ",") != "c,d,e" {
		t.Errorf("restored seen %v", seen)
	}
}

func TestRun(t *testing.T) {
	fs := newFeedServer(t)
	fs.put("/f.rss", doc{body: fixture(t, "discourse_latest.rss"), contentType: "application/rss+xml", etag: `"r"`})
	polls := make(chan []FeedResult, 10)
	p, err := New(Config{Feeds: []Feed{{Name: "f", URL: fs.URL + "/f.rss"}}, OnPoll: func(r []FeedResult) { polls <- r },
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	sink := newSink()
	go func() { done <- p.Run(ctx, sink, 10*time.Millisecond) }()
	first := <-polls
	second := <-polls
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
	if first[0].Passed != 2 || !second[0].NotModified {
		t.Errorf("polls %+v then %+v", first, second)
	}
	if err := p.Run(context.Background(), sink, 0); err == nil {
		t.Error("Run with a zero interval")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name  string
		feeds []Feed
		want  string
	}{
		{"no name", []Feed{{URL: "https://a.example/f"}}, "no name"},
		{"relative url", []Feed{{Name: "a", URL: "/f.rss"}}, "absolute http"},
		{"ftp", []Feed{{Name: "a", URL: "ftp://a.example/f"}}, "absolute http"},
		{"duplicate", []Feed{{Name: "a", URL: "https://a.example/f"}, {Name: "a", URL: "https://b.example/f"}}, "used twice"},
		{"bad regexp", []Feed{{Name: "a", URL: "https://a.example/f", Thread: "("}}, "thread rule"},
		{"no group", []Feed{{Name: "a", URL: "https://a.example/f", Thread: `^https://a\.example/t/\d+`}}, "one capture group"},
		{"two groups", []Feed{{Name: "a", URL: "https://a.example/f", Thread: `(a)(b)`}}, "one capture group"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(Config{Feeds: tc.feeds}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func TestManualSender(t *testing.T) {
	var s connector.Sender = ManualSender{}
	id, err := s.Send(context.Background(), connector.Reply{Key: "op-1", Channel: model.ChannelForum, ThreadRef: voltraThread, Text: "Hallo!"})
	if id != "" || !errors.Is(err, ErrManual) || !connector.IsPermanent(err) || !strings.Contains(err.Error(), voltraThread) {
		t.Errorf("Send = %q, %v", id, err)
	}
}
