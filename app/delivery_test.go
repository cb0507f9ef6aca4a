package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"switchboard/connector"
	"switchboard/connector/twitter"
	"switchboard/model"
	"switchboard/sync/hub"
)

// A reply typed in the console reaches X's API in X's shape, once, and
// the console shows it delivered.
func TestConsoleReplyReachesXOnceAndShowsDelivered(t *testing.T) {
	var mu sync.Mutex
	var posts []map[string]any
	var auth []string
	x := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/2/tweets" {
			http.NotFound(w, r)
			return
		}
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			http.Error(w, "bad json", 400)
			return
		}
		mu.Lock()
		posts = append(posts, body)
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"data":{"id":"1870000000000000001","text":"ok"}}`)
	}))
	defer x.Close()

	th := startAuthHub(t)
	sender, err := twitter.NewSender(twitter.Config{BaseURL: x.URL, UserID: "9000001", UserToken: "user-token"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go th.hub.RunDelivery(ctx, map[model.Channel]connector.Sender{model.ChannelTwitter: sender})

	id, _, err := th.hub.Ingest(hub.Inbound{Channel: model.ChannelTwitter, ThreadRef: "tw-conv-1860400", PlatformID: "1860400",
		Author: model.Identity{Handle: "@kim", PlatformID: "4242"}, Text: "@SkyWingsAir my bag is lost", Public: true})
	if err != nil {
		t.Fatal(err)
	}
	anna := openConsole(t, t.TempDir())
	defer anna.Close()
	th.connect(t, anna, "tok-anna")
	waitFor(t, "sync", func() bool { return anna.Status().Cursor == th.log.Head() })
	// The customer's tweet has a platform id the reply must answer.
	thread, _ := th.log.Thread(id)
	inReplyTo := thread[0].PlatformID

	op, err := anna.Do(model.Op{Kind: model.OpReply, CaseID: id, Text: "So sorry, Kim – it lands at 19:10 and comes to your hotel."})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the console to show it delivered", func() bool {
		d, err := anna.Case(id)
		if err != nil {
			return false
		}
		for _, m := range d.Thread {
			if m.ID == op.ID && m.Delivery == model.DeliverySent && m.PlatformID == "1870000000000000001" {
				return true
			}
		}
		return false
	})
	mu.Lock()
	defer mu.Unlock()
	if len(posts) != 1 {
		t.Fatalf("X got %d posts, want 1", len(posts))
	}
	reply, _ := posts[0]["reply"].(map[string]any)
	if posts[0]["text"] != "So sorry, Kim – it lands at 19:10 and comes to your hotel." || reply["in_reply_to_tweet_id"] != inReplyTo || auth[0] != "Bearer user-token" {
		t.Fatalf("X got %v with %q", posts[0], auth[0])
	}
}
