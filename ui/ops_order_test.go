package ui_test

import (
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/model"
	"switchboard/ui"
)

// slowClaimCore is the core with the writing of a claim held until the
// test lets it through (a slow disk on a loaded box); it counts the ops
// handed to it.
type slowClaimCore struct {
	*app.Core
	gate  chan struct{}
	mu    sync.Mutex
	kinds []model.OpKind
}

func (s *slowClaimCore) Do(op model.Op) (model.Op, error) {
	s.mu.Lock()
	s.kinds = append(s.kinds, op.Kind)
	s.mu.Unlock()
	if op.Kind == model.OpClaim {
		<-s.gate
	}
	return s.Core.Do(op)
}

// "a e" typed fast: the solve goes to the core after the claim it needs.
// Each op had a goroutine of its own, so the solve could be written to the
// outbox first, and the case showed unsolved.
func TestOpsGoToTheCoreInTheOrderGiven(t *testing.T) {
	test.NewTempApp(t)
	s := &slowClaimCore{Core: fixture(t), gate: make(chan struct{})}
	var open sync.Once
	release := func() { open.Do(func() { close(s.gate) }) }
	c := ui.New(s)
	c.Wait()
	w := test.NewWindow(c.Content())
	w.Resize(fyne.NewSize(1400, 860))
	c.InstallKeys(w)
	t.Cleanup(func() { release(); w.Close(); c.Wait() })
	kb := keyboard{t, c, w}
	c.Locked(func() { c.Select("c-lounge") })
	eventually(t, c, "the lounge case", func() bool { return c.Actions().Visible() && c.Detail().Title() != "" })
	kb.rune_('a')
	kb.rune_('e')
	eventually(t, c, "the claim handed over", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.kinds) >= 1
	})
	// The solve must not overtake the claim while it is written: give it
	// a second to (the old code's goroutine took microseconds).
	var got []model.OpKind
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline) && len(got) < 2; time.Sleep(10 * time.Millisecond) {
		s.mu.Lock()
		got = append(got[:0], s.kinds...)
		s.mu.Unlock()
	}
	if len(got) != 1 || got[0] != model.OpClaim {
		t.Fatalf("while the claim is written, the core got %v", got)
	}
	release()
	eventually(t, c, "claim, then solve", func() bool {
		q, _ := s.Core.Queued()
		return len(q) == 2 && q[0].Op.Kind == model.OpClaim && q[1].Op.Kind == model.OpSetStatus && q[1].Op.Status == model.StatusSolved
	})
	eventually(t, c, "the lounge solved", func() bool {
		for _, r := range s.Core.Queue(app.Filter{}) {
			if r.ID == "c-lounge" {
				return r.Status == model.StatusSolved
			}
		}
		return false
	})
}
