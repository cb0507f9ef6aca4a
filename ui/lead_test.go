package ui

import (
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/model"
)

// escBackend is a queue whose cases the test moves between SLA states.
type escBackend struct {
	mu   sync.Mutex
	sums []model.Summary
	me   string
	lead bool
}

func (b *escBackend) Queue(app.Filter) []model.Summary {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]model.Summary{}, b.sums...)
}
func (b *escBackend) OnChange(func(app.Change)) {}
func (b *escBackend) Me() string                { return b.me }
func (b *escBackend) Lead() bool                { return b.lead }
func (b *escBackend) set(i int, st model.SLAState) {
	b.mu.Lock()
	b.sums[i].SLA = st
	b.mu.Unlock()
}

// TestEscalatorNotifiesOncePerTransition: at risk, then breached, each
// told once to the lead; the settings turn them off; the board marks the
// case.
func TestEscalatorNotifiesOncePerTransition(t *testing.T) {
	test.NewTempApp(t)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	be := &escBackend{me: "lena", lead: true, sums: []model.Summary{
		{ID: "c1", Channel: model.ChannelTwitter, Author: "Ada", Assignee: "anna", Status: model.StatusOpen, SLA: model.SLAOK, Due: now.Add(10 * time.Minute), Preview: "refund?"},
		{ID: "c2", Channel: model.ChannelForum, Author: "Bo", Status: model.StatusOpen, SLA: model.SLAOK, Due: now.Add(5 * time.Hour)},
	}}
	var mu sync.Mutex
	want := app.Escalate{AtRisk: true, Breached: true}
	var notes []*fyne.Notification
	e := NewEscalator(be, func() app.Escalate { mu.Lock(); defer mu.Unlock(); return want })
	e.SetNotifier(func(n *fyne.Notification) { mu.Lock(); notes = append(notes, n); mu.Unlock() })
	var marked []string
	e.OnEscalation(func(es []app.Escalation) {
		for _, x := range es {
			marked = append(marked, x.Case.ID)
		}
	})
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(notes) }
	e.Scan() // learns
	be.set(0, model.SLAAtRisk)
	e.Scan()
	e.Scan()
	if count() != 1 || !strings.Contains(notes[0].Title, "At risk: Ada") || !strings.Contains(notes[0].Content, "anna") {
		t.Fatalf("notes %+v", notes)
	}
	be.set(0, model.SLABreached)
	e.Scan()
	e.Scan()
	if count() != 2 || !strings.Contains(notes[1].Title, "SLA breached") {
		t.Fatalf("notes %+v", notes)
	}
	mu.Lock()
	want = app.Escalate{}
	mu.Unlock()
	be.set(1, model.SLABreached)
	e.Scan()
	if count() != 2 || len(marked) != 2 {
		t.Fatalf("muted: %d notes, marked %v", count(), marked)
	}
	// An agent hears of their own cases only.
	ag := &escBackend{me: "anna", sums: []model.Summary{be.sums[0], be.sums[1]}}
	ag.sums[0].SLA, ag.sums[1].SLA = model.SLAOK, model.SLAOK
	ea := NewEscalator(ag, func() app.Escalate { return app.Escalate{AtRisk: true, Breached: true} })
	var agentNotes int
	ea.SetNotifier(func(*fyne.Notification) { agentNotes++ })
	ea.Scan()
	ag.set(0, model.SLAAtRisk)
	ag.set(1, model.SLAAtRisk)
	ea.Scan()
	if agentNotes != 1 {
		t.Fatalf("agent got %d notes, want 1", agentNotes)
	}
}

// The settings choose the SLA notifications; both are on by default.
func TestSettingsChooseEscalations(t *testing.T) {
	test.NewTempApp(t)
	p := NewSettingsPanel(app.Settings{}, func(app.Settings) {})
	if !p.escRisk.Checked || !p.escMiss.Checked {
		t.Fatal("escalations are off by default")
	}
	if p.escReach.Text != "15" {
		t.Fatalf("high-reach wait %q by default, want 15", p.escReach.Text)
	}
	test.Tap(p.escRisk)
	p.escReach.SetText("30")
	s, err := p.Settings()
	if err != nil || s.Escalate == nil || s.Escalation() != (app.Escalate{AtRisk: false, Breached: true, HighReachMinutes: 30}) {
		t.Fatalf("settings %+v %v", s.Escalate, err)
	}
	if q := NewSettingsPanel(s, func(app.Settings) {}); q.escRisk.Checked || !q.escMiss.Checked || q.escReach.Text != "30" {
		t.Fatal("the choice is not shown again")
	}
	p.escReach.SetText("soon")
	if _, err := p.Settings(); err == nil {
		t.Fatal("a high-reach wait of \"soon\" accepted")
	}
}

// TestEscalatorHighReachPublicOnly: the lead's console is told once of a
// high-reach author waiting in public, never of the same author's direct
// message, however long it waits.
func TestEscalatorHighReachPublicOnly(t *testing.T) {
	test.NewTempApp(t)
	since := time.Now().Add(-40 * time.Minute)
	be := &escBackend{me: "lena", lead: true, sums: []model.Summary{
		{ID: "dm", Channel: model.ChannelTwitter, Author: "Dr. Brenner", Status: model.StatusOpen, Reach: model.ReachHigh, WaitingSince: since.Add(-time.Hour), Preview: "my order"},
		{ID: "pub", Channel: model.ChannelTwitter, Author: "Dr. Brenner", Status: model.StatusOpen, Reach: model.ReachHigh, Public: true, WaitingSince: since, Preview: "still nothing"},
	}}
	var notes []*fyne.Notification
	e := NewEscalator(be, func() app.Escalate { return app.Escalate{HighReachMinutes: 15} })
	e.SetNotifier(func(n *fyne.Notification) { notes = append(notes, n) })
	var marked []string
	e.OnEscalation(func(es []app.Escalation) {
		for _, x := range es {
			marked = append(marked, x.Case.ID)
		}
	})
	e.Scan()
	e.Scan()
	if len(notes) != 1 || !strings.Contains(notes[0].Title, "High reach, waiting") || !strings.Contains(notes[0].Content, "still nothing") {
		t.Fatalf("notes %+v", notes)
	}
	if len(marked) != 1 || marked[0] != "pub" {
		t.Fatalf("marked %v, want the public case only", marked)
	}
}
