package ui_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/model"
	"switchboard/ui"
)

// triagedCore is a console core over five open cases with triage: two
// baggage cases (German, English), a booking one at SLA risk, one brand
// chatter (not a care case) and one not triaged; and a solved case.
func triagedCore(t *testing.T) *app.Core {
	t.Helper()
	now := time.Now().UTC()
	mk := func(id, handle string, st model.Status, tri *model.CaseTriage, sla model.SLAState) model.Case {
		c := model.Case{ID: id, Channel: model.ChannelTwitter, Subject: "about " + id,
			Author: model.Identity{Platform: model.ChannelTwitter, Handle: handle, DisplayName: handle},
			Status: st, Priority: model.PriorityNormal, Public: true, Created: now.Add(-time.Hour), LastMessageAt: now.Add(-time.Hour),
			WaitingSince: now.Add(-time.Hour), Version: 1, Triage: tri}
		if sla != "" {
			c.SLA = &model.CaseSLA{State: sla, FirstResponseDue: now.Add(10 * time.Minute)}
		}
		return c
	}
	tri := func(cat, lang string, relevant bool) *model.CaseTriage {
		return &model.CaseTriage{Category: cat, Lang: lang, Relevant: relevant, Source: "offline", Score: 40, Urgency: 0.5, UrgencyLabel: "medium"}
	}
	cases := []model.Case{
		mk("c-bag-de", "@koffer", model.StatusOpen, tri("delivery_baggage", "de", true), ""),
		mk("c-bag-en", "@suitcase", model.StatusNew, tri("delivery_baggage", "en", true), ""),
		mk("c-book", "@booker", model.StatusOpen, tri("booking", "en", true), model.SLAAtRisk),
		mk("c-chat", "@fan", model.StatusNew, tri("other", "en", false), ""),
		mk("c-plain", "@plain", model.StatusOpen, nil, ""),
		mk("c-done", "@done", model.StatusSolved, tri("booking", "de", true), ""),
	}
	var evs []model.Event
	for i := range cases {
		evs = append(evs, model.Event{Seq: uint64(i + 1), Time: now, Type: model.EventCaseUpserted, Case: &cases[i]})
	}
	return cacheCore(t, t.TempDir(), evs)
}

func rowIDs(c *ui.Console) []string {
	var out []string
	for _, r := range c.Rows() {
		out = append(out, r.ID)
	}
	slices.Sort(out)
	return out
}

// memSettings are a console's settings in memory, saved by the console.
type memSettings struct {
	mu sync.Mutex
	s  app.Settings
	n  int // saves
}

func (m *memSettings) get() app.Settings { m.mu.Lock(); defer m.mu.Unlock(); return m.s }
func (m *memSettings) save(s app.Settings) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.s = s
	m.n++
}

// The brand chatter view lists the open cases triaged as not a care case;
// the work views leave them out, All keeps them; the SLA view holds the
// case at risk; the category and language pickers offer the values present
// with their counts and narrow any view.
func TestQueueChatterSLACategoryAndLanguageViews(t *testing.T) {
	test.NewTempApp(t)
	core := triagedCore(t)
	c, w := openWindow(t, core)
	key := func(keys ...rune) {
		for _, r := range keys {
			w.Canvas().OnTypedRune()(r)
		}
	}
	eventually(t, c, "the view counts", func() bool {
		return c.ViewButton("b").Text == "Brand chatter  1" && c.ViewButton("u").Text == "Unassigned  4" &&
			c.ViewButton("r").Text == "SLA at risk  1" && c.ViewButton("a").Text == "All  6" && c.ViewButton("d").Text == "Closed  1"
	})
	for _, tc := range []struct {
		keys string
		want []string
	}{
		{"gb", []string{"c-chat"}},
		{"gu", []string{"c-bag-de", "c-bag-en", "c-book", "c-plain"}},
		{"gr", []string{"c-book"}},
		{"gd", []string{"c-done"}},
		{"ga", []string{"c-bag-de", "c-bag-en", "c-book", "c-chat", "c-done", "c-plain"}},
	} {
		key([]rune(tc.keys)...)
		eventually(t, c, tc.keys, func() bool { return slices.Equal(rowIDs(c), tc.want) })
	}
	key('g', 'i') // all open: the open care cases
	eventually(t, c, "all open", func() bool {
		return slices.Equal(rowIDs(c), []string{"c-bag-de", "c-bag-en", "c-book", "c-chat", "c-plain"}) || // All + open only
			slices.Equal(rowIDs(c), []string{"c-bag-de", "c-bag-en", "c-book", "c-plain"})
	})

	// The pickers: the values present, with the open care cases of each.
	eventually(t, c, "the category options", func() bool {
		return slices.Contains(c.CategoryFilter().Options, "Baggage  2") && slices.Contains(c.CategoryFilter().Options, "Booking  1") &&
			slices.Contains(c.LangFilter().Options, "German  1") && slices.Contains(c.LangFilter().Options, "English  2")
	})
	key('g', 'u')
	c.Locked(func() { c.CategoryFilter().SetSelected("Baggage  2") })
	eventually(t, c, "unassigned baggage", func() bool { return slices.Equal(rowIDs(c), []string{"c-bag-de", "c-bag-en"}) })
	c.Locked(func() { c.LangFilter().SetSelected("German  1") })
	eventually(t, c, "unassigned German baggage", func() bool { return slices.Equal(rowIDs(c), []string{"c-bag-de"}) })
	c.Locked(func() {
		c.CategoryFilter().SetSelectedIndex(0)
		c.LangFilter().SetSelectedIndex(0)
	})
	eventually(t, c, "the pickers cleared", func() bool { return len(rowIDs(c)) == 4 })
}

// A saved view: the agent saves the queue as it is (view, category,
// search, sort) by the keyboard (g v, a name, Enter); it appears with the
// views with its live count, g 1 brings it back after another view, it
// is kept in the settings per agent and comes back in a new console (a
// restart); renamed and deleted, it goes from the settings too.
func TestQueueSavedViewsSaveUseRenameDelete(t *testing.T) {
	test.NewTempApp(t)
	core := triagedCore(t)
	c, w := openWindow(t, core)
	set := &memSettings{}
	c.Locked(func() { c.OnSettings(set.get, set.save) })
	key := func(keys ...rune) {
		for _, r := range keys {
			w.Canvas().OnTypedRune()(r)
		}
	}
	eventually(t, c, "the category options", func() bool { return slices.Contains(c.CategoryFilter().Options, "Baggage  2") })
	key('g', 'u')
	c.Locked(func() {
		c.CategoryFilter().SetSelected("Baggage  2")
		c.SortSelect().SetSelected("Newest")
	})
	eventually(t, c, "unassigned baggage", func() bool { return slices.Equal(rowIDs(c), []string{"c-bag-de", "c-bag-en"}) })

	// g v: the dialog, its name box focused; Enter saves.
	key('g', 'v')
	var name *widget.Entry
	c.Locked(func() {
		e, ok := w.Canvas().Focused().(*widget.Entry)
		if !ok || e.PlaceHolder != "Name of the view" {
			t.Fatalf("g v focused %T, want the saved view's name", w.Canvas().Focused())
		}
		name = e
		test.Type(name, "Baggage queue")
		name.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	})
	eventually(t, c, "the saved view's button with its count", func() bool {
		b := c.SavedViewButton(0)
		return b != nil && b.Text == "1 · Baggage queue  2" && b.Importance == widget.HighImportance
	})
	want := app.Filter{ActiveOnly: true, Unassigned: true, Relevance: app.RelevanceCare, Category: "delivery_baggage", Sort: app.SortNewest, Snooze: app.SnoozeAwake}
	if got := set.get().SavedViews(core.Me()); len(got) != 1 || got[0].Name != "Baggage queue" || got[0].Filter != want {
		t.Fatalf("settings keep %+v, want the view %+v", got, want)
	}

	// Live: a baggage case is claimed and leaves the count (the core is
	// not started here, so it tells no change: g 1 asks again).
	if _, err := core.Do(model.Op{Kind: model.OpClaim, CaseID: "c-bag-en"}); err != nil {
		t.Fatal(err)
	}
	key('g', '1')
	eventually(t, c, "the count follows the queue", func() bool { return c.SavedViewButton(0).Text == "1 · Baggage queue  1" })

	// Another view, then g 1: the saved one with its pickers.
	key('g', 'a')
	c.Locked(func() { c.CategoryFilter().SetSelectedIndex(0) })
	eventually(t, c, "all", func() bool { return len(rowIDs(c)) == 6 })
	key('g', '1')
	eventually(t, c, "the saved view again", func() bool {
		return slices.Equal(rowIDs(c), []string{"c-bag-de"}) && c.SortSelect().Selected == "Newest" &&
			strings.HasPrefix(c.CategoryFilter().Selected, "Baggage") && c.View() == "s:Baggage queue"
	})

	// Renamed.
	c.Locked(func() {
		if err := c.RenameSavedView("Baggage queue", "Koffer"); err != nil {
			t.Fatal(err)
		}
	})
	eventually(t, c, "renamed", func() bool { return c.SavedViewButton(0).Text == "1 · Koffer  1" })
	if got := set.get().SavedViews(core.Me()); len(got) != 1 || got[0].Name != "Koffer" {
		t.Fatalf("after rename the settings keep %+v", got)
	}

	// A restart: a new console with the kept settings shows it. The first
	// one is left idle (its work done; nothing tells it of changes), as two
	// consoles updating at once would race in Fyne's test driver.
	c.Wait()
	c2, _ := openWindow(t, core)
	c2.Locked(func() {
		c2.OnSettings(set.get, set.save)
		c2.Tick() // the clock's tick takes the saved views up
	})
	eventually(t, c2, "the saved view after a restart", func() bool {
		b := c2.SavedViewButton(0)
		return b != nil && strings.HasPrefix(b.Text, "1 · Koffer")
	})

	// Deleted.
	c2.Locked(func() {
		if err := c2.DeleteSavedView("Koffer"); err != nil {
			t.Fatal(err)
		}
		if c2.SavedViewButton(0) != nil || len(c2.SavedViews()) != 0 {
			t.Error("a deleted view still shows")
		}
	})
	if got := set.get().SavedViews(core.Me()); len(got) != 0 {
		t.Fatalf("after delete the settings keep %+v", got)
	}
	for _, v := range core.Views() {
		if v.Group == app.GroupSaved {
			t.Errorf("the core still counts %q", v.Name)
		}
	}
}
