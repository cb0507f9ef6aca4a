package ui_test

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/model"
	"switchboard/ui"
)

const longFirst = "Can you confirm a late checkout at the Lisbon hotel for my family of four? " +
	"We land at 14:10, kids in tow. Booking reference HX-90211" // inside the preview's 140

// searchFixture is a cache with a Facebook case whose long first message
// ends in a booking reference and whose later message is in capitals, and
// a case of someone else.
func searchFixture(t *testing.T) *app.Core {
	t.Helper()
	dir := t.TempDir()
	now := time.Now().UTC()
	tom := model.Identity{Platform: model.ChannelFacebook, Handle: "@tom_whitfield19", DisplayName: "Tom Whitfield"}
	ana := model.Identity{Platform: model.ChannelTwitter, Handle: "@ana_r", DisplayName: "Ana Ribeiro"}
	cases := []model.Case{
		{ID: "c-tom", Channel: model.ChannelFacebook, Subject: longFirst, Author: tom, Status: model.StatusNew,
			Public: true, Created: now.Add(-time.Hour), LastMessageAt: now.Add(-10 * time.Minute), Version: 1},
		{ID: "c-ana", Channel: model.ChannelTwitter, Subject: "Where is my bag?", Author: ana, Status: model.StatusOpen,
			Public: true, Created: now.Add(-2 * time.Hour), LastMessageAt: now.Add(-time.Hour), Version: 1},
	}
	var evs []model.Event
	add := func(ev model.Event) { ev.Seq = uint64(len(evs) + 1); ev.Time = now; evs = append(evs, ev) }
	for i := range cases {
		add(model.Event{Type: model.EventCaseUpserted, Case: &cases[i]})
	}
	msgs := []model.Message{
		{ID: "m1", CaseID: "c-tom", Direction: model.DirectionIn, Author: tom, Text: longFirst, Time: now.Add(-time.Hour)},
		{ID: "m2", CaseID: "c-tom", Direction: model.DirectionOut, Author: model.Identity{Handle: "anna"},
			Text: "Technician: OFFLINE-R3-EDITED James will call you back.", Time: now.Add(-10 * time.Minute)},
		{ID: "m3", CaseID: "c-ana", Direction: model.DirectionIn, Author: ana, Text: "Where is my bag?", Time: now.Add(-time.Hour)},
	}
	for i := range msgs {
		add(model.Event{Type: model.EventMessageAdded, Message: &msgs[i]})
	}
	return openCache(t, dir, evs)
}

// The row of a search match shows the matching text as written: a match
// at the end of a long first message (before: the message's start, the
// reference out of sight), in a later message in its own case (before:
// lower-cased), and for a match in the handle the first line (before:
// "… @tom_whitfield19", which the name line already shows).
func TestSearchRowShowsTheMatchAsWritten(t *testing.T) {
	test.NewTempApp(t)
	core := searchFixture(t)
	c, w := openWindow(t, core)
	select {
	case <-core.SearchReady():
	case <-time.After(10 * time.Second):
		t.Fatal("no search index in 10 s")
	}
	// shown is the name line and the texts of the only row shown, none
	// while there is not exactly one.
	shown := func() (name string, texts []string) {
		var rows []*ui.CaseRow
		for _, o := range objects(w.Content()) {
			if r, ok := o.(*ui.CaseRow); ok && r.Visible() && r.NameText() != "" && !slices.Contains(rows, r) {
				rows = append(rows, r)
			}
		}
		if len(rows) != 1 || len(c.Rows()) != 1 {
			return "", nil
		}
		return rows[0].NameText(), rows[0].Texts()
	}
	// The match near the start of the line, where the row shows it.
	matchInSight := func(line string) bool {
		at := strings.Index(line, "HX-90211")
		return strings.HasPrefix(line, "… ") && strings.HasSuffix(line, "Booking reference HX-90211") &&
			at > 0 && utf8.RuneCountInString(line[:at]) <= 30
	}
	for _, tc := range []struct {
		typed string
		want  func(line, preview string) bool
	}{
		{"HX-90211", func(line, _ string) bool { return matchInSight(line) }},
		{"offline-r3-edited james", func(line, _ string) bool { return line == "Technician: OFFLINE-R3-EDITED James will call you back." }},
		{"tom_whitfield", func(line, preview string) bool { return line == preview }}, // the first line
	} {
		c.Locked(func() { c.Search().SetText(tc.typed) })
		var name string
		var texts []string
		eventually(t, c, "the one row of "+tc.typed, func() bool {
			name, texts = shown()
			// texts: name, status, age, the first line, ...
			return len(texts) >= 4 && tc.want(texts[3], c.Rows()[0].Preview)
		})
		if !strings.Contains(name, "Tom Whitfield") || !strings.Contains(name, "@tom_whitfield19") {
			t.Errorf("%q: name line %q", tc.typed, name)
		}
	}
}
