package twitter

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"switchboard/connector"
	"switchboard/model"
)

// signature computes the header value independently of the package code.
func signature(key string, body []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	return "sha256=" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func newWebhook(t *testing.T, sink connector.Sink, tweak func(*Config)) *Webhook {
	t.Helper()
	cfg := testConfig("")
	if tweak != nil {
		tweak(&cfg)
	}
	w, err := NewWebhook(cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func post(h http.Handler, body []byte, sig string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, WebhookPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set("x-twitter-webhooks-signature", sig)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func postSigned(h http.Handler, body []byte) *httptest.ResponseRecorder {
	return post(h, body, signature(secret, body))
}

func TestCRC(t *testing.T) {
	w := newWebhook(t, &fakeSink{}, nil)
	const token = "9b4507b3-9c2c-4a6f-9e0b-3ee4ad8e3bd4"
	// Computed outside Go: python3 -c 'import hmac,hashlib,base64;
	// print(base64.b64encode(hmac.new(SECRET, TOKEN, hashlib.sha256).digest()))'
	const known = "sha256=vwE35EjVCB5mqbF1Uskf1gYpHtsHQI7bjl36Q4qiCdw="
	if s := signature(secret, []byte(token)); s != known {
		t.Fatalf("test's own HMAC %s disagrees with the known value", s)
	}

	rec := httptest.NewRecorder()
	w.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, WebhookPath+"?crc_token="+token, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("CRC status %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var got map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("CRC body %q: %v", rec.Body, err)
	}
	if len(got) != 1 || got["response_token"] != known {
		t.Errorf("CRC answer %v, want response_token %s", got, known)
	}
	if CRCResponse(secret, token) != known {
		t.Errorf("CRCResponse = %s", CRCResponse(secret, token))
	}

	rec = httptest.NewRecorder()
	w.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, WebhookPath, nil))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("GET without crc_token: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	w.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, WebhookPath+"?crc_token="+strings.Repeat("a", 257), nil))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("GET with an over-long crc_token: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	w.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, WebhookPath, nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, POST" {
		t.Errorf("PUT: %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

// The CRC signs with the delivery key; it must not sign something that
// could then be posted as a delivery.
func TestCRCIsNoSigningOracle(t *testing.T) {
	sink := &fakeSink{}
	w := newWebhook(t, sink, nil)
	forged := `{"for_user_id":"` + brandID + `","direct_message_events":[{"type":"message_create","id":"1","created_timestamp":"1","message_create":{"target":{"recipient_id":"` + brandID + `"},"sender_id":"2","message_data":{"text":"forged"}}}]}`
	rec := httptest.NewRecorder()
	w.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, WebhookPath+"?crc_token="+url.QueryEscape(forged), nil))
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("CRC for a JSON body: %d %s", rec.Code, rec.Body)
	}
	if len(sink.got()) != 0 {
		t.Fatal("sink called by a GET")
	}
}

func TestSignature(t *testing.T) {
	body := fixture(t, "webhook_tweet_create.json")
	forgedKey := signature("not-the-secret", body)
	tampered := bytes.Replace(body, []byte("room 214"), []byte("room 215"), 1)
	for _, tc := range []struct {
		name   string
		body   []byte
		sig    string
		status int
		items  int
	}{
		{"valid", body, signature(secret, body), 200, 1},
		{"missing", body, "", 401, 0},
		{"forged", body, forgedKey, 403, 0},
		{"tampered body", tampered, signature(secret, body), 403, 0},
		{"not base64", body, "sha256=%%%", 403, 0},
		{"other algorithm", body, strings.Replace(signature(secret, body), "sha256=", "sha1=", 1), 403, 0},
		{"hex instead of base64", body, "sha256=" + strings.Repeat("ab", 32), 403, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := &fakeSink{}
			rec := post(newWebhook(t, sink, nil), tc.body, tc.sig)
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			if n := len(sink.got()); n != tc.items {
				t.Errorf("sink got %d items, want %d", n, tc.items)
			}
		})
	}
}

func TestBadBodies(t *testing.T) {
	var logs logBuf
	sink := &fakeSink{}
	w := newWebhook(t, sink, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})

	huge := append([]byte(`{"for_user_id":"`+brandID+`","pad":"`), bytes.Repeat([]byte("x"), DefaultMaxBody)...)
	huge = append(huge, `"}`...)
	if rec := postSigned(w, huge); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d, want 413", rec.Code)
	}
	if !strings.Contains(logs.String(), "body over the limit") {
		t.Errorf("no reason logged for 413: %s", logs.String())
	}

	for _, body := range []string{`{"tweet_create_events": [`, `[1,2,3]`, `"just a string"`, ``} {
		if rec := postSigned(w, []byte(body)); rec.Code != http.StatusBadRequest {
			t.Errorf("malformed %q: %d, want 400", body, rec.Code)
		}
	}
	if !strings.Contains(logs.String(), "malformed payload") {
		t.Errorf("no reason logged for 400: %s", logs.String())
	}
	if len(sink.got()) != 0 {
		t.Errorf("sink got %d items from bad bodies", len(sink.got()))
	}

	// An odd event is skipped; the rest of the delivery still counts.
	mixed := []byte(`{"for_user_id":"` + brandID + `","tweet_create_events":[{"id_str":12},` +
		string(mustEvent(t, fixture(t, "webhook_tweet_create.json"))) + `]}`)
	if rec := postSigned(w, mixed); rec.Code != http.StatusOK {
		t.Errorf("delivery with one odd event: %d", rec.Code)
	}
	if len(sink.got()) != 1 {
		t.Errorf("%d items from a delivery with one good event", len(sink.got()))
	}
}

// mustEvent returns the first tweet_create_events entry of a fixture.
func mustEvent(t *testing.T, body []byte) json.RawMessage {
	var a struct {
		Events []json.RawMessage `json:"tweet_create_events"`
	}
	if err := json.Unmarshal(body, &a); err != nil || len(a.Events) == 0 {
		t.Fatalf("fixture: %v", err)
	}
	return a.Events[0]
}

func TestWebhookTweetThread(t *testing.T) {
	sink := &fakeSink{}
	w := newWebhook(t, sink, nil)
	for _, f := range []string{"webhook_tweet_create.json", "webhook_brand_reply.json", "webhook_customer_followup.json"} {
		if rec := postSigned(w, fixture(t, f)); rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", f, rec.Code, rec.Body)
		}
	}
	got := sink.got()
	if len(got) != 3 {
		t.Fatalf("%d items, want 3", len(got))
	}
	want := model.Inbound{
		Channel:    model.ChannelTwitter,
		ThreadRef:  "tw-conv-1796912345678900200",
		PlatformID: "1796912345678900200",
		Author: model.Identity{
			Platform:    model.ChannelTwitter,
			Handle:      "@marta_roesli",
			PlatformID:  "55443322",
			DisplayName: "Marta Rösli",
			Followers:   3120,
			Bio:         "Food, mountains, and too many trains.",
		},
		Text:      `@HotelAlpenblick Our room 214 has no hot water since this morning and reception says "tomorrow". We check out tomorrow & my kids need a bath tonight. Can someone please help?`,
		Time:      mustTime(t, "2024-06-01T11:00:05Z"),
		Public:    true,
		Source:    "@HotelAlpenblick mentions",
		URL:       "https://x.com/marta_roesli/status/1796912345678900200",
		Lang:      "en",
		Direction: model.DirectionIn,
	}
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("mention:\n got %+v\nwant %+v", got[0], want)
	}
	reply := got[1]
	if reply.Direction != model.DirectionOut || reply.ThreadRef != want.ThreadRef || reply.Author.Handle != "@HotelAlpenblick" {
		t.Errorf("brand reply: %+v", reply)
	}
	follow := got[2]
	if follow.ThreadRef != want.ThreadRef || follow.Direction != model.DirectionIn || follow.Text != "@HotelAlpenblick Fixed, thank you! 🙏🏽" {
		t.Errorf("customer's answer to the brand's reply must join the conversation: %+v", follow)
	}
}

func TestWebhookRootAfterRestart(t *testing.T) {
	body := fixture(t, "webhook_customer_followup.json")

	// Nothing known: the replied-to tweet is the best root there is.
	sink := &fakeSink{}
	postSigned(newWebhook(t, sink, nil), body)
	if got := sink.got(); len(got) != 1 || got[0].ThreadRef != "tw-conv-1796912345678900201" {
		t.Errorf("unknown parent: %+v", got)
	}

	// A sink that knows the parent's thread answers for it.
	finder := &findingSink{refs: map[string]string{"1796912345678900201": "tw-conv-1796912345678900200"}}
	postSigned(newWebhook(t, finder, nil), body)
	if got := finder.got(); len(got) != 1 || got[0].ThreadRef != "tw-conv-1796912345678900200" {
		t.Errorf("parent known to the sink: %+v", got)
	}
}

func TestWebhookIgnores(t *testing.T) {
	sink := &fakeSink{}
	w := newWebhook(t, sink, nil)
	if rec := postSigned(w, fixture(t, "webhook_ignored.json")); rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	other := bytes.Replace(fixture(t, "webhook_tweet_create.json"), []byte(`"for_user_id": "`+brandID+`"`), []byte(`"for_user_id": "42"`), 1)
	if rec := postSigned(w, other); rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if got := sink.got(); len(got) != 0 {
		t.Errorf("broadcast, retweet or another account's events passed on: %+v", got)
	}
}

func TestWebhookDM(t *testing.T) {
	sink := &fakeSink{}
	w := newWebhook(t, sink, nil)
	if rec := postSigned(w, fixture(t, "webhook_dm.json")); rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	got := sink.got()
	if len(got) != 2 {
		t.Fatalf("%d items, want 2", len(got))
	}
	want := model.Inbound{
		Channel:    model.ChannelTwitter,
		ThreadRef:  "tw-dm-1029384756",
		PlatformID: "1796912345678900300",
		Author: model.Identity{
			Platform:    model.ChannelTwitter,
			Handle:      "@anna_k_travels",
			PlatformID:  "1029384756",
			DisplayName: "Anna K.",
			Followers:   152340,
			Verified:    true,
			Bio:         "Travel writer. Opinions my own.",
		},
		Text:      "Hi, booking 48213, refund of CHF 640 still missing. IBAN on file ends 4471.",
		Time:      mustTime(t, "2024-06-01T12:30:00.123Z"),
		Source:    "@HotelAlpenblick direct messages",
		Direction: model.DirectionIn,
		Private:   true,
	}
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("DM:\n got %+v\nwant %+v", got[0], want)
	}
	out := got[1]
	if out.Direction != model.DirectionOut || out.ThreadRef != "tw-dm-1029384756" || !out.Private || out.Public ||
		out.Author.Handle != "@HotelAlpenblick" || out.PlatformID != "1796912345678900305" {
		t.Errorf("brand's DM: %+v", out)
	}
}

func TestWebhookDelete(t *testing.T) {
	sink := &fakeSink{}
	w := newWebhook(t, sink, nil)
	postSigned(w, fixture(t, "webhook_tweet_create.json"))
	postSigned(w, fixture(t, "webhook_tweet_delete.json"))
	got := sink.got()
	if len(got) != 2 {
		t.Fatalf("%d items", len(got))
	}
	del := got[1]
	if del.Action != model.InboundDelete || del.PlatformID != "1796912345678900200" || del.ThreadRef != "tw-conv-1796912345678900200" || del.Author.Handle == "" {
		t.Errorf("deletion: %+v", del)
	}
}

func TestWebhookSinkFailure(t *testing.T) {
	body := fixture(t, "webhook_dm.json")
	transient := &fakeSink{err: func(model.Inbound) error { return errors.New("log unavailable") }}
	if rec := postSigned(newWebhook(t, transient, nil), body); rec.Code != http.StatusInternalServerError {
		t.Errorf("transient sink failure: %d, want 500 (so X may redeliver)", rec.Code)
	}
	refusing := &fakeSink{err: func(in model.Inbound) error {
		if in.Direction == model.DirectionOut {
			return connector.Permanentf("no")
		}
		return nil
	}}
	if rec := postSigned(newWebhook(t, refusing, nil), body); rec.Code != http.StatusOK || len(refusing.got()) != 1 {
		t.Errorf("permanent refusal: %d, %d items", rec.Code, len(refusing.got()))
	}
}

func TestWebhookDropsOwnDeliveredReply(t *testing.T) {
	// The Sender posts tweet …201 (the brand reply of the fixture); the
	// webhook's echo of it must not become a second message.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 201, []byte(`{"data":{"id":"1796912345678900201","text":"x"}}`))
	}))
	defer srv.Close()
	threads := NewThreads(0)
	cfg := testConfig(srv.URL)
	cfg.Threads = threads
	s, err := NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(t.Context(), connector.Reply{Channel: model.ChannelTwitter, ThreadRef: "tw-conv-1796912345678900200",
		InReplyTo: "1796912345678900200", Text: "We're so sorry, Marta."}); err != nil {
		t.Fatal(err)
	}
	sink := &fakeSink{}
	w := newWebhook(t, sink, func(c *Config) { c.Threads = threads })
	postSigned(w, fixture(t, "webhook_brand_reply.json"))
	if got := sink.got(); len(got) != 0 {
		t.Errorf("echo of our own reply passed on: %+v", got)
	}
	// The customer's answer to it still finds the conversation.
	postSigned(w, fixture(t, "webhook_customer_followup.json"))
	if got := sink.got(); len(got) != 1 || got[0].ThreadRef != "tw-conv-1796912345678900200" {
		t.Errorf("answer to our reply: %+v", got)
	}
}

func TestWebhookNeedsSecret(t *testing.T) {
	cfg := testConfig("")
	cfg.ConsumerSecret = ""
	if _, err := NewWebhook(cfg, &fakeSink{}); err == nil {
		t.Error("NewWebhook without a consumer secret")
	}
	if _, err := NewWebhook(testConfig(""), nil); err == nil {
		t.Error("NewWebhook without a sink")
	}
}

func TestWebhookBrandSelfThreadAndNoteToSelf(t *testing.T) {
	sink := &fakeSink{}
	w := newWebhook(t, sink, nil)
	selfThread := []byte(`{"for_user_id":"` + brandID + `","tweet_create_events":[{"id_str":"1796912345678900212","text":"2/2 The terrace opens at 11.",` +
		`"in_reply_to_status_id_str":"1796912345678900210","in_reply_to_user_id_str":"` + brandID + `",` +
		`"user":{"id_str":"` + brandID + `","screen_name":"HotelAlpenblick"}}]}`)
	noteToSelf := []byte(`{"for_user_id":"` + brandID + `","direct_message_events":[{"type":"message_create","id":"1796912345678900390","created_timestamp":"1717245000123",` +
		`"message_create":{"target":{"recipient_id":"` + brandID + `"},"sender_id":"` + brandID + `","message_data":{"text":"reminder"}}}]}`)
	for _, body := range [][]byte{selfThread, noteToSelf} {
		if rec := postSigned(w, body); rec.Code != http.StatusOK {
			t.Fatalf("status %d", rec.Code)
		}
	}
	if got := sink.got(); len(got) != 0 {
		t.Errorf("brand's self-thread or note to self passed on: %+v", got)
	}
}
