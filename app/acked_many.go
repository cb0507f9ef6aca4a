package app

import (
	"slices"

	"switchboard/model"
)

// AckedMany records the acks of many ops in one store transaction and
// settles them in the pending view, refreshing each case they touched once
// (sync/client uses it for the acks of batched ops).
func (a cacheOf) AckedMany(opIDs []string) error {
	if err := a.c.store.AckedMany(opIDs); err != nil {
		return err
	}
	a.c.settleMany(opIDs)
	return nil
}

// settleMany is settle for many ops.
func (c *Core) settleMany(opIDs []string) {
	answered := make(map[string]bool, len(opIDs))
	for _, id := range opIDs {
		answered[id] = true
	}
	c.opMu.Lock()
	defer c.opMu.Unlock()
	var touched []string
	for id, ops := range c.pending {
		kept := slices.DeleteFunc(ops, func(o model.Op) bool { return answered[o.ID] })
		if len(kept) == len(ops) {
			continue
		}
		if len(kept) == 0 {
			delete(c.pending, id)
		} else {
			c.pending[id] = kept
		}
		touched = append(touched, id)
	}
	slices.Sort(touched)
	c.refreshMany(touched)
}
