package demo_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"switchboard/connector"
	"switchboard/connector/facebook"
	"switchboard/connector/twitter"
	"switchboard/demo"
	"switchboard/model"
	"switchboard/report"
	"switchboard/sla"
	"switchboard/sync/hub"
)

func TestHistoryGivesTrends(t *testing.T) {
	l, err := hub.OpenBoltLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC) // a Monday
	h, err := hub.New(l, hub.Config{Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	st, err := demo.History(h, now, demo.HistoryOptions{Days: 14, PerDay: 6, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if st.Cases < 50 || st.Messages < 2*st.Cases-10 {
		t.Fatalf("history = %+v", st)
	}
	e := hub.NewSLA(h, sla.Default())
	var rows []report.Row
	var weeks report.Summary
	if err := e.Measure(func(f *report.Folder) {
		rows = f.Rows(e.Rules(), now.AddDate(0, 0, -15), now, now)
		weeks = f.Summarize(e.Rules(), now.AddDate(0, 0, -14), now, now, report.ByAgent, time.UTC)
	}); err != nil {
		t.Fatal(err)
	}
	if len(rows) != st.Cases {
		t.Fatalf("%d rows for %d cases", len(rows), st.Cases)
	}
	var answered, breached, resolved, reopened int
	for _, r := range rows {
		if r.FirstResponseWallS != nil {
			answered++
		}
		if r.Breached {
			breached++
		}
		if r.ResolvedAt != "" {
			resolved++
		}
		reopened += r.Reopened
	}
	// Most are answered and solved, a few service levels are missed.
	if answered < len(rows)*8/10 || resolved < len(rows)/2 || breached == 0 || breached > len(rows)/2 || reopened != st.Reopened {
		t.Fatalf("answered %d resolved %d breached %d reopened %d of %d", answered, resolved, breached, reopened, len(rows))
	}
	// Several agents answered.
	if len(weeks.Groups) < 4 {
		t.Fatalf("%d agent groups", len(weeks.Groups))
	}
}

// TestSeedPutsHistoryFirst: the hub's --demo seeds days of past cases
// (Generator.HistoryDays) into an empty hub, once; none of them older than
// two days is left open in the agents' queue.
func TestSeedPutsHistoryFirst(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logger := slog.New(slog.DiscardHandler)
	l, err := hub.OpenBoltLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h, err := hub.New(l, hub.Config{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	p, err := demo.StartPlatform(ctx, logger)
	if err != nil {
		t.Fatal(err)
	}
	srv := hub.NewServer(h, hub.DefaultTiming)
	defer srv.Close()
	tw, err := twitter.NewWebhook(twitter.Config{UserID: demo.XBrandID, ConsumerSecret: demo.XConsumerSecret, BrandHandle: demo.XBrandHandle,
		Threads: twitter.NewThreads(0), Logger: logger}, h.Sink())
	if err != nil {
		t.Fatal(err)
	}
	srv.Mount(twitter.WebhookPath, tw)
	fb, err := facebook.NewWebhook(facebook.Config{PageID: demo.FBPageID, PageName: demo.FBPageName, AppSecret: demo.FBAppSecret, VerifyToken: "v", Logger: logger}, h.Sink())
	if err != nil {
		t.Fatal(err)
	}
	srv.Mount(facebook.Path, fb)
	g := &demo.Generator{Hub: h, Handler: srv.Handler(), Platform: p, Logger: logger, HistoryDays: 12}
	began := time.Now()
	if err := g.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d cases in %s", h.CaseCount(), time.Since(began))
	n := h.CaseCount()
	if n < 100 {
		t.Fatalf("%d cases after a 12-day history", n)
	}
	now := time.Now()
	var rows []report.Row
	if err := hub.NewSLA(h, sla.Default()).Measure(func(f *report.Folder) { rows = f.Rows(sla.Default(), now.AddDate(0, 0, -13), now, now) }); err != nil {
		t.Fatal(err)
	}
	old, breached := 0, 0
	for _, r := range rows {
		created, _ := time.Parse(time.RFC3339, r.Created)
		// The scripted backlog's old cases are settled as their posts come in.
		if strings.HasPrefix(r.ThreadRef, "history-") && model.Status(r.Status).Active() && now.Sub(created) > 48*time.Hour {
			old++
		}
		if r.Breached {
			breached++
		}
	}
	if old > 0 || breached == 0 || len(rows) < n-20 {
		t.Fatalf("%d of %d cases older than two days still open, %d breached", old, len(rows), breached)
	}
	g2 := &demo.Generator{Hub: h, Handler: srv.Handler(), Platform: p, Logger: logger, HistoryDays: 12}
	if err := g2.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	if h.CaseCount() != n {
		t.Fatalf("a second seed went from %d to %d cases", n, h.CaseCount())
	}
}

// TestHistoryRepliesAreDelivered: a past case still open is answered like
// a live one — a reply to a public X case, an X DM and a Facebook case goes
// out to the demo platform and comes back delivered. X replies to a tweet
// id and DMs a user id; the past cases had neither ("history-twitter-3-1"),
// so a reply to one failed for good: "no tweet to reply to".
func TestHistoryRepliesAreDelivered(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logger := slog.New(slog.DiscardHandler)
	l, err := hub.OpenBoltLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h, err := hub.New(l, hub.Config{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	p, err := demo.StartPlatform(ctx, logger)
	if err != nil {
		t.Fatal(err)
	}
	// A fixed clock: which past cases are still open depends on the time
	// of day the history ends at (ending at 17:00 it held no open X DM).
	st, err := demo.History(h, time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), demo.HistoryOptions{Days: 3, PerDay: 40, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	// One open past case of each kind.
	open := map[string]model.Case{}
	for n := 0; n < 4*st.Cases; n++ {
		for _, ch := range []model.Channel{model.ChannelTwitter, model.ChannelFacebook} {
			c, ok := h.CaseByThread(ch, fmt.Sprintf("history-%s-%d", ch, n))
			if !ok || !c.Status.Active() {
				continue
			}
			k := fmt.Sprintf("%s public=%v", ch, c.Public)
			if _, seen := open[k]; !seen {
				open[k] = c
			}
		}
	}
	if _, ok := open["twitter public=true"]; !ok {
		t.Fatalf("no open public X case among %d past cases: %v", st.Cases, open)
	}
	if _, ok := open["twitter public=false"]; !ok {
		t.Fatalf("no open X DM case among %d past cases: %v", st.Cases, open)
	}
	tw, err := twitter.NewSender(twitter.Config{BaseURL: p.URL(), UserID: demo.XBrandID, UserToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	fb, err := facebook.NewSender(facebook.Config{GraphURL: p.URL(), PageID: demo.FBPageID, PageAccessToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	for k, c := range open {
		if a, err := h.ApplyOp(hub.Agent{Name: "anna"}, model.Op{ID: "op-" + c.ID, Kind: model.OpReply, CaseID: c.ID, Confirm: true, Text: "Sorry for the wait, " + k}); err != nil || a.Reject != nil {
			t.Fatalf("%s: reply: %+v %v", k, a, err)
		}
	}
	go h.RunDelivery(ctx, map[model.Channel]connector.Sender{model.ChannelTwitter: tw, model.ChannelFacebook: fb})
	deadline := time.Now().Add(20 * time.Second)
	for k, c := range open {
		for {
			th, err := l.Thread(c.ID)
			if err != nil {
				t.Fatal(err)
			}
			last := th[len(th)-1]
			if last.Direction == model.DirectionOut && last.Delivery == model.DeliverySent {
				break
			}
			if last.Delivery == model.DeliveryFailed || time.Now().After(deadline) {
				t.Fatalf("%s (%s): reply %s %q", k, c.ThreadRef, last.Delivery, last.DeliveryError)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
