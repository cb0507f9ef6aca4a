package ui

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The board fits its window at every size (issue 13, point 9): at its
// first size (1440×900) and in a window the size of a 1600×1000 screen at
// FYNE_SCALE=2 (760×440 units), in English and in German. Nothing is cut
// at the window's edge or scrolls sideways:
//
//   - the filter bar wraps onto a second line;
//   - the tables show every period's figures when they fit, else the
//     chosen period's (the period filter picks which), else the live
//     counts and the chosen period's figures as two tables one above the
//     other; only a window narrower still shrinks their columns, and then
//     the cells end in "…" instead of being cut;
//   - the first column takes what room is left for long names (the
//     brands' lines: "Brand: staff@community.example");
//   - the charts go one under the other, the cases about to breach above
//     them, when two charts and the list do not fit side by side.

// colSep is the table's divider between two columns (the theme's padding).
func colSep() float32 { return theme.Padding() }

// colSet is what one table of the board shows: leadCols indexes, their
// widths, and whether the widths are less than the texts need (the cells
// then end in an ellipsis).
type colSet struct {
	cols     []int
	widths   []float32
	squeezed bool
	// shares: the SLA columns show the share alone ("1,3 %", not "1,3 %
	// (22/1.723)"): every period's columns fit only so.
	shares bool
}

// text is a cell's text as the table shows it.
func (s colSet) text(v *LeadView, l boardLine, col int) (string, widget.Importance) {
	text, imp := v.cell(l, col)
	if s.shares && col >= 12 {
		text, _, _ = strings.Cut(text, " (")
	}
	return text, imp
}

func (s colSet) width() float32 {
	w := float32(0)
	for _, x := range s.widths {
		w += x + colSep()
	}
	return w
}

func (s colSet) equal(o colSet) bool {
	return s.squeezed == o.squeezed && s.shares == o.shares && slices.Equal(s.cols, o.cols) && slices.Equal(s.widths, o.widths)
}

func newColSet(need func(int) float32, cols ...int) colSet {
	s := colSet{cols: cols, widths: make([]float32, len(cols))}
	for i, c := range cols {
		s.widths[i] = need(c)
	}
	return s
}

// minNameW is the narrowest the first column gets in a squeezed table.
const minNameW = 72

// fitColumns is the tables one group of the board (by channel, by agent)
// shows in width w: one table of every column; else one of the live
// counts and the period's figures; else two, the live counts above the
// period's figures; squeezed to w when even those do not fit. nameW is
// the widest name of the first column: what room is left goes to it.
// need is a column's width (colWidth, or more for the figures shown);
// shares its width with the SLA columns' shares alone, tried before the
// chosen period's columns alone.
func fitColumns(w float32, period int, nameW float32, need, shares func(int) float32) []colSet {
	all := make([]int, len(leadCols))
	for i := range all {
		all[i] = i
	}
	live := []int{0, 1, 2, 3, 4, 5}
	figs := []int{0, 6 + period, 9 + period, 12 + period}
	allShares := newColSet(shares, all...)
	allShares.shares = true
	choices := [][]colSet{
		{newColSet(need, all...)},
		{allShares},
		{newColSet(need, append(slices.Clone(live), figs[1:]...)...)},
		{newColSet(need, live...), newColSet(need, figs...)},
	}
	for _, sets := range choices {
		fits := true
		for _, s := range sets {
			fits = fits && s.width() <= w
		}
		if !fits {
			continue
		}
		for i := range sets {
			s := &sets[i]
			s.widths[0] += min(w-s.width(), max(0, nameW-s.widths[0]))
		}
		return sets
	}
	sets := choices[len(choices)-1]
	for i := range sets {
		squeeze(&sets[i], w)
	}
	return sets
}

// squeeze narrows s to w: the names first (down to minNameW), then every
// column alike.
func squeeze(s *colSet, w float32) {
	over := s.width() - w
	if over <= 0 {
		return
	}
	s.squeezed = true
	cut := min(over, max(0, s.widths[0]-minNameW))
	s.widths[0] -= cut
	over -= cut
	if over <= 0 {
		return
	}
	rest := float32(0)
	for _, x := range s.widths[1:] {
		rest += x
	}
	f := max(0.2, (rest-over)/rest)
	for i := 1; i < len(s.widths); i++ {
		s.widths[i] = float32(int(s.widths[i] * f))
	}
}

// boardTable is one table of the board: its widget, the box that gives it
// its height, and the columns it shows.
type boardTable struct {
	t    *widget.Table
	box  *fyne.Container
	rows int     // lines it is tall
	h    float32 // its height: the lines', and its header's
	set  colSet
}

func (b *boardTable) show(s colSet) {
	if b.set.equal(s) {
		return
	}
	b.set = s
	for i, w := range s.widths {
		b.t.SetColumnWidth(i, w)
	}
	// The header row: two lines when one of its headers is on two.
	b.t.SetRowHeight(-1, b.t.CreateHeader().MinSize().Height+headerExtra(s.cols))
	b.h = tableHeight(b.rows, s.cols)
	b.t.Refresh()
	b.box.Refresh()
}

// fixedHeight gives its objects the container's width and a height of its
// own: a table's rows. Its width it leaves to the parent (the board's
// width): a table never makes the window wider.
type fixedHeight struct{ h *float32 }

func (l fixedHeight) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(0, *l.h) }

func (l fixedHeight) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// wrapLayout lays its objects out left to right at their own sizes, on as
// many lines as the width needs (the board's filter bar). width is the
// width MinSize counts the lines for: the board sets it before its layout.
type wrapLayout struct{ width float32 }

// wrapRows places objs in rows of width w (place false: only measures),
// each as tall as its row's tallest, and returns the height they take.
func wrapRows(objs []fyne.CanvasObject, w float32, place bool) float32 {
	pad := theme.Padding()
	type cell struct {
		o    fyne.CanvasObject
		x, w float32
	}
	var row []cell
	x, y, rowH := float32(0), float32(0), float32(0)
	end := func() {
		if place {
			for _, c := range row {
				c.o.Move(fyne.NewPos(c.x, y))
				c.o.Resize(fyne.NewSize(c.w, rowH))
			}
		}
		row = row[:0]
	}
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		s := o.MinSize()
		if l, ok := o.(*widget.Label); ok && l.Truncation != fyne.TextTruncateOff {
			s.Width = valueWidth(l.Text) // as wide as its text, cut only by the window
		}
		if x > 0 && x+s.Width > w {
			end()
			x, y, rowH = 0, y+rowH+pad, 0
		}
		s.Width = min(s.Width, w-x)
		row = append(row, cell{o, x, s.Width})
		x += s.Width + pad
		rowH = max(rowH, s.Height)
	}
	end()
	return y + rowH
}

func (l *wrapLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	w := float32(0)
	for _, o := range objs {
		if o.Visible() {
			if _, ok := o.(*widget.Label); !ok {
				w = max(w, o.MinSize().Width)
			}
		}
	}
	lineW := l.width
	if lineW <= 0 {
		lineW = 1 << 20
	}
	return fyne.NewSize(w, wrapRows(objs, max(w, lineW), false))
}

func (l *wrapLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	wrapRows(objs, size.Width, true)
}

// boardLayout is the board's window: the filter bar (wrapped to the
// width), a separator, and the scrolling board, which it fits to the width
// first (LeadView.fit).
type boardLayout struct {
	v   *LeadView
	bar *wrapLayout
}

func (l *boardLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	bar, sep := objs[0].MinSize(), objs[1].MinSize()
	return fyne.NewSize(max(bar.Width, 240), bar.Height+sep.Height+2*theme.Padding()+160)
}

func (l *boardLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	l.bar.width = size.Width
	barH := wrapRows(objs[0].(*fyne.Container).Objects, size.Width, false)
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(size.Width, barH))
	sepH := objs[1].MinSize().Height
	objs[1].Move(fyne.NewPos(0, barH+pad))
	objs[1].Resize(fyne.NewSize(size.Width, sepH))
	top := barH + sepH + 2*pad
	// The vertical scroll bar lies over the board's right edge: keep its
	// thin resting width clear of the last column.
	l.v.fit(size.Width - 2*theme.ScrollBarSmallSize())
	objs[2].Move(fyne.NewPos(0, top))
	objs[2].Resize(fyne.NewSize(size.Width, max(0, size.Height-top)))
}

// lowerLayout is the board's lower part: the charts (objs[0]) and the
// cases about to breach (objs[1]), side by side when the width holds two
// charts and the list, else the list above the charts.
type lowerLayout struct{ v *LeadView }

// urgentH is the height of the list of cases about to breach.
const urgentH = 2 * (chartH + 40)

// urgentNarrowH is its height above the charts: its cases, up to six
// (more scroll).
func (v *LeadView) urgentNarrowH(head fyne.CanvasObject) float32 {
	n := max(1, min(len(v.live.Urgent), 6))
	return head.MinSize().Height + 2*theme.Padding() + float32(n)*(v.urgent.CreateItem().MinSize().Height+theme.SeparatorThicknessSize())
}

// wideLower reports whether two charts and the list fit side by side in w.
func wideLower(w float32) bool { return w >= 2*chartW+urgentW+3*theme.Padding() }

func (l lowerLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	charts := objs[0].MinSize()
	if l.v.lowerWide {
		return fyne.NewSize(charts.Width+theme.Padding()+urgentW, max(charts.Height, urgentH))
	}
	return fyne.NewSize(charts.Width, l.v.urgentNarrowH(l.v.urgentHead)+theme.Padding()+charts.Height)
}

func (l lowerLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	charts := objs[0].MinSize()
	if l.v.lowerWide {
		objs[0].Move(fyne.NewPos(0, 0))
		objs[0].Resize(fyne.NewSize(size.Width-urgentW-pad, max(charts.Height, size.Height)))
		objs[1].Move(fyne.NewPos(size.Width-urgentW, 0))
		objs[1].Resize(fyne.NewSize(urgentW, urgentH))
		return
	}
	h := l.v.urgentNarrowH(l.v.urgentHead)
	objs[1].Move(fyne.NewPos(0, 0))
	objs[1].Resize(fyne.NewSize(size.Width, h))
	objs[0].Move(fyne.NewPos(0, h+pad))
	objs[0].Resize(fyne.NewSize(size.Width, charts.Height))
}

// chartSize is the size a chart is shown at in a board of width w.
func chartSize(w float32) (cols int, size fyne.Size) {
	if wideLower(w) {
		return 2, fyne.NewSize(chartW, chartH)
	}
	cw := min(chartW, w)
	return 1, fyne.NewSize(cw, cw*chartH/chartW)
}

// nameWidth is the width the first column's widest name of lines needs.
func (v *LeadView) nameWidth(lines []boardLine) float32 {
	w := float32(0)
	for _, l := range lines {
		text, _ := v.cell(l, 0)
		w = max(w, textWidth(text))
	}
	return w
}

// columnNeeds is each column's width: colWidth (the widest figure a
// column usually has, so that the columns do not move with every
// refresh), or wider where a figure shown needs more — a busy team's
// "1,4 % (22/1.541)", "12.345" open cases.
// With shares the SLA columns' are those of the shares alone.
func (v *LeadView) columnNeeds(shares bool) func(int) float32 {
	set := colSet{shares: shares}
	ws := make([]float32, len(leadCols))
	for c := range leadCols {
		ws[c] = colWidth(c)
		if c == 0 {
			continue
		}
		if shares && c >= 12 {
			ws[c] = valueWidth(Percent(100))
			for _, line := range strings.Split(headLines(c), "\n") {
				ws[c] = max(ws[c], textWidth(line))
			}
		}
		for _, ls := range [][]boardLine{v.chans, v.agentsL} {
			for _, l := range ls {
				text, _ := set.text(v, l, c)
				ws[c] = max(ws[c], valueWidth(text))
			}
		}
	}
	return func(c int) float32 { return ws[c] }
}

// fit fits the board to width w: the tables' columns, the lower part and
// the charts. It runs on the UI goroutine, from the board's layout and
// when new lines come.
func (v *LeadView) fit(w float32) {
	if w <= 0 {
		return
	}
	v.fitW = w
	changed := false
	need, shares := v.columnNeeds(false), v.columnNeeds(true)
	chans := fitColumns(w, v.shown.period, v.nameWidth(v.chans), need, shares)
	agents := fitColumns(w, v.shown.period, v.nameWidth(v.agentsL), need, shares)
	if len(chans) == 1 && len(agents) == 1 {
		// One table each: the same columns, one under the other.
		names := max(v.nameWidth(v.chans), v.nameWidth(v.agentsL))
		chans = fitColumns(w, v.shown.period, names, need, shares)
		agents = fitColumns(w, v.shown.period, names, need, shares)
	}
	for _, g := range []struct {
		tables [2]*boardTable
		sets   []colSet
	}{{v.chanTables, chans}, {v.agentTables, agents}} {
		for i, bt := range g.tables {
			if i < len(g.sets) {
				changed = changed || !bt.set.equal(g.sets[i])
				bt.show(g.sets[i])
			}
		}
	}
	if two := len(chans) > 1; two != v.chanTables[1].box.Visible() {
		changed = true
		if two {
			v.chanTables[1].box.Show()
		} else {
			v.chanTables[1].box.Hide()
		}
	}
	if two := len(agents) > 1; two != v.agentTwo {
		v.agentTwo = two
		changed = true
	}
	v.showAgentTables()
	if wide := wideLower(w); wide != v.lowerWide {
		v.lowerWide = wide
		changed = true
	}
	cols, size := chartSize(w)
	if cols != v.chartCols || size != v.chartShown {
		v.chartCols, v.chartShown = cols, size
		v.charts.Layout = layout.NewGridLayoutWithColumns(cols)
		for _, img := range v.chartImgs {
			img.SetMinSize(size)
		}
		changed = true
	}
	if changed {
		v.charts.Refresh()
		v.lower.Refresh()
		v.scroll.Content.Refresh()
		v.scroll.Refresh()
	}
}

// showAgentTables shows the agent tables that have lines to show: none
// when there are no agent lines (a sentence says so), the second when the
// width needs two.
func (v *LeadView) showAgentTables() {
	empty := len(v.agentsL) == 0
	for i, bt := range v.agentTables {
		if !empty && (i == 0 || v.agentTwo) {
			bt.box.Show()
		} else {
			bt.box.Hide()
		}
	}
	if empty {
		v.noAgents.Show()
	} else {
		v.noAgents.Hide()
	}
}

// chartImage is a chart's image at the size the board's width allows.
func (v *LeadView) chartImage(c leadChart) *canvas.Image {
	img := canvas.NewImageFromImage(c.img)
	img.FillMode = canvas.ImageFillContain
	img.ScaleMode = canvas.ImageScaleSmooth
	size := v.chartShown
	if size.IsZero() {
		size = fyne.NewSize(chartW, chartH)
	}
	img.SetMinSize(size)
	return img
}
