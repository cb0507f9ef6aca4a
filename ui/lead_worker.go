package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"
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

// chart size in pixels (and in units: the board's images are not scaled).
const chartW, chartH = 480, 220

// leadPalette is the colours the charts are drawn in, taken from the theme
// on the UI goroutine.
type leadPalette struct {
	fg, grid, median, p90, target, met color.Color
}

func currentPalette() leadPalette {
	return leadPalette{
		fg: theme.Color(theme.ColorNameForeground), grid: theme.Color(theme.ColorNameSeparator),
		median: theme.Color(theme.ColorNamePrimary), p90: theme.Color(theme.ColorNameWarning),
		target: theme.Color(theme.ColorNameError), met: theme.Color(theme.ColorNameSuccess),
	}
}

func (v *LeadView) worker() {
	tick := time.NewTicker(LeadRefresh)
	defer tick.Stop()
	for {
		select {
		case <-v.ctx.Done():
			return
		case <-v.kick:
		case <-tick.C:
			v.mu.Lock()
			v.asked++
			v.pendingHub = true
			v.mu.Unlock()
		}
		v.mu.Lock()
		gen, hub, flt, team, pal := v.asked, v.pendingHub, v.flt, v.teamAgents, v.palette
		v.pendingHub = false
		v.mu.Unlock()
		var data *leadData
		if hub {
			d := v.fetch(flt, pal)
			data = &d
			if d.err == "" {
				team = d.teamAgents
				v.mu.Lock()
				v.teamAgents = team
				v.mu.Unlock()
			}
		}
		live := v.be.LiveBoard(liveFilter(flt, team))
		v.do(func() { v.apply(live, data, flt) })
		v.mu.Lock()
		v.done = gen
		v.mu.Unlock()
	}
}

func liveFilter(f leadFilter, teamAgents []string) app.LiveFilter {
	lf := app.LiveFilter{Channel: model.Channel(f.channel), Agent: f.agent}
	if f.team != "" {
		lf.Agents = slices.Clone(teamAgents)
		if lf.Agents == nil {
			lf.Agents = []string{}
		}
	}
	return lf
}

// periodFrom is when period p of the board begins at now: today at
// midnight in the hub's zone of days (the team calendar's, the same as
// the agents' own figures), 7 and 30 days as 7 × 24 and 30 × 24 hours.
func (v *LeadView) periodFrom(p int, now time.Time) time.Time {
	if p == periodToday {
		loc := v.dayZone()
		y, m, d := now.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	// Hours, not calendar days: across a DST change the console's
	// calendar week is an hour longer or shorter than the agents' 7d.
	return now.Add(-time.Duration(periodDays[p]) * 24 * time.Hour)
}

func (f leadFilter) report() report.Filter {
	return report.Filter{Channel: f.channel, Agent: f.agent, Team: f.team}
}

// fetch reads the hub's figures for the board: per channel and per agent
// for each period, the teams, and the per-day series of the charts.
func (v *LeadView) fetch(flt leadFilter, pal leadPalette) leadData {
	ctx, cancel := context.WithTimeout(v.ctx, 45*time.Second)
	defer cancel()
	now := v.now()
	d := leadData{figs: map[figKey]report.Group{}, at: now}
	fail := func(err error) leadData {
		if errors.Is(err, app.ErrNotLead) {
			d.err = T("The hub gives reports to leads only.")
		} else {
			d.err = err.Error()
		}
		return d
	}
	base := flt.report()
	// The teams first: the hub's answer names its zone of days, which
	// today's figures and the charts' days begin in.
	teams, err := v.rep.Summary(ctx, app.ReportQuery{From: v.periodFrom(period30d, now), To: now, Group: report.ByTeam,
		Filter: report.Filter{Channel: flt.channel}})
	if err != nil {
		return fail(err)
	}
	for _, g := range teams.Groups {
		if g.Key != "all" && g.Key != "" {
			d.teams = append(d.teams, g.Key)
		}
	}
	if loc, err := time.LoadLocation(teams.Zone); err == nil && teams.Zone != "" && teams.Zone != "Local" {
		v.mu.Lock()
		v.zone = loc
		v.mu.Unlock()
	}
	d.zone = v.dayZone()
	for p := range numPeriods {
		for _, by := range []string{report.ByChannel, report.ByAgent} {
			s, err := v.rep.Summary(ctx, app.ReportQuery{From: v.periodFrom(p, now), To: now, Group: by, Filter: base})
			if err != nil {
				return fail(err)
			}
			for _, g := range s.Groups {
				if g.Key == "all" {
					d.figs[figKey{"all", "all", p}] = g
					continue
				}
				d.figs[figKey{by, g.Key, p}] = g
				if by == report.ByAgent && p == period30d && g.Key != app.Unassigned && !isBrandKey(g.Key) {
					d.agents = append(d.agents, g.Key) // the agent filter's choices: agents only
				}
			}
		}
	}
	if flt.team != "" {
		d.teamAgents = append([]string{}, d.agents...)
	}
	// The charts: a point per day of the period (a week at least), the
	// hub's days (its day keys are dates in its zone).
	days := chartDays(flt.period)
	loc := d.zone
	y, m, dd := now.In(loc).Date()
	first := time.Date(y, m, dd-days+1, 0, 0, 0, 0, loc)
	var xs []time.Time
	var keys []string
	for i := range days {
		day := time.Date(y, m, dd-days+1+i, 0, 0, 0, 0, loc)
		// The axis labels the date; it prints times in the console's zone.
		xs, keys = append(xs, time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.Local)), append(keys, day.Format(time.DateOnly))
	}
	chans := []string{"twitter", "facebook", "forum"}
	if flt.channel != "" {
		chans = []string{flt.channel}
	}
	perDay := func(s report.Summary, val func(g report.Group) float64) []float64 {
		byKey := map[string]report.Group{}
		for _, g := range s.Groups {
			byKey[g.Key] = g
		}
		out := make([]float64, len(keys))
		for i, k := range keys {
			out[i] = math.NaN()
			if g, ok := byKey[k]; ok {
				out[i] = val(g)
			}
		}
		return out
	}
	stat := func(g report.Group, p90 bool) float64 {
		st := g.FirstResponseWall
		if flt.business {
			st = g.FirstResponseBusiness
		}
		v := st.MedianS
		if p90 {
			v = st.P90S
		}
		if v == nil {
			return math.NaN()
		}
		return float64(*v) / 60
	}
	specs := []chartSpec{}
	for _, ch := range chans {
		f := base
		f.Channel = ch
		s, err := v.rep.Summary(ctx, app.ReportQuery{From: first, To: now, Group: report.ByDay, Filter: f})
		if err != nil {
			return fail(err)
		}
		lines := []chartLine{
			{Name: T("median"), Values: perDay(s, func(g report.Group) float64 { return stat(g, false) }), Color: pal.median},
			{Name: "p90", Values: perDay(s, func(g report.Group) float64 { return stat(g, true) }), Color: pal.p90},
		}
		if s.Target != nil && s.Target.FirstResponseS != nil {
			tv := make([]float64, len(keys))
			for i := range tv {
				tv[i] = float64(*s.Target.FirstResponseS) / 60
			}
			lines = append(lines, chartLine{Name: T("target"), Values: tv, Color: pal.target, Dashed: true})
		}
		specs = append(specs, chartSpec{Title: T("First response · {{.Ch}}", "Ch", channelName(model.Channel(ch))), Days: xs, Lines: lines, Unit: "min"})
	}
	s, err := v.rep.Summary(ctx, app.ReportQuery{From: first, To: now, Group: report.ByDay, Filter: base})
	if err != nil {
		return fail(err)
	}
	specs = append(specs, chartSpec{Title: T("SLAs met"), Days: xs, Unit: "%", Max: 100, Lines: []chartLine{
		{Name: T("met"), Color: pal.met, Values: perDay(s, func(g report.Group) float64 {
			if g.SLAAttainmentPct == nil {
				return math.NaN()
			}
			return *g.SLAAttainmentPct
		})}}})
	for _, sp := range specs {
		sp.Width, sp.Height, sp.Fg, sp.Grid = chartW, chartH, pal.fg, pal.grid
		img, err := renderChart(sp)
		if err != nil {
			return fail(err)
		}
		d.charts = append(d.charts, leadChart{img: img, lines: sp.Lines})
	}
	return d
}

// apply shows a refresh; data nil keeps the hub's figures shown.
func (v *LeadView) apply(live app.LiveBoard, data *leadData, flt leadFilter) {
	v.live = live
	v.shown = flt
	if data != nil {
		if data.err != "" {
			v.updated.SetText(data.err)
			v.updated.Importance = widget.DangerImportance
		} else {
			v.data = *data
			v.updated.SetText(T("updated {{.At}}", "At", data.at.Local().Format("15:04:05")))
			v.updated.Importance = widget.LowImportance
			v.setOptions(v.teamSel, T("All teams"), data.teams)
			v.chartsHead.SetText(T("Response times per day") + " · " + T("last {{.N}} days", "N", Number(chartDays(flt.period))))
			if flt.team == "" {
				v.setOptions(v.agentSel, T("All agents"), data.agents)
			}
			v.showCharts()
		}
		v.updated.Refresh()
	}
	v.chans = v.chans[:0]
	for _, l := range live.Channels {
		v.chans = append(v.chans, boardLine{by: "channel", key: l.Key, live: l})
	}
	seen := map[string]bool{}
	v.agentsL = v.agentsL[:0]
	for _, l := range live.Agents {
		seen[l.Key] = true
		v.agentsL = append(v.agentsL, boardLine{by: "agent", key: l.Key, live: l})
	}
	for k := range v.data.figs {
		if k.by == "agent" && !seen[k.key] && (flt.agent == "" || k.key == flt.agent) {
			seen[k.key] = true
			v.agentsL = append(v.agentsL, boardLine{by: "agent", key: k.key, live: app.LiveCount{Key: k.key}})
		}
	}
	// Agents by name, then the brands' own accounts, unassigned last.
	rank := func(key string) int {
		switch {
		case key == app.Unassigned:
			return 2
		case isBrandKey(key):
			return 1
		}
		return 0
	}
	var brands []string
	slices.SortFunc(v.agentsL, func(a, b boardLine) int {
		if c := rank(a.key) - rank(b.key); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	for _, l := range v.agentsL {
		if isBrandKey(l.key) {
			brands = append(brands, strings.TrimPrefix(l.key, report.BrandKeyPrefix))
		}
	}
	zone := time.Local
	if v.data.zone != nil {
		zone = v.data.zone
	}
	v.legend.SetText(legendText(zone.String(), brands))
	if len(live.Urgent) == 0 {
		v.noUrgent.Show()
	} else {
		v.noUrgent.Hide()
	}
	all := live.All
	v.totals.SetText(T("All: {{.Open}} open · {{.Waiting}} waiting · {{.Risk}} at risk · {{.Breached}} breached",
		"Open", Number(all.Open), "Waiting", Number(all.Waiting), "Risk", Number(all.AtRisk), "Breached", Number(all.Breached)))
	now := v.now()
	for id, at := range v.highlight {
		if now.Sub(at) > LeadHighlight {
			delete(v.highlight, id)
		}
	}
	v.fitAgentTable()
	v.fit(v.fitW) // the period's columns, room for the names
	if n := min(len(live.Urgent), 6); !v.lowerWide && n != v.urgentN {
		// Above the charts the list is as tall as its cases.
		v.lower.Refresh()
		v.scroll.Content.Refresh()
		v.scroll.Refresh()
	}
	v.urgentN = min(len(live.Urgent), 6)
	for _, bt := range append(v.chanTables[:], v.agentTables[:]...) {
		bt.t.Refresh()
	}
	v.urgent.Refresh()
}

// LeadHighlight is how long an escalated case stays marked on the board.
var LeadHighlight = 10 * time.Minute

func (v *LeadView) setOptions(s *widget.Select, all string, opts []string) {
	want := append([]string{all}, opts...)
	if slices.Equal(want, s.Options) {
		return
	}
	cur := s.Selected
	s.Options = want
	if !slices.Contains(want, cur) {
		cur = all
	}
	// Set without a callback: the filter has not changed.
	f := s.OnChanged
	s.OnChanged = nil
	s.SetSelected(cur)
	s.OnChanged = f
	s.Refresh()
}

func (v *LeadView) showCharts() {
	var objs []fyne.CanvasObject
	var imgs []*canvas.Image
	for _, c := range v.data.charts {
		img := v.chartImage(c)
		imgs = append(imgs, img)
		legend := container.NewHBox()
		for _, l := range c.lines {
			mark := "—"
			if l.Dashed {
				mark = "- -"
			}
			t := canvas.NewText(mark+" "+l.Name, l.Color)
			t.TextStyle.Bold = true
			t.TextSize = theme.CaptionTextSize()
			legend.Add(t)
		}
		objs = append(objs, container.NewVBox(img, container.NewCenter(legend)))
	}
	v.charts.Objects = objs
	v.chartImgs = imgs
	v.charts.Refresh()
	v.scroll.Refresh() // the content grew: its size again
}

// Escalated marks cases that just went at risk or breached and reads the
// hub's figures again. Call it on the UI goroutine.
func (v *LeadView) Escalated(es []app.Escalation) {
	now := v.now()
	for _, e := range es {
		v.highlight[e.Case.ID] = now
	}
	v.urgent.Refresh()
	v.Refresh(true)
}

// drillRow is one case behind a figure.
type drillRow struct{ id, text string }

// drill shows the cases behind a cell of a table.
func (v *LeadView) drill(l boardLine, col int) {
	flt := v.shown
	name, _ := v.cell(boardLine{by: l.by, key: l.key}, 0)
	if col == 0 {
		col = 1
	}
	title := name + " · " + T(leadCols[col].head)
	if col <= 5 {
		metric := map[int]string{1: "open", 2: "waiting", 3: "at_risk", 4: "breached", 5: "waiting"}[col]
		var rows []drillRow
		for _, s := range v.be.ActiveCases(liveFilter(flt, v.teamAgentsNow()), l.by, l.key, metric) {
			text, _ := dueText(s, v.now())
			rows = append(rows, drillRow{s.ID, fmt.Sprintf("%s · %s · %s · %s", channelName(s.Channel), s.Author, orText(text, string(s.SLA)), model.FirstLine(s.Preview, 70))})
		}
		v.showDrill(title, rows)
		return
	}
	period := (col - 6) % 3
	q := app.ReportQuery{From: v.periodFrom(period, v.now()), To: v.now(), Filter: flt.report()}
	if l.by == "channel" {
		q.Filter.Channel = l.key
	}
	if l.by == "agent" && l.key != "" {
		q.Filter.Agent = l.key // an agent, or a brand's "brand:NAME"
	}
	v.showDrill(title, nil)
	v.tasks.Add(1)
	go func() {
		defer v.tasks.Done()
		ctx, cancel := context.WithTimeout(v.ctx, 45*time.Second)
		defer cancel()
		cs, err := v.rep.Cases(ctx, q)
		var rows []drillRow
		for _, r := range cs.Cases {
			if l.by == "agent" && r.AgentKey() != l.key {
				continue
			}
			var fig string
			switch {
			case col < 9:
				fig = secsText(r.FirstResponseWallS, r.FirstResponseBusinessS, flt.business)
				if r.FirstResponseWallS == nil {
					continue
				}
			case col < 12:
				if len(r.NextResponsesWallS) == 0 {
					continue
				}
				var parts []string
				for i := range r.NextResponsesWallS {
					parts = append(parts, secsText(&r.NextResponsesWallS[i], &r.NextResponsesBusinessS[i], flt.business))
				}
				fig = strings.Join(parts, ", ")
			default:
				if r.Outcome != "met" && r.Outcome != "breached" {
					continue
				}
				fig = T(r.Outcome)
			}
			created, _ := time.Parse(time.RFC3339, r.Created)
			who := orText(r.Agent, T("unassigned"))
			if r.Agent == "" && r.BrandAccount != "" {
				who = brandName(r.BrandAccount)
			}
			rows = append(rows, drillRow{r.ID, fmt.Sprintf("%s · %s · %s · %s · %s", Stamp(created), channelName(model.Channel(r.Channel)),
				who, fig, orText(r.Policy, "–"))})
		}
		v.do(func() {
			if err != nil {
				v.drillInfo.SetText(err.Error())
				return
			}
			v.setDrillRows(rows)
		})
	}()
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func secsText(wall, biz *int64, business bool) string {
	p := wall
	if business {
		p = biz
	}
	if p == nil {
		return "–"
	}
	return minutes(float64(*p) / 60)
}

func (v *LeadView) teamAgentsNow() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.teamAgents
}

func (v *LeadView) showDrill(title string, rows []drillRow) {
	v.drillRows = rows
	v.drillInfo = widget.NewLabel(T("Loading…"))
	v.drillInfo.Importance = widget.LowImportance
	list := widget.NewList(func() int { return len(v.drillRows) }, func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(v.drillRows) {
				o.(*widget.Label).SetText(v.drillRows[i].text)
			}
		})
	list.OnSelected = func(i widget.ListItemID) {
		if i < len(v.drillRows) {
			id := v.drillRows[i].id
			v.closeDrill()
			if v.open != nil {
				v.open(id)
			}
		}
	}
	v.drillList = list
	if rows != nil {
		v.setDrillRows(rows)
	}
	if v.win == nil {
		return
	}
	closeB := widget.NewButton(T("Close"), v.closeDrill)
	box := container.NewBorder(container.NewVBox(heading(title), v.drillInfo), container.NewCenter(closeB), nil, nil, list)
	// 760×480, or less in a smaller window (FYNE_SCALE=2).
	cs := v.win.Canvas().Size()
	size := fyne.NewSize(760, 480)
	if cs.Width > 0 && cs.Height > 0 {
		size = fyne.NewSize(min(size.Width, cs.Width-40), min(size.Height, cs.Height-40))
	}
	v.drillPop = widget.NewModalPopUp(container.NewGridWrap(size, box), v.win.Canvas())
	v.drillPop.Show()
}

func (v *LeadView) setDrillRows(rows []drillRow) {
	v.drillRows = rows
	v.drillInfo.SetText(T("{{.N}} cases — click one to open it", "N", Number(len(rows))))
	v.drillList.Refresh()
}

func (v *LeadView) closeDrill() {
	if v.drillPop != nil {
		v.drillPop.Hide()
		v.drillPop = nil
	}
}

// exportQuery is the case export of the board's period and filters.
func (v *LeadView) exportQuery() app.ReportQuery {
	flt := v.filter()
	now := v.now()
	return app.ReportQuery{From: v.periodFrom(flt.period, now), To: now, Filter: flt.report()}
}

// ExportCSV is the hub's case export of the board's period and filters,
// byte for byte, and the file name the hub suggests for it. It reads the
// network: call it off the UI goroutine.
func (v *LeadView) ExportCSV(ctx context.Context) ([]byte, string, error) {
	q := v.exportQuery()
	b, err := v.rep.CSV(ctx, false, q)
	return b, app.CSVName(false, q), err
}

// exportDialog saves the export into the export folder and says where.
func (v *LeadView) exportDialog() {
	v.updated.SetText(T("Exporting…"))
	v.tasks.Add(1)
	go func() {
		defer v.tasks.Done()
		ctx, cancel := context.WithTimeout(v.ctx, 2*time.Minute)
		defer cancel()
		b, name, err := v.ExportCSV(ctx)
		path := ""
		if err == nil {
			path, err = app.SaveExport(v.exportDir, name, b)
		}
		v.do(func() {
			if err != nil {
				v.updated.SetText(err.Error())
				v.updated.Importance = widget.DangerImportance
			} else {
				v.updated.SetText(T("Saved {{.Path}}", "Path", path))
				v.updated.Importance = widget.SuccessImportance
			}
			v.updated.Refresh()
		})
	}()
}

// SetExportDir is the folder Export CSV saves into ("": the user's
// Downloads folder, else the home folder).
func (v *LeadView) SetExportDir(dir string) { v.exportDir = dir }
