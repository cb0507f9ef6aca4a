package ui

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"time"

	"fyne.io/fyne/v2/theme"
	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"

	"switchboard/model"
)

// chartLine is one series of a chart: a value per day (NaN: none that day).
type chartLine struct {
	Name   string
	Values []float64
	Color  color.Color
	Dashed bool
}

// chartSpec is a chart of values per day, drawn off the UI goroutine.
type chartSpec struct {
	Title string
	Days  []time.Time // the x axis, one per day
	Lines []chartLine
	// Unit formats the y axis: "min" (minutes) or "%".
	Unit string
	// Max, when above zero, fixes the top of the y axis (100 for %).
	Max float64
	// Width and Height in pixels.
	Width, Height int
	Fg, Grid      color.Color
}

func dcolor(c color.Color) drawing.Color {
	if c == nil {
		return drawing.ColorBlack
	}
	r, g, b, a := c.RGBA()
	return drawing.Color{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: uint8(a >> 8)}
}

// renderChart draws s into an image with go-chart (into a PNG in memory,
// decoded again: the library's raster output). It never fails: a chart
// without values says so.
func renderChart(s chartSpec) (image.Image, error) {
	fg := dcolor(s.Fg)
	grid := dcolor(s.Grid)
	var series []chart.Series
	top := 0.0
	for _, l := range s.Lines {
		var xs []time.Time
		var ys []float64
		for i, v := range l.Values {
			if i < len(s.Days) && !math.IsNaN(v) {
				xs, ys = append(xs, s.Days[i]), append(ys, v)
				top = math.Max(top, v)
			}
		}
		if len(xs) == 0 {
			continue
		}
		if len(xs) == 1 { // a single day still draws a short line
			xs, ys = append(xs, xs[0].Add(time.Hour)), append(ys, ys[0])
		}
		st := chart.Style{StrokeColor: dcolor(l.Color), StrokeWidth: 2, DotColor: dcolor(l.Color), DotWidth: 2.5}
		if l.Dashed {
			st.StrokeDashArray = []float64{6, 4}
			st.DotWidth = 0
		}
		series = append(series, chart.TimeSeries{Name: l.Name, XValues: xs, YValues: ys, Style: st})
	}
	if s.Max > 0 {
		top = s.Max
	} else {
		top = math.Max(1, top*1.15)
	}
	if len(series) == 0 || len(s.Days) < 2 {
		// go-chart needs a range: an empty chart is two invisible points.
		first, last := time.Now(), time.Now().Add(24*time.Hour)
		if len(s.Days) >= 2 {
			first, last = s.Days[0], s.Days[len(s.Days)-1]
		}
		series = append(series, chart.TimeSeries{XValues: []time.Time{first, last}, YValues: []float64{0, 0},
			Style: chart.Style{StrokeColor: drawing.ColorTransparent, StrokeWidth: 0.1}})
	}
	unit := func(v any) string {
		f, _ := v.(float64)
		if s.Unit == "%" {
			return fmt.Sprintf("%.0f %%", f)
		}
		return minutes(f)
	}
	axisText := chart.Style{FontColor: fg, StrokeColor: grid, FontSize: 8}
	g := chart.Chart{
		Title:      s.Title,
		TitleStyle: chart.Style{FontColor: fg, FontSize: 10},
		Width:      s.Width,
		Height:     s.Height,
		DPI:        96,
		Background: chart.Style{FillColor: drawing.ColorTransparent, Padding: chart.Box{Top: 28, Left: 8, Right: 16, Bottom: 8}},
		Canvas:     chart.Style{FillColor: drawing.ColorTransparent},
		XAxis: chart.XAxis{Style: axisText, ValueFormatter: chart.TimeValueFormatterWithFormat("02.01"),
			GridMajorStyle: chart.Style{StrokeColor: grid, StrokeWidth: 0.5}},
		YAxis: chart.YAxis{Style: axisText, ValueFormatter: unit, Range: &chart.ContinuousRange{Min: 0, Max: top},
			GridMajorStyle: chart.Style{StrokeColor: grid, StrokeWidth: 0.5}},
		Series: series,
	}

	var buf bytes.Buffer
	if err := g.Render(chart.PNG, &buf); err != nil {
		return nil, fmt.Errorf("chart %s: %w", s.Title, err)
	}
	return png.Decode(&buf)
}

// minutes formats a number of minutes as the axis and the board show it,
// with the language's decimal mark ("1.5h", "1,5h"), a decimal only under
// ten hours or days ("18h", not "17,9h"): a tenth of an hour is noise on a
// figure of a day, and "17,9h / 17,9h" spilled out of its column.
func minutes(m float64) string {
	switch {
	case m < 1:
		return fmt.Sprintf("%.0fs", m*60)
	case m < 89.5:
		return fmt.Sprintf("%.0fm", m)
	case m < 9.95*60:
		return Decimal(m/60, 1) + "h"
	case m < 47.5*60:
		return fmt.Sprintf("%.0fh", m/60)
	case m < 9.95*24*60:
		return Decimal(m/(24*60), 1) + "d"
	}
	return Decimal(m/(24*60), 0) + "d"
}

// widestStats are the widest "median / p90" figures the board shows, for
// the width of its response-time columns.
func widestStats() []string {
	var out []string
	for _, m := range []float64{59, 89, 9.9 * 60, 47 * 60, 9.9 * 24 * 60, 99 * 24 * 60} {
		out = append(out, minutes(m)+" / "+minutes(m), minutes(89)+" / "+minutes(m))
	}
	return out
}

// Decimal formats v with prec decimals in the language's way: 1,234.5 or
// 1.234,5.
func Decimal(v float64, prec int) string { return printer().Sprintf("%.*f", prec, v) }

// Percent is a share in percent with one decimal: "92.5 %", "92,5 %".
func Percent(v float64) string { return Decimal(v, 1) + " %" }

// dueText is a case's SLA on the board: the time left to its earliest due
// time ("due in 12m"), or how long past it ("12m late"); red when
// breached, amber at risk.
func dueText(s model.Summary, now time.Time) (string, color.Color) {
	col := theme.Color(theme.ColorNameForeground)
	switch s.SLA {
	case model.SLABreached:
		col = theme.Color(theme.ColorNameError)
	case model.SLAAtRisk:
		col = theme.Color(theme.ColorNameWarning)
	}
	if s.Due.IsZero() {
		return T(string(s.SLA)), col
	}
	left := s.Due.Sub(now)
	if left < 0 {
		return T("{{.T}} late", "T", minutes(-left.Minutes())), theme.Color(theme.ColorNameError)
	}
	return T("due in {{.T}}", "T", minutes(left.Minutes())), col
}
