package hub_test

import (
	"testing"
	"time"

	"switchboard/model"
	"switchboard/sync/hub"
)

// A listened post keeps the brand whose page or account heard it (issue
// 14): the item carries it, through the log, and adopting the item gives
// the care case that brand — so its reply goes out with that brand's
// credentials, not the first page's.
func TestAdoptedListenItemKeepsItsBrand(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	l := openLog(t, t.TempDir())
	t.Cleanup(func() { l.Close() })
	h, err := hub.New(l, quietConfig(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	lis := hub.NewListening(h)
	for _, p := range []struct{ thread, id, brand string }{{"fb-post-1_1", "1_1", "alpine-air"}, {"fb-post-2_7", "2_7", "alpine-lite"}} {
		in := model.Inbound{Channel: model.ChannelFacebook, ThreadRef: p.thread, PlatformID: p.id,
			Author: model.Identity{Platform: model.ChannelFacebook, Handle: "erika" + p.id, PlatformID: "u" + p.id, DisplayName: "Erika"},
			Text:   "The lift has been broken since Monday.", Time: now.Add(-time.Hour), Public: true,
			Source: "Facebook page " + p.brand, Listen: true, Brand: p.brand}
		if id, _, err := h.Ingest(in); err != nil || id != "" {
			t.Fatalf("listened post %s: case %q err %v", p.id, id, err)
		}
	}
	items, _, err := lis.Items(14, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	brands := map[string]string{}
	for _, it := range items {
		brands[it.ID] = it.Brand
	}
	if brands["facebook|1_1"] != "alpine-air" || brands["facebook|2_7"] != "alpine-lite" {
		t.Fatalf("the items' brands: %v", brands)
	}

	caseID, err := lis.Adopt("arno", "facebook|2_7")
	if err != nil {
		t.Fatal(err)
	}
	c, ok := h.Case(caseID)
	if !ok || c.Brand != "alpine-lite" || c.ThreadRef != "fb-post-2_7" {
		t.Fatalf("the adopted item's case: %v %+v", ok, c)
	}

	// A listening view folded afresh from the log (a restarted hub) still
	// knows each item's brand.
	h2, err := hub.New(l, quietConfig(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	items, _, err = hub.NewListening(h2).Items(14, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if want := map[string]string{"facebook|1_1": "alpine-air", "facebook|2_7": "alpine-lite"}[it.ID]; it.Brand != want {
			t.Errorf("after a reload, %s has brand %q, want %q", it.ID, it.Brand, want)
		}
		if it.ID == "facebook|2_7" && it.Adopted != caseID {
			t.Errorf("after a reload, the adopted item names case %q, want %q", it.Adopted, caseID)
		}
	}
}
