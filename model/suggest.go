package model

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Directory finds customer records for link suggestions. Lookup takes one
// of the keys IndexKeys makes.
type Directory interface {
	CustomerByID(id string) (Customer, bool)
	Lookup(key string) []Customer
}

// Index key kinds: a handle the CRM lists, an e-mail address, and the
// display name of an identity linked with consent.
const (
	keyHandle = "handle:"
	keyEmail  = "email:"
	keyName   = "name:"
)

// IndexKeys are the keys under which a directory files a customer so that
// Suggest finds it.
func IndexKeys(c Customer) []string {
	var keys []string
	for _, h := range c.Handles {
		keys = append(keys, keyHandle+h.Key())
	}
	if e := strings.ToLower(strings.TrimSpace(c.Email)); e != "" {
		keys = append(keys, keyEmail+e)
	}
	for _, id := range c.Linked() {
		if n := NormName(id.DisplayName); n != "" {
			keys = append(keys, keyName+n)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// Suggestion proposes linking a case's author to a customer, with the
// evidence an agent weighs before confirming.
type Suggestion struct {
	Customer Customer
	Evidence []string
}

var (
	emailRe = regexp.MustCompile(`(?i)[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}`)
	// numberRe finds a customer number written after a word that names it,
	// in English or German: "customer no. 4711", "Kundennummer: 4711",
	// "Kd.-Nr. 4711", "membership number 4711", "#4711".
	numberRe = regexp.MustCompile(`(?i)(?:customer\s*(?:no\.?|number|nr\.?|id|#)|kunden\s*-?\s*(?:nummer|nr\.?)|kd\.?\s*-?\s*nr\.?|member(?:ship)?\s*(?:no\.?|number|#)|(?:^|\s)#)\s*:?\s*([a-z0-9][a-z0-9\-]{2,19})\b`)
)

// maxScan bounds how much of a thread Suggest reads.
const maxScan = 64 << 10

// Suggest proposes customers for the author of an unlinked case. The rules,
// each adding evidence:
//
//   - the CRM lists the author's handle for the customer;
//   - the author wrote the customer's number or e-mail address in the thread;
//   - the same person on another platform: an identity linked to the
//     customer has the author's display name, and one profile links to the
//     other (a cross-link in the bio).
//
// Customers an agent dismissed for this case are left out. Suggestions come
// with the most evidence first.
func Suggest(c Case, thread []Message, dir Directory) []Suggestion {
	if c.CustomerID != "" || dir == nil {
		return nil
	}
	found := map[string]*Suggestion{}
	var order []string
	add := func(cu Customer, ev string) {
		if slices.Contains(c.Dismissed, cu.ID) {
			return
		}
		s, ok := found[cu.ID]
		if !ok {
			s = &Suggestion{Customer: cu}
			found[cu.ID] = s
			order = append(order, cu.ID)
		}
		if !slices.Contains(s.Evidence, ev) {
			s.Evidence = append(s.Evidence, ev)
		}
	}
	a := c.Author
	for _, cu := range dir.Lookup(keyHandle + a.Key()) {
		add(cu, fmt.Sprintf("the CRM lists %s on %s for this customer", a.Handle, a.Platform))
	}
	scanned := 0
	for _, m := range thread {
		if m.Direction != DirectionIn || m.Author.Key() != a.Key() || m.Deleted || scanned > maxScan {
			continue
		}
		scanned += len(m.Text)
		for _, e := range emailRe.FindAllString(m.Text, 8) {
			for _, cu := range dir.Lookup(keyEmail + strings.ToLower(e)) {
				add(cu, fmt.Sprintf("wrote the customer's e-mail %s (%s)", e, m.Time.Format("2 Jan")))
			}
		}
		for _, sub := range numberRe.FindAllStringSubmatch(m.Text, 8) {
			if cu, ok := dir.CustomerByID(sub[1]); ok {
				add(cu, fmt.Sprintf("wrote customer number %s (%s)", sub[1], m.Time.Format("2 Jan")))
			}
		}
	}
	if n := NormName(a.DisplayName); n != "" && n != NormName(a.Handle) {
		for _, cu := range dir.Lookup(keyName + n) {
			for _, other := range cu.Linked() {
				if other.Platform == a.Platform || NormName(other.DisplayName) != n || !crossLinked(a, other) {
					continue
				}
				add(cu, fmt.Sprintf("same name as %s's linked %s identity %s, and the profiles link to each other", cu.Name, other.Platform, other.Handle))
			}
		}
	}
	out := make([]Suggestion, 0, len(order))
	for _, id := range order {
		out = append(out, *found[id])
	}
	slices.SortStableFunc(out, func(x, y Suggestion) int { return len(y.Evidence) - len(x.Evidence) })
	return out
}

// crossLinked reports whether either profile names the other's handle.
func crossLinked(a, b Identity) bool {
	mentions := func(bio, handle string) bool {
		h := strings.ToLower(strings.TrimPrefix(handle, "@"))
		return len(h) >= 3 && strings.Contains(strings.ToLower(bio), h)
	}
	return mentions(a.Bio, b.Handle) || mentions(b.Bio, a.Handle)
}
