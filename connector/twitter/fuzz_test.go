package twitter

import (
	"strings"
	"testing"
	"unicode/utf8"

	"switchboard/model"
)

// FuzzWebhook feeds signed bodies through the handler: it must never panic,
// answer only 200 or 400, and pass on only well-formed items.
func FuzzWebhook(f *testing.F) {
	for _, name := range []string{
		"webhook_tweet_create.json", "webhook_brand_reply.json", "webhook_customer_followup.json",
		"webhook_ignored.json", "webhook_tweet_delete.json", "webhook_dm.json",
	} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`{"for_user_id":"1427000000000000001","tweet_create_events":[{"id_str":"1","text":"&amp;&lt;","user":{"id_str":"2","screen_name":"a"},"in_reply_to_status_id_str":"1"}]}`))
	f.Add([]byte(`{"direct_message_events":[{"type":"message_create","id":"5","created_timestamp":"-1","message_create":{"sender_id":"1427000000000000001","target":{"recipient_id":"1427000000000000001"},"message_data":{"text":" "}}}],"users":{"1":null}}`))
	f.Add([]byte(`{"tweet_delete_events":[{"status":{"id":"99999999999999999999999","user_id":""}}]}`))
	f.Add([]byte(`null`))
	// Counts that overflow int when added (engagement wrapped to below 0).
	f.Add([]byte(`{"for_user_id":"1427000000000000001","tweet_create_events":[{"id_str":"1860000000000000001","text":"@HotelAlpenblick hi","user":{"id_str":"2","screen_name":"a","followers_count":-1},"retweet_count":9223372036854775807,"favorite_count":1}]}`))

	f.Fuzz(func(t *testing.T, body []byte) {
		sink := &fakeSink{}
		w := newWebhook(t, sink, nil)
		rec := postSigned(w, body)
		if rec.Code != 200 && rec.Code != 400 && rec.Code != 413 {
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		for _, in := range sink.got() {
			switch {
			case in.Channel != model.ChannelTwitter,
				!strings.HasPrefix(in.ThreadRef, convPrefix) && !strings.HasPrefix(in.ThreadRef, dmPrefix),
				!isID(strings.TrimPrefix(strings.TrimPrefix(in.ThreadRef, convPrefix), dmPrefix)),
				!isID(in.PlatformID),
				in.Author.Handle == "",
				in.Author.Followers < 0, in.Author.Engagement < 0,
				in.Action != model.InboundDelete && strings.TrimSpace(in.Text) == "",
				in.Public == in.Private && in.Action != model.InboundDelete,
				in.Direction != model.DirectionIn && in.Direction != model.DirectionOut && in.Action != model.InboundDelete:
				t.Fatalf("ill-formed item %+v from %q", in, body)
			}
			if !utf8.ValidString(in.Text) {
				t.Fatalf("invalid UTF-8 passed on from %q", body)
			}
		}
	})
}
