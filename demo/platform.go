package demo

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/connector/forum"
	"switchboard/model"
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
// comment replies and Messenger Send API), answers the Messenger User
// Profile API for the demo's people, and serves the forums' RSS feeds the
// forum connector polls.
type Platform struct {
	url    string
	next   atomic.Int64
	logger *slog.Logger

	mu       sync.Mutex
	feeds    map[string][]rssItem // feed name → items, newest last
	sent     []string             // replies received, "x: text"
	profiles map[string]string    // PSID → name the generator gave the sender
}

// SetProfile makes the Messenger profile of psid answer with name: the
// name the generator chose for that sender.
func (p *Platform) SetProfile(psid, name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.profiles == nil {
		p.profiles = map[string]string{}
	}
	p.profiles[psid] = name
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
	p.seedListening(time.Now())
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2/tweets", p.tweet)
	mux.HandleFunc("POST /2/dm_conversations/with/{id}/messages", p.dm)
	mux.HandleFunc("GET /2/users/{id}/tweets", p.empty)
	mux.HandleFunc("GET /2/dm_conversations/with/{id}/dm_events", p.empty)
	mux.HandleFunc("POST /{version}/me/messages", p.messenger)
	mux.HandleFunc("POST /{version}/{object}/comments", p.comment)
	mux.HandleFunc("GET /{version}/{psid}", p.profile)
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
	return append(out, p.listenFeeds()...)
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

// profile answers the Messenger User Profile API,
// GET /{version}/{PSID}?fields=first_name,last_name&access_token=…, as the
// Graph API does: the fields asked for and the id, or a Graph error.
func (p *Platform) profile(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("access_token") == "" {
		writeJSON(w, 400, map[string]any{"error": map[string]any{"message": "An access token is required to request this resource.", "type": "OAuthException", "code": 104}})
		return
	}
	psid := r.PathValue("psid")
	p.mu.Lock()
	given := p.profiles[psid]
	p.mu.Unlock()
	first, last, ok := demoProfile(psid, given)
	if !ok {
		writeJSON(w, 400, map[string]any{"error": map[string]any{"type": "GraphMethodException", "code": 100, "error_subcode": 33,
			"message": fmt.Sprintf("Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", psid)}})
		return
	}
	out := map[string]string{"id": psid}
	fields := q.Get("fields")
	if fields == "" {
		fields = "name" // the Graph API's default fields: id and name
	}
	for _, f := range strings.Split(fields, ",") {
		switch f = strings.TrimSpace(f); f {
		case "first_name":
			out[f] = first
		case "last_name":
			out[f] = last
		case "name":
			out[f] = strings.TrimSpace(first + " " + last)
		}
	}
	writeJSON(w, 200, out)
}

// demoProfile is the first and last name behind a PSID of the demo: the
// scripted people under their scenario names, and the people the demo
// invents (numeric PSIDs it draws at random) under a name derived from
// the PSID, so the same person keeps the same name. The page itself and
// anything not numeric has no profile.
func demoProfile(psid, given string) (first, last string, ok bool) {
	if psid == "" || psid == FBPageID || strings.Trim(psid, "0123456789") != "" {
		return "", "", false
	}
	name, ok := scenarioPeople()[psid]
	if !ok && given != "" {
		name, ok = given, true
	}
	if !ok {
		h := fnv.New32a()
		h.Write([]byte(psid))
		names := append(append([]string(nil), namesEN...), namesDE...)
		name = names[h.Sum32()%uint32(len(names))]
	}
	// Facebook keeps the given names in first_name, the family name in
	// last_name.
	if i := strings.LastIndexByte(name, ' '); i > 0 {
		return name[:i], name[i+1:], true
	}
	return name, "", true
}

// scenarioPeople maps the PSIDs of the scripted Facebook people to their
// names.
var scenarioPeople = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, ps := range [][]seedPost{backlog, followUps} {
		for _, p := range ps {
			if p.ch == model.ChannelFacebook && !p.out && p.author.PlatformID != "" && p.author.PlatformID != FBPageID {
				m[p.author.PlatformID] = p.author.DisplayName
			}
		}
	}
	return m
})

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
