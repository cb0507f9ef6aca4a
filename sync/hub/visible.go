package hub

import "switchboard/model"

// forConsole is what a console may be sent of evs: every customer record
// as an agent may see it (model.Customer.ForAgent, per the consent on
// record), so marketing data without marketing consent never leaves the
// hub. The log keeps the whole record; a later consent change is a new
// customer.upserted event, which replaces each console's copy.
//
// evs is not changed: events that need filtering are copied.
func forConsole(evs []model.Event) []model.Event {
	out := evs
	copied := false
	for i, ev := range evs {
		if ev.Customer == nil {
			continue
		}
		c := ev.Customer.ForAgent()
		if len(c.Vouchers) == len(ev.Customer.Vouchers) {
			continue
		}
		if !copied {
			out = append([]model.Event(nil), evs...)
			copied = true
		}
		out[i].Customer = &c
	}
	return out
}
