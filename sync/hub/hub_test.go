package hub_test

import (
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/model"
	"switchboard/sync/hub"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// clock is a fixed, steppable time source for the hub.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func openLog(t *testing.T, dir string) *hub.BoltLog {
	t.Helper()
	l, err := hub.OpenBoltLog(dir)
	if err != nil {
		t.Fatalf("open log: %v", err)
	}
	return l
}

func quietConfig(now func() time.Time) hub.Config {
	return hub.Config{Now: now, Logger: slog.New(slog.DiscardHandler)}
}

// newHub opens a hub on a fresh log in a temp dir; the log closes at cleanup.
func newHub(t *testing.T) (*hub.Hub, *hub.BoltLog, string) {
	t.Helper()
	dir := t.TempDir()
	l := openLog(t, dir)
	t.Cleanup(func() { l.Close() })
	clk := &clock{now: t0}
	h, err := hub.New(l, quietConfig(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	return h, l, dir
}

func tweet(thread, pid, handle, text string, at time.Time) hub.Inbound {
	return hub.Inbound{
		Channel: model.ChannelTwitter, ThreadRef: thread, PlatformID: pid,
		Author: model.Identity{Handle: handle, DisplayName: strings.ToUpper(handle), Followers: 50},
		Text:   text, Time: at, Public: true, Source: "@brand mentions",
	}
}

func ingest(t *testing.T, h *hub.Hub, in hub.Inbound) string {
	t.Helper()
	id, dup, err := h.Ingest(in)
	if err != nil {
		t.Fatalf("ingest %q: %v", in.Text, err)
	}
	if dup {
		t.Fatalf("ingest %q: unexpected dup", in.Text)
	}
	return id
}

func readAll(t *testing.T, l hub.EventLog) []model.Event {
	t.Helper()
	evs, err := l.Read(0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// thread returns the texts of a case's messages in log order.
func thread(t *testing.T, l hub.EventLog, caseID string) []string {
	t.Helper()
	var out []string
	for _, ev := range readAll(t, l) {
		if ev.Type == model.EventMessageAdded && ev.Message.CaseID == caseID {
			out = append(out, ev.Message.Text)
		}
	}
	return out
}

func customerEvent(id string) model.Event {
	return model.Event{Type: model.EventCustomerUpserted, Time: t0, Customer: &model.Customer{ID: id, Name: "n" + id}}
}

func TestBoltLogSeqsPagesAndReopen(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	if h := l.Head(); h != 0 {
		t.Fatalf("head of new log = %d", h)
	}
	if got, err := l.Append(nil); err != nil || got != nil {
		t.Fatalf("empty append = %v, %v", got, err)
	}
	var want []string
	var seq uint64
	for _, n := range []int{1, 4, 2} {
		batch := make([]model.Event, n)
		for i := range batch {
			id := fmt.Sprintf("C-%d", len(want)+i+1)
			batch[i] = customerEvent(id)
			batch[i].Seq = 999 // ignored: the log numbers events
		}
		stored, err := l.Append(batch)
		if err != nil {
			t.Fatal(err)
		}
		for i, ev := range stored {
			seq++
			if ev.Seq != seq {
				t.Fatalf("stored seq = %d, want %d", ev.Seq, seq)
			}
			if ev.Customer.ID != batch[i].Customer.ID {
				t.Fatalf("stored event %d is %s, want %s", ev.Seq, ev.Customer.ID, batch[i].Customer.ID)
			}
			want = append(want, ev.Customer.ID)
		}
	}
	if h := l.Head(); h != 7 {
		t.Fatalf("head = %d, want 7", h)
	}

	check := func(t *testing.T, l *hub.BoltLog) {
		t.Helper()
		var got []string
		var after uint64
		pages := 0
		for {
			evs, err := l.Read(after, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) == 0 {
				break
			}
			pages++
			if len(evs) > 3 {
				t.Fatalf("page of %d events, max 3", len(evs))
			}
			for _, ev := range evs {
				if ev.Seq != after+1 {
					t.Fatalf("event %d after %d", ev.Seq, after)
				}
				after = ev.Seq
				got = append(got, ev.Customer.ID)
			}
		}
		if pages != 3 || !slices.Equal(got, want) {
			t.Errorf("paged read = %v in %d pages, want %v in 3", got, pages, want)
		}
		if evs, _ := l.Read(5, 100); len(evs) != 2 || evs[0].Seq != 6 {
			t.Errorf("Read(5) = %d events starting %v", len(evs), evs)
		}
		if evs, _ := l.Read(7, 100); len(evs) != 0 {
			t.Errorf("Read(head) = %d events, want none", len(evs))
		}
		if evs, _ := l.Read(100, 100); len(evs) != 0 {
			t.Errorf("Read past head = %d events, want none", len(evs))
		}
	}
	check(t, l)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	l = openLog(t, dir)
	defer l.Close()
	if h := l.Head(); h != 7 {
		t.Fatalf("head after reopen = %d, want 7", h)
	}
	check(t, l)
	stored, err := l.Append([]model.Event{customerEvent("C-8")})
	if err != nil || stored[0].Seq != 8 {
		t.Fatalf("append after reopen: seq %v, %v; want 8", stored, err)
	}
}

func TestBoltLogSecondOpenFailsFast(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	defer l.Close()
	start := time.Now()
	l2, err := hub.OpenBoltLog(dir)
	if err == nil {
		l2.Close()
		t.Fatal("second open of the log succeeded")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("second open took %v", took)
	}
}

func TestIngestThreadsAndCases(t *testing.T) {
	h, l, _ := newHub(t)
	a := ingest(t, h, tweet("thread-a", "p1", "mia", "Wi-Fi is down", t0))
	b := ingest(t, h, tweet("thread-b", "p2", "tom", "Breakfast?", t0.Add(time.Minute)))
	a2 := ingest(t, h, tweet("thread-a", "p3", "mia", "still down", t0.Add(2*time.Minute)))
	if a == b {
		t.Fatal("two threads share a case")
	}
	if a2 != a {
		t.Fatalf("reply in thread-a went to case %s, want %s", a2, a)
	}
	if n := h.CaseCount(); n != 2 {
		t.Errorf("case count = %d, want 2", n)
	}
	// The same thread ref on another channel is another case.
	fb := tweet("thread-a", "p1", "mia", "hello from facebook", t0)
	fb.Channel = model.ChannelFacebook
	if c := ingest(t, h, fb); c == a {
		t.Error("facebook thread joined the twitter case with the same ref")
	}

	if got := thread(t, l, a); !slices.Equal(got, []string{"Wi-Fi is down", "still down"}) {
		t.Errorf("thread of a = %q", got)
	}
	if l.Head() != 8 {
		t.Errorf("head = %d, want 8 (two events per message)", l.Head())
	}
	c, ok := h.Case(a)
	if !ok {
		t.Fatal("case a not found")
	}
	if c.MessageCount != 2 || c.Subject != "Wi-Fi is down" || c.Status != model.StatusNew || c.Channel != model.ChannelTwitter {
		t.Errorf("case a = %+v", c)
	}
	if !c.LastMessageAt.Equal(t0.Add(2*time.Minute)) || !c.WaitingSince.Equal(t0) || !c.Created.Equal(t0) {
		t.Errorf("case a times: last %v waiting %v created %v", c.LastMessageAt, c.WaitingSince, c.Created)
	}
	if c.Version != 2 {
		t.Errorf("case a version = %d, want 2", c.Version)
	}
	if byRef, ok := h.CaseByThread(model.ChannelTwitter, "thread-a"); !ok || byRef.ID != a {
		t.Errorf("CaseByThread = %s, %v", byRef.ID, ok)
	}

	// The team answers on the platform: open, first response, no longer waiting.
	out := tweet("thread-a", "p4", "brand", "We are on it", t0.Add(3*time.Minute))
	out.Direction = model.DirectionOut
	ingest(t, h, out)
	c, _ = h.Case(a)
	if c.Status != model.StatusOpen || !c.FirstResponse.Equal(t0.Add(3*time.Minute)) || !c.WaitingSince.IsZero() {
		t.Errorf("after answer: status %s first response %v waiting %v", c.Status, c.FirstResponse, c.WaitingSince)
	}
	if c.Author.Handle != "mia" {
		t.Errorf("the brand's answer replaced the case author: %s", c.Author.Handle)
	}
}

func TestIngestDedupesPlatformID(t *testing.T) {
	h, l, _ := newHub(t)
	first := ingest(t, h, tweet("thread-a", "p1", "mia", "first", t0))
	ingest(t, h, tweet("thread-a", "p2", "mia", "second", t0.Add(time.Minute)))
	head := l.Head()

	for _, tc := range []struct{ name, thread, pid string }{
		{"first message of a thread", "thread-a", "p1"},
		{"reply", "thread-a", "p2"},
		// A connector that files the same post under another thread ref
		// still gets the first message's case back.
		{"under another thread ref", "thread-other", "p2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, dup, err := h.Ingest(tweet(tc.thread, tc.pid, "mia", "polled again", t0.Add(time.Hour)))
			if err != nil {
				t.Fatal(err)
			}
			if !dup {
				t.Error("dup = false for a platform id seen before")
			}
			if id != first {
				t.Errorf("dup returned case %q, want %q", id, first)
			}
			if l.Head() != head {
				t.Errorf("head moved %d → %d: a duplicate was appended", head, l.Head())
			}
		})
	}
	if got := thread(t, l, first); !slices.Equal(got, []string{"first", "second"}) {
		t.Errorf("thread = %q", got)
	}
	if c, _ := h.Case(first); c.MessageCount != 2 {
		t.Errorf("message count = %d, want 2", c.MessageCount)
	}
	// Messages without a platform id are never deduped.
	ingest(t, h, tweet("thread-a", "", "mia", "no id", t0))
	ingest(t, h, tweet("thread-a", "", "mia", "no id", t0))
}

func TestIngestRejectsInvalid(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	defer l.Close()
	cfg := quietConfig(nil)
	cfg.MaxText = 100
	h, err := hub.New(l, cfg)
	if err != nil {
		t.Fatal(err)
	}
	valid := tweet("thread-a", "p1", "mia", "ok", t0)
	tests := []struct {
		name string
		edit func(*hub.Inbound)
	}{
		{"empty text", func(in *hub.Inbound) { in.Text = "" }},
		{"blank text", func(in *hub.Inbound) { in.Text = " \n\t " }},
		{"unknown channel", func(in *hub.Inbound) { in.Channel = "myspace" }},
		{"no channel", func(in *hub.Inbound) { in.Channel = "" }},
		{"invalid UTF-8", func(in *hub.Inbound) { in.Text = "caf\xe9 au lait" }},
		{"too long", func(in *hub.Inbound) { in.Text = strings.Repeat("x", 101) }},
		{"too long in bytes, not runes", func(in *hub.Inbound) { in.Text = strings.Repeat("ü", 51) }},
		{"no thread ref", func(in *hub.Inbound) { in.ThreadRef = " " }},
		{"no author", func(in *hub.Inbound) { in.Author.Handle = "" }},
		{"note direction", func(in *hub.Inbound) { in.Direction = model.DirectionNote }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := valid
			tc.edit(&in)
			id, dup, err := h.Ingest(in)
			if !errors.Is(err, hub.ErrInvalid) {
				t.Fatalf("err = %v, want one wrapping ErrInvalid", err)
			}
			if id != "" || dup {
				t.Errorf("rejected ingest returned id %q dup %v", id, dup)
			}
			if l.Head() != 0 || h.CaseCount() != 0 {
				t.Errorf("rejected ingest appended: head %d, %d cases", l.Head(), h.CaseCount())
			}
		})
	}
	// At the limit is accepted.
	in := valid
	in.Text = strings.Repeat("x", 100)
	ingest(t, h, in)
}

func TestRebuildFromLog(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	clk := &clock{now: t0}
	h, err := hub.New(l, quietConfig(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 5 {
		clk.now = t0.Add(time.Duration(i) * time.Minute)
		ids = append(ids, ingest(t, h, tweet(fmt.Sprintf("thread-%d", i%3), fmt.Sprintf("p%d", i), fmt.Sprintf("user%d", i%3), fmt.Sprintf("msg %d", i), clk.now)))
	}
	if err := upsert(h, model.Customer{ID: "C-1", Name: "User Zero", Links: consentLinks(model.Identity{Platform: model.ChannelTwitter, Handle: "user0"})}); err != nil {
		t.Fatal(err)
	}
	if err := h.SetStatus(ids[1], model.StatusSolved, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	before := map[string]model.Case{}
	for _, id := range ids {
		before[id], _ = h.Case(id)
	}
	head := l.Head()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	l = openLog(t, dir)
	defer l.Close()
	h2, err := hub.New(l, quietConfig(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	if h2.CaseCount() != len(before) || len(before) != 3 {
		t.Fatalf("rebuilt hub has %d cases, want %d (3)", h2.CaseCount(), len(before))
	}
	for id, want := range before {
		got, ok := h2.Case(id)
		if !ok {
			t.Errorf("case %s missing after rebuild", id)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("case %s after rebuild:\n got %+v\nwant %+v", id, got, want)
		}
	}
	if !h2.HasCustomer("C-1") {
		t.Error("customer lost in rebuild")
	}
	// Threads and dedupe state come back too.
	if id := ingest(t, h2, tweet("thread-0", "p9", "user0", "later", t0)); id != ids[0] {
		t.Errorf("reply after rebuild went to %s, want %s", id, ids[0])
	}
	head++
	head++
	for i, pid := range []string{"p0", "p4"} {
		if _, dup, err := h2.Ingest(tweet("thread-"+fmt.Sprint(i), pid, "user0", "again", t0)); err != nil || !dup {
			t.Errorf("platform id %s after rebuild: dup %v, err %v", pid, dup, err)
		}
	}
	if l.Head() != head {
		t.Errorf("head = %d, want %d", l.Head(), head)
	}
	// A linked identity's new thread is linked at once.
	nc := ingest(t, h2, tweet("thread-new", "p10", "USER0", "new topic", t0))
	if c, _ := h2.Case(nc); c.CustomerID != "C-1" {
		t.Errorf("new case of a known identity has customer %q, want C-1", c.CustomerID)
	}
}

func TestUpsertCustomerLinksCases(t *testing.T) {
	h, l, _ := newHub(t)
	miaTw := ingest(t, h, tweet("t1", "p1", "mia", "hi", t0))
	fb := tweet("f1", "p2", "Mia.B", "hallo", t0)
	fb.Channel = model.ChannelFacebook
	miaFb := ingest(t, h, fb)
	tom := ingest(t, h, tweet("t2", "p3", "tom", "hey", t0))
	// A case already linked elsewhere stays with its customer.
	if err := upsert(h, model.Customer{ID: "C-9", Name: "Other", Links: consentLinks(model.Identity{Platform: model.ChannelTwitter, Handle: "zed"})}); err != nil {
		t.Fatal(err)
	}
	zed := ingest(t, h, tweet("t3", "p4", "zed", "yo", t0))
	verBefore := map[string]int64{}
	for _, id := range []string{miaTw, miaFb, tom, zed} {
		c, _ := h.Case(id)
		verBefore[id] = c.Version
	}
	head := l.Head()

	// An identity linked to another customer cannot be linked again.
	zedToo := model.Customer{ID: "C-1", Name: "Mia B.", Links: consentLinks(model.Identity{Platform: model.ChannelTwitter, Handle: "zed"})}
	if err := upsert(h, zedToo); !errors.Is(err, hub.ErrInvalid) {
		t.Fatalf("linking zed, linked to C-9, to C-1: %v, want ErrInvalid", err)
	}
	// A handle the CRM lists is a suggestion, never a link.
	if err := upsert(h, model.Customer{ID: "C-7", Name: "Tom", Handles: []model.Identity{{Platform: model.ChannelTwitter, Handle: "tom"}}}); err != nil {
		t.Fatal(err)
	}
	if c, _ := h.Case(tom); c.CustomerID != "" {
		t.Fatalf("a CRM handle linked tom's case to %s without consent", c.CustomerID)
	}
	head = l.Head()
	err := upsert(h, model.Customer{ID: "C-1", Name: "Mia B.", Links: consentLinks(
		model.Identity{Platform: model.ChannelTwitter, Handle: "MIA"},
		model.Identity{Platform: model.ChannelFacebook, Handle: "mia.b"},
	)})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{miaTw: "C-1", miaFb: "C-1", tom: "", zed: "C-9"} {
		c, _ := h.Case(id)
		if c.CustomerID != want {
			t.Errorf("case of %s linked to %q, want %q", c.Author.Key(), c.CustomerID, want)
		}
		wantVer := verBefore[id]
		if want == "C-1" {
			wantVer++
		}
		if c.Version != wantVer {
			t.Errorf("case of %s version %d, want %d", c.Author.Key(), c.Version, wantVer)
		}
	}
	// One customer event and one case event per linked case, in one append.
	evs, _ := l.Read(head, 100)
	var types []model.EventType
	for _, ev := range evs {
		types = append(types, ev.Type)
	}
	if want := []model.EventType{model.EventCustomerUpserted, model.EventCaseUpserted, model.EventCaseUpserted}; !slices.Equal(types, want) {
		t.Errorf("appended %v, want %v", types, want)
	}
	if !h.HasCustomer("C-1") {
		t.Error("HasCustomer(C-1) = false")
	}

	head = l.Head()
	noConsent := []model.Link{{Identity: model.Identity{Platform: model.ChannelTwitter, Handle: "ann"}, Consent: model.Consent{Marketing: true}}}
	for _, bad := range []model.Customer{{ID: "", Name: "x"}, {ID: "C-2", Name: " "}, {ID: "C-3", Name: "Ann", Links: noConsent}} {
		if err := upsert(h, bad); !errors.Is(err, hub.ErrInvalid) {
			t.Errorf("UpsertCustomer(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
	if l.Head() != head {
		t.Error("invalid customer appended events")
	}
}

func TestReachSetsPriority(t *testing.T) {
	h, _, _ := newHub(t)
	tests := []struct {
		name      string
		followers int
		public    bool
		reach     model.Reach
		want      model.Priority
	}{
		{"high reach public", 250_000, true, model.ReachHigh, model.PriorityHigh},
		{"at threshold", model.DefaultReach.High, true, model.ReachHigh, model.PriorityHigh},
		{"high reach private", 250_000, false, model.ReachHigh, model.PriorityNormal},
		{"influencer public", 20_000, true, model.ReachInfluencer, model.PriorityNormal},
		{"nobody", 10, true, model.ReachNone, model.PriorityNormal},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tweet(fmt.Sprint("reach-", i), "", fmt.Sprint("author", i), "look at this", t0)
			in.Author.Followers = tc.followers
			in.Public = tc.public
			c, _ := h.Case(ingest(t, h, in))
			if c.Priority != tc.want {
				t.Errorf("priority = %s, want %s", c.Priority, tc.want)
			}
			if c.Author.Reach != tc.reach {
				t.Errorf("reach = %q, want %q", c.Author.Reach, tc.reach)
			}
			if c.Author.Influence != model.InfluenceScore(tc.followers, 0, false) {
				t.Errorf("influence = %d", c.Author.Influence)
			}
		})
	}
}

func TestSetStatusAndReopen(t *testing.T) {
	h, _, _ := newHub(t)
	id := ingest(t, h, tweet("t1", "p1", "mia", "help", t0))
	if err := h.SetStatus(id, model.StatusSolved, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	c, _ := h.Case(id)
	if c.Status != model.StatusSolved || !c.Resolved.Equal(t0.Add(time.Hour)) {
		t.Fatalf("after solve: %s resolved %v", c.Status, c.Resolved)
	}
	ingest(t, h, tweet("t1", "p2", "mia", "it broke again", t0.Add(2*time.Hour)))
	c, _ = h.Case(id)
	if c.Status != model.StatusOpen || !c.Resolved.IsZero() {
		t.Errorf("a new customer message did not reopen: %s resolved %v", c.Status, c.Resolved)
	}
	if err := h.SetStatus("nope", model.StatusSolved, t0); !errors.Is(err, hub.ErrUnknownCase) {
		t.Errorf("unknown case: %v", err)
	}
}

// upsert stores a customer, failing on an error like UpsertCustomer.
func upsert(h *hub.Hub, c model.Customer) error {
	_, err := h.UpsertCustomer(c)
	return err
}

// consentLinks links identities with a service consent recorded by the CRM.
func consentLinks(ids ...model.Identity) []model.Link {
	var out []model.Link
	for _, id := range ids {
		out = append(out, model.Link{Identity: id, Consent: model.Consent{Service: true, By: "crm", At: t0}})
	}
	return out
}
