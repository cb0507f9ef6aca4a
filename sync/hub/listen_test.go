package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"switchboard/listen"
	"switchboard/model"
	"switchboard/sync/hub"
)

func TestListenOnlyPostsOpenNoCaseAndCanBeAdopted(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	l := openLog(t, dir)
	t.Cleanup(func() { l.Close() })
	h, err := hub.New(l, quietConfig(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := hub.OpenTokenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	agent, _, _ := tokens.Add("arno", hub.RoleAgent)
	lis := hub.NewListening(h)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { lis.Run(ctx); close(done) }()
	srv := hub.NewServer(h, hub.DefaultTiming)
	srv.SetAuth(tokens)
	srv.Mount("GET "+hub.ListenPath, srv.ListenHandler(lis))
	srv.Mount("POST "+hub.ListenAdoptPath, srv.ListenAdoptHandler(lis))
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); srv.Close(); cancel(); <-done })
	sh := &slaHub{h: h, log: l, url: ts.URL, agent: agent}

	post := func(thread, id, text string, at time.Time) model.Inbound {
		in := forumPost(thread, "driver_"+id, id, text, at)
		in.Listen, in.Keywords, in.Source = true, []string{"Reichweite"}, "Forum autoforum.example"
		return in
	}
	// Steady chatter for two weeks, then today's spike about the update.
	n := 0
	for d := 1; d <= 13; d++ {
		n++
		if _, _, err := h.Ingest(post(fmt.Sprint("t-old-", d), fmt.Sprint("o", d), "Schöne Ausfahrt heute mit dem E5, Reichweite passt.", now.AddDate(0, 0, -d))); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 8; i++ {
		id, dup, err := h.Ingest(post(fmt.Sprint("t-new-", i), fmt.Sprint("n", i), "Seit dem Update 4.2 ist die Reichweite um 60 km gesunken, Software fehlerhaft!", now.Add(-time.Duration(i)*time.Minute)))
		if err != nil || id != "" || dup {
			t.Fatalf("a listened post: case %q dup %v err %v", id, dup, err)
		}
	}
	if _, dup, _ := h.Ingest(post("t-new-0", "n0", "Seit dem Update 4.2 ist die Reichweite um 60 km gesunken, Software fehlerhaft!", now)); !dup {
		t.Fatal("a repeat of a listened post was not a repeat")
	}
	if c := h.CaseCount(); c != 0 {
		t.Fatalf("listen-only posts opened %d cases", c)
	}
	var resp struct {
		View  listen.View
		Items []model.ListenItem
	}
	get := func() {
		t.Helper()
		code, _, body := sh.do(t, "GET", hub.ListenPath+"?days=14", agent, nil)
		if err := json.Unmarshal(body, &resp); code != http.StatusOK || err != nil {
			t.Fatalf("GET listen: %d %s", code, body)
		}
	}
	waitExperts(t, "the listened items", func() bool { get(); return len(resp.Items) == 13+8 })
	if resp.View.Topics[0].Topic != "reichweite" || !resp.View.Topics[0].Spike || resp.View.Topics[0].Counts[13] != 8 {
		t.Fatalf("view %+v", resp.View.Topics)
	}
	newest := resp.Items[0]
	if newest.ID != "forum|n0" || newest.Triage == nil || newest.Triage.Source != "offline" || newest.Triage.SentimentLabel != "negative" {
		t.Fatalf("newest item %+v %+v", newest, newest.Triage)
	}
	if code, _, _ := sh.do(t, "GET", hub.ListenPath+"?days=400", agent, nil); code != http.StatusBadRequest {
		t.Fatalf("days=400: %d", code)
	}

	// The brand decides to answer: one call makes it a care case, and the
	// thread's next post joins that case.
	code, _, body := sh.do(t, "POST", hub.ListenAdoptPath+"?id=forum|n0", agent, nil)
	var ad struct {
		CaseID string `json:"case_id"`
	}
	if err := json.Unmarshal(body, &ad); code != http.StatusOK || err != nil || ad.CaseID == "" {
		t.Fatalf("adopt: %d %s", code, body)
	}
	c, ok := h.Case(ad.CaseID)
	if !ok || c.ThreadRef != "t-new-0" || c.Status != model.StatusNew {
		t.Fatalf("adopted case %+v", c)
	}
	if code, _, body := sh.do(t, "POST", hub.ListenAdoptPath+"?id=forum|n0", agent, nil); code != http.StatusOK || !json.Valid(body) {
		t.Fatalf("adopt again: %d %s", code, body)
	} else if json.Unmarshal(body, &ad); ad.CaseID != c.ID {
		t.Fatalf("adopting again made another case: %s", body)
	}
	if id, _, err := h.Ingest(post("t-new-0", "n0-2", "Danke fürs Melden!", now.Add(time.Minute))); err != nil || id != c.ID {
		t.Fatalf("the adopted thread's next post: case %q err %v", id, err)
	}
	// The adopted post keeps its platform id (a reply answers it), so the
	// platform's repeat of it is a repeat in the case, not a second message.
	if id, dup, err := h.Ingest(post("t-new-0", "n0", "Seit dem Update 4.2 ist die Reichweite um 60 km gesunken, Software fehlerhaft!", now)); err != nil || id != c.ID || !dup {
		t.Fatalf("the adopted post again: case %q dup %v err %v", id, dup, err)
	}
	if msgs, err := l.Thread(c.ID); err != nil || len(msgs) != 2 || msgs[0].PlatformID != "n0" {
		t.Fatalf("the adopted case's messages: %+v %v", msgs, err)
	}
	if code, _, _ := sh.do(t, "POST", hub.ListenAdoptPath+"?id=forum|nope", agent, nil); code != http.StatusNotFound {
		t.Fatalf("unknown item: %d", code)
	}
	waitExperts(t, "the adoption", func() bool {
		get()
		for _, it := range resp.Items {
			if it.ID == "forum|n0" {
				return it.Adopted == c.ID && it.AdoptedBy == "arno"
			}
		}
		return false
	})
	// The listened items are state: a snapshot carries them.
	items := 0
	if _, err := l.Snapshot(func(ev model.Event) error {
		if ev.Type == model.EventListenItem {
			items++
		}
		return nil
	}); err != nil || items != 21 {
		t.Fatalf("snapshot: %d listened items, %v", items, err)
	}
}
