package twitter

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"switchboard/connector"
	"switchboard/model"
)

// WebhookPath is where the hub mounts the Webhook (GET and POST).
const WebhookPath = "/webhooks/twitter"

// SignatureHeader carries "sha256=" + base64(HMAC-SHA256(consumer secret,
// raw body)) on every Account Activity POST.
const SignatureHeader = "X-Twitter-Webhooks-Signature"

// maxCRCToken bounds the challenge a GET may ask us to sign.
const maxCRCToken = 256

// Webhook serves the Account Activity API: the CRC challenge on GET and
// signed event deliveries on POST. Events pass to the sink as Inbound
// items; see the package comment for what is kept.
type Webhook struct {
	cfg  Config
	sink connector.Sink
}

var _ http.Handler = (*Webhook)(nil)

// NewWebhook builds the handler; cfg needs UserID and ConsumerSecret.
func NewWebhook(cfg Config, sink connector.Sink) (*Webhook, error) {
	cfg, err := cfg.withDefaults("consumer secret", cfg.ConsumerSecret)
	if err != nil {
		return nil, err
	}
	if sink == nil {
		return nil, errors.New("twitter: webhook needs a sink")
	}
	return &Webhook{cfg: cfg, sink: sink}, nil
}

// CRCResponse computes the response_token for a crc_token:
// "sha256=" + base64(HMAC-SHA256(key: consumer secret, message: token)).
func CRCResponse(consumerSecret, crcToken string) string {
	return "sha256=" + base64.StdEncoding.EncodeToString(sign(consumerSecret, []byte(crcToken)))
}

func sign(secret string, msg []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(msg)
	return m.Sum(nil)
}

func (w *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		w.serveCRC(rw, r)
	case http.MethodPost:
		w.serveEvents(rw, r)
	default:
		rw.Header().Set("Allow", "GET, POST")
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (w *Webhook) serveCRC(rw http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("crc_token")
	if !validCRCToken(token) {
		w.cfg.Logger.Warn("webhook: CRC without a usable crc_token", "len", len(token), "remote", r.RemoteAddr)
		http.Error(rw, "crc_token required", http.StatusBadRequest)
		return
	}
	w.cfg.Logger.Info("webhook: answering CRC", "remote", r.RemoteAddr)
	body, _ := json.Marshal(map[string]string{"response_token": CRCResponse(w.cfg.ConsumerSecret, token)})
	rw.Header().Set("Content-Type", "application/json")
	rw.Header().Set("Cache-Control", "no-store")
	rw.Write(body)
}

// validCRCToken admits the tokens X sends (base64, base64url, UUIDs) and
// nothing else. The CRC signs its token with the same key as deliveries:
// answering for a token that could be an event body ("{...}") would hand
// anyone a valid signature for a forged delivery.
func validCRCToken(t string) bool {
	if t == "" || len(t) > maxCRCToken {
		return false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; !isASCIIAlnum(c) && !strings.ContainsRune("+/=_-.:", rune(c)) {
			return false
		}
	}
	return true
}

func (w *Webhook) serveEvents(rw http.ResponseWriter, r *http.Request) {
	sig := r.Header.Get(SignatureHeader)
	if sig == "" {
		w.cfg.Logger.Warn("webhook: POST without signature", "remote", r.RemoteAddr)
		http.Error(rw, "missing signature", http.StatusUnauthorized)
		return
	}
	body, err := readBody(rw, r, w.cfg.MaxBody)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			w.cfg.Logger.Warn("webhook: body over the limit", "limit", w.cfg.MaxBody, "remote", r.RemoteAddr)
			http.Error(rw, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		w.cfg.Logger.Warn("webhook: read body", "err", err, "remote", r.RemoteAddr)
		http.Error(rw, "unreadable body", http.StatusBadRequest)
		return
	}
	if !w.validSignature(sig, body) {
		w.cfg.Logger.Warn("webhook: signature does not match", "remote", r.RemoteAddr)
		http.Error(rw, "bad signature", http.StatusForbidden)
		return
	}
	items, err := w.parse(body)
	if err != nil {
		w.cfg.Logger.Warn("webhook: malformed payload", "err", err, "remote", r.RemoteAddr)
		http.Error(rw, "malformed payload", http.StatusBadRequest)
		return
	}
	failed := 0
	for _, in := range items {
		if _, _, err := w.sink.Ingest(in); err != nil {
			if connector.IsPermanent(err) {
				w.cfg.Logger.Warn("webhook: sink refused an item", "id", in.PlatformID, "err", err)
				continue
			}
			failed++
			w.cfg.Logger.Error("webhook: sink failed", "id", in.PlatformID, "err", err)
		}
	}
	if failed > 0 {
		// A redelivery is harmless: the sink drops what it already has.
		http.Error(rw, "could not store every event", http.StatusInternalServerError)
		return
	}
	rw.WriteHeader(http.StatusOK)
}

func readBody(rw http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(rw, r.Body, limit))
}

// validSignature checks "sha256=<base64 HMAC>" in constant time.
func (w *Webhook) validSignature(header string, body []byte) bool {
	enc, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return false
	}
	return hmac.Equal(got, sign(w.cfg.ConsumerSecret, body))
}

// activity is an Account Activity delivery. Events are decoded one by one
// so that one odd event does not cost the others.
type activity struct {
	ForUserID           string                     `json:"for_user_id"`
	TweetCreateEvents   []json.RawMessage          `json:"tweet_create_events"`
	TweetDeleteEvents   []json.RawMessage          `json:"tweet_delete_events"`
	DirectMessageEvents []json.RawMessage          `json:"direct_message_events"`
	Users               map[string]json.RawMessage `json:"users"`
}

// v1Tweet is the part of a v1.1 tweet object the connector reads.
type v1Tweet struct {
	IDStr         string `json:"id_str"`
	Text          string `json:"text"`
	FullText      string `json:"full_text"`
	ExtendedTweet *struct {
		FullText string `json:"full_text"`
	} `json:"extended_tweet"`
	User                 v1User          `json:"user"`
	InReplyToStatusIDStr string          `json:"in_reply_to_status_id_str"`
	InReplyToUserIDStr   string          `json:"in_reply_to_user_id_str"`
	CreatedAt            string          `json:"created_at"`
	TimestampMS          string          `json:"timestamp_ms"`
	Lang                 string          `json:"lang"`
	RetweetedStatus      json.RawMessage `json:"retweeted_status"`
	RetweetCount         int             `json:"retweet_count"`
	FavoriteCount        int             `json:"favorite_count"`
	ReplyCount           int             `json:"reply_count"`
	QuoteCount           int             `json:"quote_count"`
}

// engagement is the interactions on the tweet, as poll's v2Tweet.engagement.
func (t v1Tweet) engagement() int {
	return sumCounts(t.RetweetCount, t.FavoriteCount, t.ReplyCount, t.QuoteCount)
}

// v1User is a v1.1 user object (tweet.user, and the DM users map, where
// "id" is a string; the number form of "id" is not read).
type v1User struct {
	IDStr          string `json:"id_str"`
	ScreenName     string `json:"screen_name"`
	Name           string `json:"name"`
	FollowersCount int    `json:"followers_count"`
	Verified       bool   `json:"verified"`
	Description    string `json:"description"`
	URL            string `json:"url"`
}

type v1Delete struct {
	Status struct {
		ID     string `json:"id"`
		UserID string `json:"user_id"`
	} `json:"status"`
	TimestampMS string `json:"timestamp_ms"`
}

type dmEvent struct {
	Type             string `json:"type"`
	ID               string `json:"id"`
	CreatedTimestamp string `json:"created_timestamp"`
	MessageCreate    struct {
		Target struct {
			RecipientID string `json:"recipient_id"`
		} `json:"target"`
		SenderID    string `json:"sender_id"`
		MessageData struct {
			Text string `json:"text"`
		} `json:"message_data"`
	} `json:"message_create"`
}

// parse turns a delivery into Inbound items. Only a body that is not a JSON
// object is an error; events it cannot use are logged and skipped.
func (w *Webhook) parse(body []byte) ([]model.Inbound, error) {
	var a activity
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, err
	}
	if a.ForUserID != "" && a.ForUserID != w.cfg.UserID {
		w.cfg.Logger.Info("webhook: events for another account ignored", "for_user_id", clip(a.ForUserID, 40))
		return nil, nil
	}
	var items []model.Inbound
	for _, raw := range a.TweetCreateEvents {
		var t v1Tweet
		if err := json.Unmarshal(raw, &t); err != nil {
			w.cfg.Logger.Warn("webhook: tweet event skipped", "err", err)
			continue
		}
		if in, ok := w.tweet(t); ok {
			items = append(items, in)
		}
	}
	for _, raw := range a.TweetDeleteEvents {
		var d v1Delete
		if err := json.Unmarshal(raw, &d); err != nil {
			w.cfg.Logger.Warn("webhook: delete event skipped", "err", err)
			continue
		}
		if in, ok := w.deletion(d); ok {
			items = append(items, in)
		}
	}
	users := map[string]v1User{}
	for id, raw := range a.Users {
		var u struct {
			v1User
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &u) != nil {
			continue
		}
		if u.IDStr == "" {
			u.IDStr = u.ID
		}
		users[id] = u.v1User
	}
	for _, raw := range a.DirectMessageEvents {
		var e dmEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			w.cfg.Logger.Warn("webhook: DM event skipped", "err", err)
			continue
		}
		if in, ok := w.dm(e, users); ok {
			items = append(items, in)
		}
	}
	return items, nil
}

func (w *Webhook) tweet(t v1Tweet) (model.Inbound, bool) {
	if !isID(t.IDStr) || len(t.RetweetedStatus) > 0 && string(t.RetweetedStatus) != "null" {
		return model.Inbound{}, false // retweets amplify, they do not ask
	}
	text := t.Text
	if t.FullText != "" {
		text = t.FullText
	}
	if t.ExtendedTweet != nil && t.ExtendedTweet.FullText != "" {
		text = t.ExtendedTweet.FullText
	}
	text = unescape(text)
	if strings.TrimSpace(text) == "" {
		return model.Inbound{}, false
	}
	parent := t.InReplyToStatusIDStr
	if !isID(parent) {
		parent = ""
	}
	brand := t.User.IDStr == w.cfg.UserID
	if brand && (!answersCustomer(parent, t.InReplyToUserIDStr, w.cfg.UserID) || w.cfg.Threads.sentByUs(t.IDStr)) {
		return model.Inbound{}, false // a broadcast or a self-thread, or our own delivered reply
	}

	root := t.IDStr
	if parent != "" {
		root = w.rootOf(parent)
	}
	w.cfg.Threads.Remember(t.IDStr, root)

	in := model.Inbound{
		Channel:    model.ChannelTwitter,
		ThreadRef:  convPrefix + root,
		PlatformID: t.IDStr,
		Author:     w.identity(t.User, ""),
		Text:       text,
		Time:       tweetTime(t),
		Public:     true,
		Source:     w.cfg.mentionsSource(),
		Direction:  model.DirectionIn,
	}
	in.Author.Engagement = t.engagement()
	if t.Lang != "" && t.Lang != "und" && len(t.Lang) <= 8 {
		in.Lang = t.Lang
	}
	if brand {
		in.Direction = model.DirectionOut
	}
	if isHandle(t.User.ScreenName) {
		in.URL = "https://x.com/" + t.User.ScreenName + "/status/" + t.IDStr
	} else {
		in.URL = "https://x.com/i/web/status/" + t.IDStr
	}
	return in, true
}

// answersCustomer: a tweet of the brand is customer care when it replies
// to someone else's tweet; its broadcasts and self-threads are not.
func answersCustomer(parent, parentAuthor, brandID string) bool {
	return parent != "" && parentAuthor != brandID
}

// rootOf finds the conversation of the tweet parent: known here, known to
// the sink, or else parent itself (the nearest ancestor we can name).
func (w *Webhook) rootOf(parent string) string {
	if r, ok := w.cfg.Threads.Root(parent); ok {
		return r
	}
	if f, ok := w.sink.(ThreadFinder); ok {
		if ref, ok := f.ThreadOf(model.ChannelTwitter, parent); ok {
			if r, ok := convOf(ref); ok {
				return r
			}
		}
	}
	return parent
}

func (w *Webhook) deletion(d v1Delete) (model.Inbound, bool) {
	id := d.Status.ID
	if !isID(id) {
		return model.Inbound{}, false
	}
	root, ok := w.cfg.Threads.Root(id)
	if !ok {
		root = id
	}
	// The hub finds the message by PlatformID; thread ref and handle only
	// satisfy its validation.
	return model.Inbound{
		Channel:    model.ChannelTwitter,
		ThreadRef:  convPrefix + root,
		PlatformID: id,
		Author:     model.Identity{Platform: model.ChannelTwitter, Handle: "id:" + d.Status.UserID, PlatformID: d.Status.UserID},
		Time:       msTime(d.TimestampMS),
		Public:     true,
		Action:     model.InboundDelete,
	}, true
}

func (w *Webhook) dm(e dmEvent, users map[string]v1User) (model.Inbound, bool) {
	mc := e.MessageCreate
	if e.Type != "message_create" || !isID(e.ID) || !isID(mc.SenderID) || !isID(mc.Target.RecipientID) {
		return model.Inbound{}, false
	}
	text := mc.MessageData.Text
	if strings.TrimSpace(text) == "" {
		return model.Inbound{}, false
	}
	customer, dir := mc.SenderID, model.DirectionIn
	if mc.SenderID == w.cfg.UserID {
		if w.cfg.Threads.sentByUs(e.ID) {
			return model.Inbound{}, false
		}
		customer, dir = mc.Target.RecipientID, model.DirectionOut
	} else if mc.Target.RecipientID != w.cfg.UserID {
		return model.Inbound{}, false // not a conversation of the brand
	}
	if customer == w.cfg.UserID {
		return model.Inbound{}, false // a note to self
	}
	u := users[mc.SenderID]
	return model.Inbound{
		Channel:    model.ChannelTwitter,
		ThreadRef:  w.cfg.dmThread(customer),
		PlatformID: e.ID,
		Author:     w.identity(u, mc.SenderID),
		Text:       text,
		Time:       msTime(e.CreatedTimestamp),
		Private:    true,
		Source:     w.cfg.dmSource(),
		Direction:  dir,
	}, true
}

// identity maps a v1.1 user; id names the user when the object is empty.
func (w *Webhook) identity(u v1User, id string) model.Identity {
	if u.IDStr != "" {
		id = u.IDStr
	}
	in := model.Identity{
		Platform:    model.ChannelTwitter,
		PlatformID:  id,
		DisplayName: u.Name,
		Followers:   max(0, u.FollowersCount),
		Verified:    u.Verified,
		Bio:         strings.TrimSpace(u.Description + " " + u.URL),
	}
	if isHandle(u.ScreenName) {
		in.Handle = "@" + u.ScreenName
	} else {
		in.Handle = "id:" + id
	}
	return in
}

// tweetTime reads created_at ("Mon Jan 02 15:04:05 +0000 2006", Go's
// RubyDate), else timestamp_ms; zero lets the hub use its own clock.
func tweetTime(t v1Tweet) time.Time {
	if ts, err := time.Parse(time.RubyDate, t.CreatedAt); err == nil {
		return ts.UTC()
	}
	return msTime(t.TimestampMS)
}

func msTime(ms string) time.Time {
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil || n <= 0 || n > 1<<53 {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
