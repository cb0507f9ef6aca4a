package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/connector/facebook"
	"switchboard/model"
	"switchboard/sync/hub"
)

// listenView is the answer of GET /v1/listen.
type listenView struct {
	View struct {
		Items  int `json:"items"`
		Topics []struct {
			Topic string `json:"topic"`
			Total int    `json:"total"`
		} `json:"topics"`
	} `json:"view"`
	Items []model.ListenItem `json:"items"`
}

// An X search and a Facebook page marked listen-only in the hub's config
// feed the listening view end to end: the search is polled on X's recent
// search (the documented pages, replayed), the page's feed webhook is
// posted signed; their posts show in /v1/listen with their topics, open no
// case, and one is turned into a care case by adopting it.
func TestListenOnlyXSearchAndFacebookPage(t *testing.T) {
	today := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04")
	page := func(name string) []byte {
		raw, err := os.ReadFile("../../connector/twitter/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		// The listening view keeps 90 days: the fixtures' tweets are made
		// an hour old.
		return []byte(strings.ReplaceAll(string(raw), `"2024-06-02T07`, `"`+today[:13]))
	}
	replies := make(chan []byte, 4)
	x, xURL := newPlatform(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/2/tweets" && r.Method == http.MethodPost {
			b, _ := io.ReadAll(r.Body)
			replies <- b
			io.WriteString(w, `{"data": {"id": "1900000000000000001", "text": "ok"}}`)
			return
		}
		if r.URL.Path != "/2/tweets/search/recent" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		q := r.URL.Query()
		switch {
		case q.Get("since_id") != "":
			w.Write([]byte(`{"meta": {"result_count": 0}}`))
		case q.Get("next_token") != "":
			w.Write(page("search_recent_page2.json"))
		default:
			w.Write([]byte(strings.ReplaceAll(string(page("search_recent_page1.json")), `"2024-06-02T08`, `"`+today[:13])))
		}
	})
	const secret = "fb-app-secret"
	cfg, err := loadConfig(writeConfig(t, `{
	  "twitter": {"base_url": "`+xURL+`", "bearer_token": "app-bearer", "user_token": "user-alpenblick", "user_id": "1427000000000000001", "brand_handle": "HotelAlpenblick",
	    "poll_every": "0",
	    "searches": [{"name": "alpenblick", "query": "alpenblick -from:HotelAlpenblick", "listen": true,
	                  "topics": ["spa", "frühstück"], "poll_every": "1h"}]},
	  "facebook": {"app_secret": "`+secret+`", "verify_token": "vt", "pages": [
	    {"page_id": "1001", "page_name": "Alpenblick Fans", "listen": true, "topics": ["lift", "spa"]},
	    {"page_id": "1002", "page_name": "Hotel Alpenblick"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	b := startBrandHub(t, cfg)
	x.wait(t, "/2/tweets/search/recent")

	now := time.Now().Add(-30 * time.Minute).Unix()
	body := []byte(fmt.Sprintf(`{"object": "page", "entry": [
	 {"id": "1001", "time": %[1]d, "changes": [
	   {"field": "feed", "value": {"item": "status", "verb": "add", "post_id": "1001_77", "from": {"id": "8423678347823", "name": "John Doe"},
	    "created_time": %[1]d, "message": "The lift on floor 3 has been broken since Monday."}},
	   {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "77_1", "post_id": "1001_77", "parent_id": "1001_77",
	    "from": {"id": "5550001112223", "name": "Erika Musterfrau"}, "created_time": %[1]d, "message": "And the spa is closed too."}}]},
	 {"id": "1001", "time": %[1]d, "messaging": [{"sender": {"id": "5551"}, "recipient": {"id": "1001"}, "timestamp": %[1]d000,
	   "message": {"mid": "mid.fans.1", "text": "Hello?"}}]},
	 {"id": "1002", "time": %[1]d, "changes": [
	   {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "88_1", "post_id": "1002_88",
	    "from": {"id": "6660002223334", "name": "Max Mustermann"}, "created_time": %[1]d, "message": "Is breakfast included?"}}]}
	]}`, now))
	h := http.Header{"X-Hub-Signature-256": {facebook.Signature(body, secret)}, "Content-Type": {"application/json"}}
	if code := b.post(t, facebook.Path, h, body); code != 200 {
		t.Fatalf("webhook answered %d", code)
	}

	// Three tweets (the retweet is a repeat; the brand's own reply is no
	// signal) — two of them listened — and the listen-only page's post
	// and comment.
	var lv listenView
	deadline := time.Now().Add(15 * time.Second)
	for {
		if err := json.Unmarshal([]byte(getJSON(t, b.url+hub.ListenPath, b.token)), &lv); err != nil {
			t.Fatal(err)
		}
		if len(lv.Items) >= 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // the search poller runs on its own goroutine
	}
	ids := map[string]model.ListenItem{}
	for _, it := range lv.Items {
		ids[it.ID] = it
	}
	for _, id := range []string{"twitter|1797100000000000210", "twitter|1797100000000000201", "facebook|1001_77", "facebook|77_1"} {
		if _, ok := ids[id]; !ok {
			t.Errorf("the listening view lacks %s: %v", id, ids)
		}
	}
	if len(lv.Items) != 4 {
		t.Fatalf("%d listened items, want 4: %v", len(lv.Items), ids)
	}
	if it := ids["twitter|1797100000000000201"]; it.Source != "X search alpenblick" || !slices.Contains(it.Topics, "frühstück") || !slices.Contains(it.Topics, "spa") {
		t.Errorf("Lena's tweet: %+v", it)
	}
	if it := ids["facebook|1001_77"]; it.Source != "Facebook page Alpenblick Fans" || !slices.Contains(it.Topics, "lift") {
		t.Errorf("the visitor post: %+v", it)
	}
	// No case for any listened thread, nor for the Messenger message to the
	// listen-only page; the care page's comment opened its case.
	for _, th := range []struct {
		ch  model.Channel
		ref string
	}{{model.ChannelTwitter, "tw-conv-1797100000000000201"}, {model.ChannelTwitter, "tw-conv-1797100000000000210"},
		{model.ChannelFacebook, "fb-post-1001_77"}, {model.ChannelFacebook, "fb-msgr-5551"}} {
		if c, ok := b.hub.CaseByThread(th.ch, th.ref); ok {
			t.Errorf("a case was opened for %s: %+v", th.ref, c)
		}
	}
	if _, ok := b.hub.CaseByThread(model.ChannelFacebook, "fb-post-1002_88"); !ok {
		t.Error("the care page's comment opened no case")
	}

	// The brand decides to answer Mark: adopting his tweet opens its case.
	req, _ := http.NewRequest(http.MethodPost, b.url+hub.ListenAdoptPath+"?id="+url.QueryEscape("twitter|1797100000000000210"), nil)
	req.Header.Set("Authorization", "Bearer "+b.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("adopt: %d", resp.StatusCode)
	}
	if c, ok := b.hub.CaseByThread(model.ChannelTwitter, "tw-conv-1797100000000000210"); !ok || c.Source != "X search alpenblick" {
		t.Fatalf("the adopted tweet's case: %v %+v", ok, c)
	}
	// The reply answers Mark's tweet.
	b.reply(t, model.ChannelTwitter, "tw-conv-1797100000000000210", "Sorry about the spa, Mark: it opens again on Monday.")
	select {
	case body := <-replies:
		if !strings.Contains(string(body), `"in_reply_to_tweet_id":"1797100000000000210"`) {
			t.Fatalf("the reply was posted as %s", body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the reply to the adopted tweet was never posted")
	}
}

// A search is checked when the config loads: a name, a query, a bearer
// token, a name used once.
func TestTwitterSearchConfig(t *testing.T) {
	for body, want := range map[string]string{
		`{"twitter": {"user_id": "111", "searches": [{"name": "a", "query": "x"}]}}`:                                                         "needs a bearer_token",
		`{"twitter": {"user_id": "111", "bearer_token": "b", "searches": [{"name": "a"}]}}`:                                                  "needs a query",
		`{"twitter": {"user_id": "111", "bearer_token": "b", "searches": [{"name": "a", "query": "x"}, {"name": "a", "query": "y"}]}}`:       "given twice",
		`{"twitter": {"user_id": "111", "bearer_token": "b", "searches": [{"name": "a", "query": "x", "poll_every": "soon"}]}}`:              "poll_every",
		`{"twitter": {"user_id": "111", "bearer_token": "b", "searches": [{"name": "a", "query": "x", "listen": true, "topics": ["spa"]}]}}`: "",
		`{"facebook": {"page_id": "1", "app_secret": "s", "verify_token": "v", "topics": ["spa"]}}`:                                          "only for a listen-only page",
	} {
		_, err := loadConfig(writeConfig(t, body))
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: err %v, want %q", body, err, want)
		}
	}
}
