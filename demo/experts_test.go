package demo_test

import (
	"context"
	"testing"
	"time"

	"switchboard/connector/forum"
	"switchboard/demo"
	"switchboard/model"
	"switchboard/sync/hub"
)

// In the demo the car forum's software-update thread suggests RolandK
// (available, his topics) before wallbox_wim (away on his honeymoon); a
// question handed to RolandK gets his answer in the thread, which the case
// shows as the community answer.
func TestDemoExpertIsSuggestedAndAnswersAHandOff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := startRig(t, ctx, hub.Config{})
	h, l, p, srv, logger := r.h, r.l, r.p, r.srv, r.logger
	x := hub.NewExperts(h)
	for _, e := range demo.Directory(time.Now()) {
		if _, err := x.Put("demo", e); err != nil {
			t.Fatal(err)
		}
	}
	feeds, err := forum.New(forum.Config{Feeds: p.Feeds(), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	g := &demo.Generator{Hub: h, Handler: srv.Handler(), Platform: p, Logger: logger}
	if err := g.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	feeds.PollOnce(ctx, h.Sink())
	c, ok := h.CaseByThread(model.ChannelForum, forum.ThreadRef("https://autoforum.example/voltra/e5/t/4-2-update-reichweite/88120"))
	if !ok {
		t.Fatal("no case for the software-update thread")
	}
	s, err := x.Suggest(c.ID, time.Now(), 5)
	if err != nil || len(s) < 2 || s[0].Expert.Key != "forum:rolandk@autoforum.example" || !s[0].Available ||
		s[len(s)-1].Expert.Key != "forum:wallbox_wim@autoforum.example" || s[len(s)-1].Available {
		t.Fatalf("suggestions %+v %v", s, err)
	}

	demo.AnswerDelay = 10 * time.Millisecond
	go g.RunExperts(ctx)
	a, err := h.ApplyOp(hub.Agent{Name: "demo-agent", Role: hub.RoleAgent}, model.Op{ID: "op-ask", Kind: model.OpAskExpert, CaseID: c.ID,
		Expert: "forum:rolandk@autoforum.example", Text: "@RolandK, kennst du die geringere Reichweitenanzeige nach 4.2?"})
	if err != nil || a.Reject != nil {
		t.Fatalf("hand-off: %v %+v", err, a.Reject)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		feeds.PollOnce(ctx, h.Sink())
		if c, _ = h.Case(c.ID); c.Handoff != nil && !c.Handoff.Waiting() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no community answer: %+v", c.Handoff)
		}
		time.Sleep(100 * time.Millisecond)
	}
	msgs, _ := l.Thread(c.ID)
	last := msgs[len(msgs)-1]
	if last.ID != c.Handoff.AnswerID || last.Author.Key() != "forum:rolandk@autoforum.example" || !last.Author.Expert {
		t.Fatalf("the answer %+v", last)
	}
}
