package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"switchboard/connector/generic"
	"switchboard/model"
	"switchboard/sync/hub"
)

// waitListenedWhere waits until the listening view has an item match
// accepts and returns it.
func (b *brandHub) waitListenedWhere(t *testing.T, what string, match func(model.ListenItem) bool) model.ListenItem {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var lv listenView
		if err := json.Unmarshal([]byte(getJSON(t, b.url+hub.ListenPath, b.token)), &lv); err != nil {
			t.Fatal(err)
		}
		for _, it := range lv.Items {
			if match(it) {
				return it
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the listening view never had %s: %+v", what, lv.Items)
		}
		time.Sleep(20 * time.Millisecond) // the forum poller runs on its own goroutine
	}
}

// waitJob waits until the delivery job of the reply on case caseID is in
// state and returns it.
func (b *brandHub) waitJob(t *testing.T, caseID string, state hub.JobState) hub.Job {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		jobs, err := b.hub.Log().Jobs(state)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if j.CaseID == caseID {
				return j
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s job for case %s", state, caseID)
		}
		time.Sleep(20 * time.Millisecond) // the delivery worker runs on its own goroutine
	}
}

// Issue 14: a listen-only forum feed followed for a brand gives its posts
// that brand; adopted, the post's case is that brand's and its reply,
// posted by hand, is that brand's.
func TestAdoptedForumPostIsItsFeedsBrand(t *testing.T) {
	at := time.Now().UTC().Add(-time.Hour).Format(time.RFC1123Z)
	rss := `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Alpine Fans</title><language>de-DE</language>
<item><title>Lift im 3. Stock schon wieder kaputt</title><pubDate>` + at + `</pubDate>
<link>https://alpinefans.example/threads/lift-kaputt.4711/post-90001</link><guid isPermaLink="false">90001</guid>
<dc:creator>Erika_M</dc:creator><description>Der Lift im Alpine Lite Hotel ist seit gestern kaputt.</description></item>
</channel></rss>`
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, rss)
	}))
	t.Cleanup(feed.Close)
	cfg, err := loadConfig(writeConfig(t, `{"forum": {"poll_every": "1h", "feeds": [
	    {"name": "alpinefans", "url": "`+feed.URL+`/index.rss", "listen": true, "include": ["lift"], "brand": "alpine-lite"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	b := startBrandHub(t, cfg)
	it := b.waitListenedWhere(t, "the forum post", func(it model.ListenItem) bool { return it.Channel == model.ChannelForum })
	if it.Brand != "alpine-lite" {
		t.Fatalf("the listened post's brand: %q", it.Brand)
	}
	b.adopt(t, it.ID)
	c, ok := b.hub.CaseByThread(model.ChannelForum, it.ThreadRef)
	if !ok || c.Brand != "alpine-lite" {
		t.Fatalf("the adopted post's case: %v, brand %q", ok, c.Brand)
	}
	b.reply(t, model.ChannelForum, it.ThreadRef, "Liebe Erika, der Lift wird heute repariert.")
	if j := b.waitJob(t, c.ID, hub.JobManual); j.Reply.Brand != "alpine-lite" {
		t.Fatalf("the hand-posted reply's brand: %q", j.Reply.Brand)
	}
	// The agent is told which account to post it as.
	thread, err := b.hub.Log().Thread(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var reply model.Message
	for _, m := range thread {
		if m.Direction == model.DirectionOut {
			reply = m
		}
	}
	if reply.Delivery != model.DeliveryManual || !strings.Contains(reply.DeliveryError, "post it in the thread as alpine-lite,") {
		t.Fatalf("the reply: %s %q", reply.Delivery, reply.DeliveryError)
	}
}

// Issue 14 through the generic endpoint: a listening tool's hit names the
// page's brand it was heard for; adopted, it is answered with that page's
// token. A brand no page has is refused: its reply could not go out.
func TestAdoptedGenericItemRepliesThroughItsBrandsPage(t *testing.T) {
	graph, graphURL := newPlatform(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/comments") {
			io.WriteString(w, `{"id": "77_2"}`)
			return
		}
		io.WriteString(w, `{}`)
	})
	cfg, err := loadConfig(writeConfig(t, `{"facebook": {"graph_url": "`+graphURL+`", "app_secret": "s", "verify_token": "vt", "pages": [
	    {"page_id": "1001", "page_name": "Alpine Air", "page_token": "token-air", "brand": "alpine-air"},
	    {"page_id": "1002", "page_name": "Alpine Fans", "page_token": "token-fans", "brand": "alpine-fans"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	b := startBrandHub(t, cfg)
	item := func(brand string) []byte {
		return []byte(fmt.Sprintf(`{"source": "Listening tool", "channel": "facebook", "thread_ref": "fb-post-1002_77", "id": "77_1",
		  "author": {"handle": "5550001112224", "name": "Jonas Berger"}, "text": "The lift on floor 3 is broken again.",
		  "time": %q, "public": true, "listen": true, "topics": ["lift"], "brand": %q}`, time.Now().UTC().Add(-time.Hour).Format(time.RFC3339), brand))
	}
	h := http.Header{"Authorization": {"Bearer " + b.token}, "Content-Type": {"application/json"}}
	if code := b.post(t, generic.Path, h, item("nobody")); code != http.StatusBadRequest {
		t.Fatalf("a brand no page has: %d", code)
	}
	if code := b.post(t, generic.Path, h, item("alpine-fans")); code != http.StatusOK {
		t.Fatalf("the listened item: %d", code)
	}
	if it := b.waitListened(t, "facebook|77_1"); it.Brand != "alpine-fans" {
		t.Fatalf("the listened item's brand: %q", it.Brand)
	}
	b.adopt(t, "facebook|77_1")
	if c, ok := b.hub.CaseByThread(model.ChannelFacebook, "fb-post-1002_77"); !ok || c.Brand != "alpine-fans" {
		t.Fatalf("the adopted item's case: %v, brand %q", ok, c.Brand)
	}
	b.reply(t, model.ChannelFacebook, "fb-post-1002_77", "We are sorry, Jonas: the lift is being repaired today.")
	if calls := graph.wait(t, "/v21.0/77_1/comments"); calls["/v21.0/77_1/comments"] != "token-fans" {
		t.Fatalf("the reply went out as %v", calls)
	}
}
