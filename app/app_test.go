package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/model"
	"switchboard/sync/hub"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

type testHub struct {
	hub *hub.Hub
	log *hub.BoltLog
	url string
}

func startHub(t *testing.T) *testHub {
	t.Helper()
	return startHubWith(t, nil)
}

// startHubWith serves a hub on a temp log over loopback; with auth set,
// sessions need its tokens.
func startHubWith(t *testing.T, auth hub.Authenticator) *testHub {
	t.Helper()
	l, err := hub.OpenBoltLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := hub.NewServer(h, hub.Timing{HelloWait: 2 * time.Second, WriteWait: 2 * time.Second, PongWait: 2 * time.Minute, PingEvery: time.Minute})
	if auth != nil {
		srv.SetAuth(auth)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
		l.Close()
	})
	return &testHub{hub: h, log: l, url: ts.URL}
}

type post struct {
	ch        model.Channel
	thread    string
	handle    string
	name      string
	followers int
	text      string
	at        time.Duration // after t0
}

func (th *testHub) post(t *testing.T, p post) string {
	t.Helper()
	id, _, err := th.hub.Ingest(hub.Inbound{
		Channel: p.ch, ThreadRef: p.thread, PlatformID: p.thread + p.text,
		Author: model.Identity{Handle: p.handle, DisplayName: p.name, Followers: p.followers},
		Text:   p.text, Time: t0.Add(p.at), Public: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// seed builds a queue whose order exercises every rule of compareQueue.
func seed(t *testing.T, th *testHub) map[string]string {
	t.Helper()
	ids := map[string]string{
		"anna":  th.post(t, post{model.ChannelTwitter, "tw-1", "anna", "Anna Alpen", 50, "WiFi down in room 12", time.Minute}),
		"star":  th.post(t, post{model.ChannelTwitter, "tw-2", "star", "Big Star", 500_000, "Terrible breakfast", 0}),
		"carl":  th.post(t, post{model.ChannelFacebook, "fb-1", "carl.k", "Carl K", 10, "Parking question", 5 * time.Minute}),
		"dora":  th.post(t, post{model.ChannelForum, "fo-1", "dora", "Dora", 10, "Best hikes nearby?", 10 * time.Minute}),
		"ella":  th.post(t, post{model.ChannelTwitter, "tw-3", "ella", "Ella", 200_000, "Spa was great", 2 * time.Minute}),
		"fritz": th.post(t, post{model.ChannelFacebook, "fb-2", "fritz", "Fritz", 10, "wifi password?", 3 * time.Minute}),
	}
	// A second message in Anna's thread.
	th.post(t, post{model.ChannelTwitter, "tw-1", "anna", "Anna Alpen", 50, "still no wifi", 4 * time.Minute})
	for _, who := range []string{"dora", "ella"} {
		if err := th.hub.SetStatus(ids[who], model.StatusSolved, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	_, err := th.hub.UpsertCustomer(model.Customer{ID: "C-1", Name: "Anna Alpen", Tier: "gold", Links: []model.Link{
		{Identity: model.Identity{Platform: model.ChannelTwitter, Handle: "anna"}, Consent: model.Consent{Service: true, By: "crm"}},
		{Identity: model.Identity{Platform: model.ChannelFacebook, Handle: "Fritz"}, Consent: model.Consent{Service: true, By: "crm"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

type changes struct {
	mu  sync.Mutex
	all []app.Change
}

func (c *changes) add(ch app.Change) {
	c.mu.Lock()
	c.all = append(c.all, ch)
	c.mu.Unlock()
}

func (c *changes) snapshot() []app.Change {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.all)
}

// startCore opens a console in dir and syncs it with th until cleanup.
func startCore(t *testing.T, dir string, th *testHub) (*app.Core, *changes) {
	t.Helper()
	core, err := app.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	rec := &changes{}
	core.OnChange(rec.add)
	ctx, cancel := context.WithCancel(context.Background())
	done := core.Start(ctx, th.url, "")
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("sync did not stop")
		}
		core.Close()
	})
	select {
	case <-core.Synced():
	case <-time.After(10 * time.Second):
		t.Fatalf("never synced; status %+v", core.Status())
	}
	return core, rec
}

func handles(sums []model.Summary) []string {
	out := make([]string, len(sums))
	for i, s := range sums {
		out[i] = s.Handle
	}
	return out
}

func TestQueueOrderAndFilters(t *testing.T) {
	th := startHub(t)
	seed(t, th)
	core, _ := startCore(t, t.TempDir(), th)

	if s := core.Status(); s.Cursor != th.log.Head() {
		t.Errorf("status cursor %d, hub head %d", s.Cursor, th.log.Head())
	}
	if n := core.Count(); n != 6 {
		t.Fatalf("count = %d, want 6", n)
	}
	// Active before solved; the open ones by the queue's order (no triage
	// score here: the high-reach star's raised priority, then the customer
	// waiting longest — Anna since +1m, though her last message is at +4m);
	// the solved by the latest activity.
	want := []string{"star", "anna", "fritz", "carl.k", "dora", "ella"}
	if got := handles(core.Queue(app.Filter{})); !slices.Equal(got, want) {
		t.Errorf("queue = %v, want %v", got, want)
	}

	tests := []struct {
		name string
		f    app.Filter
		want []string
	}{
		{"text in preview, any case", app.Filter{Text: "WIFI"}, []string{"anna", "fritz"}},
		{"text in author name", app.Filter{Text: "big star"}, []string{"star"}},
		{"text in handle", app.Filter{Text: "carl.k"}, []string{"carl.k"}},
		{"no match", app.Filter{Text: "sauna"}, []string{}},
		{"channel", app.Filter{Channel: model.ChannelFacebook}, []string{"fritz", "carl.k"}},
		{"active only", app.Filter{ActiveOnly: true}, []string{"star", "anna", "fritz", "carl.k"}},
		{"combined", app.Filter{ActiveOnly: true, Channel: model.ChannelTwitter, Text: "a"}, []string{"star", "anna"}},
		{"solved twitter", app.Filter{Channel: model.ChannelTwitter, Text: "spa"}, []string{"ella"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := handles(core.Queue(tc.f)); !slices.Equal(got, tc.want) {
				t.Errorf("Queue(%+v) = %v, want %v", tc.f, got, tc.want)
			}
		})
	}

	// The slice is the caller's: changing it does not change the queue.
	q := core.Queue(app.Filter{})
	q[0], q[1] = q[1], q[0]
	if got := handles(core.Queue(app.Filter{})); !slices.Equal(got, want) {
		t.Errorf("queue after the caller scribbled on its copy = %v", got)
	}
}

func TestCaseDetail(t *testing.T) {
	th := startHub(t)
	ids := seed(t, th)
	core, _ := startCore(t, t.TempDir(), th)

	d, err := core.Case(ids["anna"])
	if err != nil {
		t.Fatal(err)
	}
	if d.Case.ID != ids["anna"] || d.Case.Author.Handle != "anna" || d.Case.MessageCount != 2 {
		t.Errorf("case = %+v", d.Case)
	}
	var texts []string
	for _, m := range d.Thread {
		texts = append(texts, m.Text)
	}
	if !slices.Equal(texts, []string{"WiFi down in room 12", "still no wifi"}) {
		t.Errorf("thread = %q", texts)
	}
	if d.Customer == nil || d.Customer.ID != "C-1" || d.Customer.Tier != "gold" {
		t.Fatalf("customer = %+v", d.Customer)
	}
	if got := handles(d.Others); !slices.Equal(got, []string{"fritz"}) {
		t.Errorf("other cases = %v, want fritz's", got)
	}

	// A case without a customer has none, and no others.
	d, err = core.Case(ids["carl"])
	if err != nil || d.Customer != nil || len(d.Others) != 0 {
		t.Errorf("carl's case: customer %+v, others %v, err %v", d.Customer, d.Others, err)
	}
	if _, err := core.Case("no-such-case"); err == nil {
		t.Error("unknown case: no error")
	}
}

func TestOthersNewestFirst(t *testing.T) {
	th := startHub(t)
	var ids []string
	for i := range 4 {
		ids = append(ids, th.post(t, post{model.ChannelTwitter, fmt.Sprint("t", i), "regular", "Regular", 10, fmt.Sprint("visit ", i), time.Duration(i) * time.Hour}))
	}
	if _, err := th.hub.UpsertCustomer(model.Customer{ID: "C-2", Name: "Regular", Links: []model.Link{{Identity: model.Identity{Platform: model.ChannelTwitter, Handle: "regular"}, Consent: model.Consent{Service: true, By: "crm"}}}}); err != nil {
		t.Fatal(err)
	}
	core, _ := startCore(t, t.TempDir(), th)
	d, err := core.Case(ids[1])
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range d.Others {
		got = append(got, o.ID)
	}
	if want := []string{ids[3], ids[2], ids[0]}; !slices.Equal(got, want) {
		t.Errorf("others = %v, want newest first %v", got, want)
	}
}

func TestOnChangeAfterNewEvents(t *testing.T) {
	th := startHub(t)
	seed(t, th)
	core, rec := startCore(t, t.TempDir(), th)
	waitFor(t, "a status change", func() bool {
		for _, ch := range rec.snapshot() {
			if ch.Status {
				return true
			}
		}
		return false
	})
	seen := len(rec.snapshot())

	id := th.post(t, post{model.ChannelForum, "fo-9", "urs", "Urs", 10, "Is the pool open?", 20 * time.Minute})
	waitFor(t, "a queue change naming the new case", func() bool {
		for _, ch := range rec.snapshot()[seen:] {
			if ch.Queue && slices.Contains(ch.Cases, id) {
				return true
			}
		}
		return false
	})
	if q := core.Queue(app.Filter{Text: "pool"}); len(q) != 1 || q[0].ID != id {
		t.Errorf("queue after the change = %v", handles(q))
	}
	if core.Count() != 7 {
		t.Errorf("count = %d, want 7", core.Count())
	}

	// An update to a known case moves it: a solved case that the customer
	// writes to again is active once more.
	ella, _ := th.hub.CaseByThread(model.ChannelTwitter, "tw-3")
	seen = len(rec.snapshot())
	th.post(t, post{model.ChannelTwitter, "tw-3", "ella", "Ella", 200_000, "actually, one more thing", 30 * time.Minute})
	waitFor(t, "a change naming the reopened case", func() bool {
		for _, ch := range rec.snapshot()[seen:] {
			if slices.Contains(ch.Cases, ella.ID) {
				return true
			}
		}
		return false
	})
	// Ella's raised priority puts her above the normal ones waiting
	// longer; the star, raised too, has waited longer still.
	if got := handles(core.Queue(app.Filter{ActiveOnly: true})); len(got) < 2 || got[0] != "star" || got[1] != "ella" {
		t.Errorf("active queue = %v, want the reopened high-priority case second, after the star waiting longer", got)
	}
}

func TestQueueLoadsFromCacheWithoutHub(t *testing.T) {
	th := startHub(t)
	seed(t, th)
	dir := t.TempDir()
	core, err := app.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := core.Start(ctx, th.url, "")
	select {
	case <-core.Synced():
	case <-time.After(10 * time.Second):
		t.Fatal("never synced")
	}
	want := handles(core.Queue(app.Filter{}))
	cancel()
	<-done
	if err := core.Close(); err != nil {
		t.Fatal(err)
	}

	core, err = app.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	if got := handles(core.Queue(app.Filter{})); !slices.Equal(got, want) {
		t.Errorf("queue from cache = %v, want %v", got, want)
	}
	if s := core.Status(); s.Cursor != th.log.Head() {
		t.Errorf("cursor from cache = %d, want %d", s.Cursor, th.log.Head())
	}
	select {
	case <-core.Synced():
		t.Error("Synced before any sync")
	default:
	}
}
