package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

// Every "median / p90" the board can show fits its column, in English and
// German: "17,9h / 17,9h" spilled a few pixels into the next column.
func TestLeadResponseTimesFitTheirColumns(t *testing.T) {
	test.NewTempApp(t)
	t.Cleanup(func() { SetLanguage("en") })
	for m, want := range map[float64]string{0.5: "30s", 45: "45m", 95: "1.6h", 17.9 * 60: "18h", 3 * 24 * 60: "3.0d", 12 * 24 * 60: "12d"} {
		if got := minutes(m); got != want {
			t.Errorf("minutes(%v) = %q, want %q", m, got, want)
		}
	}
	for _, lang := range []string{"en", "de"} {
		SetLanguage(lang)
		// The widest single figure over every duration from a second to
		// two months (the longest period is 30 days).
		widest := ""
		for m := 1.0 / 60; m < 60*24*60; m *= 1.01 {
			if s := minutes(m); valueWidth(s) > valueWidth(widest) {
				widest = s
			}
		}
		figure := widest + " / " + widest
		for i := 6; i <= 11; i++ {
			if need, have := valueWidth(figure), colWidth(i); need > have {
				t.Errorf("%s: column %q is %.0f wide, %q needs %.0f", lang, leadCols[i].head, have, figure, need)
			}
		}
		if got := tableWidth(); got > 1440-12 {
			t.Errorf("%s: the board's tables are %.0f wide, more than fits the 1440 window", lang, got)
		}
	}
}
