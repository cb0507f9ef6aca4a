package model

import (
	"regexp"
	"slices"
	"strings"
	"time"
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
	// An overlong key (a garbage handle or name) is no evidence and would
	// not fit a database key.
	keys = slices.DeleteFunc(keys, func(k string) bool { return len(k) > maxKey })
	return slices.Compact(keys)
}

// maxKey caps an index key in bytes.
const maxKey = 512

// Suggestion proposes linking a case's author to a customer, with the
// evidence an agent weighs before confirming.
type Suggestion struct {
	Customer Customer
	Evidence []string // in English, as Reasons say
	// Reasons are Evidence as message templates with their data, for a
	// console to say in its language (one for each of Evidence).
	Reasons []Reason
}

// Reason is a piece of evidence as a message template: Template in
// English with {{.Name}} fields, Args the fields' values as name, value
// pairs, and, for a template with {{.Date}}, At (the date in the
// reader's language).
type Reason struct {
	Template string
	Args     []string
	At       time.Time
}

// The templates of Suggest's reasons (ReasonTemplates lists them all).
const (
	ReasonCRMHandle = "the CRM lists {{.Handle}} on {{.Platform}} for this customer"
	ReasonEmail     = "wrote the customer's e-mail {{.Email}} ({{.Date}})"
	ReasonNumber    = "wrote customer number {{.Number}} ({{.Date}})"
	ReasonCrossLink = "same name as {{.Name}}'s linked {{.Platform}} identity {{.Handle}}, whose profile names {{.Author}}"
)

// ReasonTemplates are every template a Reason of Suggest has.
var ReasonTemplates = []string{ReasonCRMHandle, ReasonEmail, ReasonNumber, ReasonCrossLink}

// English is the reason in English ("2 Jan" for its date).
func (r Reason) English() string {
	out := r.Template
	for i := 0; i+1 < len(r.Args); i += 2 {
		out = strings.ReplaceAll(out, "{{."+r.Args[i]+"}}", r.Args[i+1])
	}
	return strings.ReplaceAll(out, "{{.Date}}", r.At.Format("2 Jan"))
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
//     customer has the author's display name, and its profile names the
//     author's handle (a cross-link).
//
// Customers an agent dismissed for this case are left out. Suggestions come
// with the most evidence first.
func Suggest(c Case, thread []Message, dir Directory) []Suggestion {
	if c.CustomerID != "" || dir == nil {
		return nil
	}
	found := map[string]*Suggestion{}
	var order []string
	add := func(cu Customer, r Reason) {
		if slices.Contains(c.Dismissed, cu.ID) {
			return
		}
		s, ok := found[cu.ID]
		if !ok {
			s = &Suggestion{Customer: cu}
			found[cu.ID] = s
			order = append(order, cu.ID)
		}
		if ev := r.English(); !slices.Contains(s.Evidence, ev) {
			s.Evidence = append(s.Evidence, ev)
			s.Reasons = append(s.Reasons, r)
		}
	}
	a := c.Author
	for _, cu := range dir.Lookup(keyHandle + a.Key()) {
		add(cu, Reason{Template: ReasonCRMHandle, Args: []string{"Handle", a.Handle, "Platform", string(a.Platform)}})
	}
	scanned := 0
	for _, m := range thread {
		if m.Direction != DirectionIn || m.Author.Key() != a.Key() || m.Deleted || scanned > maxScan {
			continue
		}
		scanned += len(m.Text)
		for _, e := range emailRe.FindAllString(m.Text, 8) {
			for _, cu := range dir.Lookup(keyEmail + strings.ToLower(e)) {
				add(cu, Reason{Template: ReasonEmail, Args: []string{"Email", e}, At: m.Time})
			}
		}
		for _, sub := range numberRe.FindAllStringSubmatch(m.Text, 8) {
			if cu, ok := dir.CustomerByID(sub[1]); ok {
				add(cu, Reason{Template: ReasonNumber, Args: []string{"Number", sub[1]}, At: m.Time})
			}
		}
	}
	if n := NormName(a.DisplayName); n != "" && n != NormName(a.Handle) {
		for _, cu := range dir.Lookup(keyName + n) {
			for _, other := range cu.Linked() {
				if other.Platform == a.Platform || NormName(other.DisplayName) != n || !crossLinked(a, other) {
					continue
				}
				add(cu, Reason{Template: ReasonCrossLink,
					Args: []string{"Name", cu.Name, "Platform", string(other.Platform), "Handle", other.Handle, "Author", a.Handle}})
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

// crossLinked reports whether the linked identity's profile names the
// author's handle as a word. Only that direction counts: the linked
// identity is the customer's own, while anyone can copy a name and write
// the customer's handle into their own profile.
func crossLinked(author, linked Identity) bool {
	_, h, _ := strings.Cut(author.Key(), ":") // the handle as keys have it
	if len(h) < 3 {
		return false
	}
	bio := strings.ToLower(linked.Bio)
	for i := strings.Index(bio, h); i >= 0; {
		before, after := i-1, i+len(h)
		if (before < 0 || !handleByte(bio[before])) && (after >= len(bio) || !handleByte(bio[after])) {
			return true
		}
		next := strings.Index(bio[i+1:], h)
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}

// handleByte reports whether b can be part of a handle.
func handleByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 0x80
}
