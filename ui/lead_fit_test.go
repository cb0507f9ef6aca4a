package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/report"
)

// brandReports adds a brand's own account with a long name and thousands
// of cases to the hub's figures by agent (the demo's "Brand:
// staff@community.nordnetz.example"; after hours at 300 messages a minute
// the demo's SLA counts read "(22/1.541)").
type brandReports struct {
	Reports
	busy bool
}

const longBrand = "staff@community.nordnetz.example"

func (r brandReports) Summary(ctx context.Context, q app.ReportQuery) (report.Summary, error) {
	s, err := r.Reports.Summary(ctx, q)
	if err == nil && q.Group == report.ByAgent {
		g := report.Group{Key: report.BrandKeyPrefix + longBrand, Cases: 1, SLAMet: 1}
		if r.busy { // thousands of cases whose outcome is known
			g.Cases, g.SLAMet, g.SLABreached = 5555, 1234, 4321
		}
		met := 100 * float64(g.SLAMet) / float64(g.SLAMet+g.SLABreached)
		g.SLAAttainmentPct = &met
		s.Groups = append(s.Groups, g)
	}
	return s, err
}

// TestLeadWindowFitsTheScreen: the board opens at 1440×880 on a
// 1600×1000 screen (room for the title bar and the desktop's panels, as
// the console), and at FYNE_SCALE=2 at what the screen holds (it
// opened at 1440×900 units: 2880×1800 pixels, seen under Xvfb).
func TestLeadWindowFitsTheScreen(t *testing.T) {
	screen := fyne.NewSize(1600, 1000)
	if got := LeadWindowFit(screen, 1); got != fyne.NewSize(1440, 880) {
		t.Errorf("scale 1: %v, want 1440×880", got)
	}
	if got := LeadWindowFit(screen, 2); got != fyne.NewSize(760, 440) {
		t.Errorf("scale 2: %v, want 760×440", got)
	}
}

// TestLeadBoardFitsItsWindow lays the board out with two weeks of figures
// and a brand with a long name, in English and German, at its first size
// and at the size of a 1600×1000 screen at FYNE_SCALE=2 (760×440 units):
// the window does not have to be wider than that (the filter bar and the
// charts made it 1,400 units at least), the filters sit side by side
// without overlapping, inside the window; every table's columns fit the
// table (none scrolls sideways or is cut at the edge); every figure and
// header fits its column, only names end in "…" — also a busy team's
// "22.2 % (1,234/5,555)"; at the first size every period's figures are
// there (a busy team's shares without their counts), in the small window
// the chosen period's and the brand's whole name.
func TestLeadBoardFitsItsWindow(t *testing.T) {
	loc := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = loc; SetLanguage("en") })
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	a := test.NewTempApp(t)
	a.Settings().SetTheme(NewTheme("light"))
	clock = func() time.Time { return now }
	defer func() { clock = time.Now }()
	lh := startLeadHub(t, now)
	small := LeadWindowFit(fyne.NewSize(1600, 1000), 2)
	for _, lang := range []string{"en", "de"} {
		for _, size := range []fyne.Size{LeadWindowSize, small} {
			for _, busy := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s_%vx%v_busy_%v", lang, size.Width, size.Height, busy), func(t *testing.T) {
					SetLanguage(lang)
					v := NewLeadView(lh.core, brandReports{lh.rc, busy}, nil)
					var w fyne.Window
					v.Locked(func() {
						w = test.NewWindow(v.Content())
						w.Resize(size)
						v.SetWindow(w)
					})
					defer func() { v.Stop(); v.Locked(w.Close) }()
					v.Start()
					v.Wait()
					v.Locked(func() {
						w.Resize(size) // again, once the figures are in
						checkLeadFits(t, v, size, lang, busy)
						if size == small && !busy {
							// What the lead sees at 200 %: lead_fit_en.png, lead_fit_de.png.
							test.AssertImageMatches(t, "lead_fit_"+lang+".png", w.Canvas().Capture())
						}
					})
				})
			}
		}
	}
}

func checkLeadFits(t *testing.T, v *LeadView, size fyne.Size, lang string, busy bool) {
	t.Helper()
	if min := v.Content().MinSize(); min.Width > size.Width-2*theme.Padding() {
		t.Errorf("the board needs %v units of width: more than the %v window", min.Width, size.Width)
	}
	width := v.Content().Size().Width
	if width > size.Width {
		t.Fatalf("the board is %v wide in a %v window", width, size.Width)
	}
	// The filter bar: inside the window, nothing on top of another.
	bar := v.root.(*fyne.Container).Objects[0].(*fyne.Container).Objects
	for i, o := range bar {
		if !o.Visible() {
			continue
		}
		p, s := o.Position(), o.Size()
		if p.X < 0 || p.X+s.Width > width+0.5 {
			t.Errorf("filter %d (%T) spans %v–%v of %v", i, o, p.X, p.X+s.Width, width)
		}
		if s.Width < o.MinSize().Width-0.5 {
			if l, ok := o.(*widget.Label); !ok || l.Truncation == fyne.TextTruncateOff {
				t.Errorf("filter %d (%T) is %v wide, needs %v", i, o, s.Width, o.MinSize().Width)
			}
		}
		for j, q := range bar[:i] {
			if q.Visible() && overlap(p, s, q.Position(), q.Size()) {
				t.Errorf("filters %d and %d overlap", i, j)
			}
		}
	}
	// The tables: their columns fit them, every figure and header its column.
	all := 0
	for group, tables := range map[string][2]*boardTable{"By channel": v.chanTables, "By agent": v.agentTables} {
		lines := v.chans
		if group == "By agent" {
			lines = v.agentsL
		}
		shown := 0
		for k, bt := range tables {
			if !bt.box.Visible() {
				continue
			}
			shown++
			have := bt.box.Size().Width
			if need := bt.set.width(); need > have+0.5 || have > width+0.5 {
				t.Errorf("%s table %d: %v of columns in %v (the board %v)", group, k, need, have, width)
			}
			if bt.set.squeezed {
				t.Errorf("%s table %d: columns squeezed at %v", group, k, size)
			}
			for i, col := range bt.set.cols {
				for _, line := range strings.Split(headLines(col), "\n") {
					if textWidth(line) > bt.set.widths[i]+0.5 {
						t.Errorf("%s: header %q is %v in a %v column", group, line, textWidth(line), bt.set.widths[i])
					}
				}
				for _, l := range lines {
					text, _ := bt.set.text(v, l, col)
					need := valueWidth(text)
					if col == 0 {
						need = textWidth(text)
					}
					if need > bt.set.widths[i]+0.5 && col != 0 {
						t.Errorf("%s: %q is %v in the %v column %q", group, text, need, bt.set.widths[i], headLines(col))
					}
				}
			}
			all += len(bt.set.cols)
		}
		if shown == 0 {
			t.Errorf("%s: no table shown", group)
		}
	}
	if size == LeadWindowSize && all != 2*len(leadCols) {
		t.Errorf("at %v the tables show %d columns, want every period's (%d each)", size, all, len(leadCols))
	}
	// A busy team's shares at the first size: every period's, without the
	// counts (they do not fit); the chosen period's in the small window,
	// with them.
	for _, bt := range v.agentTables {
		if bt.box.Visible() && bt.set.shares != (busy && size == LeadWindowSize) {
			t.Errorf("busy %v at %v: shares alone %v", busy, size, bt.set.shares)
		}
	}
	// The brand's line: in the small window its whole name, where the two
	// tables leave room for it.
	if size != LeadWindowSize {
		for k, bt := range v.agentTables {
			if need := textWidth(brandName(longBrand)); bt.box.Visible() && bt.set.widths[0] < need {
				t.Errorf("agent table %d: the brand's name needs %v, its column is %v", k, need, bt.set.widths[0])
			}
		}
	}
	// The charts and the cases about to breach: inside the board.
	if s := v.lower.Size(); s.Width > width+0.5 {
		t.Errorf("the charts and the urgent cases are %v wide in %v", s.Width, width)
	}
	for i, o := range v.lower.Objects {
		if p, s := o.Position(), o.Size(); p.X+s.Width > v.lower.Size().Width+0.5 {
			t.Errorf("lower part %d spans to %v of %v", i, p.X+s.Width, v.lower.Size().Width)
		}
	}
	for _, img := range v.chartImgs {
		if img.MinSize().Width > width {
			t.Errorf("a chart is %v wide in %v", img.MinSize().Width, width)
		}
	}
}

func overlap(p fyne.Position, s fyne.Size, q fyne.Position, r fyne.Size) bool {
	return p.X < q.X+r.Width && q.X < p.X+s.Width && p.Y < q.Y+r.Height && q.Y < p.Y+s.Height
}
