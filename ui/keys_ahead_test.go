package ui_test

import (
	"slices"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/model"
	"switchboard/ui"
)

// gatedCore is the core with the loading of chosen cases held until the
// test lets them through: the slow load of a loaded box.
type gatedCore struct {
	*app.Core
	mu   sync.Mutex
	gate map[string]chan struct{}
}

func (g *gatedCore) Case(id string) (app.CaseDetail, error) {
	g.mu.Lock()
	ch := g.gate[id]
	g.mu.Unlock()
	if ch != nil {
		<-ch
	}
	return g.Core.Case(id)
}

// Working the demo by keyboard under load: "j a" claimed, and "j r text
// Ctrl+Enter" answered, the case before the one j opened (the action bar
// was still that case's while the new one loaded), and the first letters
// of the text ran as queue keys. The keys now wait for the case they act
// on: here "j p n text Ctrl+Enter" while the next case loads.
func TestKeysWaitForTheCaseTheyActOn(t *testing.T) {
	test.NewTempApp(t)
	core := fixture(t)
	g := &gatedCore{Core: core, gate: map[string]chan struct{}{}}
	c := ui.New(g)
	c.Wait()
	w := test.NewWindow(c.Content())
	w.Resize(fyne.NewSize(1400, 860))
	c.InstallKeys(w)
	t.Cleanup(func() { w.Close(); c.Wait() })
	kb := keyboard{t, c, w}

	c.Locked(func() { c.Select("c-lounge") })
	eventually(t, c, "the lounge case", func() bool { return c.Actions().Visible() && c.Detail().Title() != "" })
	var next string
	c.Locked(func() {
		rows := c.Rows()
		i := slices.IndexFunc(rows, func(s model.Summary) bool { return s.ID == "c-lounge" })
		next = rows[i+1].ID
	})
	if next != "c-forum" {
		t.Fatalf("the case after the lounge is %s", next)
	}
	gate := make(chan struct{})
	var open sync.Once
	t.Cleanup(func() { open.Do(func() { close(gate) }) }) // before the console's cleanup waits
	g.mu.Lock()
	g.gate[next] = gate
	g.mu.Unlock()

	kb.rune_('j')
	kb.rune_('p')
	kb.rune_('n')
	kb.typ("Range fix")
	c.Locked(func() { c.Key("send") }) // Ctrl+Enter with no widget focused
	queued := func() (out []model.Op) {
		q, err := core.Queued()
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range q {
			out = append(out, op.Op)
		}
		return out
	}
	if q := queued(); len(q) != 0 {
		t.Fatalf("while %s loads, the keys queued %+v", next, q)
	}
	c.Locked(func() {
		if c.Selected() != next {
			t.Errorf("j opened %s", c.Selected())
		}
		if got := c.Actions().Composer().Entry().Text; got != "" {
			t.Errorf("the lounge's reply box holds %q", got)
		}
	})
	open.Do(func() { close(gate) })
	eventually(t, c, "pending and the note, on "+next, func() bool {
		q := queued() // each op is queued on a goroutine of its own: in either order
		return len(q) == 2 && slices.ContainsFunc(q, func(op model.Op) bool { return op.Kind == model.OpSetStatus && op.Status == model.StatusPending }) &&
			slices.ContainsFunc(q, func(op model.Op) bool { return op.Kind == model.OpNote && op.Text == "Range fix" })
	})
	for _, op := range queued() {
		if op.CaseID != next {
			t.Errorf("%s went to %s", op.Kind, op.CaseID)
		}
	}
	eventually(t, c, "the box empty after the send", func() bool { return c.Actions().Composer().Entry().Text == "" })
}
