package ui

import (
	"context"
	"fmt"
	"image"
	"math"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/model"
	"switchboard/report"
)

// LeadBackend is what the lead view needs of the console's core: the live
// state of the synced cases.
type LeadBackend interface {
	LiveBoard(f app.LiveFilter) app.LiveBoard
	ActiveCases(f app.LiveFilter, by, key, metric string) []model.Summary
	OnChange(func(app.Change))
}

// Reports is what the lead view needs of the hub's reports API
// (app.ReportClient): every figure comes from there.
type Reports interface {
	Summary(ctx context.Context, q app.ReportQuery) (report.Summary, error)
	Cases(ctx context.Context, q app.ReportQuery) (report.Cases, error)
	CSV(ctx context.Context, summary bool, q app.ReportQuery) ([]byte, error)
}

// The periods of the board's figures.
const (
	periodToday = iota
	period7d
	period30d
	numPeriods
)

var periodDays = [numPeriods]int{1, 7, 30}

func periodName(p int) string {
	return [numPeriods]string{T("Today"), T("7 days"), T("30 days")}[p]
}

// LeadRefresh is how often the board reads the hub's figures again; SLA
// events (an escalation) read them at once.
var LeadRefresh = 30 * time.Second

// leadFilter is the board's filters.
type leadFilter struct {
	period   int
	channel  string
	team     string
	agent    string
	business bool
}

// figKey names one figure group of the board.
type figKey struct {
	by, key string
	period  int
}

// leadData is one refresh of the board's hub figures.
type leadData struct {
	figs       map[figKey]report.Group
	teams      []string
	agents     []string // the hub's, of the period (and team)
	teamAgents []string // nil unless a team is chosen
	charts     []leadChart
	zone       *time.Location // the hub's zone of days
	err        string
	at         time.Time
}

// chartDays is how many days the charts of period p show: the period's,
// a week at least.
func chartDays(p int) int { return max(7, periodDays[p]) }

// leadChart is a rendered chart and its lines (for the legend).
type leadChart struct {
	img   image.Image
	lines []chartLine
}

// boardLine is one line of a table of the board.
type boardLine struct {
	by, key string // by "channel" or "agent"; key "" is unassigned
	live    app.LiveCount
}

// LeadView is the team lead's board: live counts by channel and agent,
// response times against the service levels, the cases about to breach,
// trend charts, drill-down to the cases behind a figure, and the hub's
// CSV export.
type LeadView struct {
	be   LeadBackend
	rep  Reports
	open func(id string)
	now  func() time.Time

	mu         sync.Mutex // guards what follows up to the viewLock, across goroutines
	flt        leadFilter
	asked      uint64 // refreshes asked for
	done       uint64 // refreshes done
	pendingHub bool   // a refresh asked for the hub's figures
	teamAgents []string
	palette    leadPalette
	// zone is the hub's zone of days (the team calendar's): "today" and
	// the charts' days begin at midnight there; nil until the hub said.
	zone *time.Location

	ctx      context.Context
	stop     context.CancelFunc
	kick     chan struct{}
	bg       sync.WaitGroup // the worker
	tasks    sync.WaitGroup // drill-downs and exports
	win      fyne.Window
	viewLock // Locked and do: see Console.mu

	// UI state (UI goroutine).
	shown     leadFilter // the filters of what is shown
	live      app.LiveBoard
	data      leadData
	chans     []boardLine
	agentsL   []boardLine
	highlight map[string]time.Time // case id → when it escalated

	periodSel, chanSel, teamSel, agentSel *widget.Select
	hours                                 *widget.RadioGroup
	// chanTables and agentTables are the tables by channel and by
	// agent: the second of each only when the width needs two (lead_fit.go).
	chanTables, agentTables [2]*boardTable
	urgent                  *widget.List
	charts                  *fyne.Container
	chartImgs               []*canvas.Image
	lower                   *fyne.Container // the charts and the cases about to breach
	urgentHead              *fyne.Container // the heading of the urgent cases
	updated                 *widget.Label
	totals                  *widget.Label
	legend                  *widget.Label // what the figures are
	noUrgent                *widget.Label // the empty state of urgent
	noAgents                *widget.Label // the empty state of the agent table
	chartsHead              *widget.Label
	root                    fyne.CanvasObject

	// What the board is fitted to (lead_fit.go): the width, whether the
	// charts and the urgent cases sit side by side, the charts' grid.
	fitW       float32
	agentTwo   bool // the agent lines in two tables
	urgentN    int  // the urgent cases the list was last sized for
	lowerWide  bool
	chartCols  int
	chartShown fyne.Size

	drillRows []drillRow
	drillInfo *widget.Label
	drillList *widget.List
	drillPop  *widget.PopUp
	exportDir string
	scroll    *container.Scroll
}

// columns of the board's tables.
var leadCols = []struct {
	head  string
	width float32
}{
	{"", 112}, {"Open", 46}, {"Waiting", 58}, {"At risk", 62}, {"Breached", 66}, {"Oldest wait", 76},
	{"1st today", 86}, {"1st 7 d", 86}, {"1st 30 d", 86},
	{"Next today", 86}, {"Next 7 d", 86}, {"Next 30 d", 86},
	{"Met today", 100}, {"Met 7 d", 100}, {"Met 30 d", 100},
}

// NewLeadView makes the board; open opens a case in the console. Start it
// with Start and stop it with Stop.
func NewLeadView(be LeadBackend, rep Reports, open func(id string)) *LeadView {
	v := &LeadView{be: be, rep: rep, open: open, now: func() time.Time { return clock() }, kick: make(chan struct{}, 1),
		highlight: map[string]time.Time{}, flt: leadFilter{period: period7d}}
	v.ctx, v.stop = context.WithCancel(context.Background())
	v.build()
	return v
}

// viewLock is a window's update lock, as Console.mu is the console's:
// background updates run under it on the UI goroutine (do), windowless
// tests and --capture read under it (Locked).
type viewLock struct{ m sync.Mutex }

// Locked runs f holding the view's lock (windowless tests, --capture).
func (l *viewLock) Locked(f func()) {
	l.m.Lock()
	defer l.m.Unlock()
	f()
}

func (l *viewLock) do(f func()) { fyne.Do(func() { l.Locked(f) }) }

// Content is the board's canvas object.
func (v *LeadView) Content() fyne.CanvasObject { return v.root }

// SetWindow is the window the board's pop-ups and dialogs open in.
func (v *LeadView) SetWindow(w fyne.Window) { v.win = w }

func (v *LeadView) build() {
	v.palette = currentPalette()
	v.shown = v.flt
	v.periodSel = widget.NewSelect([]string{periodName(0), periodName(1), periodName(2)}, nil)
	v.periodSel.SetSelectedIndex(v.flt.period)
	v.periodSel.OnChanged = func(string) { v.setFilter(func(f *leadFilter) { f.period = v.periodSel.SelectedIndex() }) }
	v.chanSel = widget.NewSelect([]string{T("All channels"), "X", "Facebook", T("Forums")}, nil)
	v.chanSel.SetSelectedIndex(0)
	v.chanSel.OnChanged = func(string) {
		v.setFilter(func(f *leadFilter) {
			f.channel = []string{"", "twitter", "facebook", "forum"}[max(0, v.chanSel.SelectedIndex())]
		})
	}
	v.teamSel = widget.NewSelect([]string{T("All teams")}, nil)
	v.teamSel.SetSelectedIndex(0)
	v.teamSel.OnChanged = func(s string) {
		v.setFilter(func(f *leadFilter) { f.team = map[bool]string{true: s}[v.teamSel.SelectedIndex() > 0] })
	}
	v.agentSel = widget.NewSelect([]string{T("All agents")}, nil)
	v.agentSel.SetSelectedIndex(0)
	v.agentSel.OnChanged = func(s string) {
		v.setFilter(func(f *leadFilter) { f.agent = map[bool]string{true: s}[v.agentSel.SelectedIndex() > 0] })
	}
	v.hours = widget.NewRadioGroup([]string{T("Wall clock"), T("Business hours")}, nil)
	v.hours.Horizontal = true
	v.hours.SetSelected(T("Wall clock"))
	v.hours.OnChanged = func(s string) { v.setFilter(func(f *leadFilter) { f.business = s == T("Business hours") }) }
	export := widget.NewButtonWithIcon(T("Export CSV"), theme.DownloadIcon(), v.exportDialog)
	refresh := widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), func() { v.Refresh(true) })
	v.updated = widget.NewLabel("")
	v.updated.Importance = widget.LowImportance
	v.updated.Truncation = fyne.TextTruncateEllipsis // an error can be long: it ends in "…" at the window's edge
	barLayout := &wrapLayout{}
	bar := container.New(barLayout, v.periodSel, v.chanSel, v.teamSel, v.agentSel, v.hours, export, refresh, v.updated)

	for i := range v.chanTables {
		v.chanTables[i] = v.newTable(func() []boardLine { return v.chans }, 3)
		v.agentTables[i] = v.newTable(func() []boardLine { return v.agentsL }, minAgentLines)
	}
	v.chanTables[1].box.Hide()
	v.agentTables[1].box.Hide()
	v.totals = widget.NewLabel("")
	v.totals.TextStyle.Bold = true
	v.totals.Wrapping = fyne.TextWrapWord
	v.legend = widget.NewLabel("")
	v.legend.Importance = widget.LowImportance
	v.legend.Wrapping = fyne.TextWrapWord
	v.noUrgent = widget.NewLabel(T("Nothing is about to breach."))
	v.noUrgent.Importance = widget.LowImportance
	v.noAgents = widget.NewLabel(T("No agent has figures yet: no case of the last 30 days was answered or assigned, and none is open."))
	v.noAgents.Importance = widget.LowImportance
	v.noAgents.Hide()
	v.chartsHead = heading(T("Response times per day"))

	dueW := dueWidth()
	v.urgent = widget.NewList(func() int { return len(v.live.Urgent) },
		func() fyne.CanvasObject {
			st := canvas.NewText("", theme.Color(theme.ColorNameForeground))
			st.TextStyle.Bold = true
			assign := widget.NewButtonWithIcon("", theme.AccountIcon(), nil)
			assign.Importance = widget.LowImportance
			return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(dueW, 30), container.NewCenter(st)), assign, widget.NewLabel(""))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(v.live.Urgent) {
				return
			}
			s := v.live.Urgent[i]
			box := o.(*fyne.Container)
			lbl := box.Objects[0].(*widget.Label)
			ctr := box.Objects[1].(*fyne.Container).Objects[0].(*fyne.Container)
			st := ctr.Objects[0].(*canvas.Text)
			st.Text, st.Color = dueText(s, v.now())
			st.Refresh()
			ctr.Refresh() // centred again at its new width
			who := s.Assignee
			if who == "" {
				who = T("unassigned")
			}
			text := fmt.Sprintf("%s · %s · %s · %s", channelName(s.Channel), s.Author, who, model.FirstLine(s.Preview, 40))
			_, fresh := v.highlight[s.ID]
			lbl.TextStyle.Bold = fresh
			if fresh {
				text = "● " + text
			}
			lbl.Truncation = fyne.TextTruncateEllipsis
			lbl.SetText(text)
			// One click reassigns the case (lead_assign.go).
			assign := box.Objects[2].(*widget.Button)
			id := s.ID
			assign.OnTapped = func() { v.showReassign(id, assign) }
		})
	v.urgent.OnSelected = func(i widget.ListItemID) {
		if i < len(v.live.Urgent) && v.open != nil {
			v.open(v.live.Urgent[i].ID)
		}
		v.urgent.UnselectAll()
	}
	v.charts = container.NewGridWithColumns(2)
	v.chartCols, v.chartShown, v.lowerWide = 2, fyne.NewSize(chartW, chartH), true

	v.totals.Importance = widget.MediumImportance
	v.urgentHead = container.NewVBox(heading(T("About to breach")), v.noUrgent)
	urgent := container.NewBorder(v.urgentHead, nil, nil, nil, v.urgent)
	v.lower = container.New(lowerLayout{v}, container.NewVBox(v.chartsHead, v.charts), urgent)
	v.scroll = container.NewVScroll(container.NewVBox(heading(T("By channel")), v.chanTables[0].box, v.chanTables[1].box, heading(T("By agent")),
		v.noAgents, v.agentTables[0].box, v.agentTables[1].box, v.totals, v.legend, v.lower))
	v.root = container.New(&boardLayout{v: v, bar: barLayout}, bar, widget.NewSeparator(), v.scroll)
}

// urgentW is the width of the list of cases about to breach.
const urgentW = 400

// tableHeight is the height of a table of rows lines showing cols.
func tableHeight(rows int, cols []int) float32 {
	return float32(rows+1)*38 + headerExtra(cols)
}

// headerExtra is how much taller the header row of cols is than a line:
// a line of text more when a header is shown on two lines (headLines).
func headerExtra(cols []int) float32 {
	for _, i := range cols {
		if strings.Contains(headLines(i), "\n") {
			return widget.NewLabel("1\n2").MinSize().Height - widget.NewLabel("1").MinSize().Height
		}
	}
	return 0
}

// The agent table shows this many lines at least and at most (more
// scroll): every agent, the brands' lines and "unassigned", which comes
// last and must not hide below the fold.
const minAgentLines, maxAgentLines = 3, 12

// fitAgentTable sizes the agent tables to their lines.
func (v *LeadView) fitAgentTable() {
	rows := min(max(len(v.agentsL), minAgentLines), maxAgentLines)
	shown := v.agentTables[0].box.Visible()
	v.showAgentTables()
	if rows == v.agentTables[0].rows && shown == v.agentTables[0].box.Visible() {
		return
	}
	for _, bt := range v.agentTables {
		bt.rows = rows
		bt.h = tableHeight(rows, bt.set.cols)
		bt.box.Refresh()
	}
	v.scroll.Content.Refresh() // the board below moves down or up
	v.scroll.Refresh()
}

// tableWidth is the width of a table of every column.
func tableWidth() float32 {
	w := float32(0)
	for i := range leadCols {
		w += colWidth(i)
	}
	return w + float32(len(leadCols))*colSep() // a column's divider: 4 each
}

// headLines is a column's header as the table shows it: on one line when
// that is no wider than the column's figures need, else on two, split at
// the space that makes the wider line narrowest ("Kunde\nwartet",
// "Max.\nWartezeit"), so long headers in some languages do not make the
// tables wider than the window.
func headLines(i int) string {
	c := leadCols[i]
	if c.head == "" {
		return ""
	}
	head := T(c.head)
	best, bestW := head, textWidth(head)
	if bestW <= c.width {
		return head
	}
	for j, r := range head {
		if r != ' ' {
			continue
		}
		a, b := head[:j], head[j+1:]
		if w := max(textWidth(a), textWidth(b)); w < bestW {
			best, bestW = a+"\n"+b, w
		}
	}
	return best
}

// colWidth is a column's width: its figures', or more when its header
// needs more in the console's language (its wider line).
func colWidth(i int) float32 {
	c := leadCols[i]
	w := c.width
	if c.head == "" {
		w = max(w, textWidth(T("unassigned"))) // the longest name the first column always has
	}
	for _, line := range strings.Split(headLines(i), "\n") {
		w = max(w, textWidth(line))
	}
	switch {
	case i >= 6 && i <= 11: // median / p90 of response times
		for _, s := range widestStats() {
			w = max(w, valueWidth(s))
		}
	case i == 14:
		// A share and its counts; 30 days have hundreds of cases.
		w = max(w, valueWidth(Percent(100)+" (999/999)"))
	case i >= 12:
		w = max(w, valueWidth(Percent(100)+" (99/99)"))
	}
	return w
}

// valueWidth is the width a figure's (regular) label needs for text.
func valueWidth(text string) float32 {
	w := fyne.MeasureText(text, theme.TextSize(), fyne.TextStyle{}).Width
	return float32(math.Ceil(float64(w + 2*theme.InnerPadding())))
}

// textWidth is the width a bold label needs for text.
func textWidth(text string) float32 {
	w := fyne.MeasureText(text, theme.TextSize(), fyne.TextStyle{Bold: true}).Width
	return float32(math.Ceil(float64(w + 2*theme.InnerPadding())))
}

// dueWidth is the width of the SLA column of the cases about to breach:
// the longest of its texts in the console's language.
func dueWidth() float32 {
	return max(120, textWidth(T("{{.T}} late", "T", "99m")), textWidth(T("due in {{.T}}", "T", "99m")))
}

func channelName(ch model.Channel) string {
	if ch == model.ChannelForum {
		return T("Forums")
	}
	return platformLabel(ch)
}

// newTable makes a table of lines, rows lines high; fit chooses its
// columns (boardTable.set).
func (v *LeadView) newTable(lines func() []boardLine, rows int) *boardTable {
	bt := &boardTable{rows: rows, set: newColSet(colWidth)}
	t := widget.NewTableWithHeaders(
		func() (int, int) { return len(lines()), len(bt.set.cols) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			ls := lines()
			if id.Row >= len(ls) || id.Col >= len(bt.set.cols) {
				return
			}
			col := bt.set.cols[id.Col]
			l := o.(*widget.Label)
			text, imp := bt.set.text(v, ls[id.Row], col)
			l.Importance = imp
			l.TextStyle.Bold = col == 0
			l.Truncation = fyne.TextTruncateOff
			if col == 0 || bt.set.squeezed {
				l.Truncation = fyne.TextTruncateEllipsis // long handles; figures in a window too narrow for them
			}
			l.SetText(text)
		})
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject {
		l := widget.NewLabel("")
		l.TextStyle.Bold = true
		return l
	}
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		l := o.(*widget.Label)
		text := ""
		if id.Row < 0 && id.Col >= 0 && id.Col < len(bt.set.cols) {
			text = headLines(bt.set.cols[id.Col])
		}
		l.Truncation = fyne.TextTruncateOff
		if bt.set.squeezed {
			l.Truncation = fyne.TextTruncateEllipsis
		}
		l.SetText(text)
	}
	t.OnSelected = func(id widget.TableCellID) {
		t.UnselectAll()
		ls := lines()
		if id.Row >= 0 && id.Row < len(ls) && id.Col >= 0 && id.Col < len(bt.set.cols) {
			v.drill(ls[id.Row], bt.set.cols[id.Col])
		}
	}
	bt.t = t
	bt.box = container.New(fixedHeight{&bt.h}, t)
	bt.show(fitColumns(tableWidth(), v.flt.period, 0, colWidth, colWidth)[0])
	return bt
}

// cell is the text of a table cell and how it stands out.
func (v *LeadView) cell(l boardLine, col int) (string, widget.Importance) {
	switch col {
	case 0:
		switch {
		case l.by == "channel":
			return channelName(model.Channel(l.key)), widget.MediumImportance
		case l.key == app.Unassigned:
			return T("unassigned"), widget.MediumImportance
		case isBrandKey(l.key):
			return brandName(strings.TrimPrefix(l.key, report.BrandKeyPrefix)), widget.LowImportance
		}
		return l.key, widget.MediumImportance
	case 1, 2, 3, 4, 5:
		if isBrandKey(l.key) {
			return "–", widget.LowImportance // the brand's own account holds no cases
		}
	}
	switch col {
	case 1:
		return Number(l.live.Open), widget.MediumImportance
	case 2:
		return Number(l.live.Waiting), widget.MediumImportance
	case 3:
		if l.live.AtRisk > 0 {
			return Number(l.live.AtRisk), widget.WarningImportance
		}
		return "0", widget.LowImportance
	case 4:
		if l.live.Breached > 0 {
			return Number(l.live.Breached), widget.DangerImportance
		}
		return "0", widget.LowImportance
	case 5:
		if l.live.OldestWaiting.IsZero() {
			return "–", widget.LowImportance
		}
		return minutes(v.now().Sub(l.live.OldestWaiting).Minutes()), widget.MediumImportance
	}
	g, ok := v.data.figs[figKey{l.by, l.key, (col - 6) % 3}]
	if !ok {
		return "–", widget.LowImportance
	}
	switch {
	case col < 9:
		return statsText(g.FirstResponseWall, g.FirstResponseBusiness, v.shown.business), widget.MediumImportance
	case col < 12:
		return statsText(g.NextResponseWall, g.NextResponseBusiness, v.shown.business), widget.MediumImportance
	}
	// The share and of how many: "87.5 % (7/8)", as in the agents' own
	// figures and the CSV's sla_met and sla_breached.
	return metText(g.SLAAttainmentPct, g.SLAMet, g.SLABreached)
}

// brandName is the line of a brand's own account: "Brand: @SkyWingsAir".
func brandName(brand string) string { return T("Brand: {{.Brand}}", "Brand", brand) }

// isBrandKey reports whether an agent key is a brand's own account (the
// hub's "brand:NAME" group: replies posted outside Switchboard).
func isBrandKey(key string) bool { return strings.HasPrefix(key, report.BrandKeyPrefix) }

// dayZone is the zone the board's days begin in: the hub's (the team
// calendar's) once it said, the console's before.
func (v *LeadView) dayZone() *time.Location {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.zone == nil {
		return time.Local
	}
	return v.zone
}

// legendText says what the board's figures are, in the hub's zone, and
// what the brands' lines are (their names in full: the table may cut
// them).
func legendText(zone string, brands []string) string {
	s := T("Today counts from midnight in {{.Zone}} (the team's calendar). Response times: median / p90 of the cases created in the period that were answered; those still unanswered are in Waiting and Oldest wait. SLAs met: the cases that met every target, of those whose outcome is known (met and breached; running and merged cases are left out).", "Zone", zone)
	if len(brands) > 0 {
		s += " " + T("Brand ({{.Names}}): the cases only the brand's own page or account answered, on the platform outside Switchboard; its replies count as responses, for no agent.",
			"Names", strings.Join(brands, ", "))
	}
	return s
}

// statsText is "median / p90" of a figure, in wall or business time.
func statsText(wall, business report.Stats, biz bool) string {
	s := wall
	if biz {
		s = business
	}
	if s.MedianS == nil || s.P90S == nil {
		return "–"
	}
	return minutes(float64(*s.MedianS)/60) + " / " + minutes(float64(*s.P90S)/60)
}

func (v *LeadView) setFilter(f func(*leadFilter)) {
	v.mu.Lock()
	f(&v.flt)
	v.mu.Unlock()
	v.Refresh(true)
}

func (v *LeadView) filter() leadFilter {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.flt
}

// Refresh asks for a new board: the live counts, and with hub true the
// hub's figures and charts too. It returns at once; refreshes asked for
// meanwhile are done in one.
func (v *LeadView) Refresh(hub bool) {
	v.mu.Lock()
	v.asked++
	v.pendingHub = v.pendingHub || hub
	v.mu.Unlock()
	select {
	case v.kick <- struct{}{}:
	default:
	}
}

// Start runs the board's refresh worker: live counts on every change of
// the cases, the hub's figures every LeadRefresh and on Refresh(true).
func (v *LeadView) Start() {
	v.be.OnChange(func(ch app.Change) {
		if ch.Queue || len(ch.Cases) > 0 {
			v.Refresh(false)
		}
	})
	v.bg.Add(1)
	go func() {
		defer v.bg.Done()
		v.worker()
	}()
	v.Refresh(true)
}

// Stop ends the worker and waits for it.
func (v *LeadView) Stop() {
	v.stop()
	v.bg.Wait()
	v.tasks.Wait()
}

// Wait blocks until the refreshes asked for so far are done (for tests
// and --capture, whose fyne.Do runs at once).
func (v *LeadView) Wait() {
	v.mu.Lock()
	target := v.asked
	v.mu.Unlock()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		v.mu.Lock()
		done := v.done
		v.mu.Unlock()
		if done >= target {
			return
		}
	}
}
