package demo_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/connector"
	"switchboard/connector/facebook"
	"switchboard/connector/forum"
	"switchboard/demo"
	"switchboard/model"
	"switchboard/sync/hub"
)

// The demo's backlog goes through the real connectors: signed webhooks for
// X and Facebook, RSS feeds for the forums. Every scenario of the walking
// skeleton must come out as the cases an agent would see.
func TestScenariosArriveThroughTheConnectors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := startRig(t, ctx, hub.Config{Experts: demo.Experts})
	h, l, p, srv, logger := r.h, r.l, r.p, r.srv, r.logger
	feeds, err := forum.New(forum.Config{Feeds: p.Feeds(), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}

	g := &demo.Generator{Hub: h, Handler: srv.Handler(), Platform: p, Logger: logger}
	if err := g.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range feeds.PollOnce(ctx, h.Sink()) {
		if r.Err != nil {
			t.Fatalf("feed %s: %v", r.Feed, r.Err)
		}
	}

	cases := map[string]model.Case{}
	byAuthor := func(handle string) []model.Case {
		var out []model.Case
		for _, c := range cases {
			if c.Author.Handle == handle {
				out = append(out, c)
			}
		}
		return out
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			cases = map[string]model.Case{}
			if _, err := l.Snapshot(func(ev model.Event) error {
				if ev.Case != nil {
					cases[ev.Case.ID] = *ev.Case
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitFor("the backlog", func() bool { return len(cases) == 9 })

	// The frequent flyer: high reach, public, raised priority, a customer.
	b := byAuthor("@mbrenner_fly")
	if len(b) != 1 || b[0].Author.Reach != model.ReachHigh || b[0].Priority != model.PriorityHigh || b[0].CustomerID != "4711" || !b[0].Public {
		t.Fatalf("lounge case = %+v", b)
	}
	// The relocating customer: four cases on three channels, all hers,
	// the old ones closed or solved once the feeds were read.
	waitFor("the relocation history", func() bool {
		n, done := 0, 0
		for _, c := range cases {
			if c.CustomerID == "10234" {
				n++
				if !c.Status.Active() {
					done++
				}
			}
		}
		return n == 4 && done == 3
	})
	// The hotel question on the Facebook page, unanswered for a day.
	hotel := byAuthor("100044551290")
	if len(hotel) != 1 || time.Since(hotel[0].WaitingSince) < 24*time.Hour || hotel[0].Channel != model.ChannelFacebook {
		t.Fatalf("hotel case = %+v", hotel)
	}
	// Her handle is in the CRM, but no consent to link it was recorded:
	// the console suggests the link, the hub does not make it.
	if hotel[0].CustomerID != "" {
		t.Fatalf("hotel case linked to %s without consent", hotel[0].CustomerID)
	}
	// The CRM extract went in through the CSV import, beside the scenarios.
	for _, id := range []string{"100001", "103000", "4711", "20871"} {
		if !h.HasCustomer(id) {
			t.Errorf("customer %s missing", id)
		}
	}
	// The car forum thread, one case, where the expert answered.
	ev := byAuthor("e5_driver_bo@autoforum.example")
	if len(ev) != 1 || ev[0].MessageCount != 3 {
		t.Fatalf("forum case = %+v", ev)
	}
	thread, err := l.Thread(ev[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !thread[2].Author.Expert {
		t.Fatalf("the expert's answer is not marked: %+v", thread[2].Author)
	}
	// The unlinked authors get suggestions from the CRM as the console
	// makes them: a handle the CRM lists, a customer number in a post, the
	// same name with a cross-link from a linked profile.
	crm := customersOf(t, l)
	for _, tc := range []struct{ handle, customer, evidence string }{
		{"100044551290", "20871", "the CRM lists 100044551290 on facebook"},
		{"e5_driver_bo@autoforum.example", "30552", "wrote customer number 30552"},
		{"100055501234", "4711", "whose profile names 100055501234"},
	} {
		cs := byAuthor(tc.handle)
		if len(cs) != 1 || cs[0].CustomerID != "" {
			t.Fatalf("case of %s = %+v", tc.handle, cs)
		}
		thread, err := l.Thread(cs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		got := model.Suggest(cs[0], thread, crm)
		if len(got) == 0 || got[0].Customer.ID != tc.customer || !strings.Contains(strings.Join(got[0].Evidence, "; "), tc.evidence) {
			t.Errorf("suggestions for %s = %+v, want %s (%s)", tc.handle, got, tc.customer, tc.evidence)
		}
	}

	// The troll is there, low reach.
	if tr := byAuthor("@xX_ch4os_Xx"); len(tr) != 1 || tr[0].Author.Reach != model.ReachNone {
		t.Fatalf("troll case = %+v", tr)
	}

	// A reply to the hotel question goes out through the Graph API to the
	// demo platform, and comes back delivered.
	a, err := h.ApplyOp(hub.Agent{Name: "anna"}, model.Op{ID: "op-hotel", Kind: model.OpReply, CaseID: hotel[0].ID, Text: "Hi Sandra, your booking HX-88213 is confirmed, with a cot."})
	if err != nil || a.Reject != nil {
		t.Fatalf("reply: %+v %v", a, err)
	}
	fbSender, err := facebook.NewSender(facebook.Config{GraphURL: p.URL(), PageID: demo.FBPageID, PageAccessToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	go h.RunDelivery(ctx, map[model.Channel]connector.Sender{model.ChannelFacebook: fbSender})
	waitFor("delivery", func() bool {
		th, _ := l.Thread(hotel[0].ID)
		return len(th) == 2 && th[1].Delivery == model.DeliverySent && th[1].PlatformID != ""
	})
	if sent := p.Sent(); len(sent) != 1 || sent[0] != "facebook: Hi Sandra, your booking HX-88213 is confirmed, with a cot." {
		t.Fatalf("platform received %q", sent)
	}
}

// directory is the hub's CRM as a model.Directory, filed under
// model.IndexKeys as the console's store files it.
type directory map[string]model.Customer

func (d directory) CustomerByID(id string) (model.Customer, bool) { c, ok := d[id]; return c, ok }

func (d directory) Lookup(key string) []model.Customer {
	var out []model.Customer
	for _, c := range d {
		if slices.Contains(model.IndexKeys(c), key) {
			out = append(out, c)
		}
	}
	return out
}

func customersOf(t *testing.T, l hub.EventLog) directory {
	t.Helper()
	d := directory{}
	if _, err := l.Snapshot(func(ev model.Event) error {
		if ev.Customer != nil {
			d[ev.Customer.ID] = *ev.Customer
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return d
}

// The demo platform answers the Messenger User Profile API, so Messenger
// senders show in the queue by name, not PSID: the scenario's customer
// under hers, the invented ones under a name that stays theirs.
func TestMessengerSendersGetNames(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logger := slog.New(slog.DiscardHandler)
	p, err := demo.StartPlatform(ctx, logger)
	if err != nil {
		t.Fatal(err)
	}
	nameOf := func(psid string) string {
		t.Helper()
		sink := &lastItem{}
		// As cmd/hub configures the demo: the webhook has the page token.
		fb, err := facebook.NewWebhook(facebook.Config{GraphURL: p.URL(), PageID: demo.FBPageID, PageName: demo.FBPageName,
			PageAccessToken: "demo-page-token", AppSecret: demo.FBAppSecret, VerifyToken: "v", Logger: logger}, sink)
		if err != nil {
			t.Fatal(err)
		}
		body := []byte(fmt.Sprintf(`{"object":"page","entry":[{"id":%q,"time":1767225600000,"messaging":[{"sender":{"id":%q},`+
			`"recipient":{"id":%q},"timestamp":1767225600000,"message":{"mid":"m_names_1","text":"Hello?"}}]}]}`, demo.FBPageID, psid, demo.FBPageID))
		req := httptest.NewRequest(http.MethodPost, facebook.Path, bytes.NewReader(body))
		req.Header.Set("X-Hub-Signature-256", facebook.Signature(body, demo.FBAppSecret))
		rec := httptest.NewRecorder()
		fb.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || sink.in.Author.Handle != psid {
			t.Fatalf("status %d, item %+v", rec.Code, sink.in)
		}
		return sink.in.Author.DisplayName
	}
	if got := nameOf("100087112233"); got != "Julia Kramer" {
		t.Fatalf("scenario sender named %q", got)
	}
	invented := nameOf("100012345678")
	if invented == "" || invented == "100012345678" || nameOf("100012345678") != invented {
		t.Fatalf("invented sender named %q, then %q", invented, nameOf("100012345678"))
	}
}

type lastItem struct{ in model.Inbound }

func (s *lastItem) Ingest(in model.Inbound) (string, bool, error) {
	s.in = in
	return "case-1", false, nil
}
