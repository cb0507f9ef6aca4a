package hub

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"switchboard/model"
	"switchboard/report"
	"switchboard/sla"
)

// SLA applies service levels on a hub: it follows the event log into a
// report.Folder (the same one the reports measure with), and puts each
// case's policy, due times and state on the case. A change of state into
// or out of breached is logged as a case.upserted carrying Event.SLA: the
// breaches and recoveries are events in the log. The SLA fields change no
// case's Version (they are a measurement, not an agent's change).
type SLA struct {
	h     *Hub
	rules *sla.Rules

	mu     sync.Mutex // guards what follows; taken before h.mu, never after
	folder *report.Folder
	cursor uint64
	loaded bool
	dirty  map[string]bool      // cases with new events since measured
	next   map[string]time.Time // when a case's state may next change by itself
}

// NewSLA makes the evaluator of h under rules (sla.Default() for the
// defaults).
func NewSLA(h *Hub, rules *sla.Rules) *SLA {
	return &SLA{h: h, rules: rules, folder: report.NewFolder(), dirty: map[string]bool{}, next: map[string]time.Time{}}
}

// Rules are the rules it applies.
func (s *SLA) Rules() *sla.Rules { return s.rules }

// slaPage is how many case updates one append carries.
const slaPage = 500

// Run evaluates after commits to the log (coalesced, at most one
// evaluation a second) and every EvaluateEvery, until ctx ends.
// On the JetStream log it runs while this hub holds the team's "sla"
// lease: one hub of several logs each breach (jshub.go).
func (s *SLA) Run(ctx context.Context) { s.h.lead(ctx, "sla", s.run) }

func (s *SLA) run(ctx context.Context) {
	wake, stop := s.h.subscribe()
	defer stop()
	tick := time.NewTicker(s.rules.EvaluateEvery)
	defer tick.Stop()
	for {
		if _, err := s.Evaluate(); err != nil && ctx.Err() == nil {
			s.h.cfg.Logger.Error("sla: evaluate", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
			// A busy hub commits many times a second: one evaluation a
			// gap takes in all the commits since.
			gap := time.NewTimer(slaGap)
			select {
			case <-ctx.Done():
				gap.Stop()
				return
			case <-gap.C:
			}
		case <-tick.C:
		}
	}
}

// slaGap is the least time between two evaluations woken by commits.
const slaGap = time.Second

// catchUpLocked folds the events logged since the last call. A log
// compacted past the cursor (or at the first call) is loaded from its
// snapshot; the pauses before its horizon are then unknown. s.mu is held.
func (s *SLA) catchUpLocked() error {
	if !s.loaded {
		s.folder, s.cursor = report.NewFolder(), 0
		if s.h.log.Horizon() > 0 {
			seq, err := s.h.log.Snapshot(func(ev model.Event) error {
				s.folder.Apply(ev)
				s.mark(ev)
				return nil
			})
			if err != nil {
				return fmt.Errorf("sla: load snapshot: %w", err)
			}
			s.cursor = seq
		}
		s.loaded = true
	}
	for {
		evs, err := s.h.log.Read(s.cursor, 2000)
		if errors.Is(err, ErrCompacted) {
			s.loaded = false
			return s.catchUpLocked()
		}
		if err != nil {
			return fmt.Errorf("sla: read log: %w", err)
		}
		if len(evs) == 0 {
			return nil
		}
		for _, ev := range evs {
			s.folder.Apply(ev)
			s.mark(ev)
			s.cursor = ev.Seq
		}
	}
}

func (s *SLA) mark(ev model.Event) {
	switch {
	case ev.Case != nil:
		s.dirty[ev.Case.ID] = true
	case ev.Message != nil:
		s.dirty[ev.Message.CaseID] = true
	}
}

// Measure calls fn with the folder caught up with the log; fn must not
// keep it.
func (s *SLA) Measure(fn func(f *report.Folder)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.catchUpLocked(); err != nil {
		return err
	}
	fn(s.folder)
	return nil
}

// Evaluate measures the cases that changed or whose clocks moved past a
// threshold, and logs the ones whose SLA differs from what the case
// carries. It returns how many cases it updated.
func (s *SLA) Evaluate() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.catchUpLocked(); err != nil {
		return 0, err
	}
	now := s.h.cfg.Now().UTC()
	for id, at := range s.next {
		if !at.After(now) {
			s.dirty[id] = true
		}
	}
	want := map[string]*model.CaseSLA{}
	for id := range s.dirty {
		live, next, ok := s.folder.Live(s.rules, id, now)
		if !ok {
			continue // its case is not logged yet: measured with it
		}
		delete(s.dirty, id)
		want[id] = live
		if next.IsZero() {
			delete(s.next, id)
		} else {
			s.next[id] = next
		}
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	updated := 0
	for start := 0; start < len(ids); start += slaPage {
		page := ids[start:min(len(ids), start+slaPage)]
		n, err := s.h.appendSLA(page, func(c model.Case) (model.Event, bool) { return slaEvent(c, want[c.ID], now) })
		updated += n
		if err != nil {
			// Measured again next round.
			for _, id := range ids[start:] {
				s.dirty[id] = true
			}
			return updated, err
		}
	}
	return updated, nil
}

// slaEvent is the event that puts want on c; changed is false when c
// already carries it, or is resolved and never carried one (history).
func slaEvent(c model.Case, want *model.CaseSLA, now time.Time) (model.Event, bool) {
	if sameJSON(c.SLA, want) || (want == nil && c.SLA == nil) || (c.SLA == nil && !c.Status.Active()) {
		return model.Event{}, false
	}
	from, to := model.SLAOK, model.SLAOK
	if c.SLA != nil {
		from = c.SLA.State
	}
	policy := ""
	var newly []string
	if want != nil {
		to, policy = want.State, want.Policy
		for _, m := range want.Breached {
			if c.SLA == nil || !slices.Contains(c.SLA.Breached, m) {
				newly = append(newly, m)
			}
		}
	}
	c.SLA = want
	ev := model.Event{Type: model.EventCaseUpserted, Time: now, Case: &c}
	if (from == model.SLABreached) != (to == model.SLABreached) {
		ch := &model.SLAChange{From: from, To: to, Policy: policy}
		if len(newly) > 0 {
			ch.Metric = newly[0]
		}
		ev.SLA = ch
	}
	return ev, true
}
