package twitter

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"switchboard/model"
)

// searchPath is X's recent search: the tweets of the last seven days that
// match a query (GET /2/tweets/search/recent, app-only bearer token).
const searchPath = "/2/tweets/search/recent"

// The fields a search page asks for: the mentions' and the tweet's
// language and references (a retweet is dropped).
const searchTweetFields = mentionTweetFields + ",lang,referenced_tweets"

// Search is an X recent search polled by a search Poller (NewSearchPoller):
// what people say about the brand without mentioning it — a product name,
// a hashtag.
type Search struct {
	// Name names the search; its tweets' source is "X search <Name>".
	Name string
	// Query is the X search query ("voltra (reichweite OR range)
	// -is:retweet lang:de"); X checks its operators and length.
	Query string
	// Listen marks a listen-only search: its tweets go to the hub's
	// listening view (model.Inbound.Listen), never open a case and never
	// offer a reply (docs/listening.md). Without it every tweet found is
	// a care message of its conversation, like a mention.
	Listen bool
	// Topics are listened keywords: those a tweet names (case-insensitive)
	// are its topics in the listening view (Inbound.Keywords).
	Topics []string
}

// search is a configured Search, its topics lower-cased.
type search struct {
	Search
	topics []string
}

// Validate checks the search's name and query.
func (s Search) Validate() error {
	var errs []error
	if strings.TrimSpace(s.Name) == "" {
		errs = append(errs, errors.New("a search needs a name"))
	}
	if strings.TrimSpace(s.Query) == "" {
		errs = append(errs, errors.New("a search needs a query"))
	}
	if len(s.Topics) > 16 {
		errs = append(errs, fmt.Errorf("%d topics: at most 16", len(s.Topics)))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("twitter: search %q: %w", s.Name, err)
	}
	return nil
}

// NewSearchPoller builds a Poller of the recent search s; cfg needs UserID
// (the brand's own tweets are recognised by it) and BearerToken. It keeps
// and persists its since_id like the mentions Poller (State, SetState,
// OnState: give each search its own key), and its tweets thread like
// mentions, into "tw-conv-<conversation_id>".
func NewSearchPoller(cfg Config, s Search) (*Poller, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	p, err := NewPoller(cfg)
	if err != nil {
		return nil, err
	}
	se := &search{Search: s}
	se.Name = strings.TrimSpace(s.Name)
	for _, t := range s.Topics {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
			se.topics = append(se.topics, t)
		}
	}
	p.search = se
	return p, nil
}

// params sets the search's query parameters: X's recent search takes 10
// to 100 results a page and pages with next_token.
func (s *search) params(q url.Values, pageSize int, token string) {
	q.Set("query", s.Query)
	q.Set("max_results", strconv.Itoa(max(10, pageSize)))
	q.Set("tweet.fields", searchTweetFields)
	if token != "" {
		q.Set("next_token", token)
	}
}

// mark makes a found tweet the search's: its source, its language, and
// for a listen-only search the listen flag and the topics it names.
func (s *search) mark(in *model.Inbound, t v2Tweet) {
	in.Source = "X search " + s.Name
	if l := strings.ToLower(t.Lang); len(l) == 2 {
		in.Lang = l // X says "und" (undetermined) or "qme" (media only) when it cannot tell
	}
	if !s.Listen {
		return
	}
	in.Listen = true
	lower := strings.ToLower(in.Text)
	for _, k := range s.topics {
		if strings.Contains(lower, k) {
			in.Keywords = append(in.Keywords, k)
		}
	}
}

// retweet reports whether t is a retweet: X's search finds them unless the
// query says -is:retweet.
func (t v2Tweet) retweet() bool {
	for _, r := range t.ReferencedTweets {
		if r.Type == "retweeted" {
			return true
		}
	}
	return false
}
