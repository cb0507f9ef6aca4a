package app_test

import (
	"slices"
	"testing"

	"github.com/google/uuid"

	"switchboard/model"
)

// An unlinked author gets a suggestion from the CRM; confirming it with
// consent links every case of the identity, through the hub, and the
// customer's record and other cases fill the detail.
func TestSuggestionConfirmedLinksThroughTheHub(t *testing.T) {
	th := startHub(t)
	first := th.post(t, post{model.ChannelFacebook, "fb-1", "100044551290", "Sandra Oyelaran", 80, "Booking HX-88213 never confirmed", 0})
	earlier := th.post(t, post{model.ChannelFacebook, "fb-0", "100044551290", "Sandra Oyelaran", 80, "Is there a cot in the room?", -48 * 3600e9})
	if _, err := th.hub.UpsertCustomer(model.Customer{ID: "20871", Name: "Sandra Oyelaran", Tier: "silver",
		Handles:  []model.Identity{{Platform: model.ChannelFacebook, Handle: "100044551290"}},
		Vouchers: []model.Voucher{{Code: "CITY-20", Value: 20}}}); err != nil {
		t.Fatal(err)
	}
	core, _ := startCore(t, t.TempDir(), th)
	waitFor(t, "the cases", func() bool { return core.Count() == 2 })
	var d, _ = core.Case(first)
	waitFor(t, "the suggestion", func() bool { d, _ = core.Case(first); return len(d.Suggestions) == 1 })
	if d.Customer != nil || d.Suggestions[0].Customer.ID != "20871" || len(d.Suggestions[0].Evidence) != 1 {
		t.Fatalf("before linking: customer %v, suggestions %+v", d.Customer, d.Suggestions)
	}

	if _, err := core.Do(model.Op{ID: uuid.NewString(), Kind: model.OpLinkIdentity, CaseID: first, CustomerID: "20871",
		Consent: &model.Consent{Service: true}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the link from the hub", func() bool {
		d, _ = core.Case(first)
		return core.Pending() == 0 && d.Customer != nil && len(d.Others) == 1
	})
	if d.Customer.ID != "20871" || len(d.Suggestions) != 0 || d.Others[0].ID != earlier {
		t.Fatalf("after linking: %+v others %+v", d.Customer, d.Others)
	}
	link, ok := d.Customer.ActiveLink("facebook:100044551290")
	if !ok || link.Consent.By == "" || link.Consent.At.IsZero() {
		t.Fatalf("link without recorded consent: %+v", d.Customer.Links)
	}
	// Service consent only: the marketing fields stay hidden.
	if d.Customer.Vouchers != nil {
		t.Errorf("vouchers shown without marketing consent: %v", d.Customer.Vouchers)
	}
	if o, _ := core.Case(earlier); o.Customer == nil || !slices.ContainsFunc(o.Others, func(s model.Summary) bool { return s.ID == first }) {
		t.Errorf("the earlier case is not linked too: %+v", o.Customer)
	}
}
