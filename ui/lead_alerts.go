package ui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"switchboard/app"
	"switchboard/model"
)

// EscalationBackend is what the escalation notifier needs of the core.
type EscalationBackend interface {
	Queue(app.Filter) []model.Summary
	OnChange(func(app.Change))
	Me() string
	Lead() bool
}

// Escalator sends a desktop notification when a case goes at risk or
// breaches its service level — once per transition — to a lead for every
// case and to an agent for the cases assigned to them, and tells the
// lead's board (OnEscalation) to mark them.
type Escalator struct {
	be     EscalationBackend
	want   func() app.Escalate
	notify func(*fyne.Notification)

	mu    sync.Mutex
	esc   app.Escalations
	onEsc []func([]app.Escalation)
	kick  chan struct{}
	bg    sync.WaitGroup
	scans int
}

// NewEscalator makes the notifier; want tells, at each change, which
// transitions to tell (the settings; the zero Escalate when muted).
func NewEscalator(be EscalationBackend, want func() app.Escalate) *Escalator {
	return &Escalator{be: be, want: want, kick: make(chan struct{}, 1)}
}

// SetNotifier replaces App.SendNotification, for tests.
func (e *Escalator) SetNotifier(f func(*fyne.Notification)) { e.notify = f }

// OnEscalation calls f on the UI goroutine with each scan's escalations.
func (e *Escalator) OnEscalation(f func([]app.Escalation)) {
	e.mu.Lock()
	e.onEsc = append(e.onEsc, f)
	e.mu.Unlock()
}

// escalateGap is the least time between two scans of the queue.
var escalateGap = time.Second

// Start scans the queue on every change of the cases (at most once every
// escalateGap) until ctx ends.
func (e *Escalator) Start(ctx context.Context) {
	e.be.OnChange(func(ch app.Change) {
		if ch.Queue || len(ch.Cases) > 0 {
			e.Kick()
		}
	})
	e.bg.Add(1)
	go func() {
		defer e.bg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-e.kick:
			}
			e.Scan()
			select {
			case <-ctx.Done():
				return
			case <-time.After(escalateGap):
			}
		}
	}()
	e.Kick()
}

// Kick asks for a scan.
func (e *Escalator) Kick() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// Wait waits for the scanning goroutine to end (after ctx).
func (e *Escalator) Wait() { e.bg.Wait() }

// Scan looks for transitions now and tells them. It reads the queue
// index: off the UI goroutine.
func (e *Escalator) Scan() []app.Escalation {
	active := e.be.Queue(app.Filter{ActiveOnly: true})
	want := e.want()
	e.mu.Lock()
	got := e.esc.Scan(active, e.be.Me(), e.be.Lead(), want)
	e.scans++
	ls := append([]func([]app.Escalation){}, e.onEsc...)
	send := e.notify
	e.mu.Unlock()
	if len(got) == 0 {
		return nil
	}
	fyne.Do(func() {
		if send == nil {
			if a := fyne.CurrentApp(); a != nil {
				send = a.SendNotification
			}
		}
		for i, x := range got {
			if send == nil || i == maxNotes {
				break
			}
			more := 0
			if i == maxNotes-1 {
				more = len(got) - maxNotes
			}
			send(escalationNote(x, more))
		}
		for _, l := range ls {
			l(got)
		}
	})
	return got
}

// maxNotes is how many notifications one scan sends: more at once (a
// hub back after an outage) are told as one.
const maxNotes = 3

// escalationNote is the notification of one escalation; more, when above
// zero on the last one, says how many more there are.
func escalationNote(x app.Escalation, more int) *fyne.Notification {
	s := x.Case
	title := T("At risk: {{.Who}}", "Who", s.Author)
	switch {
	case x.HighReach:
		title = T("High reach, waiting {{.Age}}: {{.Who}}", "Age", Age(time.Since(s.WaitingSince)), "Who", s.Author)
	case x.To == model.SLABreached:
		title = T("SLA breached: {{.Who}}", "Who", s.Author)
	}
	who := s.Assignee
	if who == "" {
		who = T("unassigned")
	}
	body := channelName(s.Channel) + " · " + who
	if !s.Due.IsZero() {
		body += " · " + T("due {{.At}}", "At", s.Due.Local().Format("15:04"))
	}
	body += " · " + model.FirstLine(s.Preview, 80)
	if more > 0 {
		body += " " + T("(and {{.N}} more)", "N", Number(more))
	}
	return fyne.NewNotification(title, body)
}
