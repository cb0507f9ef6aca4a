package ui

import (
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"switchboard/model"
)

// Issue 13 point 1: at 200 % in German the compact queue's rows were
// crowded — a long name ran under the "neu" badge (the name's two
// segments were cut one by one and drawn over each other), and the
// REICHWEITE badge touched the SLA countdown (its column was measured
// in English, at the caption's size, for a text drawn at the body size:
// "−47 Std." spilled left over the badge). Every drawn thing of a row
// keeps apart from the others and inside the row; what does not fit is
// cut with an ellipsis.
func TestRowPartsNeverOverlap(t *testing.T) {
	t.Cleanup(func() { SetLanguage("en") })
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	long := model.Summary{ID: "x", Channel: model.ChannelTwitter,
		Author: "Dr. Markus Alexander Brenner-Schwarzenberg", Handle: "@mbrenner_travels_official",
		Preview: "Sehr geehrte Damen und Herren, Entschädigungsforderung wegen Gepäckverspätung", Reach: model.ReachHigh,
		Status: model.StatusNew, LastMessageAt: now.Add(-52 * time.Hour), SLA: model.SLABreached, Due: now.Add(-47*time.Hour - 30*time.Minute),
		Category: "service_complaint", Urgency: "high", Troll: true, Assignee: "annakatharina.schmidt"}
	short := model.Summary{ID: "y", Channel: model.ChannelFacebook, Author: "Sam", Handle: "sam.p", Preview: "Hi",
		Reach: model.ReachInfluencer, Status: model.StatusPending, LastMessageAt: now.Add(-30 * time.Second), Due: now.Add(59 * time.Minute), Category: "billing"}
	// A name that is only just too long for its room: cut, the handle gone.
	nameOnly := long
	nameOnly.Author, nameOnly.Handle = "Wolfgang Maximilian Oberhausener-Dietrich", ""
	for _, lang := range []string{"de", "en"} {
		for _, dense := range []bool{true, false} {
			// The compact queue's rows at 800 units (200 % on a 1600×1000
			// screen), narrower, and the row at its minimum (the list
			// gives it no less: the pane scrolls then).
			widths := []float32{300, 260, 0}
			if !dense {
				widths = []float32{560, 480, 0}
			}
			for _, width := range widths {
				for _, s := range []model.Summary{long, short, nameOnly} {
					for _, gone := range []bool{false, true} {
						name := fmt.Sprintf("%s/dense=%v/%.0f/%s/gone=%v", lang, dense, width, s.ID+s.Author[:3], gone)
						t.Run(name, func(t *testing.T) {
							SetLanguage(lang)
							a := test.NewTempApp(t)
							a.Settings().SetTheme(NewTheme("light"))
							r := NewCaseRow()
							r.SetDense(dense)
							r.SetInfo(s, now, RowInfo{Tier: "senator", Gone: gone, Others: []string{"ben"}})
							w := test.NewWindow(container.NewVBox(r))
							defer w.Close()
							if width == 0 {
								width = r.MinSize().Width + 2*theme.Padding()
							}
							w.Resize(fyne.NewSize(width, 120))
							if got := r.Size().Width; got < r.MinSize().Width {
								t.Fatalf("the row is %v wide, less than its minimum %v", got, r.MinSize().Width)
							}
							checkApart(t, r)
						})
					}
				}
			}
		}
	}
}

// rowDrawn is one thing a row draws: where, and what, for the message.
type rowDrawn struct {
	what     string
	pos, end fyne.Position
	badge    *Badge // the badge it belongs to (its background and text)
}

// checkApart fails when two things the row draws overlap or touch (less
// than 2 units apart side by side on one line), or one is drawn outside
// the row, or a name is cut without an ellipsis.
func checkApart(t *testing.T, r *CaseRow) {
	t.Helper()
	d := fyne.CurrentApp().Driver()
	rp := d.AbsolutePositionForObject(r)
	rEnd := rp.Add(r.Size())
	var items []rowDrawn
	var walk func(o fyne.CanvasObject, badge *Badge)
	walk = func(o fyne.CanvasObject, badge *Badge) {
		if !o.Visible() {
			return
		}
		p := d.AbsolutePositionForObject(o)
		switch x := o.(type) {
		case *fyne.Container:
			for _, ch := range x.Objects {
				walk(ch, badge)
			}
		case *Badge:
			for _, ch := range test.WidgetRenderer(x).Objects() {
				walk(ch, x)
			}
		case fyne.Widget:
			for _, ch := range test.WidgetRenderer(x).Objects() {
				walk(ch, badge)
			}
		case *canvas.Text:
			if x.Text == "" {
				return
			}
			m := x.MinSize()
			off := fyne.NewPos(0, max(0, (x.Size().Height-m.Height)/2))
			switch x.Alignment {
			case fyne.TextAlignTrailing:
				off.X = x.Size().Width - m.Width
			case fyne.TextAlignCenter:
				off.X = (x.Size().Width - m.Width) / 2
			}
			// The glyphs, not the line's spacing: a text's bounds are
			// its line height, and the dense lines' bounds overlap by
			// design (denseLines).
			inset := m.Height * 0.15
			start := p.Add(off).AddXY(0, inset)
			items = append(items, rowDrawn{what: fmt.Sprintf("text %q", x.Text), pos: start, end: start.AddXY(m.Width, m.Height-2*inset), badge: badge})
		case *canvas.Rectangle:
			if x == r.bg || x.FillColor == nil || x.FillColor == color.Transparent {
				return
			}
			if _, _, _, a := x.FillColor.RGBA(); a == 0 {
				return
			}
			items = append(items, rowDrawn{what: "badge " + badge.Text(), pos: p, end: p.Add(x.Size()), badge: badge})
		case *canvas.Image:
			if x.Resource == nil && x.Image == nil && x.File == "" {
				return
			}
			items = append(items, rowDrawn{what: "icon", pos: p, end: p.Add(x.Size())})
		}
	}
	walk(r, nil)
	if len(items) < 5 {
		t.Fatalf("found only %d drawn things in the row: %v", len(items), items)
	}
	const gap = 2
	for i, a := range items {
		if a.pos.X < rp.X-0.5 || a.end.X > rEnd.X+0.5 || a.pos.Y < rp.Y-0.5 || a.end.Y > rEnd.Y+0.5 {
			t.Errorf("%s at %v–%v is outside the row %v–%v", a.what, a.pos, a.end, rp, rEnd)
		}
		for _, b := range items[i+1:] {
			if a.badge != nil && a.badge == b.badge {
				continue // a badge's text on its own background
			}
			if a.pos.X < b.end.X+gap && b.pos.X < a.end.X+gap && a.pos.Y < b.end.Y && b.pos.Y < a.end.Y {
				t.Errorf("%s at %v–%v and %s at %v–%v overlap or touch", a.what, a.pos, a.end, b.what, b.pos, b.end)
			}
		}
	}
	// Cut texts say so.
	full := r.NameText()
	shown := r.shownName()
	if shown != full && !strings.HasSuffix(shown, "…") {
		t.Errorf("the name line shows %q of %q: cut without an ellipsis", shown, full)
	}
}
