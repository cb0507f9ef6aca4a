package hub

import "switchboard/model"

// caseReader is a log that reads a case's newest state, queued or stored
// (the BoltLog of the group-committing hub).
type caseReader interface {
	Case(id string) (model.Case, bool, error)
}

// appendSLA appends, under the hub's lock, the events mk makes from the
// current state of the cases ids (none for a case that needs none), and
// returns how many it appended once they are durable. It relies only on
// the hub's lock, its fold and the log: with a log that reads cases
// (queued writes included) the cases are read under the lock; otherwise
// they are read just before it, and the append goes ahead only if the log
// did not move meanwhile (appends are made under the lock), else it reads
// again.
func (h *Hub) appendSLA(ids []string, mk func(c model.Case) (model.Event, bool)) (int, error) {
	if cr, ok := h.log.(caseReader); ok {
		h.mu.Lock()
		defer h.mu.Unlock()
		var evs []model.Event
		for _, id := range ids {
			c, found, err := cr.Case(id)
			if err != nil {
				return 0, err
			}
			if ev, ok := mk(c); found && ok {
				evs = append(evs, ev)
			}
		}
		if len(evs) == 0 {
			return 0, nil
		}
		// Appended and committed before the lock is let go: SLA updates
		// are rare, and change nothing the hub's compact records hold.
		stored, err := h.log.Append(evs)
		if err != nil {
			return 0, err
		}
		for _, ev := range stored {
			h.fold(ev)
		}
		h.metrics.markAppended(stored)
		h.wake()
		return len(stored), nil
	}
	for try := 0; ; try++ {
		head := h.log.Head()
		var evs []model.Event
		for _, id := range ids {
			if c, found := h.Case(id); found {
				if ev, ok := mk(c); ok {
					evs = append(evs, ev)
				}
			}
		}
		h.mu.Lock()
		if h.log.Head() == head || try == 10 {
			defer h.mu.Unlock()
			if h.log.Head() != head {
				return 0, errBusyLog
			}
			return h.appendSLALocked(evs)
		}
		h.mu.Unlock()
	}
}

// errBusyLog: the log kept moving while the cases were read; the
// evaluator measures them again next round.
var errBusyLog = errorString("sla: the log kept moving; measured again next round")

type errorString string

func (e errorString) Error() string { return string(e) }

func (h *Hub) appendSLALocked(evs []model.Event) (int, error) {
	if len(evs) == 0 {
		return 0, nil
	}
	stored, err := h.appendLocked(evs...)
	return len(stored), err
}
