package twitter

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

const searchPage2Token = "b26v89c19zqg8o3frr3y8qx5e6bw0elhd7stnqawqthz1"

// searchServer replays the recent-search pages of testdata and records
// each request's query.
type searchServer struct {
	*httptest.Server
	mu      sync.Mutex
	queries []map[string]string
}

func newSearchServer(t *testing.T) *searchServer {
	ss := &searchServer{}
	ss.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/2/tweets/search/recent" {
			t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer app-bearer-token" {
			t.Errorf("Authorization %q", r.Header.Get("Authorization"))
		}
		q := map[string]string{}
		for k, v := range r.URL.Query() {
			q[k] = v[0]
		}
		ss.mu.Lock()
		ss.queries = append(ss.queries, q)
		ss.mu.Unlock()
		switch {
		case q["since_id"] != "":
			writeJSON(w, 200, []byte(`{"meta": {"result_count": 0}}`))
		case q["next_token"] == "":
			writeJSON(w, 200, fixture(t, "search_recent_page1.json"))
		case q["next_token"] == searchPage2Token:
			writeJSON(w, 200, fixture(t, "search_recent_page2.json"))
		default:
			t.Errorf("unknown next_token %q", q["next_token"])
			writeJSON(w, 400, fixture(t, "error_400_invalid.json"))
		}
	}))
	t.Cleanup(ss.Close)
	return ss
}

func (ss *searchServer) calls() []map[string]string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return slices.Clone(ss.queries)
}

// A listen-only search reads every page of X's recent search with its
// query, passes the tweets oldest first marked Listen with the topics each
// names, drops the retweet, and polls on from the newest id.
func TestListenOnlySearch(t *testing.T) {
	srv := newSearchServer(t)
	var saved []string
	cfg := testConfig(srv.URL)
	cfg.PageSize = 5 // below the search's minimum of 10
	cfg.OnState = func(id string) { saved = append(saved, id) }
	s := Search{Name: "alpenblick", Query: "alpenblick -from:HotelAlpenblick", Listen: true, Topics: []string{"Spa", "frühstück", "sauna"}}
	p, err := NewSearchPoller(cfg, s)
	if err != nil {
		t.Fatal(err)
	}
	sink := &fakeSink{}
	if err := p.PollOnce(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	calls := srv.calls()
	if len(calls) != 2 {
		t.Fatalf("%d requests, want 2 pages", len(calls))
	}
	for i, q := range calls {
		if q["query"] != s.Query || q["max_results"] != "10" || !strings.Contains(q["tweet.fields"], "lang") ||
			!strings.Contains(q["tweet.fields"], "referenced_tweets") || q["expansions"] != "author_id" || q["pagination_token"] != "" {
			t.Errorf("request %d: %v", i, q)
		}
	}
	if calls[1]["next_token"] != searchPage2Token {
		t.Errorf("second page asked with next_token %q", calls[1]["next_token"])
	}

	got := sink.got()
	var ids []string
	for _, in := range got {
		ids = append(ids, in.PlatformID)
		if !in.Listen || in.Source != "X search alpenblick" || !in.Public || in.Channel != "twitter" {
			t.Errorf("%s: listen %v, source %q, public %v", in.PlatformID, in.Listen, in.Source, in.Public)
		}
	}
	// The retweet (…208) is a repeat: dropped.
	if want := []string{"1797100000000000201", "1797100000000000205", "1797100000000000210"}; !slices.Equal(ids, want) {
		t.Fatalf("ingested %v, want %v", ids, want)
	}
	lena, brand, mark := got[0], got[1], got[2]
	if lena.Lang != "de" || !slices.Equal(lena.Keywords, []string{"spa", "frühstück"}) || lena.Author.Handle != "@bergfex_lena" ||
		lena.ThreadRef != "tw-conv-1797100000000000201" || lena.URL != "https://x.com/bergfex_lena/status/1797100000000000201" {
		t.Errorf("Lena's tweet: %+v", lena)
	}
	// The brand's own reply comes in as out: the hub ignores it for
	// listening (and adds it to the case once the thread was adopted).
	if brand.Direction != "out" || brand.ThreadRef != "tw-conv-1797100000000000201" {
		t.Errorf("the brand's reply: %+v", brand)
	}
	if mark.Text != "Alpenblick spa closed again this weekend?! Booked it for the wellness package & nobody told us." ||
		!slices.Equal(mark.Keywords, []string{"spa"}) || mark.Lang != "en" || mark.Author.Followers != 812 {
		t.Errorf("Mark's tweet: %+v", mark)
	}
	if !slices.Equal(saved, []string{"1797100000000000210"}) || p.State() != "1797100000000000210" {
		t.Fatalf("since_id saved %v, state %q", saved, p.State())
	}
	if err := p.PollOnce(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if calls := srv.calls(); len(calls) != 3 || calls[2]["since_id"] != "1797100000000000210" {
		t.Fatalf("next poll: %v", calls[len(calls)-1])
	}
	if len(sink.got()) != 3 {
		t.Fatalf("the empty page added items: %d", len(sink.got()))
	}
}

// A search that is not listen-only hands its tweets over as care
// messages: no listen flag, no keywords.
func TestCareSearch(t *testing.T) {
	srv := newSearchServer(t)
	p, err := NewSearchPoller(testConfig(srv.URL), Search{Name: "spa", Query: "alpenblick spa", Topics: []string{"spa"}})
	if err != nil {
		t.Fatal(err)
	}
	sink := &fakeSink{}
	if err := p.PollOnce(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	got := sink.got()
	if len(got) != 3 {
		t.Fatalf("%d items", len(got))
	}
	for _, in := range got {
		if in.Listen || in.Keywords != nil || in.Source != "X search spa" {
			t.Errorf("%s: listen %v keywords %v source %q", in.PlatformID, in.Listen, in.Keywords, in.Source)
		}
	}
}

func TestSearchValidate(t *testing.T) {
	cfg := testConfig("http://127.0.0.1:1")
	for _, s := range []Search{{Query: "x"}, {Name: "x"}, {Name: "x", Query: " "}, {Name: "x", Query: "x", Topics: make([]string, 17)}} {
		if _, err := NewSearchPoller(cfg, s); err == nil {
			t.Errorf("%+v accepted", s)
		}
	}
	cfg.BearerToken = ""
	if _, err := NewSearchPoller(cfg, Search{Name: "x", Query: "x"}); err == nil {
		t.Error("a search without a bearer token accepted")
	}
}
