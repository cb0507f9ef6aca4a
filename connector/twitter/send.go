package twitter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"switchboard/connector"
	"switchboard/model"
)

// Limits enforced before anything is sent.
const (
	MaxTweetLength = 280    // weighted, see model.TweetLength
	MaxDMLength    = 10_000 // characters
)

// Sender posts agents' replies: a public reply as a tweet answering the
// customer's tweet, a private one as a DM to the customer. It implements
// connector.Sender and the hub's reconciler (Find).
type Sender struct {
	cfg Config
}

var _ connector.Sender = (*Sender)(nil)

// NewSender builds a Sender; cfg needs UserID and UserToken.
func NewSender(cfg Config) (*Sender, error) {
	cfg, err := cfg.withDefaults("user token", cfg.UserToken)
	if err != nil {
		return nil, err
	}
	return &Sender{cfg: cfg}, nil
}

// Send posts r and returns the new tweet id or DM event id. Errors that a
// retry cannot fix (too long, nothing to reply to, any 4xx but 429) are
// connector.Permanent; 429 (a *RateLimitError), 5xx and network errors are
// transient. X takes no idempotency key: the hub records its intent first
// and, after a crash, asks Find before sending again.
func (s *Sender) Send(ctx context.Context, r connector.Reply) (string, error) {
	if r.Channel != "" && r.Channel != model.ChannelTwitter {
		return "", connector.Permanentf("twitter: reply for channel %q", r.Channel)
	}
	if strings.TrimSpace(r.Text) == "" {
		return "", connector.Permanentf("twitter: empty reply")
	}
	if r.Private {
		return s.sendDM(ctx, r)
	}
	return s.sendTweet(ctx, r)
}

func (s *Sender) sendTweet(ctx context.Context, r connector.Reply) (string, error) {
	if !isID(r.InReplyTo) {
		return "", connector.Permanentf("twitter: no tweet to reply to (in_reply_to %q)", clip(r.InReplyTo, 40))
	}
	if strings.ContainsAny(r.Text, "\ufffe\ufeff\uffff") {
		return "", connector.Permanentf("twitter: reply contains a character X refuses (U+FFFE, U+FEFF or U+FFFF)")
	}
	if n := model.TweetLength(r.Text); n > MaxTweetLength {
		return "", connector.Permanentf("twitter: reply is %d characters as X counts them; the limit is %d", n, MaxTweetLength)
	}
	var body struct {
		Text  string `json:"text"`
		Reply struct {
			InReplyToTweetID string `json:"in_reply_to_tweet_id"`
		} `json:"reply"`
	}
	body.Text = r.Text
	body.Reply.InReplyToTweetID = r.InReplyTo
	var out struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := s.post(ctx, "/2/tweets", body, &out); err != nil {
		return "", err
	}
	id := out.Data.ID
	if !isID(id) {
		return "", connector.Permanentf("twitter: X accepted the reply but named no tweet id: check the thread before sending again")
	}
	root, ok := convOf(r.ThreadRef)
	if !ok {
		if root, ok = s.cfg.Threads.Root(r.InReplyTo); !ok {
			root = r.InReplyTo
		}
	}
	s.cfg.Threads.markSent(id, root)
	return id, nil
}

func (s *Sender) sendDM(ctx context.Context, r connector.Reply) (string, error) {
	to, err := s.recipientOf(ctx, r)
	if err != nil {
		return "", err
	}
	if n := utf8.RuneCountInString(r.Text); n > MaxDMLength {
		return "", connector.Permanentf("twitter: direct message of %d characters; the limit is %d", n, MaxDMLength)
	}
	body := struct {
		Text string `json:"text"`
	}{r.Text}
	// The reference shows the fields bare; the OpenAPI spec wraps them in
	// data. Accept either.
	var out struct {
		Data struct {
			DMEventID string `json:"dm_event_id"`
		} `json:"data"`
		DMEventID string `json:"dm_event_id"`
	}
	if err := s.post(ctx, "/2/dm_conversations/with/"+url.PathEscape(to)+"/messages", body, &out); err != nil {
		return "", dmRefused(to, err)
	}
	id := out.Data.DMEventID
	if id == "" {
		id = out.DMEventID
	}
	if !isID(id) {
		return "", connector.Permanentf("twitter: X accepted the message but named no event id: check the conversation before sending again")
	}
	s.cfg.Threads.markSent(id, "")
	return id, nil
}

// dmRefused says why X refused a direct message: a 403 on the DM
// endpoint means the user does not take DMs from the brand (X delivers
// them only from accounts the user follows, unless they allow them from
// anyone) or blocked it; X does not say which, nor tell beforehand.
func dmRefused(to string, err error) error {
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusForbidden && !errors.Is(err, ErrDuplicate) {
		return connector.Permanentf("twitter: X refused the direct message to user %s: they do not accept direct messages from this account "+
			"(only from accounts they follow, unless they allow them from anyone) or have blocked it (%s)", to, clip(ae.Detail, 200))
	}
	return err
}

// recipientOf is the DM partner's user id: recipient(r), else the user
// Reply.RecipientHandle names, looked up (GET /2/users/by/username):
// a hand-off to a community expert knows their handle, not their id.
// "id:<user id>" (the handle of a webhook author) is the id itself.
func (s *Sender) recipientOf(ctx context.Context, r connector.Reply) (string, error) {
	h := strings.TrimPrefix(strings.TrimSpace(r.RecipientHandle), "@")
	if h == "" || isID(r.Recipient) {
		return recipient(r)
	}
	if id, ok := strings.CutPrefix(h, "id:"); ok && isID(id) {
		return id, nil
	}
	if !isUsername(h) {
		return "", connector.Permanentf("twitter: %q is not an X username (1 to 15 letters, digits or _)", clip(h, 40))
	}
	var out struct {
		Data struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		} `json:"data"`
		Errors []struct {
			Title  string `json:"title"`
			Detail string `json:"detail"`
		} `json:"errors"`
	}
	if err := s.get(ctx, "/2/users/by/username/"+h, url.Values{}, &out); err != nil {
		return "", err
	}
	if !isID(out.Data.ID) {
		// X answers an unknown or suspended user with 200 and errors[].
		why := "no such user"
		if len(out.Errors) > 0 && out.Errors[0].Detail != "" {
			why = clip(out.Errors[0].Detail, 200)
		}
		return "", connector.Permanentf("twitter: cannot send a direct message to @%s: %s", h, why)
	}
	return out.Data.ID, nil
}

// isUsername reports whether h can be an X username.
func isUsername(h string) bool {
	if h == "" || len(h) > 15 {
		return false
	}
	for _, c := range h {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// recipient is the DM partner: Reply.Recipient, else the id in the
// thread ref "tw-dm-<id>".
func recipient(r connector.Reply) (string, error) {
	if isID(r.Recipient) {
		return r.Recipient, nil
	}
	if id, ok := strings.CutPrefix(r.ThreadRef, dmPrefix); ok {
		if id, _, _ = strings.Cut(id, "."); isID(id) { // "<customer>.<account>": Config.AccountScopedDMs
			return id, nil
		}
	}
	return "", connector.Permanentf("twitter: no recipient for a direct message (recipient %q, thread %q)", clip(r.Recipient, 40), clip(r.ThreadRef, 60))
}

// post sends a JSON body with the user token and decodes a 2xx answer
// into out, classifying failures.
func (s *Sender) post(ctx context.Context, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return connector.Permanent(fmt.Errorf("twitter: encode %s: %w", path, err))
	}
	req, err := http.NewRequest(http.MethodPost, s.cfg.BaseURL+path, bytes.NewReader(b))
	if err != nil {
		return connector.Permanent(fmt.Errorf("twitter: build %s: %w", path, err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := call(ctx, s.cfg.HTTPClient, req, s.cfg.UserToken)
	if err != nil {
		return err // network: transient
	}
	if err := classify(http.MethodPost, path, resp, s.cfg.Now); err != nil {
		return err
	}
	if err := json.Unmarshal(resp.body, out); err != nil {
		return connector.Permanent(fmt.Errorf("twitter: POST %s: X accepted it but its answer is malformed (%v): check before sending again", path, err))
	}
	return nil
}

// classify maps a non-2xx answer: 429 → *RateLimitError, 5xx → transient
// *APIError, other 4xx (and anything odd) → permanent.
func classify(method, path string, resp response, now func() time.Time) error {
	switch {
	case resp.status >= 200 && resp.status <= 299:
		return nil
	case resp.status == http.StatusTooManyRequests:
		reset, ok := rateReset(resp.header)
		if !ok {
			reset = now().Add(fallbackBackoff)
		}
		return &RateLimitError{Path: path, Reset: reset}
	case resp.status >= 500:
		return apiError(method, path, resp.status, resp.body)
	}
	return connector.Permanent(apiError(method, path, resp.status, resp.body))
}

// Find reports whether reply r was posted after all (the hub stopped
// between sending and recording): a tweet of the brand answering
// r.InReplyTo, or a DM of the brand to the recipient newer than
// r.InReplyTo, with r's text.
func (s *Sender) Find(ctx context.Context, r connector.Reply) (string, bool, error) {
	if r.Private {
		return s.findDM(ctx, r)
	}
	return s.findTweet(ctx, r)
}

// findPages bounds Find's search: 3 pages of 100.
const findPages = 3

func (s *Sender) findTweet(ctx context.Context, r connector.Reply) (string, bool, error) {
	if !isID(r.InReplyTo) {
		return "", false, nil // Send would refuse it anyway
	}
	q := url.Values{}
	q.Set("since_id", r.InReplyTo)
	q.Set("max_results", "100")
	q.Set("tweet.fields", "referenced_tweets,created_at,conversation_id")
	q.Set("exclude", "retweets")
	type tweet struct {
		ID               string `json:"id"`
		Text             string `json:"text"`
		ReferencedTweets []struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		} `json:"referenced_tweets"`
	}
	return searchPages(ctx, s, "/2/users/"+s.cfg.UserID+"/tweets", q, func(t tweet) (string, bool, bool) {
		for _, ref := range t.ReferencedTweets {
			if ref.Type == "replied_to" && ref.ID == r.InReplyTo && sameText(t.Text, r.Text) && isID(t.ID) {
				return t.ID, true, false
			}
		}
		return "", false, false
	})
}

func (s *Sender) findDM(ctx context.Context, r connector.Reply) (string, bool, error) {
	to, err := s.recipientOf(ctx, r)
	if connector.IsPermanent(err) {
		return "", false, nil // Send would refuse it anyway
	}
	if err != nil {
		return "", false, err
	}
	q := url.Values{}
	q.Set("max_results", "100")
	q.Set("event_types", "MessageCreate")
	q.Set("dm_event.fields", "id,text,sender_id,created_at,event_type")
	type dmEvent struct {
		ID       string `json:"id"`
		Text     string `json:"text"`
		SenderID string `json:"sender_id"`
	}
	return searchPages(ctx, s, "/2/dm_conversations/with/"+to+"/dm_events", q, func(e dmEvent) (string, bool, bool) {
		if !isID(e.ID) || e.SenderID != s.cfg.UserID || !sameText(e.Text, r.Text) {
			return "", false, false
		}
		// Events come newest first: one older than the message answered
		// is an earlier, identical reply, not this one.
		if isID(r.InReplyTo) && !idLess(r.InReplyTo, e.ID) {
			return "", false, true
		}
		return e.ID, true, false
	})
}

// searchPages reads up to findPages pages of a v2 list endpoint and returns
// the first item match finds; match may also stop the search without one.
func searchPages[T any](ctx context.Context, s *Sender, path string, q url.Values, match func(T) (id string, found, stop bool)) (string, bool, error) {
	for range findPages {
		var page struct {
			Data []T `json:"data"`
			Meta struct {
				NextToken string `json:"next_token"`
			} `json:"meta"`
		}
		if err := s.get(ctx, path, q, &page); err != nil {
			return "", false, err
		}
		for _, item := range page.Data {
			if id, found, stop := match(item); found || stop {
				return id, found, nil
			}
		}
		if page.Meta.NextToken == "" {
			break
		}
		q.Set("pagination_token", page.Meta.NextToken)
	}
	return "", false, nil
}

func (s *Sender) get(ctx context.Context, path string, q url.Values, out any) error {
	req, err := http.NewRequest(http.MethodGet, s.cfg.BaseURL+path+"?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("twitter: build %s: %w", path, err)
	}
	resp, err := call(ctx, s.cfg.HTTPClient, req, s.cfg.UserToken)
	if err != nil {
		return err
	}
	if err := classify(http.MethodGet, path, resp, s.cfg.Now); err != nil {
		return err
	}
	if err := json.Unmarshal(resp.body, out); err != nil {
		return fmt.Errorf("twitter: GET %s: malformed answer: %w", path, err)
	}
	return nil
}

// sameText compares a posted text with the one sent, ignoring what X
// changes: HTML escaping, normalisation, whitespace runs, leading
// @mentions, and links (rewritten to t.co).
func sameText(posted, sent string) bool {
	return textKey(posted) == textKey(sent) && textKey(sent) != ""
}

func textKey(s string) string {
	s = norm.NFC.String(unescape(s))
	fields := strings.Fields(s)
	for len(fields) > 0 && strings.HasPrefix(fields[0], "@") {
		fields = fields[1:]
	}
	kept := fields[:0]
	for _, f := range fields {
		l := strings.ToLower(f)
		if strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") {
			continue
		}
		kept = append(kept, f)
	}
	return strings.Join(kept, " ")
}
