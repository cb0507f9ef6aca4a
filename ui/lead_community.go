package ui

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"switchboard/community"
)

// LeadContent is the lead's board window: the board, and — when the
// report client also reads the community's recognition — a Community tab
// beside it (issue 14, point 3), loaded each time it is shown.
func LeadContent(v *LeadView, rep Reports, exportDir string) fyne.CanvasObject {
	r, ok := rep.(Recognitions)
	if !ok {
		return v.Content()
	}
	lc := NewLeadCommunity(r)
	lc.SetExportDir(exportDir)
	board := container.NewTabItem(T("Board"), v.Content())
	comm := container.NewTabItem(T("Community"), lc)
	tabs := container.NewAppTabs(board, comm)
	tabs.OnSelected = func(ti *container.TabItem) {
		if ti == comm {
			lc.Reload()
		}
	}
	return tabs
}

// TopicRow is one topic of the community's answers in a period: how many,
// by whom, how many solved a case, and the median time from the question
// (or hand-off) to the community answer.
type TopicRow struct {
	Topic      string
	Answers    int
	Solved     int
	Experts    []string // names, most answers first
	MedianWait time.Duration
}

// TopicRows sums the answers per topic, the most answered first; answers
// without a topic count under "".
func TopicRows(answers []community.Answer) []TopicRow {
	type acc struct {
		row   TopicRow
		by    map[string]int
		waits []time.Duration
	}
	byTopic := map[string]*acc{}
	for _, a := range answers {
		t := byTopic[a.Topic]
		if t == nil {
			t = &acc{row: TopicRow{Topic: a.Topic}, by: map[string]int{}}
			byTopic[a.Topic] = t
		}
		t.row.Answers++
		if a.Solved {
			t.row.Solved++
		}
		name := a.Name
		if name == "" {
			name = expertName(a.Expert)
		}
		t.by[name]++
		if !a.Asked.IsZero() && !a.At.Before(a.Asked) {
			t.waits = append(t.waits, a.At.Sub(a.Asked))
		}
	}
	out := make([]TopicRow, 0, len(byTopic))
	for _, t := range byTopic {
		for n := range t.by {
			t.row.Experts = append(t.row.Experts, n)
		}
		sort.Slice(t.row.Experts, func(i, j int) bool {
			a, b := t.row.Experts[i], t.row.Experts[j]
			if t.by[a] != t.by[b] {
				return t.by[a] > t.by[b]
			}
			return a < b
		})
		t.row.MedianWait = median(t.waits)
		out = append(out, t.row)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Answers != out[j].Answers {
			return out[i].Answers > out[j].Answers
		}
		return out[i].Topic < out[j].Topic
	})
	return out
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// LeadCommunity is the Community tab of the lead's board: the helpers of
// the month (HelpersView: the hero, each expert's answers per topic, the
// CSV export) beside the answers per topic with their experts and the
// median time to a community answer. Both read the same report of the
// hub (/v1/reports/community) for the period the helpers' view shows.
type LeadCommunity struct {
	widget.BaseWidget

	helpers *HelpersView
	summary *widget.Label
	table   *fyne.Container
	root    fyne.CanvasObject

	mu   sync.Mutex
	rows []TopicRow
}

// NewLeadCommunity makes the tab; Load or Reload fills it.
func NewLeadCommunity(rep Recognitions) *LeadCommunity {
	c := &LeadCommunity{summary: widget.NewLabel(""), table: container.NewVBox()}
	c.summary.Wrapping = fyne.TextWrapWord
	c.helpers = NewHelpersView(recognitionTap{rep, c.got})
	title := widget.NewLabelWithStyle(T("Community answers per topic"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	right := container.NewBorder(container.NewVBox(title, c.summary, widget.NewSeparator()), nil, nil, nil, container.NewVScroll(c.table))
	split := container.NewHSplit(c.helpers, right)
	split.Offset = 0.55
	c.root = container.New(&splitFit{split: split}, split)
	c.ExtendBaseWidget(c)
	return c
}

// CreateRenderer implements fyne.Widget.
func (c *LeadCommunity) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(c.root) }

// Reload reads the report off the UI goroutine and shows it.
func (c *LeadCommunity) Reload() { c.helpers.Reload() }

// Load reads and shows the report on the calling goroutine (tests, capture).
func (c *LeadCommunity) Load() { c.helpers.Load() }

// SetExportDir is the folder Export CSV saves into ("": Downloads).
func (c *LeadCommunity) SetExportDir(dir string) { c.helpers.SetExportDir(dir) }

// Helpers is the helpers' view of the tab.
func (c *LeadCommunity) Helpers() *HelpersView { return c.helpers }

// Topics are the shown topic rows, for tests.
func (c *LeadCommunity) Topics() []TopicRow {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rows
}

// Summary is the shown line on all answers, for tests.
func (c *LeadCommunity) Summary() string { return c.summary.Text }

// got receives each report the helpers' view reads, on the goroutine
// that read it.
func (c *LeadCommunity) got(rec community.Recognition, err error) {
	rows := TopicRows(rec.Answers)
	fyne.Do(func() { c.show(rec, rows, err) })
}

func (c *LeadCommunity) show(rec community.Recognition, rows []TopicRow, err error) {
	c.table.Objects = nil
	if err != nil {
		rows = nil
		c.summary.SetText("")
	} else {
		var waits []time.Duration
		for _, a := range rec.Answers {
			if !a.Asked.IsZero() && !a.At.Before(a.Asked) {
				waits = append(waits, a.At.Sub(a.Asked))
			}
		}
		if len(rec.Answers) == 0 {
			c.summary.SetText(T("No community answers in this month yet."))
		} else {
			answers := communityAnswers(len(rec.Answers))
			by := T("by {{.E}} experts", "E", len(rec.Helpers))
			if len(rec.Helpers) == 1 {
				by = T("by 1 expert")
			}
			c.summary.SetText(T("{{.A}} {{.B}} · median {{.W}} to a community answer",
				"A", answers, "B", by, "W", Age(median(waits))))
		}
	}
	c.mu.Lock()
	c.rows = rows
	c.mu.Unlock()
	if len(rows) > 0 {
		head := func(s string) fyne.CanvasObject {
			l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			l.Truncation = fyne.TextTruncateEllipsis // four columns in a narrow tab: "…" rather than wider
			return l
		}
		cell := func(s string) fyne.CanvasObject {
			l := widget.NewLabel(s)
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		}
		grid := container.NewGridWithColumns(4, head(T("Topic")), head(T("Answers")), head(T("Median time to answer")), head(T("Experts")))
		for _, r := range rows {
			topic := r.Topic
			if topic == "" {
				topic = T("(no topic)")
			}
			answers := strconv.Itoa(r.Answers)
			if r.Solved > 0 {
				answers = T("{{.N}} ({{.S}} solved)", "N", r.Answers, "S", r.Solved)
			}
			wait := "–"
			if r.MedianWait > 0 {
				wait = Age(r.MedianWait)
			}
			experts := widget.NewLabel(strings.Join(r.Experts, ", "))
			experts.Wrapping = fyne.TextWrapWord
			grid.Add(cell(topic))
			grid.Add(cell(answers))
			grid.Add(cell(wait))
			grid.Add(experts)
		}
		c.table.Add(grid)
	}
	c.table.Refresh()
}

// communitySideBySide is the narrowest tab that shows the helpers and the
// topics side by side; a narrower one (FYNE_SCALE=2) shows the topics
// under the helpers.
const communitySideBySide = 1100

// splitFit lays the tab's split out side by side when the width holds
// both, else one above the other; its own minimum is the wider of the two
// parts', so the tab never makes the board's window wider.
type splitFit struct{ split *container.Split }

func (l *splitFit) MinSize([]fyne.CanvasObject) fyne.Size {
	a, b := l.split.Leading.MinSize(), l.split.Trailing.MinSize()
	return fyne.NewSize(max(a.Width, b.Width), max(a.Height, b.Height))
}

func (l *splitFit) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if side := size.Width >= communitySideBySide; side != l.split.Horizontal {
		l.split.Horizontal = side
		l.split.Refresh()
	}
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// recognitionTap passes the reports a HelpersView reads to tap as well.
type recognitionTap struct {
	Recognitions
	tap func(community.Recognition, error)
}

func (r recognitionTap) Community(ctx context.Context, from, to time.Time) (community.Recognition, error) {
	rec, err := r.Recognitions.Community(ctx, from, to)
	r.tap(rec, err)
	return rec, err
}

// communityAnswers counts community answers: "1 community answer", "4
// community answers".
func communityAnswers(n int) string {
	if n == 1 {
		return T("1 community answer")
	}
	return T("{{.N}} community answers", "N", n)
}
