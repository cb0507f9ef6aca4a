package report

import (
	"fmt"
	"testing"
	"time"

	"switchboard/internal/bench"
	"switchboard/model"
	"switchboard/sla"
)

// benchEvents makes n cases' events as the hub logs them: a customer's
// message, an agent's reply queued and delivered, a solve; every tenth case
// waits, every seventh is reopened and answered again.
func benchEvents(n int) []model.Event {
	t0 := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	chans := []model.Channel{model.ChannelTwitter, model.ChannelFacebook, model.ChannelForum}
	evs := make([]model.Event, 0, n*7)
	for i := range n {
		at := t0.Add(time.Duration(i) * 20 * time.Second)
		c := &model.Case{ID: fmt.Sprintf("case-%07d", i), Channel: chans[i%3], ThreadRef: fmt.Sprint("t", i), Public: i%4 != 0,
			Status: model.StatusNew, Priority: model.PriorityNormal, Created: at, Author: model.Identity{Platform: chans[i%3], Handle: fmt.Sprint("c", i)}}
		in := &model.Message{ID: c.ID + "-1", CaseID: c.ID, Direction: model.DirectionIn, Time: at, Author: c.Author}
		evs = append(evs, model.Event{Type: model.EventMessageAdded, Time: at, Message: in}, model.Event{Type: model.EventCaseUpserted, Time: at, Case: c})
		if i%10 == 0 {
			continue
		}
		agent := fmt.Sprint("agent", i%40)
		rt := at.Add(time.Duration(5+i%50) * time.Minute)
		r := &model.Message{ID: c.ID + "-2", CaseID: c.ID, Direction: model.DirectionOut, Time: rt, Delivery: model.DeliveryQueued,
			Author: model.Identity{Platform: c.Channel, Handle: agent}}
		open := *c
		open.Status, open.Assignee = model.StatusOpen, agent
		sent := *r
		sent.Delivery = model.DeliverySent
		solved := open
		solved.Status, solved.Resolved = model.StatusSolved, rt.Add(time.Hour)
		evs = append(evs, model.Event{Type: model.EventMessageAdded, Time: rt, Message: r}, model.Event{Type: model.EventCaseUpserted, Time: rt, Case: &open},
			model.Event{Type: model.EventMessageUpdated, Time: rt.Add(2 * time.Second), Message: &sent},
			model.Event{Type: model.EventCaseUpserted, Time: rt.Add(time.Hour), Case: &solved})
	}
	return evs
}

// BenchmarkScenarioReportCases: the case export of bench.N() cases (every
// row measured against its policy, with business hours) against its
// baseline, folding the same cases' events from the log.
func BenchmarkScenarioReportCases(b *testing.B) {
	n := bench.N()
	evs := benchEvents(n)
	r := sla.Default()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var fold, rows []float64
	for b.Loop() {
		for range bench.Runs() {
			start := time.Now()
			f := NewFolder()
			for _, ev := range evs {
				f.Apply(ev)
			}
			fold = append(fold, bench.Ms(time.Since(start)))
			start = time.Now()
			out := f.Rows(r, time.Time{}, now, now)
			rows = append(rows, bench.Ms(time.Since(start)))
			if len(out) != n {
				b.Fatalf("%d rows, want %d", len(out), n)
			}
		}
	}
	bench.Report("report_cases", bench.Median(rows), "ms", bench.Median(fold))
}
