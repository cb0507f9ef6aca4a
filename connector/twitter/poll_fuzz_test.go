package twitter

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"switchboard/model"
)

// pageTransport answers the n-th mentions request with pages[n], and an
// empty page after them: the Poller's HTTP client without a socket.
type pageTransport struct {
	pages [][]byte
	n     int
}

func (pt *pageTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body := []byte(`{"meta":{"result_count":0}}`)
	if pt.n < len(pt.pages) {
		body = pt.pages[pt.n]
	}
	pt.n++
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
}

// FuzzMentionsPage feeds two pages of GET /2/users/:id/mentions through a
// whole poll (decoding in fetch, normalising in inbound): it never panics,
// passes on only well-formed items, oldest first, and moves since_id only
// after a complete poll, to a tweet id no older than any item passed on.
func FuzzMentionsPage(f *testing.F) {
	f.Add(fixture(f, "mentions_page1.json"), fixture(f, "mentions_page2.json"))
	f.Add(fixture(f, "mentions_page3_newer.json"), fixture(f, "mentions_empty.json"))
	f.Add(fixture(f, "mentions_empty.json"), []byte(nil))
	f.Add([]byte(`{"data":[{"id":"20","text":"&lt;b&gt; hi","author_id":"7","conversation_id":"x"}],"includes":{"users":[{"id":"7","username":"","public_metrics":{"followers_count":-5}}]},"meta":{"next_token":"t"}}`),
		[]byte(`{"data":[{"id":"19","text":" ","author_id":"7"},{"id":"0019","text":"again","author_id":"`+brandID+`","in_reply_to_user_id":"7"}],"errors":[{"title":"\xff","detail":"x"}]}`))
	f.Add([]byte(`{"data":[{"id":"1860000000000000001","text":"big","author_id":"1","created_at":"2026-11-23T15:02:31+01:00","public_metrics":{"retweet_count":9223372036854775807,"reply_count":1,"like_count":0,"quote_count":0}}],"includes":{"users":[{"id":"1","username":"big_one","public_metrics":{"followers_count":9223372036854775807}}]}}`),
		[]byte(`[]`))

	f.Fuzz(func(t *testing.T, page1, page2 []byte) {
		cfg := testConfig("https://api.x.test")
		cfg.HTTPClient = &http.Client{Transport: &pageTransport{pages: [][]byte{page1, page2}}}
		cfg.Now = func() time.Time { return time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC) }
		cfg.MaxPages = 3
		cfg.Threads = NewThreads(0)
		p, err := NewPoller(cfg)
		if err != nil {
			t.Fatal(err)
		}
		checkPoll(t, p, page1, page2)
	})
}

// FuzzSearchPage does the same for two pages of a listen-only search
// (GET /2/tweets/search/recent): the items are also all listened, with
// only the topics their text names, and a language of two letters or none.
func FuzzSearchPage(f *testing.F) {
	f.Add(fixture(f, "search_recent_page1.json"), fixture(f, "search_recent_page2.json"))
	f.Add(fixture(f, "search_recent_page2.json"), fixture(f, "mentions_empty.json"))
	f.Add([]byte(`{"data":[{"id":"21","text":"SPA &amp; Sauna","author_id":"7","lang":"und","referenced_tweets":[{"type":"quoted","id":"3"}]},{"id":"22","text":"RT x","author_id":"8","referenced_tweets":[{"type":"retweeted"}]}],"meta":{"next_token":"n"}}`),
		[]byte(`{"data":[{"id":"23","text":"spa","author_id":"9","lang":"DE"}]}`))
	topics := []string{"spa", "Sauna ", "frühstück"}
	f.Fuzz(func(t *testing.T, page1, page2 []byte) {
		cfg := testConfig("https://api.x.test")
		cfg.HTTPClient = &http.Client{Transport: &pageTransport{pages: [][]byte{page1, page2}}}
		cfg.Now = func() time.Time { return time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC) }
		cfg.MaxPages = 3
		cfg.Threads = NewThreads(0)
		p, err := NewSearchPoller(cfg, Search{Name: "s", Query: "alpenblick", Listen: true, Topics: topics})
		if err != nil {
			t.Fatal(err)
		}
		// The pages' retweets (referenced_tweets of type retweeted) are
		// left out; a tweet whose text only starts with "RT" is not one.
		retweets := map[string]bool{}
		for _, page := range [][]byte{page1, page2} {
			var pg struct {
				Data []struct {
					ID   string `json:"id"`
					Refs []struct {
						Type string `json:"type"`
					} `json:"referenced_tweets"`
				} `json:"data"`
			}
			_ = json.Unmarshal(page, &pg)
			for _, tw := range pg.Data {
				for _, r := range tw.Refs {
					if r.Type == "retweeted" {
						retweets[tw.ID] = true
					}
				}
			}
		}
		for _, in := range checkPoll(t, p, page1, page2) {
			lower := strings.ToLower(in.Text)
			for _, k := range in.Keywords {
				if !strings.Contains(lower, k) || (k != "spa" && k != "sauna" && k != "frühstück") {
					t.Fatalf("keyword %q of %q", k, in.Text)
				}
			}
			if !in.Listen || in.Source != "X search s" || (in.Lang != "" && len(in.Lang) != 2) || retweets[in.PlatformID] {
				t.Fatalf("ill-formed listened item %+v", in)
			}
		}
	})
}

// checkPoll polls once and checks what the poller passed on and where it
// left since_id; it returns the items.
func checkPoll(t *testing.T, p *Poller, page1, page2 []byte) []model.Inbound {
	t.Helper()
	sink := &fakeSink{}
	err := p.PollOnce(context.Background(), sink)
	since := p.State()
	if err != nil && since != "" {
		t.Fatalf("since_id moved to %q by a failed poll (%v)", since, err)
	}
	if since != "" && !isID(since) {
		t.Fatalf("since_id %q is not a tweet id", since)
	}
	var prev string
	for _, in := range sink.got() {
		switch {
		case in.Channel != model.ChannelTwitter,
			!strings.HasPrefix(in.ThreadRef, convPrefix) || !isID(strings.TrimPrefix(in.ThreadRef, convPrefix)),
			!isID(in.PlatformID),
			in.Author.Handle == "", in.Author.Platform != model.ChannelTwitter,
			in.Author.Followers < 0, in.Author.Engagement < 0,
			strings.TrimSpace(in.Text) == "", !utf8.ValidString(in.Text),
			!in.Public || in.Private,
			in.Direction != model.DirectionIn && in.Direction != model.DirectionOut,
			!strings.HasPrefix(in.URL, "https://x.com/"),
			!in.Time.IsZero() && in.Time.Location() != time.UTC:
			t.Fatalf("ill-formed item %+v from %q, %q", in, page1, page2)
		}
		if prev != "" && idLess(in.PlatformID, prev) {
			t.Fatalf("tweet %s passed on after %s: not oldest first", in.PlatformID, prev)
		}
		if since != "" && idLess(since, in.PlatformID) {
			t.Fatalf("since_id %s is older than tweet %s passed on", since, in.PlatformID)
		}
		prev = in.PlatformID
	}
	return sink.got()
}
