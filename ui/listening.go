package ui

import (
	"context"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/listen"
	"switchboard/model"
)

// ListeningView shows what the brand hears in listen-only communities:
// each topic's posts per day with spikes highlighted and explained (how
// many posts today against the usual), and the posts of a chosen topic,
// each of which one click turns into a care case.
type ListeningView struct {
	widget.BaseWidget

	cm     Community
	days   int
	banner *widget.Label
	topics *fyne.Container
	items  *fyne.Container
	title  *widget.Label
	all    *widget.Button
	status *widget.Label
	root   fyne.CanvasObject
	topic  string
	// onAdopted opens the care case an item became.
	onAdopted func(caseID string)
	run       func(func()) // runs f off the UI goroutine, then its UI part via fyne.Do
	view      listen.View
	shown     []model.ListenItem
	// adopted are the items this console turned into cases, until the
	// hub's listen.item event saying so has synced.
	adopted map[string]string
	rows    []topicRow
	cards   []itemCard
	// spell is how the posts write each listened keyword (listen.Spellings):
	// the hub keeps them lower case, the view shows "Reichweite".
	spell map[string]string
}

// topicRow is one topic's line: the button that picks it, and what its
// trend says in words.
type topicRow struct {
	btn     *widget.Button
	explain *widget.Label
}

// itemCard is one listened post's card.
type itemCard struct {
	meta  *widget.Label
	act   *widget.Button
	note  *widget.Label
	topic []string
}

// NewListeningView makes the view over the last days days.
func NewListeningView(cm Community, days int, onAdopted func(caseID string)) *ListeningView {
	v := &ListeningView{cm: cm, days: days, onAdopted: onAdopted, adopted: map[string]string{},
		banner: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		topics: container.NewVBox(), items: container.NewVBox(),
		title: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), status: widget.NewLabel("")}
	v.status.Importance = widget.LowImportance
	v.status.Wrapping = fyne.TextWrapWord
	v.banner.Importance = widget.DangerImportance
	v.banner.Wrapping = fyne.TextWrapWord
	v.banner.Hide()
	v.all = widget.NewButtonWithIcon(T("All topics"), theme.ContentClearIcon(), func() { v.topic = ""; v.Reload() })
	v.all.Hide()
	v.run = func(f func()) { go f() }
	sub := lowLabel(T("Posts from listen-only communities: they open no care case until you decide to answer."), fyne.TextAlignLeading)
	sub.Wrapping = fyne.TextWrapWord
	head := container.NewVBox(widget.NewLabelWithStyle(T("Listening: topics per day"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), sub)
	left := container.NewBorder(head, v.status, nil, nil, container.NewVScroll(v.topics))
	right := container.NewBorder(container.NewBorder(nil, nil, nil, v.all, v.title), nil, nil, nil, container.NewVScroll(v.items))
	split := container.NewHSplit(left, right)
	split.Offset = 0.45
	v.root = split
	v.ExtendBaseWidget(v)
	return v
}

// CreateRenderer implements fyne.Widget.
func (v *ListeningView) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(v.root) }

// Reload reads the view again (off the UI goroutine) and shows it.
func (v *ListeningView) Reload() {
	topic := v.topic
	v.run(func() {
		view, items, err := v.cm.Listening(v.days, topic, 200)
		fyne.Do(func() { v.show(view, items, err) })
	})
}

// Load reads and shows the view on the calling goroutine (tests, capture).
func (v *ListeningView) Load() {
	view, items, err := v.cm.Listening(v.days, v.topic, 200)
	v.show(view, items, err)
}

// TopicName is a listened topic as the console shows it: a triage
// category by the label the queue gives it ("Complaint", "Beschwerde"),
// "other" as "Other topic", a listened keyword as it is.
func TopicName(topic string) string {
	if topic == "other" {
		return T("Other topic")
	}
	if slices.Contains(categories, topic) {
		return CategoryName(topic)
	}
	return topic
}

// topicName is a topic as the view shows it: TopicName, and a listened
// keyword as its posts write it ("Reichweite", kept as "reichweite").
func (v *ListeningView) topicName(topic string) string {
	if name := TopicName(topic); name != topic {
		return name
	}
	if s, ok := v.spell[topic]; ok {
		return s
	}
	return topic
}

func (v *ListeningView) show(view listen.View, items []model.ListenItem, err error) {
	if err != nil {
		v.status.SetText(T("Listening not available now: {{.Err}}", "Err", err.Error()))
		return
	}
	v.view, v.shown = view, items
	if v.spell == nil {
		v.spell = map[string]string{}
	}
	for tp, s := range listen.Spellings(items) {
		v.spell[tp] = s // kept when a topic is chosen: the other topics' posts are not shown then
	}
	if view.Adopted == 1 {
		v.status.SetText(T("{{.N}} posts in {{.Days}} days, one answered as a care case", "N", view.Items, "Days", len(view.Days)))
	} else {
		v.status.SetText(T("{{.N}} posts in {{.Days}} days, {{.A}} answered as care cases", "N", view.Items, "Days", len(view.Days), "A", view.Adopted))
	}
	v.topics.Objects, v.rows = nil, nil
	// The banner scrolls with the topics: a wrapped label at the top of
	// a Border would keep its one-line height and overlap them.
	if v.showBanner(view) {
		v.topics.Add(v.banner)
	}
	if len(view.Topics) == 0 {
		empty := widget.NewLabel(T("Nothing heard in the last {{.Days}} days. A forum feed, an X search or a Facebook page marked listen-only in the hub's configuration shows its posts here.", "Days", v.days))
		empty.Wrapping = fyne.TextWrapWord
		v.topics.Add(empty)
	} else {
		v.topics.Add(v.axis(view))
	}
	for _, t := range view.Topics {
		v.topics.Add(v.topicRow(t, view))
	}
	v.topics.Refresh()
	if v.topic == "" {
		v.title.SetText(T("Latest posts"))
		v.all.Hide()
	} else {
		v.title.SetText(T("Posts on {{.Topic}}", "Topic", v.topicName(v.topic)))
		v.all.Show()
	}
	v.items.Objects, v.cards = nil, nil
	for _, it := range items {
		v.items.Add(v.itemCard(it))
	}
	if len(items) == 0 {
		msg := T("Nothing heard yet.")
		if v.topic != "" {
			msg = T("No posts on {{.Topic}} in the last {{.Days}} days.", "Topic", v.topicName(v.topic), "Days", v.days)
		} else if len(view.Topics) > 0 {
			msg = T("No posts in the last {{.Days}} days.", "Days", v.days)
		}
		v.items.Add(widget.NewLabel(msg))
	}
	v.items.Refresh()
}

// showBanner names the topics spiking today above the list: an issue
// surfacing in a community before it reaches the care channels.
func (v *ListeningView) showBanner(view listen.View) bool {
	var names []string
	for _, t := range view.Topics {
		if t.Spike {
			names = append(names, v.topicName(t.Topic))
		}
	}
	if len(names) == 0 {
		v.banner.Hide()
		return false
	}
	v.banner.SetText(T("Spiking today: {{.Topics}}. Many more posts than usual: an issue may be surfacing before it reaches the care channels.",
		"Topics", strings.Join(names, ", ")))
	v.banner.Show()
	return true
}

// The sparkline's size: each day a bar, the newest on the right.
const (
	sparkWidth  = 196
	sparkHeight = 32
)

// axis labels the sparklines' days: the first day on the left, today on
// the right.
func (v *ListeningView) axis(view listen.View) fyne.CanvasObject {
	first, last := "", ""
	if n := len(view.Days); n > 0 {
		first, last = Day(view.Days[0]), T("today")
	}
	scale := container.NewGridWrap(fyne.NewSize(sparkWidth, 18),
		container.NewBorder(nil, nil, lowLabel(first, fyne.TextAlignLeading), lowLabel(last, fyne.TextAlignTrailing)))
	return container.NewBorder(nil, nil, nil, scale, lowLabel(T("Topic · posts in {{.Days}} days", "Days", len(view.Days)), fyne.TextAlignLeading))
}

// trendText says in words what a topic's days show: a spike today with
// how many posts against the usual, an earlier spike, or today's posts
// against the usual.
func trendText(t listen.Topic, view listen.View) string {
	if len(t.Counts) == 0 {
		return ""
	}
	today := t.Counts[len(t.Counts)-1]
	usual := printer().Sprintf("%.1f", t.Mean)
	switch {
	case t.Spike && t.Mean < 1:
		return T("Spike today: {{.N}} posts, where under one a day is usual", "N", today)
	case t.Spike:
		return T("Spike today: {{.N}} posts, {{.X}}× the usual {{.Mean}} a day", "N", today,
			"X", printer().Sprintf("%.0f", float64(today)/t.Mean), "Mean", usual)
	case len(t.SpikeDays) > 0:
		d := t.SpikeDays[len(t.SpikeDays)-1]
		return T("Spiked on {{.Day}} ({{.N}} posts); today {{.Today}}", "Day", Day(view.Days[d]), "N", t.Counts[d], "Today", today)
	}
	return T("Today {{.N}}, usually {{.Mean}} a day", "N", today, "Mean", usual)
}

func (v *ListeningView) topicRow(t listen.Topic, view listen.View) fyne.CanvasObject {
	name := t.Topic
	btn := widget.NewButton(v.topicName(name)+" · "+Number(t.Total), func() {
		if v.topic == name {
			v.topic = ""
		} else {
			v.topic = name
		}
		v.Reload()
	})
	btn.Alignment = widget.ButtonAlignLeading
	explain := lowLabel(trendText(t, view), fyne.TextAlignLeading)
	explain.Wrapping = fyne.TextWrapWord
	switch {
	case t.Spike:
		btn.Importance = widget.DangerImportance
		btn.SetText(btn.Text + " · " + T("spike today"))
		explain.Importance = widget.DangerImportance
	case v.topic == name:
		btn.Importance = widget.HighImportance
	}
	if v.topic == name { // a spiking topic keeps its red: the arrow marks the one shown
		btn.SetIcon(theme.NavigateNextIcon())
	}
	v.rows = append(v.rows, topicRow{btn: btn, explain: explain})
	return container.NewVBox(container.NewBorder(nil, nil, nil, sparkline(t.Counts, t.SpikeDays), btn), explain)
}

// sparkline draws a topic's posts per day as bars, spike days in red, on
// the topic's own scale (at least listen.MinSpike, so that a topic with a
// post a day does not fill it); a day without posts is a thin line.
func sparkline(counts []int, spikeDays []int) fyne.CanvasObject {
	n := max(len(counts), 1)
	slot := float32(sparkWidth) / float32(n)
	bw := max(slot-2, 1)
	top := listen.MinSpike
	for _, c := range counts {
		top = max(top, c)
	}
	spike := map[int]bool{}
	for _, d := range spikeDays {
		spike[d] = true
	}
	var bars []fyne.CanvasObject
	for i, c := range counts {
		bh := float32(1)
		r := canvas.NewRectangle(theme.Color(theme.ColorNameDisabled))
		if c > 0 {
			bh = 3 + float32(sparkHeight-3)*float32(c)/float32(top)
			r.FillColor = theme.Color(theme.ColorNamePrimary)
		}
		if spike[i] {
			r.FillColor = theme.Color(theme.ColorNameError) // the red of the spiking topic's button
		}
		r.Resize(fyne.NewSize(bw, bh))
		r.Move(fyne.NewPos(float32(i)*slot, sparkHeight-bh))
		bars = append(bars, r)
	}
	return container.NewGridWrap(fyne.NewSize(sparkWidth, sparkHeight), container.NewWithoutLayout(bars...))
}

func (v *ListeningView) itemCard(it model.ListenItem) fyne.CanvasObject {
	head := widget.NewLabelWithStyle(it.Author.Name()+" · "+SourceName(it.Source), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	meta := []string{Stamp(it.Time)}
	var names []string
	for _, tp := range it.Topics {
		names = append(names, v.topicName(tp))
	}
	if len(names) > 0 {
		meta = append(meta, strings.Join(names, ", "))
	}
	if it.Triage != nil && it.Triage.SentimentLabel != "" {
		meta = append(meta, T(it.Triage.SentimentLabel))
	}
	if it.Brand != "" {
		meta = append(meta, T("heard for {{.Brand}}", "Brand", it.Brand))
	}
	metaLabel := lowLabel(strings.Join(meta, " · "), fyne.TextAlignLeading)
	metaLabel.Wrapping = fyne.TextWrapWord
	text := widget.NewLabel(postText(it.Text, 280))
	text.Wrapping = fyne.TextWrapWord
	note := lowLabel("", fyne.TextAlignLeading)
	note.Wrapping = fyne.TextWrapWord
	var b *widget.Button
	caseID := it.Adopted
	if caseID == "" {
		caseID = v.adopted[it.ID]
	}
	if caseID != "" {
		b = v.openButton(caseID)
		note.SetText(adoptedNote(it))
	} else {
		id, item := it.ID, it
		b = widget.NewButtonWithIcon(T("Turn into a care case"), theme.MailReplyIcon(), nil)
		note.SetText(adoptHint(it))
		b.OnTapped = func() {
			b.Disable()
			note.SetText(T("Turning it into a care case…"))
			v.run(func() {
				caseID, err := v.cm.AdoptListened(context.Background(), id)
				fyne.Do(func() {
					if err != nil {
						b.Enable()
						note.SetText(adoptHint(item))
						v.status.SetText(T("Not turned into a case: {{.Err}}", "Err", err.Error()))
						return
					}
					v.adopted[id] = caseID
					v.status.SetText(T("Now a care case in the queue"))
					note.SetText(T("Now a care case in the queue"))
					b.SetText(T("Open the care case"))
					b.SetIcon(theme.NavigateNextIcon())
					b.OnTapped = func() { v.open(caseID) }
					b.Enable()
					v.open(caseID)
				})
			})
		}
	}
	v.cards = append(v.cards, itemCard{meta: metaLabel, act: b, note: note, topic: names})
	return widget.NewCard("", "", container.NewVBox(head, metaLabel, text, container.NewBorder(nil, nil, b, nil, note)))
}

func (v *ListeningView) openButton(caseID string) *widget.Button {
	return widget.NewButtonWithIcon(T("Open the care case"), theme.NavigateNextIcon(), func() { v.open(caseID) })
}

func (v *ListeningView) open(caseID string) {
	if v.onAdopted != nil {
		v.onAdopted(caseID)
	}
}

// adoptHint says what turning the post into a care case does: a case in
// the queue, answered in its thread (by hand on a forum), as the brand
// that heard it.
func adoptHint(it model.ListenItem) string {
	switch {
	case it.Channel == model.ChannelForum && it.Brand != "":
		return T("Opens a case in the queue; you post the answer in the thread by hand, as {{.Brand}}.", "Brand", it.Brand)
	case it.Channel == model.ChannelForum:
		return T("Opens a case in the queue; you post the answer in the thread by hand.")
	case it.Brand != "":
		return T("Opens a case in the queue; the answer goes out as a reply to this post, from {{.Brand}}.", "Brand", it.Brand)
	}
	return T("Opens a case in the queue; the answer goes out as a reply to this post.")
}

// adoptedNote says who turned the post into a care case, and when.
func adoptedNote(it model.ListenItem) string {
	if it.AdoptedBy == "" || it.AdoptedAt.IsZero() {
		return T("Now a care case in the queue")
	}
	return T("A care case since {{.When}}, by {{.By}}", "When", Stamp(it.AdoptedAt), "By", it.AdoptedBy)
}

// Topics lists the shown topics with their totals and spikes, for tests.
func (v *ListeningView) Topics() []listen.Topic { return v.view.Topics }

// Items lists the shown posts, for tests.
func (v *ListeningView) Items() []model.ListenItem { return v.shown }

// Select shows the posts of one topic ("" all), on the calling goroutine.
func (v *ListeningView) Select(topic string) { v.topic = topic; v.Load() }

// TopicLines are the shown topics' buttons and their trend in words
// ("Range · 9 · spike today", "Spike today: 9 posts, …"), for tests.
func (v *ListeningView) TopicLines() [][2]string {
	var out [][2]string
	for _, r := range v.rows {
		out = append(out, [2]string{r.btn.Text, r.explain.Text})
	}
	return out
}

// Banner is the line naming today's spiking topics ("" when none).
func (v *ListeningView) Banner() string {
	if !v.banner.Visible() {
		return ""
	}
	return v.banner.Text
}

// Status is the line under the topics ("38 posts in 14 days, …").
func (v *ListeningView) Status() string { return v.status.Text }

// Title is the posts' heading ("Latest posts", "Posts on Range").
func (v *ListeningView) Title() string { return v.title.Text }

// Empty is the topics' and the posts' empty-state text ("" when there
// is something to show).
func (v *ListeningView) Empty() (topics, posts string) {
	if len(v.rows) == 0 && len(v.topics.Objects) == 1 && !v.banner.Visible() {
		if l, ok := v.topics.Objects[0].(*widget.Label); ok {
			topics = l.Text
		}
	}
	if len(v.cards) == 0 && len(v.items.Objects) == 1 {
		if l, ok := v.items.Objects[0].(*widget.Label); ok {
			posts = l.Text
		}
	}
	return topics, posts
}

// Card is the shown post i's metadata line, its action button and the
// note beside it, for tests.
func (v *ListeningView) Card(i int) (meta string, act *widget.Button, note string) {
	c := v.cards[i]
	return c.meta.Text, c.act, c.note.Text
}

// SetRunner replaces how the view runs its hub calls (tests: inline).
func (v *ListeningView) SetRunner(run func(func())) { v.run = run }

// postText is a listened post's text on one line of at most max runes: a
// post that came as a thread's title and its body ("Reichweite nach Update
// 4.2" and "Update 4.2 ist ein Rückschritt …") shows them apart, the title
// first, then " — " and the body, its lines joined by spaces.
func postText(s string, max int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return ""
	}
	out := lines[0]
	if len(lines) > 1 {
		out += " — " + strings.Join(lines[1:], " ")
	}
	return model.FirstLine(out, max)
}
