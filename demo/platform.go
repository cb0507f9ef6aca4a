package demo

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/connector/forum"
)

// The demo's brand accounts and their (demo-only) secrets. The connectors
// verify webhook signatures with these exactly as with real ones.
const (
	XBrandID        = "9000001"
	XBrandHandle    = "SkyWingsAir"
	XConsumerSecret = "demo-consumer-secret"
	FBPageID        = "104000000001"
	FBPageName      = "Alpenblick Hotels & NordNetz"
	FBAppSecret     = "demo-app-secret"
)

// Experts are the community experts the demo's forums know.
var Experts = []string{"forum:rolandk@autoforum.example"}

// Platform stands in, on loopback, for the platform APIs the connectors
// call: it takes replies (X's POST /2/tweets and DMs, the Graph API's
// comment replies and Messenger Send API) and serves the forums' RSS feeds
// the forum connector polls.
type Platform struct {
	url    string
	next   atomic.Int64
	logger *slog.Logger

	mu    sync.Mutex
	feeds map[string][]rssItem // feed name → items, newest last
	sent  []string             // replies received, "x: text"
}

// demoFeeds are the forums and Q&A sites the demo follows.
var demoFeeds = []struct{ name, title, source, lang string }{
	{"autoforum", "autoforum.example – Voltra E5", srcCar, "de"},
	{"nordnetz", "NordNetz Community", "Forum community.nordnetz.example", "de"},
	{"travel-qa", "travel.stackexchange.example", srcQA, "en"},
}

// StartPlatform serves the demo platforms on a loopback port until ctx ends.
func StartPlatform(ctx context.Context, logger *slog.Logger) (*Platform, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo platform: %w", err)
	}
	p := &Platform{url: "http://" + ln.Addr().String(), logger: logger, feeds: map[string][]rssItem{}}
	p.next.Store(1_870_500_000_000_000_000)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2/tweets", p.tweet)
	mux.HandleFunc("POST /2/dm_conversations/with/{id}/messages", p.dm)
	mux.HandleFunc("GET /2/users/{id}/tweets", p.empty)
	mux.HandleFunc("GET /2/dm_conversations/with/{id}/dm_events", p.empty)
	mux.HandleFunc("POST /{version}/me/messages", p.messenger)
	mux.HandleFunc("POST /{version}/{object}/comments", p.comment)
	mux.HandleFunc("GET /feeds/{name}", p.feed)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("demo platform stopped", "err", err)
		}
	}()
	context.AfterFunc(ctx, func() { srv.Close() })
	return p, nil
}

// URL is the base URL of the demo platforms.
func (p *Platform) URL() string { return p.url }

// Feeds are the forum connector's feeds.
func (p *Platform) Feeds() []forum.Feed {
	var out []forum.Feed
	for _, f := range demoFeeds {
		out = append(out, forum.Feed{Name: f.name, URL: p.url + "/feeds/" + f.name + ".rss", Source: f.source, Lang: f.lang,
			Staff: []string{"NordNetz_Team_Ayse", "Voltra_Support"}})
	}
	return out
}

// Sent lists the replies the platforms received.
func (p *Platform) Sent() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.sent...)
}

func (p *Platform) id() string { return fmt.Sprint(p.next.Add(1)) }

func (p *Platform) record(what string, r *http.Request, text string) {
	p.mu.Lock()
	p.sent = append(p.sent, what+": "+text)
	p.mu.Unlock()
	p.logger.Info("demo platform: reply received", "api", what, "path", r.URL.Path)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (p *Platform) tweet(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Text string `json:"text"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil || body.Text == "" {
		writeJSON(w, 400, map[string]any{"title": "Invalid Request", "detail": "text is required"})
		return
	}
	p.record("x", r, body.Text)
	writeJSON(w, 201, map[string]any{"data": map[string]string{"id": p.id(), "text": body.Text}})
}

func (p *Platform) dm(w http.ResponseWriter, r *http.Request) {
	p.record("x-dm", r, "")
	writeJSON(w, 201, map[string]any{"data": map[string]string{"dm_conversation_id": r.PathValue("id"), "dm_event_id": p.id()}})
}

func (p *Platform) empty(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, 200, map[string]any{"data": []any{}, "meta": map[string]any{"result_count": 0}})
}

func (p *Platform) comment(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("message") == "" {
		writeJSON(w, 400, map[string]any{"error": map[string]any{"message": "(#100) message is required", "type": "OAuthException", "code": 100}})
		return
	}
	p.record("facebook", r, r.PostForm.Get("message"))
	writeJSON(w, 200, map[string]string{"id": r.PathValue("object") + "_" + p.id()})
}

func (p *Platform) messenger(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Recipient struct {
			ID string `json:"id"`
		} `json:"recipient"`
		Message struct {
			Text string `json:"text"`
		} `json:"message"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		writeJSON(w, 400, map[string]any{"error": map[string]any{"message": "bad body", "code": 100}})
		return
	}
	p.record("messenger", r, body.Message.Text)
	writeJSON(w, 200, map[string]string{"recipient_id": body.Recipient.ID, "message_id": "m_" + p.id()})
}

type rssItem struct {
	Title   string `xml:"title"`
	Link    string `xml:"link"`
	GUID    string `xml:"guid"`
	Author  string `xml:"dc:creator"`
	PubDate string `xml:"pubDate"`
	Desc    string `xml:"description"`
}

// Publish adds a post to a demo forum's feed.
func (p *Platform) Publish(feedName, threadURL, postID, author, title, text string, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.feeds[feedName] = append(p.feeds[feedName], rssItem{
		Title: title, Link: threadURL + "#post-" + postID, GUID: threadURL + "#post-" + postID, Author: author,
		PubDate: at.UTC().Format(time.RFC1123Z), Desc: "<p>" + xmlEscape(text) + "</p>",
	})
}

func (p *Platform) feed(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSuffix(r.PathValue("name"), ".rss")
	p.mu.Lock()
	items := append([]rssItem(nil), p.feeds[name]...)
	p.mu.Unlock()
	title := name
	for _, f := range demoFeeds {
		if f.name == name {
			title = f.title
		}
	}
	etag := fmt.Sprintf(`"%s-%d"`, name, len(items))
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	// Newest first, as forums publish them; at most the last 50.
	var out []rssItem
	for i := len(items) - 1; i >= 0 && len(out) < 50; i-- {
		out = append(out, items[i])
	}
	doc := struct {
		XMLName xml.Name `xml:"rss"`
		Version string   `xml:"version,attr"`
		DC      string   `xml:"xmlns:dc,attr"`
		Channel struct {
			Title string    `xml:"title"`
			Link  string    `xml:"link"`
			Items []rssItem `xml:"item"`
		} `xml:"channel"`
	}{Version: "2.0", DC: "http://purl.org/dc/elements/1.1/"}
	doc.Channel.Title, doc.Channel.Link, doc.Channel.Items = title, "https://"+name+".example/", out
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Header().Set("ETag", etag)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(doc)
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\n", "<br/>").Replace(s)
}
