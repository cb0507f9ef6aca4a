package ui

import (
	"context"
	"errors"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/report"
)

// MyFiguresSource is what the agent's own figures need of the hub
// (app.ReportClient): the hub computes them, the view only shows them.
type MyFiguresSource interface {
	Mine(ctx context.Context, agent string) (report.Mine, error)
}

// MyFiguresRefresh is how often the open view reads the figures again.
var MyFiguresRefresh = 30 * time.Second

// MyFiguresView shows the console's agent their own figures (GET
// /v1/reports/me): handled and solved cases, first and next response
// median and p90, the share of SLAs met for today, 7 and 30 days, and
// their open cases by SLA state. It reads the hub off the UI goroutine;
// when the hub cannot be reached it says so and keeps the last figures
// with their time.
type MyFiguresView struct {
	src  MyFiguresSource
	load func() (*report.Mine, error) // the figures kept from before (nil: none)
	save func(report.Mine) error      // keeps each new read

	mu      sync.Mutex // guards what follows up to the viewLock, across goroutines
	asked   uint64
	done    uint64
	running bool // refreshing on the ticker (the view is shown)

	ctx      context.Context
	stop     context.CancelFunc
	kick     chan struct{}
	bg       sync.WaitGroup
	once     sync.Once
	viewLock // Locked and do: see Console.mu

	// UI state (UI goroutine).
	mine     *report.Mine // the last figures read
	err      error        // the last read's error, nil when it worked
	business bool

	title   *widget.Label
	status  *widget.Label
	day     *widget.Label // which day "today" is, and in which zone
	hours   *widget.RadioGroup
	cells   [numMyRows][numPeriods]*widget.Label
	open    [numMyOpen]*widget.Label
	openRow *fyne.Container
	root    fyne.CanvasObject
}

// The rows of the figures' table.
const (
	myHandled = iota
	mySolved
	myFirst
	myNext
	myMet
	numMyRows
)

func myRowName(r int) string {
	return [numMyRows]string{T("Cases handled"), T("Solved"), T("First response (median / p90)"),
		T("Next response (median / p90)"), T("SLAs met")}[r]
}

// The figures of the open cases.
const (
	myOpenTotal = iota
	myOpenOK
	myOpenRisk
	myOpenBreached
	myOpenWaiting
	numMyOpen
)

// NewMyFiguresView makes the view; Start it to read the figures.
func NewMyFiguresView(src MyFiguresSource) *MyFiguresView {
	v := &MyFiguresView{src: src, kick: make(chan struct{}, 1)}
	v.ctx, v.stop = context.WithCancel(context.Background())
	v.build()
	return v
}

// Content is the view's canvas object.
func (v *MyFiguresView) Content() fyne.CanvasObject { return v.root }

func (v *MyFiguresView) build() {
	v.title = heading(T("My figures"))
	v.status = widget.NewLabel(T("Loading…"))
	v.status.Importance = widget.LowImportance
	v.status.Wrapping = fyne.TextWrapWord
	v.day = widget.NewLabel("")
	v.day.Importance = widget.LowImportance
	v.day.Wrapping = fyne.TextWrapWord
	v.hours = widget.NewRadioGroup([]string{T("Wall clock"), T("Business hours")}, nil)
	v.hours.Horizontal = true
	v.hours.SetSelected(T("Wall clock"))
	v.hours.OnChanged = func(s string) {
		v.business = s == T("Business hours")
		v.show()
	}
	refresh := widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), func() { v.Refresh() })

	grid := container.NewGridWithColumns(1 + numPeriods)
	grid.Add(widget.NewLabel(""))
	for p := range numPeriods {
		grid.Add(widget.NewLabelWithStyle(periodName(p), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
	}
	for r := range numMyRows {
		grid.Add(widget.NewLabel(myRowName(r)))
		for p := range numPeriods {
			l := widget.NewLabelWithStyle("–", fyne.TextAlignTrailing, fyne.TextStyle{})
			v.cells[r][p] = l
			grid.Add(l)
		}
	}
	v.openRow = container.NewHBox()
	for i := range numMyOpen {
		l := widget.NewLabel("")
		v.open[i] = l
		v.openRow.Add(l)
	}
	v.root = container.NewVBox(
		container.NewBorder(nil, nil, nil, refresh, v.title),
		v.status,
		v.day,
		v.hours,
		widget.NewSeparator(),
		grid,
		widget.NewSeparator(),
		heading(T("My open cases now")),
		v.openRow,
	)
	v.show()
}

// SetKeeper keeps the figures across restarts: load gives the last ones
// kept (shown until the hub answers, or when it cannot), save keeps each
// new read. Both run on the view's worker, never on the UI goroutine.
// Call it before Start.
func (v *MyFiguresView) SetKeeper(load func() (*report.Mine, error), save func(report.Mine) error) {
	v.load, v.save = load, save
}

// SetBusiness shows the response times in business hours (true) or wall
// clock, as the radio buttons do.
func (v *MyFiguresView) SetBusiness(b bool) {
	if b {
		v.hours.SetSelected(T("Business hours"))
	} else {
		v.hours.SetSelected(T("Wall clock"))
	}
}

// Start runs the refresh worker: the figures now and every
// MyFiguresRefresh while shown (see Pause).
func (v *MyFiguresView) Start() {
	v.once.Do(func() {
		v.bg.Add(1)
		go func() {
			defer v.bg.Done()
			v.worker()
		}()
	})
	v.mu.Lock()
	v.running = true
	v.mu.Unlock()
	v.Refresh()
}

// Pause stops the periodic refresh (the window is hidden); Start resumes
// it. The last figures stay.
func (v *MyFiguresView) Pause() {
	v.mu.Lock()
	v.running = false
	v.mu.Unlock()
}

// Stop ends the worker and waits for it.
func (v *MyFiguresView) Stop() {
	v.stop()
	v.bg.Wait()
}

// Refresh asks for the figures again; it returns at once.
func (v *MyFiguresView) Refresh() {
	v.mu.Lock()
	v.asked++
	v.mu.Unlock()
	select {
	case v.kick <- struct{}{}:
	default:
	}
}

// Wait blocks until the refreshes asked for so far are done (tests).
func (v *MyFiguresView) Wait() {
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

func (v *MyFiguresView) worker() {
	tick := time.NewTicker(MyFiguresRefresh)
	defer tick.Stop()
	if v.load != nil {
		kept, err := v.load()
		if err != nil {
			fyne.LogError("my figures", err)
		}
		if kept != nil {
			v.do(func() {
				if v.mine == nil {
					v.mine = kept
					v.show()
				}
			})
		}
	}
	for {
		select {
		case <-v.ctx.Done():
			return
		case <-v.kick:
		case <-tick.C:
			v.mu.Lock()
			run := v.running
			if run {
				v.asked++
			}
			v.mu.Unlock()
			if !run {
				continue
			}
		}
		v.mu.Lock()
		gen := v.asked
		v.mu.Unlock()
		ctx, cancel := context.WithTimeout(v.ctx, 20*time.Second)
		m, err := v.src.Mine(ctx, "")
		cancel()
		if v.ctx.Err() != nil {
			return
		}
		if err == nil && v.save != nil {
			if serr := v.save(m); serr != nil {
				fyne.LogError("my figures", serr)
			}
		}
		v.do(func() { v.apply(m, err) })
		v.mu.Lock()
		v.done = gen
		v.mu.Unlock()
	}
}

// apply shows a read: new figures, or the error beside the last ones.
func (v *MyFiguresView) apply(m report.Mine, err error) {
	v.err = err
	if err == nil {
		v.mine = &m
	}
	v.show()
}

// figuresAt is the figures' time, in the console's zone.
func figuresAt(m *report.Mine) time.Time {
	at, _ := time.Parse(time.RFC3339, m.At)
	return at
}

// show puts the last figures and the state of the last read on screen.
func (v *MyFiguresView) show() {
	m := v.mine
	switch {
	case v.err == nil && m == nil:
		v.status.SetText(T("Loading…"))
		v.status.Importance = widget.LowImportance
	case v.err == nil:
		v.status.SetText(T("updated {{.At}}", "At", Stamp(figuresAt(m))))
		v.status.Importance = widget.LowImportance
	case errors.Is(v.err, app.ErrOffline) && m != nil:
		v.status.SetText(T("Offline: the hub cannot be reached. These are the figures of {{.At}}.", "At", Stamp(figuresAt(m))))
		v.status.Importance = widget.WarningImportance
	case errors.Is(v.err, app.ErrOffline):
		v.status.SetText(T("Offline: the hub cannot be reached. Your figures show once it can."))
		v.status.Importance = widget.WarningImportance
	default:
		v.status.SetText(v.err.Error())
		v.status.Importance = widget.DangerImportance
	}
	v.status.Refresh()
	if m != nil && m.Agent != "" {
		v.title.SetText(T("My figures · {{.Name}}", "Name", m.Agent))
	}
	if text := todayText(m); v.day.Text != text {
		v.day.SetText(text)
	}
	for p := range numPeriods {
		var mp *report.MinePeriod
		if m != nil && p < len(m.Periods) {
			mp = &m.Periods[p]
		}
		for r := range numMyRows {
			text, imp := myCell(mp, r, v.business)
			l := v.cells[r][p]
			if l.Text != text || l.Importance != imp {
				l.Importance = imp
				l.SetText(text)
			}
		}
	}
	for i := range numMyOpen {
		text, imp := myOpenText(m, i)
		l := v.open[i]
		if l.Text != text || l.Importance != imp {
			l.Importance = imp
			l.SetText(text)
		}
	}
	v.openRow.Refresh() // laid out again for the labels' new widths
}

// todayText says which day the figures' "today" is: the hub's, from
// midnight in the team calendar's zone (the lead's board counts the same
// day), which may not be the console's.
func todayText(m *report.Mine) string {
	if m == nil || len(m.Periods) == 0 {
		return ""
	}
	loc, err := time.LoadLocation(m.Zone)
	from, perr := time.Parse(time.RFC3339, m.Periods[0].From)
	if err != nil || perr != nil || m.Zone == "" {
		return ""
	}
	return T("Today is {{.Day}} in {{.Zone}} (the team's calendar), from midnight there; 7 and 30 days end now.",
		"Day", dayIn(from, loc), "Zone", m.Zone)
}

// dayIn is a weekday and date in loc: "Tue 1 Dec" or "Di. 1. Dez.".
func dayIn(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if german() {
		return deDays[t.Weekday()] + " " + t.Format("2. ") + deMonths[t.Month()-1]
	}
	return t.Format("Mon 2 Jan")
}

// myCell is the text of one figure of a period (nil: none yet).
func myCell(p *report.MinePeriod, row int, business bool) (string, widget.Importance) {
	if p == nil {
		return "–", widget.LowImportance
	}
	switch row {
	case myHandled:
		return Number(p.Handled), widget.MediumImportance
	case mySolved:
		return Number(p.Solved), widget.MediumImportance
	case myFirst:
		return statsText(p.FirstResponseWall, p.FirstResponseBusiness, business), widget.MediumImportance
	case myNext:
		return statsText(p.NextResponseWall, p.NextResponseBusiness, business), widget.MediumImportance
	}
	return metText(p.SLAAttainmentPct, p.SLAMet, p.SLABreached)
}

// metText is the share of SLAs met and of how many ("92,5 % (37/40)"),
// green from 90 %, amber, red under 75 % as on the board.
func metText(pct *float64, met, breached int) (string, widget.Importance) {
	if pct == nil {
		return "–", widget.LowImportance
	}
	imp := widget.SuccessImportance
	if *pct < 90 {
		imp = widget.WarningImportance
	}
	if *pct < 75 {
		imp = widget.DangerImportance
	}
	return Percent(*pct) + " (" + Number(met) + "/" + Number(met+breached) + ")", imp
}

// myOpenText is one figure of the agent's open cases.
func myOpenText(m *report.Mine, i int) (string, widget.Importance) {
	if m == nil {
		return "", widget.LowImportance
	}
	o := m.Open
	switch i {
	case myOpenTotal:
		return T("{{.N}} open", "N", Number(o.Total)), widget.MediumImportance
	case myOpenOK:
		return T("{{.N}} in time", "N", Number(o.OK)), widget.SuccessImportance
	case myOpenRisk:
		imp := widget.LowImportance
		if o.AtRisk > 0 {
			imp = widget.WarningImportance
		}
		return T("{{.N}} at risk", "N", Number(o.AtRisk)), imp
	case myOpenBreached:
		imp := widget.LowImportance
		if o.Breached > 0 {
			imp = widget.DangerImportance
		}
		return T("{{.N}} breached", "N", Number(o.Breached)), imp
	}
	if o.Waiting == 0 {
		return T("nobody waiting"), widget.LowImportance
	}
	oldest, _ := time.Parse(time.RFC3339, o.OldestWaiting)
	return T("{{.N}} waiting, the longest since {{.At}}", "N", Number(o.Waiting), "At", Stamp(oldest)), widget.MediumImportance
}

// Texts is the view's figures as shown: the status line, then each row's
// name and cells, then the open cases (tests).
func (v *MyFiguresView) Texts() (status string, rows [][]string, open []string) {
	status = v.status.Text
	for r := range numMyRows {
		row := []string{myRowName(r)}
		for p := range numPeriods {
			row = append(row, v.cells[r][p].Text)
		}
		rows = append(rows, row)
	}
	for i := range numMyOpen {
		open = append(open, v.open[i].Text)
	}
	return status, rows, open
}

// DayText is the line that says which day "today" is (tests).
func (v *MyFiguresView) DayText() string { return v.day.Text }

// MyFiguresWindowSize is the window's first size.
var MyFiguresWindowSize = fyne.NewSize(760, 470)

// MyFiguresWindow is the agent's own figures in a window of their own,
// made on first use; closing it hides it and pauses the refresh, so the
// last figures are there when it opens again.
type MyFiguresWindow struct {
	a   fyne.App
	src MyFiguresSource
	dir string
	w   fyne.Window

	mu     sync.Mutex // v and closed: Close comes from another goroutine
	v      *MyFiguresView
	closed bool
}

// NewMyFiguresWindow makes the (not yet shown) window of src's figures;
// the last ones are kept in the console's folder dir ("": not kept).
func NewMyFiguresWindow(a fyne.App, src MyFiguresSource, dir string) *MyFiguresWindow {
	return &MyFiguresWindow{a: a, src: src, dir: dir}
}

// Show opens the window (or brings it forward) and reads the figures now.
// Call it on the UI goroutine.
func (m *MyFiguresWindow) Show() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	if m.w == nil {
		v := NewMyFiguresView(m.src)
		if dir := m.dir; dir != "" {
			v.SetKeeper(func() (*report.Mine, error) { return app.LoadMyFigures(dir) },
				func(f report.Mine) error { return app.SaveMyFigures(dir, f) })
		}
		m.v = v
		m.w = m.a.NewWindow(T("Switchboard — my figures"))
		m.w.SetContent(v.Content())
		m.w.Resize(MyFiguresWindowSize)
		m.w.SetCloseIntercept(func() {
			v.Pause()
			m.w.Hide()
		})
	}
	m.v.Start()
	// Under the view's lock: its worker's updates hold it (a test
	// driver's fyne.Do runs them on the worker's goroutine).
	m.v.Locked(func() {
		m.w.Show()
		m.w.RequestFocus()
	})
}

// Close ends the refresh (the console quits); the window goes with the
// app. Any goroutine.
func (m *MyFiguresWindow) Close() {
	m.mu.Lock()
	v := m.v
	m.closed = true
	m.mu.Unlock()
	if v != nil {
		v.Stop()
	}
}

// figuresOf is what the "f" key of each console does (SetMyFigures).
var figuresOf sync.Map // *Console → func()

// SetMyFigures is what the "f" key does: open the agent's own figures.
func (c *Console) SetMyFigures(f func()) { figuresOf.Store(c, f) }

// openMyFigures is the "f" key (keys.go): nothing without SetMyFigures.
func (c *Console) openMyFigures() {
	if f, ok := figuresOf.Load(c); ok {
		f.(func())()
	}
}
