package app_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"switchboard/model"
	"switchboard/sync/hub"
)

// The console suggests experts from its cached directory, refuses a
// hand-off naming the customer before it is queued, queues a clean one,
// shows the listening view from its cache and adopts a listened item
// through the hub.
func TestCommunityInTheConsole(t *testing.T) {
	l, err := hub.OpenBoltLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	x, lis := hub.NewExperts(h), hub.NewListening(h)
	srv := hub.NewServer(h, hub.Timing{HelloWait: 2 * time.Second, WriteWait: 2 * time.Second, PongWait: 2 * time.Minute, PingEvery: time.Minute})
	srv.Mount("POST "+hub.ListenAdoptPath, srv.ListenAdoptHandler(lis))
	ts := httptest.NewServer(srv.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { lis.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; ts.Close(); srv.Close(); l.Close() })

	consent := model.ExpertConsent{At: t0, By: "lena"}
	for _, e := range []model.Expert{
		{Key: "forum:kohlmark@f.example", Name: "kohlmark", Topics: []string{"galaxy s24"}, Languages: []string{"de"}, Consent: consent},
		{Key: "forum:away@f.example", Name: "away", Topics: []string{"galaxy s24"}, Consent: consent, Away: &model.Away{Until: time.Now().Add(48 * time.Hour)}},
		{Key: "forum:router@f.example", Topics: []string{"router"}, Consent: consent},
	} {
		if _, err := x.Put("lena", e); err != nil {
			t.Fatal(err)
		}
	}
	caseID, _, err := h.Ingest(hub.Inbound{Channel: model.ChannelForum, ThreadRef: "t-1", PlatformID: "p1", Public: true, Lang: "de",
		Author: model.Identity{Platform: model.ChannelForum, Handle: "anna_k@f.example", DisplayName: "Anna Keller"},
		Text:   "Mein Galaxy S24 verliert nach dem Update das WLAN", Time: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.Ingest(hub.Inbound{Channel: model.ChannelForum, ThreadRef: "t-l", PlatformID: "l1", Listen: true, Keywords: []string{"update"},
		Author: model.Identity{Platform: model.ChannelForum, Handle: "someone@e.example"}, Text: "Update 4.2 kostet Reichweite", Time: time.Now()}); err != nil {
		t.Fatal(err)
	}

	core, _ := startCore(t, t.TempDir(), &testHub{hub: h, log: l, url: ts.URL})
	waitFor(t, "the directory and the case", func() bool {
		ex, _ := core.Experts()
		return len(ex) == 3 && core.Count() == 1
	})
	s, err := core.SuggestExperts(caseID, 5)
	if err != nil || len(s) != 2 || s[0].Expert.Key != "forum:kohlmark@f.example" || !s[0].Available || s[1].Available {
		t.Fatalf("suggestions %+v %v", s, err)
	}
	if f, _ := core.CheckHandoff(caseID, "@kohlmark, Anna hat ein Problem"); len(f) == 0 || f[0].Kind != "name" {
		t.Fatalf("findings %+v", f)
	}
	var rej *model.Rejection
	if _, err := core.AskExpert(caseID, "forum:kohlmark@f.example", "thread", "@kohlmark: anna_k fragt nach WLAN"); !errors.As(err, &rej) || rej.Code != model.RejectPersonalData {
		t.Fatalf("a hand-off naming the customer: %v", err)
	}
	if _, err := core.AskExpert(caseID, "forum:kohlmark@f.example", "thread", "@kohlmark, kennst du WLAN-Abbrüche am Galaxy S24 nach dem Update?"); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			r, _ := core.Rejected()
			d, _ := core.Case(caseID)
			t.Logf("rejected %+v; pending %d; handoff %+v", r, core.Pending(), d.Case.Handoff)
		}
	}()
	waitFor(t, "the hand-off from the hub", func() bool {
		d, _ := core.Case(caseID)
		return core.Pending() == 0 && d.Case.Handoff.Waiting() && d.Case.Handoff.Expert == "forum:kohlmark@f.example"
	})

	waitFor(t, "the listened item", func() bool {
		_, its, _ := core.Listening(14, "", 0)
		return len(its) == 1
	})
	v, its, err := core.Listening(14, "update", 10)
	if err != nil || len(its) != 1 || v.Items != 1 || its[0].ID != "forum|l1" {
		t.Fatalf("listening %+v %+v %v", v, its, err)
	}
	id, err := core.AdoptListened(context.Background(), "forum|l1")
	if err != nil || id == "" {
		t.Fatalf("adopt: %q %v", id, err)
	}
	waitFor(t, "the adopted case", func() bool { return core.Count() == 2 })
	if _, err := core.AdoptListened(context.Background(), "forum|nope"); err == nil || !strings.Contains(err.Error(), "no listened item") {
		t.Fatalf("adopting an unknown item: %v", err)
	}
}
