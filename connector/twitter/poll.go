package twitter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"switchboard/connector"
	"switchboard/model"
)

// The fields a mentions page asks for (GET /2/users/:id/mentions).
const (
	mentionTweetFields = "created_at,conversation_id,in_reply_to_user_id,public_metrics,author_id"
	mentionExpansions  = "author_id"
	mentionUserFields  = "username,name,verified,public_metrics,description,url"
)

// rateGrace is added to x-rate-limit-reset: it has one-second resolution
// and clocks differ a little.
const rateGrace = time.Second

// fallbackBackoff is the wait after a 429 that names no reset time.
const fallbackBackoff = time.Minute

// Poller reads the brand's mentions timeline (or, made by
// NewSearchPoller, an X recent search) and passes new tweets to a sink. It remembers the newest tweet id seen as the next since_id; the
// hub persists it (State, SetState, Config.OnState) so a restart neither
// re-reads nor skips mentions.
type Poller struct {
	cfg Config

	pollMu sync.Mutex // one poll at a time

	// search, when set, makes this a search poller (search.go): it reads
	// X's recent search for the query instead of the mentions timeline.
	search *search

	mu           sync.Mutex // guards the fields below
	sinceID      string
	blockedUntil time.Time

	// sleep waits d or until ctx ends; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// NewPoller builds a Poller; cfg needs UserID and BearerToken.
func NewPoller(cfg Config) (*Poller, error) {
	cfg, err := cfg.withDefaults("bearer token", cfg.BearerToken)
	if err != nil {
		return nil, err
	}
	return &Poller{cfg: cfg, sleep: sleepCtx}, nil
}

// State returns the since_id of the next poll: the newest mention id
// passed on so far ("" before the first poll).
func (p *Poller) State() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sinceID
}

// SetState restores a since_id persisted by the hub; "" starts afresh
// (the first poll then reads as far back as X allows).
func (p *Poller) SetState(sinceID string) error {
	if sinceID != "" && !isID(sinceID) {
		return fmt.Errorf("twitter: since_id %q is not a tweet id", sinceID)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sinceID = sinceID
	return nil
}

// Run polls every interval until ctx ends, and returns ctx's error. After
// a 429 (or an exhausted window) it makes no call before
// x-rate-limit-reset. Other errors are logged and retried next interval.
func (p *Poller) Run(ctx context.Context, sink connector.Sink, every time.Duration) error {
	if every <= 0 {
		every = time.Minute
	}
	for {
		err := p.PollOnce(ctx, sink)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := every
		var rl *RateLimitError
		switch {
		case errors.As(err, &rl):
			if d := rl.Reset.Sub(p.cfg.Now()) + rateGrace; d > wait {
				wait = d
			}
			p.log().Warn("rate limited", "reset", rl.Reset.UTC(), "wait", wait)
		case err != nil:
			p.log().Warn("poll failed", "err", err)
		}
		if err := p.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// PollOnce reads the mentions newer than State, all pages, and passes them
// to sink oldest first. since_id moves only when every page was read and
// every tweet taken, so a failed poll is repeated in full next time (the
// sink drops what it already has). A sink error wrapped with
// connector.Permanent skips that tweet; any other stops the poll.
func (p *Poller) PollOnce(ctx context.Context, sink connector.Sink) error {
	p.pollMu.Lock()
	defer p.pollMu.Unlock()
	p.mu.Lock()
	since, blocked := p.sinceID, p.blockedUntil
	p.mu.Unlock()
	if p.cfg.Now().Before(blocked) {
		return &RateLimitError{Path: p.path(), Reset: blocked}
	}

	var (
		tweets   []v2Tweet
		users    = map[string]v2User{}
		newest   = since
		token    string
		fetchErr error
		complete bool
	)
	for page := 0; page < p.cfg.MaxPages; page++ {
		pg, err := p.fetch(ctx, since, token)
		if err != nil {
			fetchErr = err
			break
		}
		for _, u := range pg.Includes.Users {
			users[u.ID] = u
		}
		for _, t := range pg.Data {
			if !isID(t.ID) {
				p.log().Warn("tweet without a valid id dropped", "id", clip(t.ID, 40))
				continue
			}
			tweets = append(tweets, t)
			if newest == "" || idLess(newest, t.ID) {
				newest = t.ID
			}
		}
		if pg.Meta.NextToken == "" {
			complete = true
			break
		}
		token = pg.Meta.NextToken
		if reset := p.blocked(); !reset.IsZero() {
			fetchErr = &RateLimitError{Path: p.path(), Reset: reset}
			break
		}
	}
	if fetchErr == nil && !complete {
		p.log().Warn("more pages than MaxPages; older tweets of this backlog are skipped", "max_pages", p.cfg.MaxPages)
	}

	slices.SortFunc(tweets, func(a, b v2Tweet) int {
		switch {
		case a.ID == b.ID:
			return 0
		case idLess(a.ID, b.ID):
			return -1
		}
		return 1
	})
	for _, t := range tweets {
		in, ok := p.inbound(t, users)
		if !ok {
			continue
		}
		if _, _, err := sink.Ingest(in); err != nil {
			if connector.IsPermanent(err) {
				p.log().Warn("sink refused a tweet", "id", t.ID, "err", err)
				continue
			}
			return fmt.Errorf("twitter: ingest tweet %s: %w", t.ID, err)
		}
	}
	if fetchErr != nil {
		return fetchErr
	}
	if newest != since {
		p.mu.Lock()
		p.sinceID = newest
		p.mu.Unlock()
		if p.cfg.OnState != nil {
			p.cfg.OnState(newest)
		}
	}
	return nil
}

func (p *Poller) path() string {
	if p.search != nil {
		return searchPath
	}
	return "/2/users/" + p.cfg.UserID + "/mentions"
}

// log is the logger of this poller's timeline: mentions, or the search.
func (p *Poller) log() *slog.Logger {
	if p.search != nil {
		return p.cfg.Logger.With("search", p.search.Name)
	}
	return p.cfg.Logger.With("timeline", "mentions")
}

// blocked returns the time before which no call may be made, or zero.
func (p *Poller) blocked() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cfg.Now().Before(p.blockedUntil) {
		return p.blockedUntil
	}
	return time.Time{}
}

func (p *Poller) block(until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until.After(p.blockedUntil) {
		p.blockedUntil = until
	}
}

// v2Tweet is a tweet of the v2 API with the fields the Poller asks for.
type v2Tweet struct {
	ID              string `json:"id"`
	Text            string `json:"text"`
	AuthorID        string `json:"author_id"`
	ConversationID  string `json:"conversation_id"`
	InReplyToUserID string `json:"in_reply_to_user_id"`
	CreatedAt       string `json:"created_at"`
	// Lang and ReferencedTweets are asked for by searches only.
	Lang             string `json:"lang"`
	ReferencedTweets []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
	PublicMetrics struct {
		RetweetCount int `json:"retweet_count"`
		ReplyCount   int `json:"reply_count"`
		LikeCount    int `json:"like_count"`
		QuoteCount   int `json:"quote_count"`
	} `json:"public_metrics"`
}

// engagement is the interactions on the tweet: the freshest sign of how
// much the author's posts are picked up.
func (t v2Tweet) engagement() int {
	m := t.PublicMetrics
	return sumCounts(m.RetweetCount, m.ReplyCount, m.LikeCount, m.QuoteCount)
}

// sumCounts adds the counts above zero and stops at math.MaxInt: the
// counts are the platform's numbers, and a sum that wrapped around would
// turn the most engaged author into the least.
func sumCounts(counts ...int) int {
	n := 0
	for _, c := range counts {
		if c > 0 {
			n += min(c, math.MaxInt-n)
		}
	}
	return n
}

// v2User is an expanded author (includes.users).
type v2User struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Username      string `json:"username"`
	Verified      bool   `json:"verified"`
	Description   string `json:"description"`
	URL           string `json:"url"`
	PublicMetrics struct {
		FollowersCount int `json:"followers_count"`
	} `json:"public_metrics"`
}

type mentionsPage struct {
	Data     []v2Tweet `json:"data"`
	Includes struct {
		Users []v2User `json:"users"`
	} `json:"includes"`
	Meta struct {
		ResultCount int    `json:"result_count"`
		NewestID    string `json:"newest_id"`
		OldestID    string `json:"oldest_id"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
	// Errors lists partial failures of a 200 answer (a deleted author…).
	Errors []struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
	} `json:"errors"`
}

func (p *Poller) fetch(ctx context.Context, since, token string) (*mentionsPage, error) {
	q := url.Values{}
	q.Set("max_results", strconv.Itoa(p.cfg.PageSize))
	q.Set("tweet.fields", mentionTweetFields)
	q.Set("expansions", mentionExpansions)
	q.Set("user.fields", mentionUserFields)
	if since != "" {
		q.Set("since_id", since)
	}
	path := p.path()
	target := p.cfg.BaseURL + "/2/users/" + url.PathEscape(p.cfg.UserID) + "/mentions"
	if p.search != nil {
		p.search.params(q, p.cfg.PageSize, token)
		target = p.cfg.BaseURL + searchPath
	} else if token != "" {
		q.Set("pagination_token", token)
	}
	req, err := http.NewRequest(http.MethodGet, target+"?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("twitter: build %s request: %w", path, err)
	}
	resp, err := call(ctx, p.cfg.HTTPClient, req, p.cfg.BearerToken)
	if err != nil {
		return nil, err
	}
	reset, hasReset := rateReset(resp.header)
	switch {
	case resp.status == http.StatusTooManyRequests:
		if !hasReset {
			reset = p.cfg.Now().Add(fallbackBackoff)
		}
		p.block(reset)
		return nil, &RateLimitError{Path: path, Reset: reset}
	case resp.status < 200 || resp.status > 299:
		return nil, apiError(http.MethodGet, path, resp.status, resp.body)
	}
	if hasReset && exhausted(resp.header) {
		p.block(reset)
	}
	var pg mentionsPage
	if err := json.Unmarshal(resp.body, &pg); err != nil {
		return nil, fmt.Errorf("twitter: GET %s: malformed answer: %w", path, err)
	}
	for _, e := range pg.Errors {
		p.log().Info("partial error", "title", clip(e.Title, 100), "detail", clip(e.Detail, 200))
	}
	return &pg, nil
}

// inbound normalises a mention; ok is false for a tweet to drop.
func (p *Poller) inbound(t v2Tweet, users map[string]v2User) (model.Inbound, bool) {
	text := unescape(t.Text)
	if strings.TrimSpace(text) == "" {
		return model.Inbound{}, false
	}
	if p.search != nil && t.retweet() {
		return model.Inbound{}, false // a repeat of a tweet, not a new voice
	}
	if t.AuthorID == p.cfg.UserID {
		if p.cfg.Threads.sentByUs(t.ID) {
			return model.Inbound{}, false // the hub has it through the delivery job
		}
		if t.InReplyToUserID == "" || t.InReplyToUserID == p.cfg.UserID {
			return model.Inbound{}, false // a broadcast or a self-thread, not care
		}
	}
	conv := t.ConversationID
	if !isID(conv) {
		if r, ok := p.cfg.Threads.Root(t.ID); ok {
			conv = r
		} else {
			conv = t.ID
		}
	}
	p.cfg.Threads.Remember(t.ID, conv)

	in := model.Inbound{
		Channel:    model.ChannelTwitter,
		ThreadRef:  convPrefix + conv,
		PlatformID: t.ID,
		Text:       text,
		Public:     true,
		Source:     p.cfg.mentionsSource(),
		Direction:  model.DirectionIn,
	}
	if p.search != nil {
		p.search.mark(&in, t)
	}
	if ts, err := time.Parse(time.RFC3339, t.CreatedAt); err == nil {
		in.Time = ts.UTC()
	}
	if t.AuthorID == p.cfg.UserID {
		in.Direction = model.DirectionOut
	}
	u, known := users[t.AuthorID]
	in.Author = model.Identity{Platform: model.ChannelTwitter, PlatformID: t.AuthorID}
	if known && isHandle(u.Username) {
		in.Author.Handle = "@" + u.Username
		in.Author.DisplayName = u.Name
		in.Author.Followers = max(0, u.PublicMetrics.FollowersCount)
		in.Author.Verified = u.Verified
		in.Author.Engagement = t.engagement()
		in.Author.Bio = strings.TrimSpace(u.Description + " " + u.URL)
		in.URL = "https://x.com/" + u.Username + "/status/" + t.ID
	} else {
		// No expansion for this author (suspended, or a partial answer):
		// keep the tweet under its id rather than lose it.
		in.Author.Handle = "id:" + t.AuthorID
		in.URL = "https://x.com/i/web/status/" + t.ID
	}
	return in, true
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
