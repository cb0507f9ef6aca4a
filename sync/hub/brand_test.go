package hub_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/connector"
	"switchboard/connector/facebook"
	"switchboard/connector/forum"
	"switchboard/connector/generic"
	"switchboard/connector/twitter"
	"switchboard/model"
	"switchboard/sync/hub"
)

// The brand's own posts (the page's Messenger echoes and comments, the X
// account's tweets and DMs, forum staff posts) join the customer's case
// as out, or open none. The payloads are the connectors' fixtures,
// replayed through the real webhook handlers into the hub's Sink.

const (
	fbPage   = "1234567890321" // connector/facebook/testdata/README.md
	fbSecret = "app-secret-123"
	xBrand   = "1427000000000000001" // connector/twitter/testdata/README.md
	xSecret  = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
)

func platformFixture(t *testing.T, platform, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "connector", platform, "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// facebookHook is the Facebook page webhook feeding h.
func facebookHook(t *testing.T, h *hub.Hub) func(fixture string) {
	t.Helper()
	wh, err := facebook.NewWebhook(facebook.Config{PageID: fbPage, PageName: "Hotel Alpenblick", AppSecret: fbSecret,
		VerifyToken: "v", Logger: slog.New(slog.DiscardHandler)}, h.Sink())
	if err != nil {
		t.Fatal(err)
	}
	return func(fixture string) {
		t.Helper()
		body := platformFixture(t, "facebook", fixture)
		req := httptest.NewRequest(http.MethodPost, facebook.Path, bytes.NewReader(body))
		req.Header.Set("X-Hub-Signature-256", facebook.Signature(body, fbSecret))
		rec := httptest.NewRecorder()
		wh.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d %s", fixture, rec.Code, rec.Body)
		}
	}
}

// twitterHook is the X Account Activity webhook feeding h; it takes a
// fixture name or a body.
func twitterHook(t *testing.T, h *hub.Hub) func(body []byte) {
	t.Helper()
	wh, err := twitter.NewWebhook(twitter.Config{UserID: xBrand, BrandHandle: "HotelAlpenblick", ConsumerSecret: xSecret,
		Logger: slog.New(slog.DiscardHandler)}, h.Sink())
	if err != nil {
		t.Fatal(err)
	}
	return func(body []byte) {
		t.Helper()
		m := hmac.New(sha256.New, []byte(xSecret))
		m.Write(body)
		req := httptest.NewRequest(http.MethodPost, twitter.WebhookPath, bytes.NewReader(body))
		req.Header.Set(twitter.SignatureHeader, "sha256="+base64.StdEncoding.EncodeToString(m.Sum(nil)))
		rec := httptest.NewRecorder()
		wh.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d %s", rec.Code, rec.Body)
		}
	}
}

func messages(t *testing.T, l hub.EventLog, caseID string) []model.Message {
	t.Helper()
	thread, err := l.Thread(caseID)
	if err != nil {
		t.Fatal(err)
	}
	return thread
}

func TestFacebookPageMessagesOpenNoCase(t *testing.T) {
	h, l, _ := newHub(t)
	post := facebookHook(t, h)
	for _, f := range []string{
		"feed_comment_page.json",        // the page comments under its own post (from{})
		"feed_comment_legacy_page.json", // the same in the older sender_id/sender_name form
		"messenger_echo.json",           // the page's Messenger message to a person
		"messenger_echo_swapped.json",   // an echo with sender and recipient swapped
	} {
		post(f)
	}
	if n, head := h.CaseCount(), l.Head(); n != 0 || head != 0 {
		t.Fatalf("the page's own messages opened %d cases (log head %d)", n, head)
	}
}

func TestFacebookPageMessagesJoinTheCustomersCase(t *testing.T) {
	h, l, _ := newHub(t)
	post := facebookHook(t, h)

	// A visitor comments under a post; the page answers under the comment.
	post("feed_comment_add.json")
	c, ok := h.CaseByThread(model.ChannelFacebook, "fb-post-1234567890321_901097836652708")
	if !ok || c.Author.Handle != "8423678347823" || c.WaitingSince.IsZero() {
		t.Fatalf("customer's comment: %+v, %v", c, ok)
	}
	post("feed_comment_page_reply.json")
	assertAnswered(t, h, l, c.ID, "8423678347823", time.Unix(1449135903, 0), fbPage)

	// A person writes on Messenger; the page answers from its inbox.
	post("messenger_message.json")
	c, ok = h.CaseByThread(model.ChannelFacebook, "fb-msgr-1254459154682919")
	if !ok || c.Author.Handle != "1254459154682919" {
		t.Fatalf("Messenger case: %+v, %v", c, ok)
	}
	post("messenger_echo_reply.json")
	assertAnswered(t, h, l, c.ID, "1254459154682919", time.UnixMilli(1458692812478), fbPage)
	if n := h.CaseCount(); n != 2 {
		t.Fatalf("%d cases, want 2", n)
	}
	// Re-sent by Facebook: stored once.
	head := l.Head()
	post("messenger_echo_reply.json")
	if l.Head() != head {
		t.Fatal("a re-sent echo was stored again")
	}
}

// assertAnswered checks that the case's last message is the brand's, out
// and sent, and that it answered the customer: first response at at,
// nobody waiting, open, and the customer still the case's author.
func assertAnswered(t *testing.T, h *hub.Hub, l hub.EventLog, caseID, customer string, at time.Time, brand string) {
	t.Helper()
	c, _ := h.Case(caseID)
	thread := messages(t, l, caseID)
	if len(thread) != 2 {
		t.Fatalf("case has %d messages, want the customer's and the brand's: %+v", len(thread), thread)
	}
	m := thread[1]
	if m.Direction != model.DirectionOut || m.Delivery != model.DeliverySent || m.Author.Handle != brand {
		t.Fatalf("brand's message %+v", m)
	}
	if !c.FirstResponse.Equal(at) || !c.WaitingSince.IsZero() || c.Status != model.StatusOpen ||
		c.Author.Handle != customer || c.MessageCount != 2 {
		t.Fatalf("answered case: first response %v (want %v), waiting %v, status %s, author %s, %d messages",
			c.FirstResponse, at, c.WaitingSince, c.Status, c.Author.Handle, c.MessageCount)
	}
}

// blockingSender holds each Send until released, so a test can deliver
// the platform's echo while the hub has not yet recorded the send.
type blockingSender struct {
	id      string
	started chan connector.Reply
	release chan struct{}
}

func (s *blockingSender) Send(ctx context.Context, r connector.Reply) (string, error) {
	s.started <- r
	select {
	case <-s.release:
		return s.id, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Messenger sends the echo of a reply Switchboard delivered, sometimes
// before the Send API has answered: it is the reply, not a second one.
func TestEchoOfADeliveredReplyIsNotAddedTwice(t *testing.T) {
	h, l, _ := newHub(t)
	post := facebookHook(t, h)
	post("messenger_message.json")
	c, _ := h.CaseByThread(model.ChannelFacebook, "fb-msgr-1254459154682919")
	const text = "Your booking 48213 is confirmed for Friday." // messenger_echo_of_reply.json
	a, err := h.ApplyOp(hub.Agent{Name: "anna", Role: hub.RoleAgent}, model.Op{ID: "op-1", Kind: model.OpReply, CaseID: c.ID, Text: text})
	if err != nil || a.Reject != nil {
		t.Fatalf("reply: %+v %v", a, err)
	}
	fb := &blockingSender{id: "m_sent_by_switchboard_0001", started: make(chan connector.Reply), release: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.RunDelivery(ctx, map[model.Channel]connector.Sender{model.ChannelFacebook: fb}); close(done) }()
	defer func() { cancel(); <-done }()

	select {
	case <-fb.started:
	case <-time.After(5 * time.Second):
		t.Fatal("the reply was never sent")
	}
	head := l.Head()
	post("messenger_echo_of_reply.json") // the echo beats the Send answer
	if l.Head() != head {
		t.Fatalf("the echo of a reply being sent was stored: %+v", messages(t, l, c.ID))
	}
	close(fb.release)
	m := waitDelivery(t, l, c.ID, "op-1", model.DeliverySent)
	if m.PlatformID != "m_sent_by_switchboard_0001" {
		t.Fatalf("delivered reply %+v", m)
	}
	post("messenger_echo_of_reply.json") // and once more, after
	thread := messages(t, l, c.ID)
	if len(thread) != 2 || thread[1].ID != "op-1" {
		t.Fatalf("thread after the echoes: %+v", thread)
	}
	if got, _ := h.Case(c.ID); got.MessageCount != 2 {
		t.Fatalf("message count %d, want 2", got.MessageCount)
	}
}

// A reply posted by hand on a forum comes back in the feed as the staff
// account's post: it becomes that reply's platform copy, not a second
// message.
func TestStaffPostOfAManualReplyIsThatReply(t *testing.T) {
	h, l, _ := newHub(t)
	const thread = "https://autoforum.example/threads/reichweite.88120"
	in := model.Inbound{Channel: model.ChannelForum, ThreadRef: thread, PlatformID: "autoforum.example/1",
		Author: model.Identity{Handle: "e5_driver_bo@autoforum.example"}, Text: "Reichweite\nNur noch 310 km?", Time: t0, Public: true}
	caseID := ingest(t, h, in)
	const reply = "Stell unter Laden > Akku die Option \"Reise\" ein."
	if a, err := h.ApplyOp(hub.Agent{Name: "anna", Role: hub.RoleAgent}, model.Op{ID: "op-f", Kind: model.OpReply, CaseID: caseID, Text: reply}); err != nil || a.Reject != nil {
		t.Fatalf("reply: %+v %v", a, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		h.RunDelivery(ctx, map[model.Channel]connector.Sender{model.ChannelForum: forum.ManualSender{}})
		close(done)
	}()
	waitDelivery(t, l, caseID, "op-f", model.DeliveryManual)
	cancel()
	<-done

	staff := in
	staff.PlatformID, staff.Author, staff.Direction = "autoforum.example/2", model.Identity{Handle: "voltra_support@autoforum.example"}, model.DirectionOut
	staff.Text, staff.Time = "Re: Reichweite\n"+reply+"\n\nGruß, Voltra", t0.Add(time.Hour)
	id, dup, err := h.Ingest(staff)
	if err != nil || !dup || id != caseID {
		t.Fatalf("staff post: case %q dup %v err %v", id, dup, err)
	}
	msgs := messages(t, l, caseID)
	if len(msgs) != 2 || msgs[1].ID != "op-f" || msgs[1].PlatformID != "autoforum.example/2" || msgs[1].Delivery != model.DeliverySent {
		t.Fatalf("thread %+v", msgs)
	}
	if _, dup, _ := h.Ingest(staff); !dup {
		t.Fatal("the staff post polled again was not a duplicate")
	}
}

func TestXBrandTweetsAndDMsJoinOrOpenNone(t *testing.T) {
	// The brand's reply to a tweet the hub never saw, and a DM the brand
	// began: no case.
	h, l, _ := newHub(t)
	post := twitterHook(t, h)
	post(platformFixture(t, "twitter", "webhook_brand_reply.json"))
	post([]byte(`{"for_user_id":"` + xBrand + `","direct_message_events":[{"type":"message_create","id":"1796912345678900399",` +
		`"created_timestamp":"1717245300456","message_create":{"target":{"recipient_id":"1029384756"},"sender_id":"` + xBrand + `",` +
		`"source_app_id":"268278","message_data":{"text":"Hello Anna, about your stay next week…","entities":{"hashtags":[],"symbols":[],"user_mentions":[],"urls":[]}}}}]}`))
	if n, head := h.CaseCount(), l.Head(); n != 0 || head != 0 {
		t.Fatalf("the brand's own tweet and DM opened %d cases (log head %d)", n, head)
	}

	// The customer's tweet, the brand's reply, the customer again.
	h, l, _ = newHub(t)
	post = twitterHook(t, h)
	post(platformFixture(t, "twitter", "webhook_tweet_create.json"))
	post(platformFixture(t, "twitter", "webhook_brand_reply.json"))
	c, ok := h.CaseByThread(model.ChannelTwitter, "tw-conv-1796912345678900200")
	if !ok {
		t.Fatal("no case for the customer's tweet")
	}
	assertAnswered(t, h, l, c.ID, "@marta_roesli", time.Date(2024, 6, 1, 11, 4, 40, 0, time.UTC), "@HotelAlpenblick")
	post(platformFixture(t, "twitter", "webhook_customer_followup.json"))
	if c, _ = h.Case(c.ID); !c.WaitingSince.Equal(time.Date(2024, 6, 1, 11, 31, 2, 0, time.UTC)) || c.Author.Handle != "@marta_roesli" {
		t.Fatalf("after the customer's follow-up: waiting %v, author %s", c.WaitingSince, c.Author.Handle)
	}

	// A DM and the brand's answer in one delivery.
	post(platformFixture(t, "twitter", "webhook_dm.json"))
	dm, ok := h.CaseByThread(model.ChannelTwitter, "tw-dm-1029384756")
	if !ok {
		t.Fatal("no case for the customer's DM")
	}
	assertAnswered(t, h, l, dm.ID, "@anna_k_travels", time.UnixMilli(1717245300456), "@HotelAlpenblick")
	if n := h.CaseCount(); n != 2 {
		t.Fatalf("%d cases, want 2", n)
	}
}

// A brand message older than the case it lands in (delivered late)
// answers nothing: it is shown, but is no first response.
func TestLateBrandMessageIsNoFirstResponse(t *testing.T) {
	h, _, _ := newHub(t)
	caseID := ingest(t, h, tweet("thread-a", "p1", "mia", "Wi-Fi is down", t0))
	old := tweet("thread-a", "p0", "brand", "Welcome to our hotel!", t0.Add(-time.Hour))
	old.Direction = model.DirectionOut
	ingest(t, h, old)
	c, _ := h.Case(caseID)
	if !c.FirstResponse.IsZero() || !c.WaitingSince.Equal(t0) || c.Status != model.StatusNew || c.MessageCount != 2 {
		t.Fatalf("after a late brand message: first response %v waiting %v status %s count %d",
			c.FirstResponse, c.WaitingSince, c.Status, c.MessageCount)
	}
}

// forumFeed serves one RSS body, as a forum would.
func forumFeed(t *testing.T, body []byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/forums/voltra-e5.12/index.rss"
}

func pollForum(t *testing.T, h *hub.Hub, body []byte) {
	t.Helper()
	p, err := forum.New(forum.Config{
		Feeds: []forum.Feed{{Name: "voltra", URL: forumFeed(t, body), Include: []string{"voltra", "e5"},
			Exclude: []string{"verkaufe"}, Staff: []string{"@Voltra_Support"}}},
		Now:    func() time.Time { return time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC) },
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.PollOnce(context.Background(), h.Sink()) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
}

func TestForumStaffPostsJoinOrOpenNone(t *testing.T) {
	// The customer's thread, the staff account's answer, another member.
	h, l, _ := newHub(t)
	pollForum(t, h, platformFixture(t, "forum", "xenforo_posts.rss"))
	if n := h.CaseCount(); n != 1 {
		t.Fatalf("%d cases, want 1", n)
	}
	c, _ := h.CaseByThread(model.ChannelForum, "https://autoforum.example/threads/4-2-update-reichweite-deutlich-gesunken.88120")
	msgs := messages(t, l, c.ID)
	if c.Author.Handle != "e5_driver_bo@autoforum.example" || len(msgs) != 3 ||
		msgs[1].Direction != model.DirectionOut || msgs[1].Author.Handle != "Voltra_Support@autoforum.example" {
		t.Fatalf("case by %s, thread %+v", c.Author.Handle, msgs)
	}
	if want := time.Date(2026, 11, 23, 13, 10, 41, 0, time.UTC); !c.FirstResponse.Equal(want) {
		t.Fatalf("first response %v, want the staff post's %v", c.FirstResponse, want)
	}

	// A staff announcement alone opens no case.
	h, l, _ = newHub(t)
	pollForum(t, h, []byte(`<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>Voltra E5 – Neue Beiträge</title>
    <link>https://autoforum.example/forums/voltra-e5.12/</link>
    <item>
      <title>Voltra E5: Software 4.3 ist da</title>
      <pubDate>Mon, 23 Nov 2026 15:00:00 +0000</pubDate>
      <link>https://autoforum.example/threads/voltra-e5-software-4-3-ist-da.88150/</link>
      <guid isPermaLink="false">1200400</guid>
      <author>invalid@example.invalid (Voltra_Support)</author>
      <dc:creator>Voltra_Support</dc:creator>
      <content:encoded><![CDATA[<div class="bbWrapper">Ab heute verteilen wir Version 4.3 mit dem neuen Batterie-Puffer.</div>]]></content:encoded>
    </item>
  </channel>
</rss>`))
	if n, head := h.CaseCount(), l.Head(); n != 0 || head != 0 {
		t.Fatalf("a staff announcement opened %d cases (log head %d)", n, head)
	}
}

// The generic endpoint takes "direction": "out" for the brand's answers
// posted outside Switchboard: they join the case or open none.
func TestGenericOutItems(t *testing.T) {
	h, l, _ := newHub(t)
	srv := httptest.NewServer(generic.NewHandler(h.Sink(), generic.Options{Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	send := func(body string) generic.Response {
		t.Helper()
		resp, err := srv.Client().Post(srv.URL, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var res generic.Response
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, %v", resp.StatusCode, err)
		}
		return res
	}
	res := send(`{"source": "Shop reviews", "thread_ref": "review-1", "id": "answer-1", "direction": "out",
		"author": {"handle": "shop-team"}, "text": "Thank you for your review!", "time": "2026-03-01T08:00:00Z"}`)
	if res.Accepted != 0 || res.Dropped != 1 || len(res.Cases) != 1 || res.Cases[0] != "" || h.CaseCount() != 0 {
		t.Fatalf("out item with no case: %+v, %d cases", res, h.CaseCount())
	}
	res = send(`[{"source": "Shop reviews", "thread_ref": "review-2", "id": "review-2",
		"author": {"handle": "sandra.o@example.com"}, "text": "The parking garage is too low.", "time": "2026-03-01T08:00:00Z"},
		{"source": "Shop reviews", "thread_ref": "review-2", "id": "answer-2", "direction": "out",
		"author": {"handle": "shop-team"}, "text": "Sorry, Sandra: the outdoor lot takes campers.", "time": "2026-03-01T08:30:00Z"}]`)
	if res.Accepted != 2 || res.Dropped != 0 || res.Cases[0] == "" || res.Cases[1] != res.Cases[0] {
		t.Fatalf("review and answer: %+v", res)
	}
	assertAnswered(t, h, l, res.Cases[0], "sandra.o@example.com", time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC), "shop-team")
}

// A hub.db written before the brand's messages stopped opening cases holds
// cases whose author is the page. The first customer who writes in one
// takes it over: they are its author, they wait, and linking their
// identity to a CRM record links the case.
func TestCaseOpenedByTheBrandIsHandedToItsCustomer(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	t.Cleanup(func() { l.Close() })
	page := model.Identity{Platform: model.ChannelFacebook, Handle: fbPage, PlatformID: fbPage, DisplayName: "Hotel Alpenblick"}
	opened := time.Unix(1449130000, 0).UTC() // before feed_comment_add.json
	old := model.Case{ID: "case-by-page", Channel: model.ChannelFacebook, ThreadRef: "fb-post-1234567890321_901097836652708",
		Subject: "Breakfast is served until 11 today!", Author: page, Status: model.StatusOpen, Priority: model.PriorityNormal,
		Public: true, Created: opened, FirstResponse: opened, LastMessageAt: opened, MessageCount: 1, Version: 1}
	if _, err := l.Append([]model.Event{
		{Type: model.EventMessageAdded, Time: opened, Message: &model.Message{ID: "m-page", CaseID: old.ID, Direction: model.DirectionOut,
			Author: page, Text: old.Subject, Time: opened, PlatformID: "901097836652708_1", Delivery: model.DeliverySent, Public: true}},
		{Type: model.EventCaseUpserted, Time: opened, Case: &old},
	}); err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: t0}
	h, err := hub.New(l, quietConfig(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	post := facebookHook(t, h)
	post("feed_comment_add.json") // John Doe, under the same post
	c, _ := h.Case(old.ID)
	if c.Author.Handle != "8423678347823" || !c.FirstResponse.IsZero() || !c.WaitingSince.Equal(time.Unix(1449135003, 0)) ||
		c.Subject != "Our room booking for Friday shows twice on my card. Can someone help?" {
		t.Fatalf("case after the customer's comment: author %s, first response %v, waiting %v, subject %q",
			c.Author.Handle, c.FirstResponse, c.WaitingSince, c.Subject)
	}
	post("feed_comment_page_reply.json")
	assertAnsweredAt(t, h, old.ID, time.Unix(1449135903, 0))
	if err := upsert(h, model.Customer{ID: "C-42", Name: "John Doe",
		Links: consentLinks(model.Identity{Platform: model.ChannelFacebook, Handle: "8423678347823"})}); err != nil {
		t.Fatal(err)
	}
	if c, _ := h.Case(old.ID); c.CustomerID != "C-42" {
		t.Fatalf("linking the customer left the case with customer %q", c.CustomerID)
	}
}

func assertAnsweredAt(t *testing.T, h *hub.Hub, caseID string, at time.Time) {
	t.Helper()
	if c, _ := h.Case(caseID); !c.FirstResponse.Equal(at) || !c.WaitingSince.IsZero() {
		t.Fatalf("first response %v (want %v), waiting %v", c.FirstResponse, at, c.WaitingSince)
	}
}
