package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"switchboard/connector/facebook"
	"switchboard/model"
	"switchboard/sync/hub"
)

// adopt turns the listened item id into a care case over the API.
func (b *brandHub) adopt(t *testing.T, id string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.url+hub.ListenAdoptPath+"?id="+url.QueryEscape(id), nil)
	req.Header.Set("Authorization", "Bearer "+b.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("adopt %s: %d %s", id, resp.StatusCode, body)
	}
}

// waitListened waits until the listening view has the item id and returns it.
func (b *brandHub) waitListened(t *testing.T, id string) model.ListenItem {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var lv listenView
		if err := json.Unmarshal([]byte(getJSON(t, b.url+hub.ListenPath, b.token)), &lv); err != nil {
			t.Fatal(err)
		}
		for _, it := range lv.Items {
			if it.ID == id {
				return it
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the listening view never had %s: %+v", id, lv.Items)
		}
		time.Sleep(20 * time.Millisecond) // a poller runs on its own goroutine
	}
}

// Issue 14: on a hub with two Facebook pages, a comment heard on the
// second (listen-only) page, once adopted, is answered with that page's
// token — not the first page's.
func TestAdoptedListenedCommentRepliesThroughItsPage(t *testing.T) {
	graph, graphURL := newPlatform(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/comments") {
			io.WriteString(w, `{"id": "88_2"}`)
			return
		}
		io.WriteString(w, `{}`)
	})
	const secret = "fb-app-secret"
	cfg, err := loadConfig(writeConfig(t, `{"facebook": {"graph_url": "`+graphURL+`", "app_secret": "`+secret+`", "verify_token": "vt", "pages": [
	    {"page_id": "1001", "page_name": "Alpine Air", "page_token": "token-air", "brand": "alpine-air"},
	    {"page_id": "1002", "page_name": "Alpine Fans", "page_token": "token-fans", "brand": "alpine-fans", "listen": true, "topics": ["lift"]}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	b := startBrandHub(t, cfg)
	now := time.Now().Add(-30 * time.Minute).Unix()
	body := []byte(fmt.Sprintf(`{"object": "page", "entry": [{"id": "1002", "time": %[1]d, "changes": [
	   {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "88_1", "post_id": "1002_88", "parent_id": "1002_88",
	    "from": {"id": "5550001112223", "name": "Erika Musterfrau"}, "created_time": %[1]d, "message": "The lift on floor 3 is broken again."}}]}]}`, now))
	h := http.Header{"X-Hub-Signature-256": {facebook.Signature(body, secret)}, "Content-Type": {"application/json"}}
	if code := b.post(t, facebook.Path, h, body); code != 200 {
		t.Fatalf("webhook answered %d", code)
	}
	if it := b.waitListened(t, "facebook|88_1"); it.Brand != "alpine-fans" {
		t.Fatalf("the listened comment's brand: %q", it.Brand)
	}
	if _, ok := b.hub.CaseByThread(model.ChannelFacebook, "fb-post-1002_88"); ok {
		t.Fatal("a listened comment opened a case before it was adopted")
	}

	b.adopt(t, "facebook|88_1")
	if c, ok := b.hub.CaseByThread(model.ChannelFacebook, "fb-post-1002_88"); !ok || c.Brand != "alpine-fans" {
		t.Fatalf("the adopted comment's case: %v, brand %q", ok, c.Brand)
	}
	b.reply(t, model.ChannelFacebook, "fb-post-1002_88", "We are sorry, Erika: the lift is being repaired today.")
	if calls := graph.wait(t, "/v21.0/88_1/comments"); calls["/v21.0/88_1/comments"] != "token-fans" {
		t.Fatalf("the reply went out as %v", calls)
	}
}

// Issue 14 on X: a listen-only search marked with the second account's
// brand; its tweet, adopted, is answered with that account's user token.
func TestAdoptedListenedTweetRepliesThroughItsAccount(t *testing.T) {
	at := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04:05.000Z")
	x, xURL := newPlatform(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/2/tweets" && r.Method == http.MethodPost:
			io.WriteString(w, `{"data": {"id": "1900000000000000001", "text": "ok"}}`)
		case r.URL.Path == "/2/tweets/search/recent" && r.URL.Query().Get("since_id") == "":
			io.WriteString(w, `{"data": [{"id": "1797100000000000300", "text": "AlpineLite lost my bag again, third time this year",
			  "author_id": "2088000000000000031", "conversation_id": "1797100000000000300", "created_at": "`+at+`", "lang": "en",
			  "edit_history_tweet_ids": ["1797100000000000300"]}],
			 "includes": {"users": [{"id": "2088000000000000031", "name": "Mark T.", "username": "marktravels"}]},
			 "meta": {"newest_id": "1797100000000000300", "oldest_id": "1797100000000000300", "result_count": 1}}`)
		case r.URL.Path == "/2/tweets/search/recent":
			io.WriteString(w, `{"meta": {"result_count": 0}}`)
		default:
			http.NotFound(w, r)
		}
	})
	cfg, err := loadConfig(writeConfig(t, `{"twitter": {"base_url": "`+xURL+`", "bearer_token": "app-bearer", "poll_every": "0",
	    "accounts": [
	      {"user_id": "111", "brand_handle": "AlpineAir", "user_token": "user-air"},
	      {"user_id": "222", "brand_handle": "AlpineLite", "user_token": "user-lite"}],
	    "searches": [{"name": "lite", "query": "alpinelite -from:AlpineLite", "listen": true, "topics": ["bag"],
	                  "brand": "AlpineLite", "poll_every": "1h"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	b := startBrandHub(t, cfg)
	if it := b.waitListened(t, "twitter|1797100000000000300"); it.Brand != "AlpineLite" {
		t.Fatalf("the listened tweet's brand: %q", it.Brand)
	}
	b.adopt(t, "twitter|1797100000000000300")
	if c, ok := b.hub.CaseByThread(model.ChannelTwitter, "tw-conv-1797100000000000300"); !ok || c.Brand != "AlpineLite" {
		t.Fatalf("the adopted tweet's case: %v, brand %q", ok, c.Brand)
	}
	b.reply(t, model.ChannelTwitter, "tw-conv-1797100000000000300", "Sorry, Mark: send us your bag tag number in a DM.")
	if calls := x.wait(t, "/2/tweets"); calls["/2/tweets"] != "Bearer user-lite" {
		t.Fatalf("the reply went out as %v", calls)
	}
}

// A search's brand must be an account's: its cases are answered from it.
func TestTwitterSearchBrandIsAnAccounts(t *testing.T) {
	const accounts = `"bearer_token": "b", "accounts": [{"user_id": "111", "brand": "air"}, {"user_id": "222", "brand": "lite"}]`
	for body, want := range map[string]string{
		`{"twitter": {` + accounts + `, "searches": [{"name": "a", "query": "x", "listen": true, "brand": "lite"}]}}`:     "",
		`{"twitter": {` + accounts + `, "searches": [{"name": "a", "query": "x", "listen": true, "brand": "fans"}]}}`:     `brand "fans" is no account's brand`,
		`{"twitter": {"user_id": "111", "bearer_token": "b", "searches": [{"name": "a", "query": "x", "brand": "air"}]}}`: `brand "air" is no account's brand`,
	} {
		_, err := loadConfig(writeConfig(t, body))
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: err %v, want %q", body, err, want)
		}
	}
}
