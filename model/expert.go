package model

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Expert is a member of a brand's community who opted in to be asked by
// the care team ("customers help customers"): a forum member, a Facebook
// group regular. The directory lives on the hub, in the log (events of
// type expert.upserted), so every console has it, also offline.
type Expert struct {
	// Key is the member's identity key ("forum:kohlmark@community.a1.example"),
	// as Identity.Key makes it.
	Key  string `json:"key"`
	Name string `json:"name"`
	// Level is the member's rank in the community's qualification
	// hierarchy (free text: "Superuser", "Community-Experte").
	Level string `json:"level,omitempty"`
	// Topics are free tags down to product or device level, lower case
	// ("router", "fritzbox 7590", "galaxy s24").
	Topics []string `json:"topics,omitempty"`
	// Languages the member answers in (de, en, …).
	Languages []string `json:"languages,omitempty"`
	// Contact is how the team hands a question over: "thread" (a
	// mention in the forum thread, posted by hand) or an identity key
	// the member chose for private notes ("facebook:1234…").
	Contact string `json:"contact,omitempty"`
	// Consent records the member's opt-in; a directory entry exists only
	// with it.
	Consent ExpertConsent `json:"consent"`
	// Away is set while the member is away (or from a future date).
	Away *Away `json:"away,omitempty"`
	// Removed marks an entry taken out of the directory (the member
	// withdrew consent, or a lead removed them); the log keeps the rest.
	Removed bool      `json:"removed,omitempty"`
	Updated time.Time `json:"updated,omitzero"`
	By      string    `json:"by,omitempty"`
}

// ExpertConsent is a member's recorded opt-in to the expert directory.
type ExpertConsent struct {
	At time.Time `json:"at"`
	// By is who recorded it (a lead, "csv import", "config").
	By string `json:"by"`
	// How says where the member agreed ("opt-in post 2026-10-02",
	// "community programme form").
	How string `json:"how,omitempty"`
}

// Away is an absence: from From (zero: now) until Until (zero: until
// further notice). SetBy is "self" when the member's own post said so,
// else the lead who set it.
type Away struct {
	From  time.Time `json:"from,omitzero"`
	Until time.Time `json:"until,omitzero"`
	Note  string    `json:"note,omitempty"`
	SetBy string    `json:"set_by,omitempty"`
}

// EventExpertUpserted carries an expert directory entry (Event.Expert).
const EventExpertUpserted EventType = "expert.upserted"

// Limits of a directory entry.
const (
	MaxExpertTopics = 64
	maxExpertText   = 200
)

// AwayAt reports whether the expert is away at t.
func (e Expert) AwayAt(t time.Time) bool {
	if e.Away == nil {
		return false
	}
	if !e.Away.From.IsZero() && t.Before(e.Away.From) {
		return false
	}
	return e.Away.Until.IsZero() || t.Before(e.Away.Until)
}

// NormalTopic is a topic as the directory keeps it: lower case, inner
// space collapsed, no leading #.
func NormalTopic(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "#"))), " ")
}

// Normalize returns e with its key normalised, topics and languages lower
// case, trimmed and without duplicates.
func (e Expert) Normalize() Expert {
	if e.Key != "" {
		e.Key = IdentityKey(e.Key)
	}
	e.Name = strings.TrimSpace(e.Name)
	e.Level = strings.TrimSpace(e.Level)
	e.Contact = strings.TrimSpace(e.Contact)
	norm := func(in []string, f func(string) string) []string {
		var out []string
		for _, s := range in {
			if s = f(s); s != "" && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out
	}
	e.Topics = norm(e.Topics, NormalTopic)
	e.Languages = norm(e.Languages, func(s string) string { return strings.ToLower(strings.TrimSpace(s)) })
	return e
}

// Validate checks a (normalised) directory entry.
func (e Expert) Validate() error {
	var errs []error
	p, h, ok := strings.Cut(e.Key, ":")
	if !ok || !Channel(p).Valid() || h == "" || len(e.Key) > maxExpertText {
		errs = append(errs, fmt.Errorf("key %q: want platform:handle on twitter, facebook or forum", clipText(e.Key)))
	}
	if e.Consent.At.IsZero() || strings.TrimSpace(e.Consent.By) == "" {
		errs = append(errs, errors.New("consent: an expert is listed only with their recorded opt-in (consent.at and consent.by)"))
	}
	if len(e.Topics) > MaxExpertTopics {
		errs = append(errs, fmt.Errorf("topics: %d, at most %d", len(e.Topics), MaxExpertTopics))
	}
	for _, s := range append(append([]string{e.Name, e.Level, e.Contact, e.Consent.By, e.Consent.How}, e.Topics...), e.Languages...) {
		if len(s) > maxExpertText {
			errs = append(errs, fmt.Errorf("%q: longer than %d bytes", clipText(s), maxExpertText))
			break
		}
	}
	if e.Contact != "" && e.Contact != "thread" {
		if p, h, ok := strings.Cut(e.Contact, ":"); !ok || !Channel(p).Valid() || h == "" {
			errs = append(errs, fmt.Errorf("contact %q: want \"thread\" or an identity key", clipText(e.Contact)))
		}
	}
	if a := e.Away; a != nil && !a.From.IsZero() && !a.Until.IsZero() && !a.Until.After(a.From) {
		errs = append(errs, errors.New("away: until is not after from"))
	}
	return errors.Join(errs...)
}

func clipText(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
