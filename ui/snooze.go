package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"switchboard/model"
)

// Snooze is the team's (docs/protocol.md): s queues the op snooze, the
// hub logs it and every console shows the case in Snoozed, out of the open
// views, until its time (app.Filter.Snooze); then the core sets its row
// again and the case comes back, announced like a new one. A new message
// wakes it on the hub.

// Snooze queues the snooze of case id until a time; a zero time (or one
// past) wakes it now. The status bar says what came of it.
func (c *Console) Snooze(id string, until time.Time) {
	op := model.Op{Kind: model.OpSnooze, CaseID: id, Until: until.UTC()}
	if until.IsZero() || !until.After(c.now()) {
		op = model.Op{Kind: model.OpUnsnooze, CaseID: id}
	}
	var ch model.Channel
	var assignee string
	if s, ok := c.summary(id); ok {
		ch, assignee = s.Channel, s.Assignee
	}
	c.act(op, func(err error) {
		if x := c.x(); x != nil {
			x.refreshOutbox() // the outbox panel lists it (keys.go)
		}
		switch {
		case err != nil:
			c.status.Flash(T("{{.What}} not queued.", "What", describeOp(op)) + " " + Explain(err, ch, assignee))
		case op.Kind == model.OpUnsnooze:
			c.status.Info(T("Snooze ended."))
		default:
			// Said as the row and the case view say it ("Snoozed until
			// 14:30" today): the stamp's "Wed 2 Dec 14:30" beside them
			// read as another day.
			c.status.Info(SnoozeLabel(until, c.now()) + ".")
		}
	})
}

// summary is the case as it is now: the backend's entry when it can say
// (a row that left the view stays in sight as it was), else its row.
func (c *Console) summary(id string) (model.Summary, bool) {
	if look, ok := c.be.(summaryLookup); ok {
		if s, ok := look.Summary(id); ok {
			return s, true
		}
	}
	if i := slices.IndexFunc(c.rows, func(s model.Summary) bool { return s.ID == id }); i >= 0 {
		return c.rows[i], true
	}
	return model.Summary{}, false
}

// SnoozedUntil is until when a case is snoozed (the actions still in the
// outbox applied); zero when it is awake. Call it on the UI goroutine.
func (c *Console) SnoozedUntil(id string) time.Time {
	if s, ok := c.summary(id); ok && s.Asleep(c.now()) {
		return s.Snoozed
	}
	return time.Time{}
}

// SnoozeLabel is how a row and the case view say a case sleeps:
// "Snoozed until 14:30" today, "Snoozed until 2 Dec 9:00" later.
func SnoozeLabel(until, now time.Time) string {
	u, n := until.Local(), now.Local()
	when := u.Format("15:04")
	if u.YearDay() != n.YearDay() || u.Year() != n.Year() {
		when = Day(u) + " " + when
	}
	return T("Snoozed until {{.When}}", "When", when)
}

// snoozeTimes are the snooze choices: in an hour, tomorrow at 9:00 (from
// now, in local time).
func snoozeTimes(now time.Time) (hour, tomorrow time.Time) {
	now = now.Local()
	d := now.AddDate(0, 0, 1)
	return now.Add(time.Hour), time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, now.Location())
}

// ParseSnooze reads a custom snooze time: "14:30" (today, or tomorrow when
// past), "2.12. 9:00" / "2.12.2026 9:00" or "2026-12-02 09:00", local time.
func ParseSnooze(text string, now time.Time) (time.Time, error) {
	now = now.Local()
	text = strings.TrimSpace(text)
	if t, err := time.ParseInLocation("15:04", text, now.Location()); err == nil {
		at := time.Date(now.Year(), now.Month(), now.Day(), t.Hour(), t.Minute(), 0, 0, now.Location())
		if !at.After(now) {
			at = at.AddDate(0, 0, 1)
		}
		return at, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2.1.2006 15:04", "2.1.2006 15:04"} {
		if t, err := time.ParseInLocation(layout, text, now.Location()); err == nil {
			return t, nil
		}
	}
	if t, err := time.ParseInLocation("2.1. 15:04", text, now.Location()); err == nil {
		at := time.Date(now.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, now.Location())
		if !at.After(now) {
			at = at.AddDate(1, 0, 0)
		}
		return at, nil
	}
	return time.Time{}, fmt.Errorf("%s", T("Give a time like 14:30 or 2.12. 9:00."))
}

// showSnooze offers the snooze times for the open case.
func (c *Console) showSnooze() {
	id := c.selected
	cv := fyne.CurrentApp().Driver().CanvasForObject(c.list)
	if x := c.x(); x != nil && x.win != nil {
		cv = x.win.Canvas()
	}
	if id == "" || cv == nil {
		c.status.Flash(T("Open a case first."))
		return
	}
	hour, tomorrow := snoozeTimes(c.now())
	var pop *widget.PopUp
	done := func(until time.Time) {
		pop.Hide()
		c.Snooze(id, until)
	}
	custom := newKeyEntry()
	custom.SetPlaceHolder(T("14:30 or 2.12. 9:00"))
	custom.onEsc = func() { pop.Hide() }
	errL := widget.NewLabel("")
	errL.Importance = widget.DangerImportance
	custom.OnSubmitted = func(text string) {
		t, err := ParseSnooze(text, c.now())
		if err != nil {
			errL.SetText(err.Error())
			return
		}
		done(t)
	}
	box := container.NewVBox(heading(T("Snooze until")),
		widget.NewButton(T("In 1 hour ({{.When}})", "When", hour.Format("15:04")), func() { done(hour) }),
		widget.NewButton(T("Tomorrow 9:00"), func() { done(tomorrow) }),
		container.NewBorder(nil, nil, nil, widget.NewButton(T("Snooze"), func() { custom.OnSubmitted(custom.Text) }), custom),
		errL)
	if !c.SnoozedUntil(id).IsZero() {
		box.Add(widget.NewButton(T("Wake it now"), func() { done(time.Time{}) }))
	}
	box.Add(widget.NewButton(T("Close"), func() { pop.Hide() }))
	pop = widget.NewModalPopUp(box, cv)
	pop.Show()
	pop.Resize(fyne.NewSize(max(360, box.MinSize().Width), pop.MinSize().Height)) // room for "14:30 or 2.12. 9:00"
	c.trackModal(pop)
	cv.Focus(custom)
}
