// Package forum brings forum threads, Q&A sites and a brand's topic searches
// into the hub by polling their RSS, Atom or JSON feeds.
//
// Each configured Feed is fetched with a conditional GET (If-None-Match from
// the last ETag, If-Modified-Since from the last Last-Modified; a 304 costs
// nothing), parsed with github.com/mmcdole/gofeed, filtered by the feed's
// include/exclude keywords and handed to a connector.Sink one entry at a
// time, oldest first, so a thread's opening post opens its case. A thread
// one of whose posts matched the include keywords is followed: its later
// posts pass too.
//
// Normalisation of an entry:
//
//   - ThreadRef: the thread's URL, derived from the entry link by the
//     feed's thread rule (Feed.ThreadRule: phpBB, Discourse, vBulletin,
//     XenForo, Stack Exchange, or auto, the default, which tells them apart
//     by the link; see ThreadRef), or by a Feed.Thread regexp. Entries of
//     one thread therefore join one case.
//   - PlatformID: the entry's GUID (Atom id), or its link when it has none.
//     A GUID that is not a URI ("12345") is qualified with the link's host
//     ("forum.example/12345"), so two forums numbering posts alike do not
//     dedupe each other's posts.
//   - Author: Identity{Platform: forum, Handle: "name@host", DisplayName:
//     name}. The host makes the handle unique across forums: "mike" on a car
//     forum and "mike" on a Q&A site are two people, and identities are what
//     CRM records are linked by. An entry without an author is posted by
//     "anonymous@host".
//   - Text: the title, a newline and the content (or description) as plain
//     text: tags dropped, entities decoded, paragraphs and line breaks kept,
//     quoted posts marked "> ".
//   - Time: published, else updated, else the hub's clock; never later
//     than now.
//   - Public true, Source the feed's label, URL the entry link, Lang the
//     feed's configured language or the feed's own <language>.
//   - Direction out for posts by the feed's Staff accounts (the brand's own
//     replies, seen on the forum), in for everybody else. A staff post's
//     author carries the PlatformID StaffID(host): a forum has no ids of
//     people, and this one says the post is the brand's account on that
//     forum (report counts it for the brand, never as an agent).
//
// A feed that fails (an HTML page instead of a feed, a malformed or
// truncated document, a body over Config.MaxBody, an HTTP error) is
// reported in its FeedResult and leaves the other feeds alone. HTML is
// recognised by the body, not by Content-Type alone: a login wall served
// as application/rss+xml is refused, a real feed mislabelled text/html is
// read.
//
// Forums have no reply API: ManualSender answers every reply with ErrManual,
// so the hub marks it manual and the agent posts it by hand.
package forum

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"switchboard/connector"
)

// Feed configures one polled feed. The JSON form is what a hub config file
// holds:
//
//	{"name": "voltra-e5", "url": "https://autoforum.example/forums/voltra-e5.12/index.rss",
//	 "source": "Forum autoforum.example · Voltra E5", "lang": "de",
//	 "include": ["voltra", "e5"], "exclude": ["verkaufe"], "staff": ["Voltra_Support"]}
type Feed struct {
	// Name identifies the feed in results, logs and the persisted State;
	// unique, and best kept stable.
	Name string `json:"name"`
	// URL of the RSS, Atom or JSON feed; http or https.
	URL string `json:"url"`
	// Source is the label agents see on the case ("Forum autoforum.example").
	// Empty: Name.
	Source string `json:"source,omitempty"`
	// Lang is the language of the feed's posts (BCP 47). Empty: the feed's
	// own <language>, if any.
	Lang string `json:"lang,omitempty"`
	// Include keeps only entries whose title or content contains one of
	// these keywords, case-insensitively. Once an entry passes, its
	// thread is followed: later posts of the thread pass without naming
	// a keyword (a reply rarely names the brand again). Empty: every
	// entry.
	Include []string `json:"include,omitempty"`
	// Exclude drops entries containing any of these keywords, in
	// followed threads too; it wins over Include.
	Exclude []string `json:"exclude,omitempty"`
	// Thread is a regular expression with one capture group, matched
	// against the entry link; the group is the thread URL. An entry whose
	// link does not match (or whose group is empty) falls back to the
	// thread rule (ThreadRule).
	Thread string `json:"thread,omitempty"`
	// ThreadRule names the forum engine whose links the feed has, to
	// group its posts into threads: "phpbb", "discourse", "vbulletin",
	// "xenforo", "stackexchange", "generic" (only the generic rule of
	// ThreadRef), or "auto" (the default: the engine is recognised by each
	// link's shape). See rules.go.
	ThreadRule string `json:"thread_rule,omitempty"`
	// Staff are the brand's own accounts on this forum (author names,
	// case-insensitive, a leading "@" ignored): their posts come in as the
	// team's replies (Direction out). They join the case of the thread
	// they are posted in; a staff post in a thread with no case (an
	// announcement) opens none, and a reply an agent posted by hand is
	// recognised in it and not shown twice.
	Staff []string `json:"staff,omitempty"`
	// Listen marks a listen-only feed (a neutral community the brand
	// follows without answering): its posts never open care cases and
	// never offer a reply; the hub logs them for the listening view
	// (docs/listening.md), with the Include keywords each names as topics.
	Listen bool `json:"listen,omitempty"`
	// Brand is the brand the feed is followed for, on a hub serving
	// several (one of its pages' or accounts' brands): every post of the
	// feed carries it (model.Inbound.Brand), so its cases — and a listened
	// post once an agent turns it into one — are that brand's, and their
	// replies are posted by hand as that brand. Empty: no brand.
	Brand string `json:"brand,omitempty"`
}

// StaffPrefix starts the PlatformID of a staff post's author (StaffID).
const StaffPrefix = "staff@"

// StaffID is the PlatformID the author of a staff post on the forum at
// host carries: "staff@" and the host, one id for every staff name there,
// as a page's id is one for every person who answers as the page. The
// figures (report) count such a post as the brand's own account's reply
// made outside Switchboard: a response, but no agent's.
func StaffID(host string) string { return StaffPrefix + host }

// Config configures a Poller. Only Feeds is required.
type Config struct {
	Feeds []Feed
	// Client fetches the feeds. Zero: a client with a 30 s timeout.
	Client *http.Client
	// MaxBody caps a feed's body after decompression; a larger feed is
	// rejected. Zero: 5 MiB.
	MaxBody int64
	// MaxSeen bounds the entry ids remembered per feed; it must exceed the
	// number of entries a feed shows at once. Zero: 2000.
	MaxSeen int
	// MaxText caps a message's text in bytes; longer posts are cut. Keep it
	// at or below the hub's limit. Zero: 64 KiB, the hub's default.
	MaxText int
	// Parallel is how many feeds are fetched at once. Zero: 4.
	Parallel int
	// UserAgent is sent with every request. Zero: "Switchboard-forum/1".
	UserAgent string
	// OnPoll, if set, is called by Run after every poll, for instance to
	// persist State.
	OnPoll func([]FeedResult)
	Logger *slog.Logger     // zero: slog.Default()
	Now    func() time.Time // zero: time.Now
}

// FeedResult reports one feed's part of a poll.
type FeedResult struct {
	Feed string // the feed's Name
	// NotModified: the server answered 304, nothing changed.
	NotModified bool
	// Deferred: not fetched, the server asked to wait (Retry-After).
	Deferred bool
	// Entries is the number of entries in the fetched feed.
	Entries int
	// Passed entries went to the sink; Duplicates of them the sink
	// already had.
	Passed     int
	Duplicates int
	// Filtered entries failed the include/exclude keywords.
	Filtered int
	// Seen entries were passed or filtered at an earlier poll.
	Seen int
	// Invalid entries could not be normalised (no usable link, no text).
	Invalid int
	// Failed entries were refused by the sink; they are tried again at
	// the next poll.
	Failed int
	// Err says why the feed, or some of its entries, failed. Nil when all
	// went well.
	Err error
}

// Poller polls a fixed list of feeds. Its methods are safe for concurrent
// use; polls themselves run one at a time.
type Poller struct {
	cfg    Config
	feeds  []*feed
	client *http.Client

	pollMu sync.Mutex // one poll at a time

	mu    sync.Mutex // guards state
	state map[string]*feedState
}

// feed is a validated Feed with its compiled rules.
type feed struct {
	Feed
	thread  *regexp.Regexp
	rule    string   // a checked ThreadRule
	feedURL *url.URL // the feed's own URL, for rules that read it
	include []string // lower case
	exclude []string // lower case
	staff   map[string]bool
}

// New checks the configuration and builds a Poller with empty state; call
// SetState to resume from a persisted one.
func New(cfg Config) (*Poller, error) {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 5 << 20
	}
	if cfg.MaxSeen <= 0 {
		cfg.MaxSeen = 2000
	}
	if cfg.MaxText <= 0 {
		cfg.MaxText = 64 << 10
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "Switchboard-forum/1"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := &Poller{cfg: cfg, client: cfg.Client, state: map[string]*feedState{}}
	names := map[string]bool{}
	for i, f := range cfg.Feeds {
		cf, err := compileFeed(f)
		if err != nil {
			return nil, fmt.Errorf("forum: feed %d (%q): %w", i, f.Name, err)
		}
		if names[cf.Name] {
			return nil, fmt.Errorf("forum: feed %d: name %q used twice", i, cf.Name)
		}
		names[cf.Name] = true
		p.feeds = append(p.feeds, cf)
		p.state[cf.Name] = newFeedState(cf.URL)
	}
	return p, nil
}

func compileFeed(f Feed) (*feed, error) {
	f.Name = strings.TrimSpace(f.Name)
	if f.Name == "" {
		return nil, errors.New("no name")
	}
	u, err := url.Parse(strings.TrimSpace(f.URL))
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("url %q: want an absolute http or https URL", f.URL)
	}
	f.URL = u.String()
	if strings.TrimSpace(f.Source) == "" {
		f.Source = f.Name
	}
	f.Brand = strings.TrimSpace(f.Brand)
	cf := &feed{Feed: f, feedURL: u, include: keywords(f.Include), exclude: keywords(f.Exclude), staff: map[string]bool{}}
	if cf.rule, err = checkRule(f.ThreadRule); err != nil {
		return nil, err
	}
	if f.Thread != "" {
		re, err := regexp.Compile(f.Thread)
		if err != nil {
			return nil, fmt.Errorf("thread rule: %w", err)
		}
		if re.NumSubexp() != 1 {
			return nil, fmt.Errorf("thread rule %q: want exactly one capture group, have %d", f.Thread, re.NumSubexp())
		}
		cf.thread = re
	}
	for _, s := range f.Staff {
		// "@Voltra_Support" as people write it is the name "Voltra_Support".
		if s = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "@")); s != "" {
			cf.staff[s] = true
		}
	}
	return cf, nil
}

func keywords(in []string) []string {
	var out []string
	for _, k := range in {
		if k = strings.ToLower(strings.TrimSpace(k)); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// PollOnce fetches every feed once and passes new entries to sink. It
// returns one result per configured feed, in configuration order; a failed
// feed does not stop the others.
func (p *Poller) PollOnce(ctx context.Context, sink connector.Sink) []FeedResult {
	p.pollMu.Lock()
	defer p.pollMu.Unlock()
	results := make([]FeedResult, len(p.feeds))
	sem := make(chan struct{}, p.cfg.Parallel)
	var wg sync.WaitGroup
	for i, f := range p.feeds {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i] = p.pollFeed(ctx, f, sink)
		}()
	}
	wg.Wait()
	return results
}

// Run polls at once and then every interval (measured from the end of one
// poll to the start of the next) until ctx ends; it returns ctx's error.
func (p *Poller) Run(ctx context.Context, sink connector.Sink, every time.Duration) error {
	if every <= 0 {
		return fmt.Errorf("forum: poll interval %v, want > 0", every)
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		res := p.PollOnce(ctx, sink)
		if ctx.Err() == nil { // at shutdown every fetch fails: no noise
			p.logResults(res)
		}
		if p.cfg.OnPoll != nil {
			p.cfg.OnPoll(res)
		}
		t.Reset(every)
	}
}

func (p *Poller) logResults(res []FeedResult) {
	for _, r := range res {
		switch {
		case r.Err != nil:
			p.cfg.Logger.Warn("forum: feed failed", "feed", r.Feed, "err", r.Err,
				"passed", r.Passed, "failed", r.Failed)
		case r.Passed > 0:
			p.cfg.Logger.Info("forum: feed polled", "feed", r.Feed, "entries", r.Entries,
				"passed", r.Passed, "duplicates", r.Duplicates, "filtered", r.Filtered, "invalid", r.Invalid)
		default:
			p.cfg.Logger.Debug("forum: feed polled", "feed", r.Feed, "not_modified", r.NotModified,
				"deferred", r.Deferred, "entries", r.Entries, "filtered", r.Filtered, "invalid", r.Invalid)
		}
	}
}

// pollFeed fetches one feed and ingests its new entries. The feed's
// validators (ETag, Last-Modified) are kept only when every entry was
// stored, so a sink failure makes the next poll fetch the feed in full
// and try the failed entries again.
func (p *Poller) pollFeed(ctx context.Context, f *feed, sink connector.Sink) FeedResult {
	res := FeedResult{Feed: f.Name}
	now := p.cfg.Now()

	p.mu.Lock()
	st := p.state[f.Name]
	etag, lastMod, notBefore := st.etag, st.lastMod, st.notBefore
	p.mu.Unlock()

	if now.Before(notBefore) {
		res.Deferred = true
		return res
	}
	fr, err := p.fetch(ctx, f, etag, lastMod)
	if err != nil {
		if !fr.retryAt.IsZero() {
			p.mu.Lock()
			st.notBefore = fr.retryAt
			p.mu.Unlock()
		}
		res.Err = fmt.Errorf("forum: feed %q: %w", f.Name, err)
		return res
	}
	if fr.notModified {
		res.NotModified = true
		return res
	}
	parsed, err := parseFeed(fr.body, fr.contentType, fr.base, f, p.cfg.MaxText, now)
	if err != nil {
		res.Err = fmt.Errorf("forum: feed %q: %w", f.Name, err)
		return res
	}
	res.Entries = len(parsed)
	var firstErr error
	for _, e := range parsed {
		p.mu.Lock()
		seen := e.key != "" && st.seen.has(e.key)
		following := e.err == nil && st.threads.has(e.in.ThreadRef)
		p.mu.Unlock()
		if seen {
			res.Seen++
			continue
		}
		switch {
		case e.err != nil:
			res.Invalid++
			p.cfg.Logger.Debug("forum: entry skipped", "feed", f.Name, "entry", e.key, "reason", e.err)
		case !f.pass(e.filterText, following):
			res.Filtered++
		default:
			if f.Listen {
				e.in.Listen = true
				e.in.Keywords = f.named(e.filterText)
			}
			if f.Brand != "" {
				e.in.Brand = f.Brand
			}
			_, dup, err := sink.Ingest(e.in)
			if err != nil {
				res.Failed++
				if firstErr == nil {
					firstErr = fmt.Errorf("entry %s: %w", e.key, err)
				}
				continue // not marked seen: tried again next poll
			}
			res.Passed++
			if dup {
				res.Duplicates++
			}
			p.mu.Lock()
			st.threads.add(e.in.ThreadRef)
			p.mu.Unlock()
		}
		if e.key != "" {
			p.mu.Lock()
			st.seen.add(e.key)
			p.mu.Unlock()
		}
	}

	p.mu.Lock()
	st.seen.trim(p.cfg.MaxSeen)
	st.threads.trim(p.cfg.MaxSeen)
	st.notBefore = time.Time{}
	if firstErr == nil {
		st.etag, st.lastMod = fr.etag, fr.lastMod
	} else {
		st.etag, st.lastMod = "", ""
	}
	p.mu.Unlock()
	if firstErr != nil {
		res.Err = fmt.Errorf("forum: feed %q: %d of %d entries not stored: %w", f.Name, res.Failed, res.Entries, firstErr)
	}
	return res
}

// named lists the include keywords a lower-cased text contains.
func (f *feed) named(text string) []string {
	var out []string
	for _, k := range f.include {
		if strings.Contains(text, k) {
			out = append(out, k)
		}
	}
	return out
}

// pass applies the feed's keyword filters to an entry's lower-cased text.
// Posts of a thread already followed pass the include keywords: a reply
// rarely names the brand again. Exclude applies to every post.
func (f *feed) pass(text string, following bool) bool {
	for _, k := range f.exclude {
		if strings.Contains(text, k) {
			return false
		}
	}
	if len(f.include) == 0 || following {
		return true
	}
	for _, k := range f.include {
		if strings.Contains(text, k) {
			return true
		}
	}
	return false
}
