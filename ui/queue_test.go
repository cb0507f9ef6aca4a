package ui_test

import (
	"fmt"
	"image/color"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/model"
	"switchboard/sync/client"
	"switchboard/ui"
)

// liveBackend is a console backend whose queue the test changes: set
// replaces the rows (in the core's order) and tells the console, as the
// core does when events arrive. ui.Backend is embedded so that methods the
// console does not call here need no stubs.
type liveBackend struct {
	ui.Backend
	mu       sync.Mutex
	rows     []model.Summary
	onChange []func(app.Change)
	syncing  bool
	// sorts: the queue in the filter's sort, as the core orders it
	// (app.Compare); otherwise in the order of rows.
	sorts bool
}

func (b *liveBackend) Queue(f app.Filter) []model.Summary {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []model.Summary
	for _, s := range b.rows {
		if f.Match(s) {
			out = append(out, s)
		}
	}
	if b.sorts {
		slices.SortStableFunc(out, func(x, y model.Summary) int { return app.Compare(f.Sort, x, y) })
	}
	return out
}
func (b *liveBackend) OnChange(f func(app.Change)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.onChange = append(b.onChange, f)
}
func (b *liveBackend) Status() client.Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.syncing {
		return client.Status{State: client.StateSyncing}
	}
	return client.Status{State: client.StateOnline}
}
func (b *liveBackend) Count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.rows)
}
func (b *liveBackend) Me() string                                 { return "anna" }
func (b *liveBackend) Lead() bool                                 { return false }
func (b *liveBackend) Pending() int                               { return 0 }
func (b *liveBackend) Rejected() ([]app.RejectedOp, error)        { return nil, nil }
func (b *liveBackend) SetPresence(string, bool)                   {}
func (b *liveBackend) Presence(string) (viewing, typing []string) { return nil, nil }
func (b *liveBackend) Case(id string) (app.CaseDetail, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.rows {
		if s.ID == id {
			return app.CaseDetail{Case: model.Case{ID: id, Channel: s.Channel, Subject: s.Preview, Status: s.Status,
				Author: model.Identity{Platform: s.Channel, Handle: s.Handle, DisplayName: s.Author}}}, nil
		}
	}
	return app.CaseDetail{}, fmt.Errorf("no case %s", id)
}

// set replaces the queue and notifies the console, then waits for it to
// take the rows.
func (b *liveBackend) set(c *ui.Console, rows []model.Summary) {
	b.mu.Lock()
	b.rows = slices.Clone(rows)
	fs := slices.Clone(b.onChange)
	b.mu.Unlock()
	for _, f := range fs {
		f(app.Change{Queue: true})
	}
	c.Wait()
}

func liveRows(n int) []model.Summary {
	now := time.Now().UTC()
	rows := make([]model.Summary, n)
	for i := range rows {
		rows[i] = model.Summary{ID: fmt.Sprintf("case-%03d", i), Channel: model.ChannelTwitter,
			Author: fmt.Sprintf("Customer %03d", i), Handle: fmt.Sprintf("@cust%03d", i),
			Preview: fmt.Sprintf("message of case %d", i), Status: model.StatusOpen,
			Created: now.Add(-time.Hour), LastMessageAt: now.Add(-time.Duration(i) * time.Minute)}
	}
	return rows
}

func openLive(t *testing.T, rows []model.Summary) (*liveBackend, *ui.Console, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	b := &liveBackend{rows: rows}
	c := ui.New(b)
	c.Wait()
	var w fyne.Window
	c.Locked(func() {
		w = test.NewWindow(c.Content())
		w.Resize(fyne.NewSize(1280, 800))
	})
	t.Cleanup(func() { c.Locked(w.Close); c.Wait() })
	return b, c, w
}

// objects are o and everything in it, as laid out now (test.LaidOutObjects
// lays the tree out again at minimum sizes, which changes the list's
// viewport).
func objects(o fyne.CanvasObject) []fyne.CanvasObject {
	out := []fyne.CanvasObject{o}
	switch x := o.(type) {
	case *fyne.Container:
		for _, ch := range x.Objects {
			out = append(out, objects(ch)...)
		}
	case fyne.Widget:
		for _, ch := range test.WidgetRenderer(x).Objects() {
			out = append(out, objects(ch)...)
		}
	}
	return out
}

// onScreen is where each visible queue row is drawn: its name line by its
// top edge within the list's viewport, and which one is highlighted. The
// list's items (its own widgets, each holding a CaseRow) are placed in the
// scrolled content; the viewport starts at the scroll offset. Call it
// locked.
func onScreen(t *testing.T, c *ui.Console, w fyne.Window) (map[string]float32, string) {
	t.Helper()
	list := c.List()
	off, height := list.GetScrollOffset(), list.Size().Height
	at := map[string]float32{}
	highlighted := ""
	for _, o := range objects(w.Content()) {
		item, ok := o.(fyne.Widget)
		if !ok || !o.Visible() {
			continue
		}
		if _, self := o.(*ui.CaseRow); self {
			continue
		}
		for _, child := range test.WidgetRenderer(item).Objects() {
			r, ok := child.(*ui.CaseRow)
			if !ok {
				continue
			}
			y := o.Position().Y - off
			if y < 0 || y+o.Size().Height > height {
				continue // outside the viewport
			}
			name := r.Texts()[0]
			at[name] = y
			if r.Highlighted() {
				highlighted = name
			}
		}
	}
	if len(at) < 5 {
		t.Fatalf("only %d rows on screen", len(at))
	}
	return at, highlighted
}

func TestQueueKeepsVisibleRowsWhenRowsAboveChange(t *testing.T) {
	rows := liveRows(200)
	b, c, w := openLive(t, rows)
	var before map[string]float32
	var off float32
	c.Locked(func() {
		c.Select("case-001") // the open case, then scrolled out of sight
		c.List().ScrollTo(120)
		c.List().ScrollTo(60)
		off = c.List().GetScrollOffset()
		if off == 0 {
			t.Fatal("the list did not scroll")
		}
		before, _ = onScreen(t, c, w)
	})

	// Above the viewport: five cases leave (solved elsewhere), one
	// changes; three new cases arrive at the top; a case further down is
	// re-sorted to the top.
	fresh := []model.Summary{}
	for i := range 3 {
		s := liveRows(1)[0]
		s.ID, s.Author, s.Handle = fmt.Sprintf("new-%d", i), fmt.Sprintf("Newcomer %d", i), fmt.Sprintf("@new%d", i)
		fresh = append(fresh, s)
	}
	fresh = append(fresh, rows[150])
	for i, s := range rows {
		switch {
		case i >= 10 && i < 15, i == 150:
			continue
		case i == 2:
			s.Preview = "a new message above the viewport"
		}
		fresh = append(fresh, s)
	}
	b.set(c, fresh)

	c.Locked(func() {
		after, _ := onScreen(t, c, w)
		for name, y := range before {
			if got, ok := after[name]; !ok || got != y {
				t.Errorf("%s moved on screen: y %v → %v (shown %v)", name, y, got, ok)
			}
		}
		if c.Selected() != "case-001" {
			t.Errorf("selected %q, want case-001 still", c.Selected())
		}
		if got := c.List().GetScrollOffset(); got >= off {
			t.Errorf("offset %v → %v: the list did not move with the five rows gone above", off, got)
		}
		if slices.ContainsFunc(c.Rows(), func(s model.Summary) bool { return strings.HasPrefix(s.ID, "new-") }) {
			t.Error("new cases jumped into the list")
		}
		if c.Rows()[2].Preview != "a new message above the viewport" {
			t.Error("a shown case did not get its new content")
		}
		if bar := c.NewBar(); !bar.Visible() || bar.Text != "3 new, 1 moved — show" {
			t.Errorf("announcement %q (shown %v)", bar.Text, bar.Visible())
		}
		test.Tap(c.NewBar())
		if ids := c.Rows(); ids[0].ID != "new-0" || ids[3].ID != "case-150" || len(ids) != 198 {
			t.Errorf("after show: first %s, fourth %s, %d rows", ids[0].ID, ids[3].ID, len(ids))
		}
		if c.NewBar().Visible() {
			t.Error("the announcement stayed after show")
		}
	})
}

func TestQueueSelectionFollowsTheCaseNotTheRow(t *testing.T) {
	rows := liveRows(120)
	b, c, w := openLive(t, rows)
	var y0 float32
	c.Locked(func() {
		c.Select("case-010")
		at, hl := onScreen(t, c, w)
		if hl != "Customer 010 @cust010" {
			t.Fatalf("highlighted %q", hl)
		}
		y0 = at[hl]
	})
	// case-010 is re-sorted far down, a case leaves in sight.
	fresh := slices.Clone(rows)
	moved := fresh[10]
	fresh = slices.Delete(fresh, 10, 11)
	fresh = slices.Insert(fresh, 60, moved)
	fresh = slices.Delete(fresh, 8, 9) // case-008, in sight (two rows above the open case)
	b.set(c, fresh)
	c.Locked(func() {
		at, hl := onScreen(t, c, w)
		if hl != "Customer 010 @cust010" || at[hl] != y0 || c.Selected() != "case-010" {
			t.Errorf("after the update: highlighted %q at %v (was %v), selected %s", hl, at[hl], y0, c.Selected())
		}
		if c.Rows()[8].ID != "case-008" {
			t.Errorf("the case that left in sight was dropped under the pointer: row 8 is %s", c.Rows()[8].ID)
		}
		r := ui.NewCaseRow()
		r.SetInfo(c.Rows()[8], time.Now(), ui.RowInfo{Gone: true})
		if !slices.Contains(r.Texts(), "left view") {
			t.Errorf("a row that left the view is not marked: %v", r.Texts())
		}
		if bar := c.NewBar(); !bar.Visible() || bar.Text != "1 moved — show the new order" {
			t.Errorf("announcement %q", bar.Text)
		}
		test.Tap(c.NewBar())
		at, hl = onScreen(t, c, w)
		if hl != "Customer 010 @cust010" || at[hl] != y0 {
			t.Errorf("after show: highlighted %q at %v, want it where it was (%v)", hl, at[hl], y0)
		}
		if slices.ContainsFunc(c.Rows(), func(s model.Summary) bool { return s.ID == "case-008" }) {
			t.Error("the case that left stayed after show")
		}
	})
}

func TestQueueTapOpensTheRowAtOnceWithoutScrolling(t *testing.T) {
	_, c, w := openLive(t, liveRows(50))
	c.Locked(func() {
		c.List().ScrollTo(30)
		off := c.List().GetScrollOffset()
		var target *ui.CaseRow
		for _, o := range objects(w.Content()) {
			if r, ok := o.(*ui.CaseRow); ok && r.Visible() && strings.HasPrefix(r.Texts()[0], "Customer 025") {
				target = r
			}
		}
		if target == nil {
			t.Fatal("row 25 not on screen")
		}
		// What a tap on the row does: the list selects its item.
		c.List().Select(25)
		if c.Selected() != "case-025" || !target.Highlighted() {
			t.Errorf("selected %q, highlighted %v", c.Selected(), target.Highlighted())
		}
		if c.List().GetScrollOffset() != off {
			t.Errorf("selecting scrolled the list: %v → %v", off, c.List().GetScrollOffset())
		}
	})
}

// The fixture's views: two open cases (the lounge case high reach and
// unassigned, the forum case ben's; no customer waiting: the fixture's
// cases have no waiting clock) and a solved one, which All lists and
// counts unless "Open only" is on.
func TestQueueViewsCountsSortsAndKeys(t *testing.T) {
	_, c, w := openLounge(t)
	var title string
	c.Locked(func() { c.OnTitle(func(s string) { title = s }) })
	rune_ := func(r rune) { w.Canvas().OnTypedRune()(r) }
	ids := func() []string {
		var out []string
		for _, r := range c.Rows() {
			out = append(out, r.ID)
		}
		return out
	}
	c.Locked(func() {
		for key, want := range map[string]string{"m": "Mine  0", "u": "Unassigned  1", "h": "High reach  1", "w": "Waiting  0", "a": "All  3"} {
			if got := c.ViewButton(key).Text; got != want {
				t.Errorf("view %s: %q, want %q", key, got, want)
			}
		}
	})
	// All counts what it lists: the solved case too, until "Open only".
	c.Locked(func() { c.OpenOnly().SetChecked(true) })
	eventually(t, c, "All counts its open cases with Open only", func() bool { return c.ViewButton("a").Text == "All  2" })
	c.Locked(func() { c.OpenOnly().SetChecked(false) })
	eventually(t, c, "All counts every case again", func() bool { return c.ViewButton("a").Text == "All  3" })
	for _, tc := range []struct {
		key   rune
		want  []string
		title string
	}{
		{'h', []string{"c-lounge"}, "Switchboard — High reach (1)"},
		{'u', []string{"c-lounge"}, "Switchboard — Unassigned (1)"},
		{'w', nil, "Switchboard — Waiting (0)"},
		{'m', nil, "Switchboard — Mine (0)"},
		{'a', []string{"c-lounge", "c-forum", "c-old"}, "Switchboard — All (2)"},
	} {
		rune_('g')
		rune_(tc.key)
		eventually(t, c, "g "+string(tc.key), func() bool {
			return slices.Equal(ids(), tc.want) && title == tc.title
		})
		c.Locked(func() {
			if c.View() != string(tc.key) || c.ViewButton(string(tc.key)).Importance != widget.HighImportance {
				t.Errorf("g %c: view %q not marked", tc.key, c.View())
			}
		})
	}
	rune_('g')
	rune_('m')
	eventually(t, c, "an empty view says so", func() bool {
		return len(c.Rows()) == 0 && strings.Contains(test.RenderToMarkup(w.Canvas()), "No cases in Mine.")
	})
	rune_('a') // claim the open case: Mine counts and lists it
	eventually(t, c, "Mine counts the claimed case", func() bool { return c.ViewButton("m").Text == "Mine  1" })
	eventually(t, c, "the claimed case announced in Mine", func() bool {
		return c.NewBar().Visible() && c.NewBar().Text == "1 new — show" || slices.Equal(ids(), []string{"c-lounge"})
	})
	c.Locked(func() {
		c.SortSelect().SetSelected("Newest")
		c.SetView("a")
	})
	eventually(t, c, "newest first", func() bool { return slices.Equal(ids(), []string{"c-lounge", "c-forum", "c-old"}) })
}

// A customer waiting 26 hours must not sink below fresh tweets: the
// default order is the core's, the priority score with the SLA time left
// (the breached wait first, then the one at risk, then the fresh
// high-priority one, 10 points = 30 minutes earlier than its no-SLA due
// hour); the SLA sort puts the least time left first.
func TestQueueSortsPriorityThenLongestWaitingAndBySLA(t *testing.T) {
	now := time.Now().UTC()
	rows := liveRows(4)
	rows[0].WaitingSince = now.Add(-5 * time.Minute) // fresh tweet, newest activity
	rows[1].WaitingSince = now.Add(-26 * time.Hour)
	rows[2].Priority, rows[2].WaitingSince = model.PriorityHigh, now.Add(-time.Minute)
	rows[3].Status = model.StatusSolved
	rows[0].Priority, rows[1].Priority = model.PriorityNormal, model.PriorityNormal
	rows[0].Due, rows[0].SLA = now.Add(10*time.Minute), model.SLAAtRisk
	rows[1].Due, rows[1].SLA = now.Add(-20*time.Minute), model.SLABreached
	b, c, _ := openLive(t, rows)
	b.mu.Lock()
	b.sorts = true
	b.mu.Unlock()
	b.set(c, rows)
	order := func() string {
		var out []string
		for _, r := range c.Rows() {
			out = append(out, r.ID)
		}
		return strings.Join(out, " ")
	}
	eventually(t, c, "score with the time left", func() bool { return order() == "case-001 case-000 case-002 case-003" })
	c.Locked(func() { c.SortSelect().SetSelected("Newest") })
	eventually(t, c, "newest", func() bool { return order() == "case-000 case-001 case-002 case-003" })
	c.Locked(func() { c.SortSelect().SetSelected("SLA due") })
	eventually(t, c, "SLA due first", func() bool { return order() == "case-001 case-000 case-002 case-003" })
	c.Locked(func() { c.SortSelect().SetSelected("Newest") })
	eventually(t, c, "the sort changes the list at once", func() bool { return c.SortSelect().Selected == "Newest" })
}

func TestQueueRowShowsTheWholeCaseInStableColumns(t *testing.T) {
	test.NewTempApp(t)
	now := time.Now()
	emily := model.Summary{ID: "a", Channel: model.ChannelTwitter, Author: "Emily Carter", Handle: "@emily_c", Reach: model.ReachInfluencer,
		Preview: "Where is my refund?", Status: model.StatusOpen, Assignee: "ben", LastMessageAt: now.Add(-50 * time.Minute),
		SLA: model.SLAAtRisk, Due: now.Add(12*time.Minute + 30*time.Second), Category: "billing", Urgency: "high"}
	other := model.Summary{ID: "b", Channel: model.ChannelFacebook, Author: "Emily Carter", Handle: "emily.carter.1988",
		Preview: "x", Status: model.StatusNew, LastMessageAt: now.Add(-3 * time.Hour),
		SLA: model.SLABreached, Due: now.Add(-5 * time.Minute), Troll: true}
	r1, r2 := ui.NewCaseRow(), ui.NewCaseRow()
	r1.SetInfo(emily, now, ui.RowInfo{Tier: "gold", Unsynced: true})
	r2.SetInfo(other, now, ui.RowInfo{})
	for _, want := range []string{"Emily Carter @emily_c", "INFLUENCER", "GOLD", "open", "50m", "Where is my refund?", "Billing", "12 min", "→ben", "unsynced"} {
		if !slices.Contains(r1.Texts(), want) {
			t.Errorf("row %v lacks %q", r1.Texts(), want)
		}
	}
	if got := r2.Texts(); got[0] != "Emily Carter emily.carter.1988" || !slices.Contains(got, "−5 min") || !slices.Contains(got, "troll?") || slices.Contains(got, "unsynced") {
		t.Errorf("second Emily Carter: %v", got)
	}
	// Breached is the theme's error red (readable in light and dark).
	var red color.Color = fyne.CurrentApp().Settings().Theme().Color("error", fyne.CurrentApp().Settings().ThemeVariant())
	if r2.SLAColor() != red || r1.SLAColor() == red {
		t.Errorf("SLA colours: at risk %v, breached %v", r1.SLAColor(), r2.SLAColor())
	}
	// The same columns whatever the rows hold.
	w := test.NewWindow(container.NewVBox(r1, r2))
	defer w.Close()
	w.Resize(fyne.NewSize(560, 200))
	ages := map[string]float32{}
	for _, o := range objects(w.Content()) {
		if l, ok := o.(*widget.Label); ok && (l.Text == "50m" || l.Text == "3h") {
			p := fyne.CurrentApp().Driver().AbsolutePositionForObject(l)
			ages[l.Text] = p.X + l.Size().Width
		}
	}
	if len(ages) != 2 || ages["50m"] != ages["3h"] {
		t.Errorf("the age column ends at %v: not the same on both rows", ages)
	}
}

func TestQueueInGerman(t *testing.T) {
	ui.SetLanguage("de")
	t.Cleanup(func() { ui.SetLanguage("en") })
	_, c, _ := openLive(t, liveRows(3))
	var title string
	c.Locked(func() {
		c.OnTitle(func(s string) { title = s })
		if got := c.ViewButton("m").Text; !strings.HasPrefix(got, "Meine") {
			t.Errorf("view button %q", got)
		}
		if got := c.SortSelect().Selected; got != "Priorität" {
			t.Errorf("sort %q", got)
		}
		if title != "Switchboard — Alle (3)" {
			t.Errorf("title %q", title)
		}
		r := ui.NewCaseRow()
		r.SetInfo(model.Summary{Status: model.StatusOpen, Due: time.Now().Add(90 * time.Minute), Category: "delivery_baggage"}, time.Now(), ui.RowInfo{Tier: "silver"})
		for _, want := range []string{"offen", "Gepäck", "SILBER", "1 Std."} {
			if !slices.Contains(r.Texts(), want) {
				t.Errorf("German row %v lacks %q", r.Texts(), want)
			}
		}
	})
}

// Views counts the named views the way the core does, for the view
// buttons (Mine is anna's).
func (b *liveBackend) Views() []app.ViewCount {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []app.ViewCount
	awake := app.SnoozeAwake
	for _, v := range []app.View{
		{Name: "All open", Filter: app.Filter{ActiveOnly: true, Snooze: awake}},
		{Name: "Mine", Filter: app.Filter{ActiveOnly: true, Assignee: "anna", Snooze: awake}},
		{Name: "Unassigned", Filter: app.Filter{ActiveOnly: true, Unassigned: true, Snooze: awake}},
		{Name: "High reach", Filter: app.Filter{ActiveOnly: true, Reach: model.ReachInfluencer, Snooze: awake}},
		{Name: "Customer waiting", Filter: app.Filter{Waiting: true, Snooze: awake}},
		{Name: "Snoozed", Filter: app.Filter{ActiveOnly: true, Snooze: app.SnoozeAsleep}},
	} {
		n := 0
		for _, s := range b.rows {
			if v.Filter.Match(s) {
				n++
			}
		}
		out = append(out, app.ViewCount{View: v, Count: n})
	}
	return out
}

// Summary is the case as the backend has it now.
func (b *liveBackend) Summary(id string) (model.Summary, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.IndexFunc(b.rows, func(s model.Summary) bool { return s.ID == id })
	if i < 0 {
		return model.Summary{}, false
	}
	return b.rows[i], true
}

// Do applies snooze and unsnooze to the rows as the core does: the case
// is snoozed in its summary, and when its time comes the console hears of
// a change (the core's wake timer).
func (b *liveBackend) Do(op model.Op) (model.Op, error) {
	b.mu.Lock()
	for i := range b.rows {
		if b.rows[i].ID != op.CaseID {
			continue
		}
		switch op.Kind {
		case model.OpSnooze:
			b.rows[i].Snoozed = op.Until
		case model.OpUnsnooze:
			b.rows[i].Snoozed = time.Time{}
		default:
			b.mu.Unlock()
			return op, fmt.Errorf("liveBackend: no %s", op.Kind)
		}
	}
	fs := slices.Clone(b.onChange)
	b.mu.Unlock()
	notify := func() {
		for _, f := range fs {
			f(app.Change{Queue: true, Cases: []string{op.CaseID}})
		}
	}
	notify()
	if op.Kind == model.OpSnooze {
		time.AfterFunc(time.Until(op.Until)+time.Millisecond, notify)
	}
	return op, nil
}

// The snooze is an op (the team's): s and its time choice queue it, the
// case leaves every view but Snoozed and their counts, shows "Snoozed
// until …", and comes back, announced, when its time comes.
func TestQueueSnoozeLeavesTheViewsAndComesBack(t *testing.T) {
	rows := liveRows(5)
	rows[1].Assignee = "anna"
	b, c, w := openLive(t, rows)
	ids := func() string {
		var out []string
		for _, r := range c.Rows() {
			out = append(out, r.ID)
		}
		return strings.Join(out, " ")
	}
	eventually(t, c, "counts", func() bool { return c.ViewButton("m").Text == "Mine  1" && c.ViewButton("a").Text == "All  5" })

	// s on the open case offers the times; "Tomorrow 9:00" snoozes it.
	c.Locked(func() {
		c.Select("case-001")
		c.Key("s")
		var tomorrow *widget.Button
		for _, o := range w.Canvas().Overlays().List() {
			for _, x := range objects(o) {
				if b, ok := x.(*widget.Button); ok && b.Text == "Tomorrow 9:00" {
					tomorrow = b
				}
			}
		}
		if tomorrow == nil {
			t.Fatal("s offered no snooze times")
		}
		test.Tap(tomorrow)
	})
	// The op goes through the backend: once it is in, the case leaves
	// (in sight it stays, marked, until the agent shows the new order).
	eventually(t, c, "snoozed", func() bool {
		return !c.SnoozedUntil("case-001").IsZero() && c.OpenCount() == 4
	})
	c.Locked(func() {
		c.ShowNew()
		until := c.SnoozedUntil("case-001").Local()
		if until.Hour() != 9 || until.Minute() != 0 || !until.After(time.Now()) || until.Sub(time.Now()) > 33*time.Hour {
			t.Errorf("snoozed until %v, want tomorrow 9:00", until)
		}
	})
	eventually(t, c, "the snoozed case leaves the views and their counts", func() bool {
		return ids() == "case-000 case-002 case-003 case-004" && c.ViewButton("m").Text == "Mine  0" &&
			c.ViewButton("a").Text == "All  4" && c.ViewButton("z").Text == "Snoozed  1"
	})
	c.Locked(func() { c.SetView("z") })
	eventually(t, c, "the Snoozed view lists it", func() bool { return ids() == "case-001" })
	c.Locked(func() {
		r := ui.NewCaseRow()
		s := c.Rows()[0]
		r.SetInfo(s, time.Now(), ui.RowInfo{})
		if want := "Snoozed until " + ui.Day(s.Snoozed) + " 09:00"; !slices.Contains(r.Texts(), want) {
			t.Errorf("the snoozed row says %v, want %q", r.Texts(), want)
		}
	})

	// A snooze whose time comes: the case comes back, announced.
	// Woken by hand (Wake it now), it comes back announced: shown, it
	// is in its place.
	c.Locked(func() {
		c.Snooze("case-001", time.Time{})
		c.SetView("a")
	})
	eventually(t, c, "woken by hand", func() bool {
		if c.SnoozedUntil("case-001").IsZero() && c.NewBar().Visible() {
			c.ShowNew()
		}
		return ids() == "case-000 case-001 case-002 case-003 case-004"
	})
	c.Locked(func() { c.Snooze("case-003", time.Now().Add(2*time.Second)) })
	// In sight, it stays marked until the agent shows the new order.
	eventually(t, c, "case-003 left", func() bool { return c.OpenCount() == 4 })
	c.Locked(func() {
		c.ShowNew()
		if strings.Contains(ids(), "case-003") {
			t.Errorf("the snoozed case stayed after show: %s", ids())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		var back bool
		c.Locked(func() {
			c.Tick()
			back = c.NewBar().Visible() && c.NewBar().Text == "1 new — show"
		})
		c.Wait()
		if back {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the snoozed case did not come back when due")
		}
		time.Sleep(50 * time.Millisecond) // waiting for the snooze's time, not for a goroutine
	}
	c.Locked(func() {
		test.Tap(c.NewBar())
		if ids() != "case-000 case-001 case-002 case-003 case-004" {
			t.Errorf("after show: %s", ids())
		}
	})
	_ = b
}

func TestParseSnooze(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.Local)
	for in, want := range map[string]time.Time{
		"16:30":            time.Date(2026, 12, 1, 16, 30, 0, 0, time.Local),
		"9:00":             time.Date(2026, 12, 2, 9, 0, 0, 0, time.Local),
		"2.12. 9:00":       time.Date(2026, 12, 2, 9, 0, 0, 0, time.Local),
		"2026-12-03 08:15": time.Date(2026, 12, 3, 8, 15, 0, 0, time.Local),
	} {
		if got, err := ui.ParseSnooze(in, now); err != nil || !got.Equal(want) {
			t.Errorf("ParseSnooze(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ui.ParseSnooze("soon", now); err == nil {
		t.Error("a time that is none was taken")
	}
}

// The first sync fills the list as it comes (nothing is open yet, there is
// nothing to keep in place); once a case is open, new ones are announced.
func TestQueueCatchUpFillsTheListUntilACaseIsOpen(t *testing.T) {
	rows := liveRows(40)
	b, c, _ := openLive(t, rows[:10])
	b.mu.Lock()
	b.syncing = true
	b.mu.Unlock()
	c.Locked(func() { c.List().ScrollTo(9) }) // scrolled, but nothing open
	b.set(c, rows[5:25])
	c.Locked(func() {
		if len(c.Rows()) != 20 || c.Rows()[0].ID != "case-005" || c.NewBar().Visible() {
			t.Errorf("catch-up: %d rows from %s, bar %v", len(c.Rows()), c.Rows()[0].ID, c.NewBar().Visible())
		}
		c.Select("case-007")
	})
	b.set(c, rows)
	c.Locked(func() {
		if len(c.Rows()) != 20 || !c.NewBar().Visible() || c.NewBar().Text != "20 new — show" {
			t.Errorf("with a case open: %d rows, bar %q", len(c.Rows()), c.NewBar().Text)
		}
	})
}
