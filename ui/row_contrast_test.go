package ui

import (
	"image/color"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"switchboard/model"
)

// The queue's badges carry white caption text on their own colours, in
// both variants: every colour a badge takes reaches 4.5:1 with white (the
// gold tier, the influencer reach and the low-urgency chip were 3.2 to
// 3.8:1).
func TestBadgeColoursCarryWhiteText(t *testing.T) {
	white := color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	var cols []color.Color
	for _, r := range []model.Reach{model.ReachNotable, model.ReachInfluencer, model.ReachHigh} {
		cols = append(cols, ReachColor(r))
	}
	for _, s := range []model.Status{model.StatusNew, model.StatusOpen, model.StatusPending, model.StatusSolved, model.StatusClosed} {
		cols = append(cols, StatusColor(s))
	}
	for _, tier := range []string{"senator", "gold", "silver", "basic"} {
		cols = append(cols, TierColor(tier))
	}
	for _, u := range []string{"high", "normal", "low"} {
		cols = append(cols, UrgencyColor(u))
	}
	row := NewCaseRow()
	for _, s := range []model.Summary{{Troll: true}, {Spam: true}, {Irrelevant: true}} {
		row.SetInfo(s, time.Now(), RowInfo{})
		cols = append(cols, row.flag.bg.FillColor)
	}
	for i, c := range cols {
		if r := contrast(white, c); r < 4.5 {
			t.Errorf("badge colour %d %v: white text %.2f:1, want ≥ 4.5:1", i, c, r)
		}
	}
}

// The SLA countdown of a row is readable in both variants: the red of a
// breach was 3:1 on the dark background and the amber of a risk 2.9:1 on
// white.
func TestSLAColoursReadableInBothVariants(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, variant := range []string{"light", "dark"} {
		a := test.NewTempApp(t)
		a.Settings().SetTheme(NewTheme(variant))
		bg := theme.Color(theme.ColorNameBackground)
		sel := over(theme.Color(theme.ColorNameSelection), bg)
		for _, s := range []model.Summary{
			{Status: model.StatusOpen, Due: now.Add(-time.Minute), SLA: model.SLABreached},
			{Status: model.StatusOpen, Due: now.Add(10 * time.Minute), SLA: model.SLAAtRisk},
			{Status: model.StatusOpen, Due: now.Add(3 * time.Hour)},
		} {
			text, c := SLAText(s, now)
			for _, on := range []color.Color{bg, sel} {
				if r := contrast(c, on); r < 4.5 {
					t.Errorf("%s: SLA %q (%v) is %.2f:1 on %v, want ≥ 4.5:1", variant, text, s.SLA, r, on)
				}
			}
		}
	}
}
