package app

// Tiers are the loyalty tiers of cached customers by id ("" for one not
// cached), for the queue's rows. It reads the cache: call it off the UI
// goroutine.
func (c *Core) Tiers(customerIDs []string) map[string]string {
	out := make(map[string]string, len(customerIDs))
	for _, id := range customerIDs {
		if cu, _, err := c.store.Customer(id); err == nil {
			out[id] = cu.Tier
		}
	}
	return out
}
