package ui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/community"
)

// Recognitions reads the hub's recognition report (app.ReportClient has
// it): who in the community helped, for a lead.
type Recognitions interface {
	Community(ctx context.Context, from, to time.Time) (community.Recognition, error)
	CommunityCSV(ctx context.Context, from, to time.Time) ([]byte, string, error)
}

// HelpersView is the lead's recognition of the community: the month's
// helpers ranked — the first is the hero of the month — with their
// answers per topic, how many solved a case or were thanked or accepted,
// and the median time to a community answer; the hand-offs still waiting;
// an export of the hub's CSV.
type HelpersView struct {
	widget.BaseWidget

	rep       Recognitions
	now       func() time.Time
	month     *widget.Select
	hero      *widget.Label
	list      *fyne.Container
	status    *widget.Label
	root      fyne.CanvasObject
	exportDir string
	rec       community.Recognition
}

// NewHelpersView makes the view; Load or Reload fills it.
func NewHelpersView(rep Recognitions) *HelpersView {
	v := &HelpersView{rep: rep, now: time.Now, list: container.NewVBox(), status: widget.NewLabel(""),
		hero: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})}
	v.status.Wrapping = fyne.TextWrapWord
	v.hero.Importance = widget.SuccessImportance
	v.month = widget.NewSelect([]string{T("This month"), T("Last month")}, nil)
	v.month.SetSelectedIndex(0)
	v.month.OnChanged = func(string) { v.Reload() }
	export := widget.NewButtonWithIcon(T("Export CSV"), theme.DownloadIcon(), v.export)
	bar := container.NewHBox(widget.NewLabelWithStyle(T("Community helpers"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), v.month, export)
	v.root = container.NewBorder(container.NewVBox(bar, v.hero, widget.NewSeparator()), v.status, nil, nil, container.NewVScroll(v.list))
	v.ExtendBaseWidget(v)
	return v
}

// CreateRenderer implements fyne.Widget.
func (v *HelpersView) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(v.root) }

// period is the chosen calendar month.
func (v *HelpersView) period() (time.Time, time.Time) {
	from, to := community.Month(v.now())
	if v.month != nil && v.month.SelectedIndex() == 1 {
		from, to = community.Month(from.AddDate(0, 0, -1))
	}
	return from, to
}

// Reload reads the report off the UI goroutine and shows it.
func (v *HelpersView) Reload() {
	from, to := v.period()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		rec, err := v.rep.Community(ctx, from, to)
		fyne.Do(func() { v.show(rec, err) })
	}()
}

// Load reads and shows the report on the calling goroutine (tests, capture).
func (v *HelpersView) Load() {
	from, to := v.period()
	rec, err := v.rep.Community(context.Background(), from, to)
	v.show(rec, err)
}

func (v *HelpersView) show(rec community.Recognition, err error) {
	v.list.Objects = nil
	if err != nil {
		v.hero.SetText("")
		if err == app.ErrNotLead {
			v.status.SetText(T("The community's recognition is for team leads."))
		} else {
			v.status.SetText(err.Error())
		}
		v.list.Refresh()
		return
	}
	v.rec = rec
	if len(rec.Helpers) == 0 {
		v.hero.SetText(T("No community answers in this month yet."))
	} else {
		h := rec.Helpers[0]
		v.hero.SetText(T("Hero of the month: {{.Name}} — {{.A}}, {{.Solved}} solved a case",
			"Name", helperName(h), "A", communityAnswers(h.Answers), "Solved", h.Solved))
	}
	for i, h := range rec.Helpers {
		v.list.Add(helperCard(i+1, h))
	}
	v.list.Refresh()
	v.status.SetText(T("{{.A}} community answers; {{.W}} hand-offs still waiting on an expert", "A", len(rec.Answers), "W", len(rec.Waiting)))
}

func helperName(h community.Helper) string {
	if h.Name != "" {
		return h.Name
	}
	return expertName(h.Expert)
}

func helperCard(rank int, h community.Helper) fyne.CanvasObject {
	title := widget.NewLabelWithStyle(fmt.Sprintf("%d. %s", rank, helperName(h)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	figures := T("{{.N}} answers · {{.S}} solved · {{.T}} thanked · {{.A}} accepted · median {{.W}} to the answer · {{.P}} points",
		"N", h.Answers, "S", h.Solved, "T", h.Thanked, "A", h.Accepted, "W", Age(h.MedianWait), "P", h.Points)
	var topics []string
	for t, n := range h.Topics {
		topics = append(topics, fmt.Sprintf("%s %d", t, n))
	}
	sort.Strings(topics)
	return container.NewVBox(title, widget.NewLabel(figures), lowLabel(strings.Join(topics, " · "), fyne.TextAlignLeading), widget.NewSeparator())
}

// export saves the hub's CSV of the period into the export folder.
func (v *HelpersView) export() {
	from, to := v.period()
	v.status.SetText(T("Exporting…"))
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		b, name, err := v.rep.CommunityCSV(ctx, from, to)
		path := ""
		if err == nil {
			path, err = app.SaveExport(v.exportDir, name, b)
		}
		fyne.Do(func() {
			if err != nil {
				v.status.SetText(err.Error())
			} else {
				v.status.SetText(T("Saved {{.Path}}", "Path", path))
			}
		})
	}()
}

// SetExportDir is the folder Export CSV saves into ("": Downloads).
func (v *HelpersView) SetExportDir(dir string) { v.exportDir = dir }

// Hero is the shown hero line, for tests.
func (v *HelpersView) Hero() string { return v.hero.Text }

// Helpers are the shown helpers, for tests.
func (v *HelpersView) Helpers() []community.Helper { return v.rec.Helpers }

// ShowCommunity opens the Community window: the listening view, and for a
// lead (rep not nil) the community's helpers; a care case clicked there
// opens in the console; closed runs when the window closes.
func ShowCommunity(a fyne.App, cm Community, rep Recognitions, open func(caseID string), closed func()) fyne.Window {
	w := a.NewWindow(T("Switchboard — Community"))
	lv := NewListeningView(cm, 14, open)
	var content fyne.CanvasObject = lv
	if rep != nil {
		hv := NewHelpersView(rep)
		tabs := container.NewAppTabs(container.NewTabItem(T("Listening"), lv), container.NewTabItem(T("Helpers"), hv))
		if d, ok := rep.(Directory); ok {
			dv := NewDirectoryView(d)
			tabs.Append(container.NewTabItem(T("Expert directory"), dv))
			dv.Reload()
		}
		content = tabs
		hv.Reload()
	}
	w.SetContent(content)
	w.Resize(fyne.NewSize(1000, 660))
	lv.Reload()
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				lv.Reload()
			}
		}
	}()
	w.SetOnClosed(func() {
		close(stop)
		if closed != nil {
			closed()
		}
	})
	w.Show()
	return w
}

var _ Recognitions = (*app.ReportClient)(nil)
