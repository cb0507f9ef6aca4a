package hub_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"switchboard/model"
	"switchboard/sync/hub"
)

func slaEvents(t *testing.T, l hub.EventLog) []model.SLAChange {
	t.Helper()
	var out []model.SLAChange
	for _, ev := range readAll(t, l) {
		if ev.SLA != nil {
			out = append(out, *ev.SLA)
		}
	}
	return out
}

func evaluate(t *testing.T, s *hub.SLA) int {
	t.Helper()
	n, err := s.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSLAEvaluatorBreachAndRecovery(t *testing.T) {
	s := startSLAHub(t, t0)
	id := ingest(t, s.h, tweet("th1", "p1", "mara", "@brand my flight was cancelled, no rebooking offered", t0))
	if n := evaluate(t, s.sla); n != 1 {
		t.Fatalf("first evaluation updated %d cases, want 1", n)
	}
	c, _ := s.h.Case(id)
	version := c.Version
	if c.SLA == nil || c.SLA.Policy != "social-public" || c.SLA.State != model.SLAOK || !c.SLA.FirstResponseDue.Equal(t0.Add(30*time.Minute)) {
		t.Fatalf("SLA = %+v", c.SLA)
	}
	if n := evaluate(t, s.sla); n != 0 {
		t.Fatalf("an evaluation with nothing new updated %d cases", n)
	}
	s.clk.now = t0.Add(25 * time.Minute)
	evaluate(t, s.sla)
	if c, _ = s.h.Case(id); c.SLA.State != model.SLAAtRisk {
		t.Fatalf("at 25 of 30 minutes: %s, want at_risk", c.SLA.State)
	}
	s.clk.now = t0.Add(31 * time.Minute)
	evaluate(t, s.sla)
	if c, _ = s.h.Case(id); c.SLA.State != model.SLABreached || !slices.Equal(c.SLA.Breached, []string{"first_response"}) {
		t.Fatalf("at 31 minutes: %+v", c.SLA)
	}
	// The brand answers in X's own app: the reply made outside counts.
	out := tweet("th1", "p2", "brand", "@mara so sorry, we rebooked you on LH 2031", t0.Add(33*time.Minute))
	out.Direction = model.DirectionOut
	s.clk.now = t0.Add(35 * time.Minute)
	ingest(t, s.h, out)
	evaluate(t, s.sla)
	c, _ = s.h.Case(id)
	if c.SLA.State != model.SLAOK || !c.SLA.FirstResponseDue.IsZero() || !slices.Equal(c.SLA.Breached, []string{"first_response"}) {
		t.Fatalf("after the answer: %+v", c.SLA)
	}
	// SLA updates leave the version alone: only the answer moved it.
	if c.Version != version+1 {
		t.Fatalf("version %d, want %d", c.Version, version+1)
	}
	want := []model.SLAChange{
		{From: model.SLAAtRisk, To: model.SLABreached, Policy: "social-public", Metric: "first_response"},
		{From: model.SLABreached, To: model.SLAOK, Policy: "social-public"},
	}
	if got := slaEvents(t, s.log); !slices.Equal(got, want) {
		t.Fatalf("breach and recovery events = %+v, want %+v", got, want)
	}
	// The hub restarted on the same log measures the same.
	h2, err := hub.New(s.log, quietConfig(s.clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	if n := evaluate(t, hub.NewSLA(h2, s.sla.Rules())); n != 0 {
		t.Fatalf("a fresh evaluator on the same log changed %d cases", n)
	}
}

func TestSLARunFollowsTheLog(t *testing.T) {
	s := startSLAHub(t, t0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.sla.Run(ctx) }()
	defer func() { cancel(); <-done }()
	in := tweet("dm1", "d1", "olli", "where is my refund?", t0)
	in.Public = false
	id := ingest(t, s.h, in)
	poll := time.NewTicker(5 * time.Millisecond)
	defer poll.Stop()
	deadline := time.After(10 * time.Second)
	for {
		if c, _ := s.h.Case(id); c.SLA != nil {
			if c.SLA.Policy != "social-private" || !c.SLA.FirstResponseDue.Equal(t0.Add(time.Hour)) {
				t.Fatalf("SLA = %+v", c.SLA)
			}
			return
		}
		select {
		case <-poll.C:
		case <-deadline:
			t.Fatal("the evaluator did not put an SLA on the case within 10 s")
		}
	}
}
