package model

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Purchase is one line of a customer's history in the CRM.
type Purchase struct {
	Date   time.Time `json:"date"`
	Item   string    `json:"item"`
	Amount float64   `json:"amount"`
}

// Voucher is a voucher or goodwill gesture the customer was given. Vouchers
// are marketing data: they are shown only with marketing consent.
type Voucher struct {
	Code     string    `json:"code"`
	Issued   time.Time `json:"issued,omitzero"`
	Value    float64   `json:"value,omitempty"`
	Note     string    `json:"note,omitempty"`
	Redeemed bool      `json:"redeemed,omitempty"`
}

// Link ties a social identity to a customer record. It exists only with the
// customer's recorded consent (Consent.By and Consent.At say who recorded
// it and when). An unlinked identity keeps its link, with Unlinked set, so
// the record shows what was linked when.
type Link struct {
	Identity   Identity  `json:"identity"`
	Consent    Consent   `json:"consent"`
	Unlinked   time.Time `json:"unlinked,omitzero"`
	UnlinkedBy string    `json:"unlinked_by,omitempty"`
}

// Active reports whether the link still stands.
func (l Link) Active() bool { return l.Unlinked.IsZero() }

// Customer is a CRM record.
type Customer struct {
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	Tier          string  `json:"tier"`
	LifetimeValue float64 `json:"lifetime_value"`
	Email         string  `json:"email,omitempty"`
	// Handles are the social handles the CRM lists for the customer. They
	// are evidence for a link suggestion, never a link by themselves.
	Handles []Identity `json:"handles,omitempty"`
	// Links are the identities linked with consent, ended ones included.
	Links []Link `json:"links,omitempty"`
	// Consent is what the CRM recorded the customer agreed to.
	Consent   Consent    `json:"consent"`
	Purchases []Purchase `json:"purchases,omitempty"`
	Vouchers  []Voucher  `json:"vouchers,omitempty"`
	Notes     string     `json:"notes,omitempty"`
}

// UnmarshalJSON reads a customer, also one written before links carried
// consent: its "identities" had no consent on record, so they come back as
// handles the CRM knows (suggestions), not as links.
func (c *Customer) UnmarshalJSON(b []byte) error {
	type plain Customer
	var v struct {
		plain
		Identities []Identity `json:"identities"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = Customer(v.plain)
	for _, id := range v.Identities {
		if !slices.ContainsFunc(c.Handles, func(h Identity) bool { return h.Key() == id.Key() }) {
			c.Handles = append(c.Handles, id)
		}
	}
	return nil
}

// Linked returns the identities linked now.
func (c *Customer) Linked() []Identity {
	var out []Identity
	for _, l := range c.Links {
		if l.Active() {
			out = append(out, l.Identity)
		}
	}
	return out
}

// ActiveLink returns the standing link of an identity key, if any.
func (c *Customer) ActiveLink(key string) (Link, bool) {
	for _, l := range c.Links {
		if l.Active() && l.Identity.Key() == key {
			return l, true
		}
	}
	return Link{}, false
}

// MarketingConsent reports whether the customer agreed to marketing, in
// the CRM or when one of their identities was linked.
func (c *Customer) MarketingConsent() bool {
	if c.Consent.Marketing {
		return true
	}
	return slices.ContainsFunc(c.Links, func(l Link) bool { return l.Active() && l.Consent.Marketing })
}

// ForAgent is the record as an agent may see it: without marketing consent
// the marketing fields (vouchers) are left out.
func (c Customer) ForAgent() Customer {
	if !c.MarketingConsent() {
		c.Vouchers = nil
	}
	return c
}

// Link records a consented link of id, replacing a standing link of the
// same identity (a new consent supersedes the old one). It returns false,
// changing nothing, without service consent.
func (c *Customer) Link(id Identity, consent Consent) bool {
	if !consent.Service {
		return false
	}
	c.Links = slices.Clone(c.Links)
	for i, l := range c.Links {
		if l.Active() && l.Identity.Key() == id.Key() {
			c.Links[i].Consent = consent
			c.Links[i].Identity = id
			return true
		}
	}
	c.Links = append(c.Links, Link{Identity: id, Consent: consent})
	return true
}

// Unlink ends the standing link of an identity key, recording who ended it
// and when. It returns false when the key is not linked.
func (c *Customer) Unlink(key, by string, at time.Time) bool {
	c.Links = slices.Clone(c.Links)
	for i, l := range c.Links {
		if l.Active() && l.Identity.Key() == key {
			c.Links[i].Unlinked, c.Links[i].UnlinkedBy = at.UTC(), by
			return true
		}
	}
	return false
}

// NormName folds a display name for comparison: lower case, single spaces.
func NormName(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }
