package model

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// dir is a Directory over a slice, filing customers under IndexKeys as
// the console's store does.
type dir []Customer

func (d dir) CustomerByID(id string) (Customer, bool) {
	for _, c := range d {
		if c.ID == id {
			return c, true
		}
	}
	return Customer{}, false
}

func (d dir) Lookup(key string) []Customer {
	var out []Customer
	for _, c := range d {
		if slices.Contains(IndexKeys(c), key) {
			out = append(out, c)
		}
	}
	return out
}

func TestLinkNeedsServiceConsent(t *testing.T) {
	id := Identity{Platform: ChannelTwitter, Handle: "@ann"}
	var c Customer
	if c.Link(id, Consent{Marketing: true, By: "tom", At: t0}) {
		t.Fatal("linked with marketing consent only")
	}
	if len(c.Links) != 0 {
		t.Fatalf("a refused link left %+v", c.Links)
	}
	if !c.Link(id, Consent{Service: true, By: "tom", At: t0}) {
		t.Fatal("service consent refused")
	}
	if got := c.Linked(); len(got) != 1 || got[0].Key() != id.Key() {
		t.Fatalf("linked = %+v", got)
	}
	// A new consent for the same identity replaces the old one.
	c.Link(id, Consent{Service: true, Marketing: true, By: "eva", At: t0.Add(time.Hour)})
	if len(c.Links) != 1 || c.Links[0].Consent.By != "eva" || !c.MarketingConsent() {
		t.Fatalf("relink = %+v", c.Links)
	}
	// Unlinking is recorded; the link stays in the record, inactive.
	if !c.Unlink(id.Key(), "tom", t0.Add(2*time.Hour)) {
		t.Fatal("unlink failed")
	}
	if c.Unlink(id.Key(), "tom", t0) {
		t.Error("unlinked twice")
	}
	if len(c.Links) != 1 || c.Links[0].Active() || c.Links[0].UnlinkedBy != "tom" || !c.Links[0].Unlinked.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("after unlink = %+v", c.Links)
	}
	if len(c.Linked()) != 0 || c.MarketingConsent() {
		t.Error("an ended link still counts")
	}
}

func TestForAgentHidesMarketingFields(t *testing.T) {
	c := Customer{ID: "1", Name: "Ann", Vouchers: []Voucher{{Code: "V-10"}}, Purchases: []Purchase{{Item: "room"}}}
	if got := c.ForAgent(); got.Vouchers != nil || len(got.Purchases) != 1 {
		t.Errorf("without marketing consent: vouchers %v purchases %v", got.Vouchers, got.Purchases)
	}
	c.Consent.Marketing = true
	if got := c.ForAgent(); len(got.Vouchers) != 1 {
		t.Error("vouchers hidden despite CRM marketing consent")
	}
	c.Consent.Marketing = false
	c.Link(Identity{Platform: ChannelForum, Handle: "ann"}, Consent{Service: true, Marketing: true})
	if got := c.ForAgent(); len(got.Vouchers) != 1 {
		t.Error("vouchers hidden despite marketing consent given at linking")
	}
}

func TestApplyLinkUnlinkDismiss(t *testing.T) {
	c := Case{ID: "c1", Channel: ChannelTwitter, Author: Identity{Platform: ChannelTwitter, Handle: "@ann"}, Version: 3}
	me := Actor{Name: "tom"}
	op := func(kind OpKind, cust string, consent *Consent) Op {
		return Op{ID: "op-" + string(kind), Kind: kind, CaseID: "c1", CustomerID: cust, Consent: consent}
	}
	if _, _, rej := ApplyOp(c, op(OpLinkIdentity, "4711", nil), me, t0); rej == nil || rej.Code != RejectConsent {
		t.Fatalf("link without consent: %v, want %s", rej, RejectConsent)
	}
	if _, _, rej := ApplyOp(c, op(OpLinkIdentity, "4711", &Consent{Marketing: true}), me, t0); rej == nil || rej.Code != RejectConsent {
		t.Fatalf("link with marketing consent only: %v, want %s", rej, RejectConsent)
	}
	d, _, rej := ApplyOp(c, op(OpDismissLink, "4711", nil), me, t0)
	if rej != nil || !slices.Equal(d.Dismissed, []string{"4711"}) || d.Version != 4 {
		t.Fatalf("dismiss: %v %+v", rej, d)
	}
	l, _, rej := ApplyOp(d, op(OpLinkIdentity, "4711", &Consent{Service: true}), me, t0)
	if rej != nil || l.CustomerID != "4711" || len(l.Dismissed) != 0 {
		t.Fatalf("link after dismissing: %v %+v", rej, l)
	}
	if _, _, rej := ApplyOp(l, op(OpLinkIdentity, "999", &Consent{Service: true}), me, t0); rej == nil || !strings.Contains(rej.Reason, "unlink first") {
		t.Fatalf("link to a second customer: %v", rej)
	}
	if _, _, rej := ApplyOp(l, op(OpUnlinkIdentity, "999", nil), me, t0); rej == nil {
		t.Fatal("unlinked from a customer it is not linked to")
	}
	u, _, rej := ApplyOp(l, op(OpUnlinkIdentity, "4711", nil), me, t0)
	if rej != nil || u.CustomerID != "" {
		t.Fatalf("unlink: %v %+v", rej, u)
	}
}

func TestReplyViaMergedCase(t *testing.T) {
	c := Case{ID: "c1", Channel: ChannelForum, Merged: []string{"c2"}}
	long := strings.Repeat("x", 300)
	if _, m, rej := ApplyOp(c, Op{ID: "1", Kind: OpReply, CaseID: "c1", Via: "c2", Text: long}, Actor{Name: "tom"}, t0); rej != nil || m == nil {
		t.Fatalf("reply via merged case: %v", rej)
	}
	if _, _, rej := ApplyOp(c, Op{ID: "2", Kind: OpReply, CaseID: "c1", Via: "c9", Text: "hi"}, Actor{Name: "tom"}, t0); rej == nil {
		t.Fatal("reply via a case that is not merged here")
	}
}

func TestSuggest(t *testing.T) {
	julia := Customer{ID: "10234", Name: "Julia Kramer", Email: "julia.kramer@example.de"}
	julia.Link(Identity{Platform: ChannelFacebook, Handle: "100087112233", DisplayName: "Julia Kramer", Bio: "Hamburg. Also @julia_kr"}, Consent{Service: true})
	sandra := Customer{ID: "20871", Name: "Sandra Oyelaran", Handles: []Identity{{Platform: ChannelFacebook, Handle: "100044551290"}}}
	bernd := Customer{ID: "30552", Name: "Bernd Oswald", Email: "b.oswald@example.de"}
	namesake := Customer{ID: "555", Name: "Julia Kramer"}
	namesake.Link(Identity{Platform: ChannelForum, Handle: "jk", DisplayName: "Julia Kramer"}, Consent{Service: true})
	d := dir{julia, sandra, bernd, namesake}

	in := func(author Identity, text string) Message {
		return Message{Direction: DirectionIn, Author: author, Text: text, Time: t0}
	}
	ids := func(ss []Suggestion) []string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Customer.ID)
		}
		return out
	}
	sandraFB := Identity{Platform: ChannelFacebook, Handle: "100044551290", DisplayName: "Sandra Oyelaran"}
	juliaX := Identity{Platform: ChannelTwitter, Handle: "@julia_kr", DisplayName: "Julia  kramer"}
	stranger := Identity{Platform: ChannelForum, Handle: "e5_driver", DisplayName: "e5_driver"}
	agent := Identity{Platform: ChannelForum, Handle: "tom"}

	tests := []struct {
		name     string
		c        Case
		thread   []Message
		want     []string
		evidence string
	}{
		{"CRM handle", Case{Author: sandraFB}, nil, []string{"20871"}, "the CRM lists 100044551290 on facebook"},
		{"customer number, German", Case{Author: stranger}, []Message{in(stranger, "Werkstatt sagt normal (Kundennummer 30552)")}, []string{"30552"}, "wrote customer number 30552"},
		{"customer number, English", Case{Author: stranger}, []Message{in(stranger, "my customer no. 30552 please")}, []string{"30552"}, "wrote customer number 30552"},
		{"a number without a word naming it is no evidence", Case{Author: stranger}, []Message{in(stranger, "I waited 30552 seconds")}, nil, ""},
		{"e-mail", Case{Author: stranger}, []Message{in(stranger, "reach me at B.Oswald@example.de")}, []string{"30552"}, "wrote the customer's e-mail B.Oswald@example.de"},
		{"only the author's own messages count", Case{Author: stranger}, []Message{{Direction: DirectionOut, Author: agent, Text: "customer number 30552?"}}, nil, ""},
		{"same name and a cross-link", Case{Author: juliaX}, nil, []string{"10234"}, "same name as Julia Kramer's linked facebook identity 100087112233, whose profile names @julia_kr"},
		// An impostor copies the name and names her page in their own
		// profile: only the customer's linked profile counts.
		{"a cross-link only from the author's side", Case{Author: Identity{Platform: ChannelTwitter, Handle: "@julia_kramer_hh", DisplayName: "Julia Kramer", Bio: "facebook.com/100087112233"}}, nil, nil, ""},
		// "@julia_kr" in the linked bio does not name "@julia_k".
		{"a handle inside a longer one", Case{Author: Identity{Platform: ChannelTwitter, Handle: "@julia_k", DisplayName: "Julia Kramer"}}, nil, nil, ""},
		{"same name without a cross-link is not enough", Case{Author: Identity{Platform: ChannelTwitter, Handle: "@jk_other", DisplayName: "Julia Kramer"}}, nil, nil, ""},
		{"dismissed customers are left out", Case{Author: sandraFB, Dismissed: []string{"20871"}}, nil, nil, ""},
		{"linked cases get none", Case{Author: sandraFB, CustomerID: "20871"}, nil, nil, ""},
		{"more evidence first", Case{Author: sandraFB}, []Message{in(sandraFB, "customer number 30552, e-mail b.oswald@example.de")}, []string{"30552", "20871"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Suggest(tc.c, tc.thread, d)
			if !slices.Equal(ids(got), tc.want) {
				t.Fatalf("suggested %v, want %v (%+v)", ids(got), tc.want, got)
			}
			if tc.evidence != "" && !strings.HasPrefix(got[0].Evidence[0], tc.evidence) {
				t.Errorf("evidence %q, want it to start %q", got[0].Evidence, tc.evidence)
			}
		})
	}
}

// A customer stored before links carried consent had "identities": they
// are read as handles to suggest, never as consented links.
func TestLegacyIdentitiesBecomeHandles(t *testing.T) {
	var c Customer
	err := json.Unmarshal([]byte(`{"id":"4711","name":"Ann","tier":"gold","identities":[{"platform":"twitter","handle":"@ann"},{"platform":"twitter","handle":"ann"}],"handles":[{"platform":"forum","handle":"ann@f.example"}]}`), &c)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "4711" || c.Tier != "gold" || len(c.Links) != 0 || len(c.Handles) != 2 || c.Handles[1].Key() != "twitter:ann" {
		t.Fatalf("legacy customer read as %+v", c)
	}
	raw, _ := json.Marshal(c)
	if strings.Contains(string(raw), "identities") {
		t.Errorf("written back with identities: %s", raw)
	}
}
