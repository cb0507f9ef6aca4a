package community

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"switchboard/assist"
	"switchboard/model"
)

// Personal is what the hand-off text must not contain of the customer:
// their names, handles, customer numbers, e-mail addresses and phone
// numbers as the case and the CRM record know them.
type Personal struct {
	Names       []string
	Handles     []string
	CustomerIDs []string
	Emails      []string
	Phones      []string
}

// Finding is one piece of personal data found in a hand-off text.
type Finding struct {
	// Kind is name, handle, customer_number, email, phone, iban, card or
	// address.
	Kind string `json:"kind"`
	// Text is what was found, as written.
	Text string `json:"text"`
}

func (f Finding) String() string { return fmt.Sprintf("%s %q", f.Kind, f.Text) }

var (
	emailRe  = regexp.MustCompile(`(?i)[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}`)
	phoneRe  = regexp.MustCompile(`(?:\+|\b00|\b0)\d[\d /.\-()]{6,}\d`)
	ibanRe   = regexp.MustCompile(`(?i)\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?\b`)
	cardRe   = regexp.MustCompile(`\b(?:\d[ \-]?){13,19}\b`)
	custNoRe = regexp.MustCompile(`(?i)\b(?:kundennummer|kundennr\.?|kd\.?-?nr\.?|customer (?:number|no\.?|id)|account (?:number|no\.?)|vertragsnummer|booking (?:ref(?:erence)?|code)|buchungsnummer)\s*[:#]?\s*([A-Z0-9\-]{4,})`)
	streetRe = regexp.MustCompile(`(?i)\b[\p{L}\-]{3,}(?:straße|strasse|str\.|gasse|weg|platz|allee| street| road| avenue| lane)\s+\d+[a-z]?\b`)
)

// CheckHandoff returns the personal data of the customer found in text, a
// hand-off to a community expert: what p names (case-insensitive, as whole
// words), and anything shaped like an e-mail address, phone number, IBAN,
// payment card number (Luhn-checked), customer or booking number, or street
// address. An empty result means the text may go.
func CheckHandoff(text string, p Personal) []Finding {
	var out []Finding
	seen := map[string]bool{}
	add := func(kind, s string) {
		k := kind + "\x00" + strings.ToLower(s)
		if !seen[k] {
			seen[k] = true
			out = append(out, Finding{Kind: kind, Text: s})
		}
	}
	lower := strings.ToLower(text)
	for _, group := range []struct {
		kind  string
		items []string
	}{{"name", p.Names}, {"handle", p.Handles}, {"customer_number", p.CustomerIDs}, {"email", p.Emails}, {"phone", p.Phones}} {
		for _, it := range group.items {
			it = strings.TrimSpace(it)
			if group.kind == "handle" {
				it = strings.TrimPrefix(it, "@")
			}
			if len([]rune(it)) < 3 {
				continue
			}
			if group.kind == "name" {
				// A full name, and each of its parts of four letters or
				// more (a surname alone identifies too).
				if i := wordIndex(lower, strings.ToLower(it)); i >= 0 {
					add("name", text[i:i+len(it)])
				}
				for _, part := range strings.Fields(it) {
					if len([]rune(part)) >= 4 {
						if i := wordIndex(lower, strings.ToLower(part)); i >= 0 {
							add("name", text[i:i+len(part)])
						}
					}
				}
				continue
			}
			if group.kind == "phone" {
				if d := digits(it); len(d) >= 6 && strings.Contains(digits(text), d[len(d)-6:]) {
					add("phone", it)
				}
				continue
			}
			if i := wordIndex(lower, strings.ToLower(it)); i >= 0 {
				add(group.kind, text[i:i+len(it)])
			}
		}
	}
	for _, m := range emailRe.FindAllString(text, -1) {
		add("email", m)
	}
	for _, m := range ibanRe.FindAllString(text, -1) {
		if len(digits(m)) >= 10 {
			add("iban", m)
		}
	}
	for _, m := range cardRe.FindAllString(text, -1) {
		if luhn(digits(m)) {
			add("card", strings.TrimSpace(m))
		}
	}
	for _, m := range phoneRe.FindAllString(text, -1) {
		if d := digits(m); len(d) >= 7 && !luhnCard(d) {
			add("phone", strings.TrimSpace(m))
		}
	}
	for _, m := range custNoRe.FindAllStringSubmatch(text, -1) {
		if strings.IndexFunc(m[1], unicode.IsDigit) >= 0 {
			add("customer_number", m[1])
		}
	}
	for _, m := range streetRe.FindAllString(text, -1) {
		add("address", m)
	}
	return out
}

// wordIndex finds w in s at word boundaries, -1 if absent.
func wordIndex(s, w string) int {
	for from := 0; ; {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return -1
		}
		i += from
		end := i + len(w)
		before := i == 0 || !isWordByte(s[i-1])
		after := end == len(s) || !isWordByte(s[end])
		if before && after {
			return i
		}
		from = i + 1
	}
}

func isWordByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func luhn(d string) bool {
	if len(d) < 13 || len(d) > 19 {
		return false
	}
	sum := 0
	for i := 0; i < len(d); i++ {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

// luhnCard: a run of digits that is a card number is reported as a card,
// not also as a phone number.
func luhnCard(d string) bool { return luhn(d) }

// PersonalOf is what a hand-off on case c must not name: the case
// author's name and handle (on a forum also the name part of name@host),
// and, when cust is the linked customer, their name, e-mail, customer
// number and listed handles.
func PersonalOf(c model.Case, cust *model.Customer) Personal {
	p := Personal{Names: []string{c.Author.DisplayName}, Handles: []string{c.Author.Handle}}
	if name, _, ok := strings.Cut(c.Author.Handle, "@"); ok && name != "" {
		p.Handles = append(p.Handles, name)
	}
	if c.CustomerID != "" {
		p.CustomerIDs = append(p.CustomerIDs, c.CustomerID)
	}
	if cust != nil {
		p.Names = append(p.Names, cust.Name)
		if cust.ID != "" && cust.ID != c.CustomerID {
			p.CustomerIDs = append(p.CustomerIDs, cust.ID)
		}
		if cust.Email != "" {
			p.Emails = append(p.Emails, cust.Email)
		}
		for _, id := range cust.Handles {
			p.Handles = append(p.Handles, id.Handle)
		}
	}
	return p
}

// QueryOf is what case c asks of the directory: its tags, its triage
// category and the known topics its subject and customer messages
// mention, its language; its author is never suggested.
func QueryOf(c model.Case, thread []model.Message, known []string) Query {
	var text strings.Builder
	text.WriteString(c.Subject)
	for _, m := range thread {
		if m.Direction == model.DirectionIn {
			text.WriteString("\n")
			text.WriteString(m.Text)
		}
	}
	q := Query{Lang: c.Lang, Exclude: []string{c.Author.Key()}}
	q.Topics = append(q.Topics, c.Tags...)
	q.Topics = append(q.Topics, TopicsIn(text.String(), known)...)
	if c.Triage != nil {
		if assist.IsTopic(c.Triage.Category) {
			q.Topics = append(q.Topics, c.Triage.Category)
		}
		if c.Triage.Lang != "" && c.Triage.Lang != "other" {
			q.Lang = c.Triage.Lang
		}
	}
	if len(q.Lang) > 2 {
		q.Lang = strings.ToLower(q.Lang[:2]) // "de-DE" → "de"
	}
	return q
}

// KnownTopics is every topic the directory lists.
func KnownTopics(experts []model.Expert) []string {
	var out []string
	for _, e := range experts {
		if e.Removed {
			continue
		}
		for _, t := range e.Topics {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	slices.Sort(out)
	return out
}
