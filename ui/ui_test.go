package ui_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/model"
	"switchboard/store"
	"switchboard/ui"
)

func TestMain(m *testing.M) {
	os.Setenv("LANG", "en_US.UTF-8") // Fyne cannot parse the C locale
	os.Exit(m.Run())
}

// fixture writes a cache the way the sync client does, then opens it as the
// console would at start-up.
func fixture(t *testing.T) *app.Core {
	t.Helper()
	dir := t.TempDir()
	now := time.Now().UTC()
	brenner := model.Identity{Platform: model.ChannelTwitter, Handle: "@mbrenner_travels", DisplayName: "Dr. Markus Brenner", Followers: 148_300, Verified: true}
	model.DefaultReach.Rate(&brenner)
	forumUser := model.Identity{Platform: model.ChannelForum, Handle: "e5_driver_bo", DisplayName: "e5_driver_bo", Followers: 12}
	cases := []model.Case{
		{ID: "c-lounge", Channel: model.ChannelTwitter, Subject: "@SkyWingsAir refused at the lounge", Author: brenner, CustomerID: "4711",
			Status: model.StatusNew, Priority: model.PriorityHigh, Public: true, Created: now.Add(-time.Hour), LastMessageAt: now.Add(-time.Hour), Version: 1},
		{ID: "c-old", Channel: model.ChannelFacebook, Subject: "Seat upgrade question", Author: brenner, CustomerID: "4711",
			Status: model.StatusSolved, Priority: model.PriorityNormal, Public: true, Created: now.Add(-72 * time.Hour), LastMessageAt: now.Add(-70 * time.Hour), Version: 3},
		{ID: "c-forum", Channel: model.ChannelForum, Subject: "Software 4.2 range", Author: forumUser,
			Status: model.StatusOpen, Priority: model.PriorityNormal, Public: true, Created: now.Add(-2 * time.Hour), LastMessageAt: now.Add(-30 * time.Minute), Version: 2},
	}
	var evs []model.Event
	add := func(ev model.Event) { ev.Seq = uint64(len(evs) + 1); ev.Time = now; evs = append(evs, ev) }
	add(model.Event{Type: model.EventCustomerUpserted, Customer: &model.Customer{ID: "4711", Name: "Dr. Markus Brenner", Tier: "senator", LifetimeValue: 182450,
		Links:    []model.Link{{Identity: brenner, Consent: model.Consent{Service: true, By: "crm:senator-desk", At: now.AddDate(-1, 0, 0)}}},
		Vouchers: []model.Voucher{{Code: "LOUNGE-FRA-2X", Value: 90}}}})
	// In the CRM, not linked: the forum author wrote the customer number.
	add(model.Event{Type: model.EventCustomerUpserted, Customer: &model.Customer{ID: "30552", Name: "Bernd Oswald", Tier: "basic", LifetimeValue: 41900,
		Consent:  model.Consent{Service: true, Marketing: true, By: "crm:dealer", At: now.AddDate(-2, 0, 0)},
		Vouchers: []model.Voucher{{Code: "WALLBOX-100", Value: 100, Note: "wallbox discount"}}}})
	for i := range cases {
		add(model.Event{Type: model.EventCaseUpserted, Case: &cases[i]})
	}
	msgs := []model.Message{
		{ID: "m1", CaseID: "c-lounge", Direction: model.DirectionIn, Author: brenner, Text: "Senator for 9 years and turned away at the lounge.", Time: now.Add(-time.Hour)},
		{ID: "m2", CaseID: "c-lounge", Direction: model.DirectionIn, Author: brenner, Text: "Still no reply.", Time: now.Add(-50 * time.Minute)},
		{ID: "m3", CaseID: "c-forum", Direction: model.DirectionIn, Author: forumUser, Text: "Range dropped after 4.2 (Kundennummer 30552)", Time: now.Add(-2 * time.Hour)},
		{ID: "m4", CaseID: "c-forum", Direction: model.DirectionIn, Author: model.Identity{Platform: model.ChannelForum, Handle: "RolandK", Expert: true}, Text: "It is the new range forecast.", Time: now.Add(-30 * time.Minute)},
		{ID: "m5", CaseID: "c-forum", Direction: model.DirectionOut, Author: model.Identity{Handle: "anna"}, Text: "Settings → Energy → Forecast: standard.", Time: now.Add(-20 * time.Minute),
			Delivery: model.DeliveryManual, DeliveryError: "this platform has no reply API: post the reply by hand"},
	}
	for i := range msgs {
		add(model.Event{Type: model.EventMessageAdded, Message: &msgs[i]})
	}
	st, err := store.Open(filepath.Join(dir, "console.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(evs); err != nil {
		t.Fatal(err)
	}
	// One op the hub refused earlier: someone else had claimed the case.
	refused := model.Op{ID: "op-refused", Kind: model.OpClaim, CaseID: "c-forum", Created: now}
	if err := st.Enqueue(refused); err != nil {
		t.Fatal(err)
	}
	cur := cases[2]
	cur.Assignee, cur.Version = "ben", 3
	if err := st.Rejected(refused.ID, model.Rejection{Code: model.RejectClaimed, Reason: "claimed by ben"}, &cur); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	core, err := app.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { core.Close() })
	return core
}

// openCache writes evs to a new cache in dir as the sync client does and
// opens it as the console would at start-up (compact_test.go has its twin
// for the internal tests).
func openCache(t *testing.T, dir string, evs []model.Event) *app.Core {
	t.Helper()
	st, err := store.Open(filepath.Join(dir, "console.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(evs); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	core, err := app.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { core.Close() })
	return core
}

// openConsole shows the fixture cache in a test window; the console's
// background work is waited for before the test app goes away.
func openConsole(t *testing.T) (*app.Core, *ui.Console) {
	t.Helper()
	return openConsoleWith(t, fixture)
}

// openConsoleWith shows the cache a fixture makes in a test window.
func openConsoleWith(t *testing.T, fixture func(*testing.T) *app.Core) (*app.Core, *ui.Console) {
	t.Helper()
	test.NewTempApp(t)
	core := fixture(t)
	c := ui.New(core)
	c.Wait() // the queue is computed off the UI goroutine
	w := test.NewWindow(c.Content())
	w.Resize(fyne.NewSize(1280, 800))
	t.Cleanup(func() {
		w.Close()
		c.Wait()
	})
	return core, c
}

// eventually polls cond under the console's lock until it holds.
func eventually(t *testing.T, c *ui.Console, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var ok bool
		c.Locked(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestQueueListsCachedCasesAndSelectionShowsThreadAndCustomer(t *testing.T) {
	_, c := openConsole(t)

	var ids []string
	c.Locked(func() {
		for _, r := range c.Rows() {
			ids = append(ids, r.ID)
		}
	})
	// Active cases first, high priority first; the solved one last.
	if want := []string{"c-lounge", "c-forum", "c-old"}; strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("queue = %v, want %v", ids, want)
	}

	c.Locked(func() { c.Select("c-lounge") })
	eventually(t, c, "the lounge case to open", func() bool { return c.Detail().Title() != "" })
	c.Locked(func() {
		if got := c.Detail().Title(); !strings.Contains(got, "refused at the lounge") {
			t.Errorf("title = %q", got)
		}
		if got := c.Detail().Thread(); len(got) != 2 || got[1] != "Still no reply." {
			t.Errorf("thread = %q", got)
		}
		if !c.Detail().CautionShown() {
			t.Error("a public case from a high-reach author shows no caution")
		}
		if got := c.Customer().Name(); got != "Dr. Markus Brenner" {
			t.Errorf("customer = %q", got)
		}
		if got := c.Customer().Tier(); got != "SENATOR" {
			t.Errorf("tier = %q", got)
		}
		others := c.Customer().OtherCases()
		if len(others) != 1 || !strings.Contains(others[0].Text, "Seat upgrade") {
			t.Fatalf("other cases = %v", others)
		}
		// One click opens the customer's other case.
		test.Tap(others[0])
	})
	eventually(t, c, "the other case to open", func() bool { return strings.Contains(c.Detail().Title(), "Seat upgrade") })
	c.Locked(func() {
		if c.Selected() != "c-old" {
			t.Errorf("selected = %q", c.Selected())
		}
		// Same author, still high reach and public: the caution stays.
		if !c.Detail().CautionShown() {
			t.Error("caution hidden on the author's other public case")
		}
	})

	// An unlinked author shows the platform profile, not a customer.
	c.Locked(func() { c.Select("c-forum") })
	eventually(t, c, "the forum case", func() bool { return strings.Contains(c.Detail().Title(), "4.2") })
	c.Locked(func() {
		if got := c.Customer().Name(); got != "e5_driver_bo" {
			t.Errorf("unlinked author name = %q", got)
		}
		if got := c.Customer().Tier(); got != "" {
			t.Errorf("unlinked author has tier %q", got)
		}
		if c.Detail().CautionShown() {
			t.Error("caution on a low-reach author")
		}
	})
}

func TestFilterNarrowsTheQueue(t *testing.T) {
	_, c := openConsole(t)

	rows := func() (ids []string) {
		c.Wait() // the queue worker has shown the rows of the last filter
		c.Locked(func() {
			for _, r := range c.Rows() {
				ids = append(ids, r.ID)
			}
		})
		return ids
	}
	c.Locked(func() { test.Type(c.Search(), "range") })
	if got := rows(); len(got) != 1 || got[0] != "c-forum" {
		t.Fatalf("search 'range' = %v", got)
	}
	c.Locked(func() { c.Search().SetText("") })
	if got := rows(); len(got) != 3 {
		t.Fatalf("cleared search = %v", got)
	}
	c.Locked(func() { c.ChannelFilter().SetSelected("Facebook") })
	if got := rows(); len(got) != 1 || got[0] != "c-old" {
		t.Fatalf("facebook only = %v", got)
	}
	c.Locked(func() { test.Tap(c.OpenOnly()) })
	if got := rows(); len(got) != 0 {
		t.Fatalf("open facebook cases = %v", got)
	}
}

func TestStatusBarOffline(t *testing.T) {
	_, c := openConsole(t)
	var text string
	c.Locked(func() { text = c.StatusBar().Text() })
	if !strings.HasPrefix(text, "Offline") {
		t.Fatalf("status before any sync = %q", text)
	}
}

func TestActionsQueueOpsAndShowThemAtOnce(t *testing.T) {
	core, c := openConsole(t)

	c.Locked(func() { c.Select("c-lounge") })
	eventually(t, c, "the case to open", func() bool { return c.Detail().Title() != "" })
	c.Locked(func() {
		a := c.Actions()
		test.Type(a.ReplyEntry(), "We are so sorry, Dr. Brenner. A colleague is on the way to the lounge.")
		test.Tap(a.SendButton())
	})
	eventually(t, c, "the reply to be queued", func() bool { return c.Actions().Info() == "Reply queued" })
	eventually(t, c, "the pending reply in the thread", func() bool {
		th := c.Detail().Thread()
		return len(th) == 3 && strings.HasPrefix(th[2], "We are so sorry")
	})
	c.Locked(func() {
		if got := c.Actions().ReplyEntry().Text; got != "" {
			t.Errorf("reply box not cleared: %q", got)
		}
		// Replying claims the case for the agent.
		if got := c.Actions().ClaimButton().Text; got != "Release" {
			t.Errorf("claim button after reply = %q", got)
		}
		if got := c.StatusBar().PendingText(); got != "1 action waiting for the hub" {
			t.Errorf("pending = %q", got)
		}
	})
	if core.Pending() != 1 {
		t.Fatalf("core pending = %d", core.Pending())
	}

	// A reply over X's limit is refused before it is queued.
	c.Locked(func() {
		test.Type(c.Actions().ReplyEntry(), strings.Repeat("x", 300))
		test.Tap(c.Actions().SendButton())
	})
	eventually(t, c, "the too-long reply refused", func() bool { return strings.Contains(c.Actions().Info(), "not queued") })
	if core.Pending() != 1 {
		t.Fatalf("too-long reply queued: pending %d", core.Pending())
	}
}

func TestRejectedOpsShowAndRetry(t *testing.T) {
	core, c := openConsole(t)
	var lines []string
	c.Locked(func() { lines = c.RejectedPanel().Lines() })
	if len(lines) != 1 || !strings.Contains(lines[0], "ben has taken this case") || !strings.Contains(lines[0], "with ben") {
		t.Fatalf("rejected panel = %q", lines)
	}
	if _, err := core.Retry("op-refused"); err != nil {
		t.Fatal(err)
	}
	eventually(t, c, "retried op queued", func() bool { return core.Pending() == 1 })
	if r, _ := core.Rejected(); len(r) != 0 {
		t.Fatalf("still rejected after retry: %+v", r)
	}
}

func TestManualReplyOffersCopyOpenAndMarkPosted(t *testing.T) {
	core, c := openConsole(t)
	a := fyne.CurrentApp()
	c.Locked(func() { c.Select("c-forum") })
	eventually(t, c, "the forum case", func() bool { return len(c.Detail().ThreadButtons()) > 0 })
	var copyB, markB *widget.Button
	c.Locked(func() {
		for _, b := range c.Detail().ThreadButtons() {
			switch b.Text {
			case "Copy text":
				copyB = b
			case "Mark posted":
				markB = b
			}
		}
	})
	if copyB == nil || markB == nil {
		t.Fatal("manual reply without Copy text / Mark posted")
	}
	c.Locked(func() { test.Tap(copyB) })
	if got := a.Clipboard().Content(); got != "Settings → Energy → Forecast: standard." {
		t.Fatalf("clipboard = %q", got)
	}
	c.Locked(func() { test.Tap(markB) })
	eventually(t, c, "mark_posted queued", func() bool { return core.Pending() == 1 })
}

func TestCustomerPanelLinkedAuthor(t *testing.T) {
	_, c := openConsole(t)
	c.Locked(func() { c.Select("c-lounge") })
	eventually(t, c, "the customer", func() bool { return c.Customer().Name() == "Dr. Markus Brenner" })
	c.Locked(func() {
		p := c.Customer()
		for label, want := range map[string]string{
			"Customer no.":   "4711",
			"Lifetime value": "€182,450",
			"Link consent":   "service yes · marketing no\nrecorded by crm:senator-desk",
			"CRM consent":    "service no · marketing no",
			"Vouchers":       "hidden: no marketing consent",
			"X":              "148k followers · influence 100/100 · verified · high-reach",
		} {
			if got, ok := p.Fact(label); !ok || !strings.Contains(got, want) {
				t.Errorf("%s = %q, want it to contain %q", label, got, want)
			}
		}
		if got, _ := p.Fact("Vouchers"); strings.Contains(got, "LOUNGE") {
			t.Error("a voucher shown without marketing consent")
		}
		if len(p.Suggestions()) != 0 {
			t.Error("suggestions for a linked author")
		}
		// The identity of this case can be unlinked; the other case can be
		// merged here; both ask once more.
		if n := len(p.TwoSteps()); n != 2 {
			t.Fatalf("%d unlink/merge buttons, want 2", n)
		}
		others := p.OtherCases()
		if len(others) != 1 || !strings.Contains(others[0].Text, "solved") {
			t.Fatalf("other cases = %d", len(others))
		}
		test.Tap(others[0])
	})
	eventually(t, c, "the other case opened", func() bool { return c.Selected() == "c-old" })
}

func TestCustomerPanelUnlinkedAuthorSuggestsAndLinks(t *testing.T) {
	core, c := openConsole(t)
	c.Locked(func() { c.Select("c-forum") })
	eventually(t, c, "the suggestion", func() bool { return len(c.Customer().Suggestions()) == 1 })
	var card *ui.SuggestionCard
	c.Locked(func() {
		p := c.Customer()
		if got := p.Name(); got != "e5_driver_bo" {
			t.Errorf("unlinked author name = %q", got)
		}
		if got, ok := p.Fact("Reach"); !ok || !strings.Contains(got, "12 followers") {
			t.Errorf("profile reach = %q", got)
		}
		card = p.Suggestions()[0]
		if card.Customer.ID != "30552" {
			t.Fatalf("suggested %s", card.Customer.ID)
		}
		// No link without the customer's consent for service.
		if !card.LinkButton().Disabled() {
			t.Fatal("Link enabled before consent is recorded")
		}
		// A forum member is not shown to be a customer before they agree.
		if txt := card.VisibleText(); !card.Hidden || strings.Contains(txt, "Bernd Oswald") || !strings.Contains(txt, "without their recorded consent") {
			t.Fatalf("forum suggestion before consent shows %q", txt)
		}
		test.Tap(card.Service())
		if txt := card.VisibleText(); card.Hidden || !strings.Contains(txt, "Bernd Oswald") {
			t.Fatalf("forum suggestion with consent recorded shows %q", txt)
		}
		test.Tap(card.Marketing())
		if card.LinkButton().Disabled() {
			t.Fatal("Link disabled with consent recorded")
		}
		test.Tap(card.LinkButton())
	})
	// The op is queued with the consent, and the panel fills at once.
	eventually(t, c, "the linked customer", func() bool { return c.Customer().Name() == "Bernd Oswald" })
	c.Locked(func() {
		if got, _ := c.Customer().Fact("Vouchers"); !strings.Contains(got, "WALLBOX-100") {
			t.Errorf("vouchers with marketing consent = %q", got)
		}
	})
	ops, err := core.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	var link *model.Op
	for i := range ops {
		if ops[i].Kind == model.OpLinkIdentity {
			link = &ops[i]
		}
	}
	if link == nil || link.CaseID != "c-forum" || link.CustomerID != "30552" || link.Consent == nil || !link.Consent.Service || !link.Consent.Marketing {
		t.Fatalf("queued link op = %+v", link)
	}
}

func TestCustomerPanelDismissRemovesTheSuggestion(t *testing.T) {
	_, c := openConsole(t)
	c.Locked(func() { c.Select("c-forum") })
	eventually(t, c, "the suggestion", func() bool { return len(c.Customer().Suggestions()) == 1 })
	c.Locked(func() { test.Tap(c.Customer().Suggestions()[0].DismissButton()) })
	eventually(t, c, "the suggestion gone", func() bool {
		return len(c.Customer().Suggestions()) == 0 && strings.Contains(c.Customer().Note(), "nothing suggests") && c.Customer().Info() == "Dismiss queued"
	})
}

func TestMergeFromTheCustomerPanelKeepsBothReplyPaths(t *testing.T) {
	core, c := openConsole(t)
	c.Locked(func() { c.Select("c-lounge") })
	eventually(t, c, "the customer", func() bool { return len(c.Customer().OtherCases()) == 1 })
	c.Locked(func() {
		var merge *ui.TwoStep
		for _, b := range c.Customer().TwoSteps() {
			if b.Text == "Merge here" {
				merge = b
			}
		}
		if merge == nil {
			t.Fatal("no Merge here button")
		}
		test.Tap(merge)
		if merge.Text != "Confirm merge" {
			t.Fatalf("first tap: %q, want a confirmation", merge.Text)
		}
		if n := core.Pending(); n != 0 {
			t.Fatalf("merged on the first tap: %d ops", n)
		}
		test.Tap(merge)
	})
	eventually(t, c, "the reply paths", func() bool { return c.Actions().ViaSelect().Visible() })
	c.Locked(func() {
		via := c.Actions().ViaSelect()
		if want := []string{"via twitter", "via facebook"}; strings.Join(via.Options, ",") != strings.Join(want, ",") {
			t.Fatalf("via options = %v, want %v", via.Options, want)
		}
		if others := c.Customer().OtherCases(); len(others) != 1 || !strings.Contains(others[0].Text, "merged here") {
			t.Errorf("other cases after merging: %v", others)
		}
		via.SetSelected("via facebook")
		test.Type(c.Actions().ReplyEntry(), "We have found your seat request.")
		test.Tap(c.Actions().SendButton())
	})
	eventually(t, c, "the reply queued", func() bool { return strings.Contains(c.Actions().Info(), "queued") })
	ops, err := core.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 2 || ops[0].Kind != model.OpMerge || ops[0].Other != "c-old" || ops[1].Kind != model.OpReply || ops[1].Via != "c-old" {
		t.Fatalf("outbox = %+v", ops)
	}
}

// The chosen reply path holds while a case reloads, never into another
// case: a reply there must not take the first case's thread.
func TestReplyPathIsNotCarriedToAnotherCase(t *testing.T) {
	test.NewTempApp(t)
	var sent []model.Op
	bar := ui.NewActionBar(func(op model.Op, done func(error)) { sent = append(sent, op); done(nil) })
	w := test.NewWindow(bar)
	defer w.Close()
	a := model.Case{ID: "a", Channel: model.ChannelTwitter, Status: model.StatusOpen}
	b := model.Summary{ID: "b", Channel: model.ChannelFacebook}
	c := model.Case{ID: "c", Channel: model.ChannelTwitter, Status: model.StatusOpen}
	d := model.Summary{ID: "d", Channel: model.ChannelForum}

	bar.Set(a, []model.Summary{b}, "anna", false)
	bar.ViaSelect().SetSelected("via facebook")
	bar.Set(a, []model.Summary{b}, "anna", false) // a reload of the same case
	if got := bar.ViaSelect().Selected; got != "via facebook" {
		t.Fatalf("after a reload: %q", got)
	}
	bar.Set(c, []model.Summary{d}, "anna", false)
	if got := bar.ViaSelect().Selected; got != "via twitter" {
		t.Fatalf("on another case: %q, want its own thread", got)
	}
	test.Type(bar.ReplyEntry(), "hello")
	test.Tap(bar.SendButton())
	if len(sent) != 1 || sent[0].CaseID != "c" || sent[0].Via != "" {
		t.Fatalf("sent %+v", sent)
	}
}

func TestQueueRowShowsTheReachBadge(t *testing.T) {
	_, c := openConsole(t)
	var rows []model.Summary
	c.Locked(func() { rows = c.Rows() })
	badges := map[string]string{}
	for _, s := range rows {
		r := ui.NewCaseRow()
		r.Set(s, time.Now(), nil)
		badges[s.ID] = r.ReachBadge()
	}
	// The frequent flyer's cases carry the badge; the forum author none.
	for id, want := range map[string]string{"c-lounge": "HIGH REACH", "c-old": "HIGH REACH", "c-forum": ""} {
		if badges[id] != want {
			t.Errorf("%s badge = %q, want %q", id, badges[id], want)
		}
	}
}
