package hub_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/connector"
	"switchboard/model"
	"switchboard/sync/hub"
)

func applyOK(t *testing.T, h *hub.Hub, by string, op model.Op) {
	t.Helper()
	a, err := h.ApplyOp(hub.Agent{Name: by, Role: hub.RoleAgent}, op)
	if err != nil || a.Reject != nil {
		t.Fatalf("%s: %+v %v", op.Kind, a.Reject, err)
	}
}

func TestLinkUnlinkAndDismissRecordWhoAndWhen(t *testing.T) {
	h, l, _ := newHub(t)
	first := ingest(t, h, tweet("t1", "p1", "mia", "my bag is lost", t0))
	second := ingest(t, h, tweet("t2", "p2", "mia", "still lost", t0.Add(time.Hour)))
	other := ingest(t, h, tweet("t3", "p3", "tom", "hi", t0))
	if err := upsert(h, model.Customer{ID: "C-1", Name: "Mia B.", Handles: []model.Identity{{Platform: model.ChannelTwitter, Handle: "mia"}}}); err != nil {
		t.Fatal(err)
	}

	// No link without the customer's consent for service: refused, nothing logged.
	head := l.Head()
	for _, consent := range []*model.Consent{nil, {Marketing: true}} {
		a, err := h.ApplyOp(hub.Agent{Name: "anna"}, model.Op{ID: "nolink-" + time.Now().String(), Kind: model.OpLinkIdentity, CaseID: first, CustomerID: "C-1", Consent: consent})
		if err != nil || a.Reject == nil || a.Reject.Code != model.RejectConsent {
			t.Fatalf("link with consent %+v: %+v %v", consent, a.Reject, err)
		}
	}
	if l.Head() != head {
		t.Fatal("a refused link appended events")
	}
	if a, _ := h.ApplyOp(hub.Agent{Name: "anna"}, model.Op{ID: "l-unknown", Kind: model.OpLinkIdentity, CaseID: first, CustomerID: "C-404", Consent: &model.Consent{Service: true}}); a.Reject == nil {
		t.Fatal("linked to a customer that does not exist")
	}

	// The console's By and At are not trusted: the hub records the agent and its own time.
	applyOK(t, h, "anna", model.Op{ID: "l1", Kind: model.OpLinkIdentity, CaseID: first, CustomerID: "C-1",
		Consent: &model.Consent{Service: true, Marketing: true, By: "mallory", At: t0.AddDate(-5, 0, 0)}})
	for id, want := range map[string]string{first: "C-1", second: "C-1", other: ""} {
		if c, _ := h.Case(id); c.CustomerID != want {
			t.Errorf("case %s linked to %q, want %q", id, c.CustomerID, want)
		}
	}
	cust := lastCustomer(t, l, "C-1")
	if len(cust.Links) != 1 || cust.Links[0].Consent != (model.Consent{Service: true, Marketing: true, By: "anna", At: t0}) {
		t.Fatalf("links after linking = %+v", cust.Links)
	}
	// A new case of the linked identity is linked at once.
	third := ingest(t, h, tweet("t4", "p4", "mia", "hello again", t0.Add(2*time.Hour)))
	if c, _ := h.Case(third); c.CustomerID != "C-1" {
		t.Errorf("new case of a linked identity: customer %q", c.CustomerID)
	}

	// Unlinking is recorded, and every case of the identity lets go.
	applyOK(t, h, "ben", model.Op{ID: "u1", Kind: model.OpUnlinkIdentity, CaseID: second, CustomerID: "C-1"})
	for _, id := range []string{first, second, third} {
		if c, _ := h.Case(id); c.CustomerID != "" {
			t.Errorf("case %s still linked to %s after unlinking", id, c.CustomerID)
		}
	}
	cust = lastCustomer(t, l, "C-1")
	if len(cust.Links) != 1 || cust.Links[0].Active() || cust.Links[0].UnlinkedBy != "ben" || !cust.Links[0].Unlinked.Equal(t0) {
		t.Fatalf("links after unlinking = %+v", cust.Links)
	}
	if fresh := ingest(t, h, tweet("t5", "p5", "mia", "?", t0.Add(3*time.Hour))); func() string { c, _ := h.Case(fresh); return c.CustomerID }() != "" {
		t.Error("a new case of an unlinked identity was linked")
	}

	// Dismissing a suggestion is kept on the case for every console.
	applyOK(t, h, "anna", model.Op{ID: "d1", Kind: model.OpDismissLink, CaseID: other, CustomerID: "C-1"})
	if c, _ := h.Case(other); !slices.Equal(c.Dismissed, []string{"C-1"}) {
		t.Errorf("dismissed = %v", c.Dismissed)
	}

	// A CRM re-import keeps the links agents made.
	applyOK(t, h, "anna", model.Op{ID: "l2", Kind: model.OpLinkIdentity, CaseID: first, CustomerID: "C-1", Consent: &model.Consent{Service: true}})
	if err := upsert(h, model.Customer{ID: "C-1", Name: "Mia Berger", Tier: "gold"}); err != nil {
		t.Fatal(err)
	}
	if cust := lastCustomer(t, l, "C-1"); cust.Name != "Mia Berger" || len(cust.Linked()) != 1 || len(cust.Links) != 2 {
		t.Fatalf("after re-import: %+v", cust)
	}
}

func lastCustomer(t *testing.T, l hub.EventLog, id string) model.Customer {
	t.Helper()
	var c *model.Customer
	for _, ev := range readAll(t, l) {
		if ev.Type == model.EventCustomerUpserted && ev.Customer.ID == id {
			c = ev.Customer
		}
	}
	if c == nil {
		t.Fatalf("no customer %s in the log", id)
	}
	return *c
}

func TestMergeKeepsEveryMessageAndBothReplyPaths(t *testing.T) {
	h, l := deliveryHub(t, t.TempDir())
	defer l.Close()
	kim := model.Identity{Handle: "@kim", PlatformID: "u-kim", DisplayName: "Kim"}
	post := func(ch model.Channel, thread, pid, text string, min int) string {
		id, _, err := h.Ingest(hub.Inbound{Channel: ch, ThreadRef: thread, PlatformID: pid, Author: kim, Text: text,
			Time: time.Date(2026, 3, 1, 9, min, 0, 0, time.UTC), Public: true})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	tw := post(model.ChannelTwitter, "conv-1", "tw-1", "bag lost on LH400", 0)
	post(model.ChannelTwitter, "conv-1", "tw-2", "any news?", 5)
	fb := post(model.ChannelFacebook, "fb-post-9", "fb-1", "Still no bag, asked on Twitter too", 3)
	post(model.ChannelFacebook, "fb-post-9", "fb-2", "hello??", 8)

	applyOK(t, h, "anna", model.Op{ID: "m1", Kind: model.OpMerge, CaseID: tw, Other: fb})
	main, _ := h.Case(tw)
	folded, _ := h.Case(fb)
	if !slices.Equal(main.Merged, []string{fb}) || main.MessageCount != 4 {
		t.Fatalf("merged case: merged %v, %d messages", main.Merged, main.MessageCount)
	}
	if folded.MergedInto != tw || folded.Status != model.StatusClosed {
		t.Fatalf("folded case: into %q, %s", folded.MergedInto, folded.Status)
	}
	var texts []string
	for _, id := range []string{tw, fb} {
		texts = append(texts, thread(t, l, id)...)
	}
	if want := []string{"bag lost on LH400", "any news?", "Still no bag, asked on Twitter too", "hello??"}; !slices.Equal(texts, want) {
		t.Fatalf("messages after merge = %q, want %q", texts, want)
	}
	// A case merged elsewhere cannot be merged again.
	third := post(model.ChannelForum, "forum-1", "f-1", "bag?", 9)
	if a, _ := h.ApplyOp(hub.Agent{Name: "anna"}, model.Op{ID: "m2", Kind: model.OpMerge, CaseID: third, Other: fb}); a.Reject == nil {
		t.Fatal("merged a case twice")
	}

	// Each channel keeps its reply path: via the Facebook thread, the
	// reply goes to Facebook and stays in that thread; without via, to X.
	applyOK(t, h, "anna", model.Op{ID: "r-fb", Kind: model.OpReply, CaseID: tw, Via: fb, Text: "Found it, delivering tonight (Facebook)."})
	applyOK(t, h, "anna", model.Op{ID: "r-tw", Kind: model.OpReply, CaseID: tw, Text: "Found it!"})
	if a, _ := h.ApplyOp(hub.Agent{Name: "anna"}, model.Op{ID: "r-bad", Kind: model.OpReply, CaseID: tw, Via: third, Text: "x"}); a.Reject == nil {
		t.Fatal("replied via a case that is not merged")
	}
	x, f := &platform{}, &platform{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		h.RunDelivery(ctx, map[model.Channel]connector.Sender{model.ChannelTwitter: x, model.ChannelFacebook: f})
		close(done)
	}()
	defer func() { cancel(); <-done }()
	waitDelivery(t, l, fb, "r-fb", model.DeliverySent)
	waitDelivery(t, l, tw, "r-tw", model.DeliverySent)
	if fc := f.calls(); len(fc) != 1 || fc[0].InReplyTo != "fb-2" || fc[0].ThreadRef != "fb-post-9" || fc[0].Channel != model.ChannelFacebook {
		t.Errorf("facebook got %+v", fc)
	}
	if xc := x.calls(); len(xc) != 1 || xc[0].InReplyTo != "tw-2" || xc[0].Text != "Found it!" {
		t.Errorf("x got %+v", xc)
	}
}

// A CRM writes X handles without the @ the platform shows: they are one
// identity. A re-import brings back neither a link an agent ended nor an
// older consent over one an agent recorded since.
func TestImportMeetsAgentsLinks(t *testing.T) {
	h, l, _ := newHub(t)
	mia := tweet("t1", "p1", "@Mia_B", "my bag", t0)
	caseID := ingest(t, h, mia)
	file := `[{"id": "C-1", "name": "Mia B.", "links": [{"identity": {"platform": "twitter", "handle": "mia_b"},
		"consent": {"service": true, "by": "crm:desk", "at": "2026-01-05T00:00:00Z"}}]}]`
	importJSON := func() hub.ImportReport {
		t.Helper()
		rep, err := hub.ImportCustomers(h, "application/json", strings.NewReader(file))
		if err != nil || len(rep.Rejected) != 0 {
			t.Fatalf("import: %+v %v", rep, err)
		}
		return rep
	}
	if rep := importJSON(); rep.Accepted != 1 {
		t.Fatalf("first import: %+v", rep)
	}
	if c, _ := h.Case(caseID); c.CustomerID != "C-1" {
		t.Fatalf("the CRM's mia_b did not link @Mia_B's case: %q", c.CustomerID)
	}

	// The agent records a newer consent, with marketing: a re-import of
	// the older one changes nothing.
	applyOK(t, h, "anna", model.Op{ID: "relink", Kind: model.OpLinkIdentity, CaseID: caseID, CustomerID: "C-1", Consent: &model.Consent{Service: true, Marketing: true}})
	head := l.Head()
	if rep := importJSON(); rep.Unchanged != 1 || l.Head() != head {
		t.Fatalf("re-import over a newer consent: %+v, head %d → %d", rep, head, l.Head())
	}
	if cu := lastCustomer(t, l, "C-1"); len(cu.Links) != 1 || cu.Links[0].Consent.By != "anna" || !cu.Links[0].Consent.Marketing {
		t.Fatalf("links = %+v", cu.Links)
	}

	// The customer withdraws consent; the agent unlinks. The next nightly
	// import must not link them again.
	applyOK(t, h, "anna", model.Op{ID: "unlink", Kind: model.OpUnlinkIdentity, CaseID: caseID, CustomerID: "C-1"})
	importJSON()
	if c, _ := h.Case(caseID); c.CustomerID != "" {
		t.Fatal("a re-import linked an identity an agent had unlinked")
	}
	if cu := lastCustomer(t, l, "C-1"); len(cu.Linked()) != 0 {
		t.Fatalf("links after re-import = %+v", cu.Links)
	}
	// A CRM consent given after the unlink links again.
	later := strings.Replace(file, "2026-01-05T00:00:00Z", "2027-01-01T00:00:00Z", 1)
	if rep, err := hub.ImportCustomers(h, "application/json", strings.NewReader(later)); err != nil || rep.Accepted != 1 {
		t.Fatalf("newer consent: %+v %v", rep, err)
	}
	if c, _ := h.Case(caseID); c.CustomerID != "C-1" {
		t.Fatal("a consent given after the unlink did not link")
	}
}
