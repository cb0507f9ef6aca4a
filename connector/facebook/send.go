package facebook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"switchboard/connector"
	"switchboard/model"
)

// Text limits, enforced before sending. Counted in UTF-16 code units, the
// stricter of the usual ways "characters" are counted, so a reply that
// passes here is never cut or refused for its length by Facebook.
const (
	MaxCommentText   = 8000 // a Facebook comment
	MaxMessengerText = 2000 // a Messenger Send API text message
)

const maxResponse = 1 << 20

// Sender delivers replies: public ones as a comment reply
// (POST /{version}/{comment-or-post-id}/comments), private ones through
// the Messenger Send API (POST /{version}/me/messages).
type Sender struct {
	cfg Config
	graphAPI
}

// graphAPI is the Graph API client the Sender and the webhook's profile
// lookups share: one base URL, one http.Client, one error classification.
type graphAPI struct {
	client *http.Client
	base   string // GraphURL + "/" + APIVersion
}

func newGraphAPI(cfg Config) graphAPI {
	cfg = cfg.withDefaults()
	return graphAPI{client: cfg.HTTPClient, base: cfg.GraphURL + "/" + cfg.APIVersion}
}

var _ connector.Sender = (*Sender)(nil)

// NewSender makes the sender for cfg's page. It needs PageID and
// PageAccessToken.
func NewSender(cfg Config) (*Sender, error) {
	if err := cfg.validate(false, true); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Sender{cfg: cfg, graphAPI: newGraphAPI(cfg)}, nil
}

// Send posts r and returns the platform id of the new comment or message.
// Errors wrapped with connector.Permanent must not be retried; the Graph
// API has no idempotency key, so the hub's record-intent-first discipline
// is what keeps a retry from double-posting.
func (s *Sender) Send(ctx context.Context, r connector.Reply) (string, error) {
	if r.Channel != "" && r.Channel != model.ChannelFacebook {
		return "", connector.Permanentf("facebook: reply for channel %q", r.Channel)
	}
	if r.Private {
		return s.sendMessenger(ctx, r)
	}
	return s.sendComment(ctx, r)
}

func (s *Sender) sendComment(ctx context.Context, r connector.Reply) (string, error) {
	target := r.InReplyTo
	if target == "" {
		target, _ = strings.CutPrefix(r.ThreadRef, postThreadPrefix)
	}
	if err := checkID("comment or post id", target); err != nil {
		return "", err
	}
	if err := checkText(r.Text, MaxCommentText, "comment"); err != nil {
		return "", err
	}
	// Form-encoded, as the Graph API reference's examples post it; the
	// token rides in the body, out of URLs and so out of logs.
	form := url.Values{"message": {r.Text}, "access_token": {s.cfg.PageAccessToken}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		s.base+"/"+url.PathEscape(target)+"/comments", strings.NewReader(form.Encode()))
	if err != nil {
		return "", connector.Permanentf("facebook: comment request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var out struct {
		ID string `json:"id"`
	}
	if err := s.do(req, &out); err != nil {
		return "", fmt.Errorf("facebook: reply to %s: %w", target, err)
	}
	if out.ID == "" {
		return "", connector.Permanentf("facebook: reply to %s: response without id; the comment may be posted, check the page before resending", target)
	}
	if !isGraphID(out.ID) {
		return "", connector.Permanentf("facebook: reply to %s: response with an id that is not a Graph id (%q); the comment may be posted, check the page before resending", target, clipText(out.ID, 80))
	}
	return out.ID, nil
}

type sendRequest struct {
	Recipient     sendRecipient `json:"recipient"`
	MessagingType string        `json:"messaging_type"`
	Message       sendMessage   `json:"message"`
}

type sendRecipient struct {
	ID string `json:"id"`
}

type sendMessage struct {
	Text string `json:"text"`
}

func (s *Sender) sendMessenger(ctx context.Context, r connector.Reply) (string, error) {
	psid := r.Recipient
	if psid == "" {
		psid, _ = strings.CutPrefix(r.ThreadRef, messengerThreadPrefix)
	}
	if err := checkID("recipient PSID", psid); err != nil {
		return "", err
	}
	if err := checkText(r.Text, MaxMessengerText, "Messenger message"); err != nil {
		return "", err
	}
	kind := "RESPONSE" // an answer to the person's message, inside the 24-hour window
	if r.Proactive {
		kind = "UPDATE" // a message of the page's own (a hand-off to an expert), inside the window too
	}
	body, err := json.Marshal(sendRequest{
		Recipient:     sendRecipient{ID: psid},
		MessagingType: kind,
		Message:       sendMessage{Text: r.Text},
	})
	if err != nil {
		return "", connector.Permanentf("facebook: encode message: %w", err)
	}
	// The Send API takes the token as the access_token parameter next to
	// a JSON body; transport errors are reported without the URL.
	u := s.base + "/me/messages?" + url.Values{"access_token": {s.cfg.PageAccessToken}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return "", connector.Permanentf("facebook: message request: %v", redact(err))
	}
	req.Header.Set("Content-Type", "application/json")
	var out struct {
		RecipientID string `json:"recipient_id"`
		MessageID   string `json:"message_id"`
	}
	if err := s.do(req, &out); err != nil {
		return "", fmt.Errorf("facebook: message to %s: %w", psid, messengerRefused(err))
	}
	if out.MessageID == "" {
		return "", connector.Permanentf("facebook: message to %s: response without message_id; it may be sent, check the inbox before resending", psid)
	}
	if !isGraphID(out.MessageID) {
		return "", connector.Permanentf("facebook: message to %s: response with a message_id that is not a Graph id (%q); it may be sent, check the inbox before resending", psid, clipText(out.MessageID, 80))
	}
	return out.MessageID, nil
}

// Find reports whether private message r was sent after all (the hub
// stopped between sending and recording it): a message of the page with
// r's text among the newest 25 of its Messenger conversation with the
// recipient (the Conversations API: GET /{page-id}/conversations with
// platform=messenger, user_id and the messages field). A public comment
// reply cannot be looked up so: Find answers an error, and the hub fails
// the reply with a note to check the page.
func (s *Sender) Find(ctx context.Context, r connector.Reply) (string, bool, error) {
	if !r.Private {
		return "", false, errors.New("facebook: a comment reply cannot be looked up; check the post")
	}
	psid := r.Recipient
	if psid == "" {
		psid, _ = strings.CutPrefix(r.ThreadRef, messengerThreadPrefix)
	}
	if checkID("recipient PSID", psid) != nil || checkText(r.Text, MaxMessengerText, "Messenger message") != nil {
		return "", false, nil // Send would refuse it anyway
	}
	q := url.Values{"platform": {"messenger"}, "user_id": {psid}, "fields": {"messages.limit(25){message,from}"},
		"access_token": {s.cfg.PageAccessToken}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/"+url.PathEscape(s.cfg.PageID)+"/conversations?"+q.Encode(), nil)
	if err != nil {
		return "", false, redact(err)
	}
	var out struct {
		Data []struct {
			Messages struct {
				Data []struct {
					ID      string `json:"id"`
					Message string `json:"message"`
					From    struct {
						ID string `json:"id"`
					} `json:"from"`
				} `json:"data"`
			} `json:"messages"`
		} `json:"data"`
	}
	if err := s.do(req, &out); err != nil {
		return "", false, fmt.Errorf("facebook: look up the conversation with %s: %w", psid, err)
	}
	want := strings.Join(strings.Fields(r.Text), " ")
	for _, c := range out.Data {
		for _, m := range c.Messages.Data {
			if m.From.ID == s.cfg.PageID && isGraphID(m.ID) && strings.Join(strings.Fields(m.Message), " ") == want {
				return m.ID, true, nil
			}
		}
	}
	return "", false, nil
}

// messengerRefused says in plain words why the Send API refused a
// message, for the codes of its error reference a sender meets: outside
// the 24-hour window (10/2018278), the person not reachable (551), no
// conversation of this page with that id (100/2018001). The Graph error
// stays wrapped, still permanent.
func messengerRefused(err error) error {
	var ge *GraphError
	if !errors.As(err, &ge) || ge.Temporary() {
		return err
	}
	var why string
	switch {
	case ge.Code == 10 && ge.Subcode == 2018278:
		why = "outside Messenger's 24-hour window: a page may message a person only within 24 hours of their last message to it; ask them to write to the page, or send it by hand"
	case ge.Code == 551:
		why = "the person cannot be reached on Messenger now (they may have blocked the page or left Messenger)"
	case ge.Code == 100 && ge.Subcode == 2018001:
		why = "no Messenger user with this id for the page: a page can write only to someone who wrote to it, by the page-scoped id (PSID) it got then"
	default:
		return err
	}
	return connector.Permanent(fmt.Errorf("%s (%w)", why, ge))
}

// do sends req and decodes a 2xx JSON answer into out. Failures come back
// classified: connector.Permanent for what retrying cannot fix.
func (g graphAPI) do(req *http.Request, out any) error {
	resp, err := g.client.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return ctxErr
		}
		return redact(err) // network: transient
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("read response (http %d): %w", resp.StatusCode, redact(err))
	}
	if resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(data, out); err != nil {
			if req.Method == http.MethodGet {
				return connector.Permanentf("http %d with an unreadable body (%v)", resp.StatusCode, err)
			}
			return connector.Permanentf("http %d with an unreadable body (%v); it may have been posted", resp.StatusCode, err)
		}
		return nil
	}
	ge := graphError(resp.StatusCode, data)
	if ge.Temporary() {
		return ge
	}
	return connector.Permanent(ge)
}

// GraphError is a Graph API error answer.
type GraphError struct {
	Status    int    `json:"-"` // HTTP status
	Code      int    `json:"code"`
	Subcode   int    `json:"error_subcode"`
	Type      string `json:"type"`
	Message   string `json:"message"`
	FBTraceID string `json:"fbtrace_id"`
	// Transient is Graph's own is_transient hint.
	Transient bool `json:"is_transient"`
}

func (e *GraphError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	s := fmt.Sprintf("graph api: http %d", e.Status)
	if e.Code != 0 {
		s += fmt.Sprintf(", code %d", e.Code)
		if e.Subcode != 0 {
			s += fmt.Sprintf("/%d", e.Subcode)
		}
	}
	if e.Type != "" {
		s += " " + e.Type
	}
	s += ": " + msg
	if e.FBTraceID != "" {
		s += " (fbtrace_id " + e.FBTraceID + ")"
	}
	return s
}

// Temporary reports whether retrying later may succeed: server errors,
// 429, Graph's is_transient, and the codes the Graph API's error-handling
// guide says to wait and retry on (1 unknown, 2 service, 4/17/32/613 and
// 80000–80014 rate limits, 341 application limit).
func (e *GraphError) Temporary() bool {
	if e.Status >= 500 || e.Status == http.StatusTooManyRequests || e.Transient {
		return true
	}
	switch e.Code {
	case 1, 2, 4, 17, 32, 341, 613:
		return true
	}
	return e.Code >= 80000 && e.Code <= 80014
}

func graphError(status int, body []byte) *GraphError {
	var wrap struct {
		Error *GraphError `json:"error"`
	}
	ge := &GraphError{}
	if json.Unmarshal(body, &wrap) == nil && wrap.Error != nil {
		ge = wrap.Error
		// The error's text is logged and stored with the reply for every
		// console: a few hundred bytes say all a Graph error says.
		ge.Message, ge.Type, ge.FBTraceID = clipText(ge.Message, maxErrMessage), clipText(ge.Type, 100), clipText(ge.FBTraceID, 100)
	} else {
		ge.Message = strings.TrimSpace(string(body))
		if !utf8.ValidString(ge.Message) {
			ge.Message = ""
		}
		ge.Message = clipText(ge.Message, 200)
	}
	ge.Status = status
	return ge
}

// maxErrMessage is the most of a Graph error's message kept, in bytes.
const maxErrMessage = 500

// clipText cuts s to at most n bytes on a rune boundary, marking the cut.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func checkID(what, id string) error {
	if id == "" {
		return connector.Permanentf("facebook: no %s to reply to", what)
	}
	if !isGraphID(id) {
		return connector.Permanentf("facebook: %s %q is not a Graph id", what, clipText(id, 80))
	}
	return nil
}

// isGraphID reports whether id can be a Graph object or message id: up to
// maxIDLen printable ASCII characters, none of which would change the path
// of a Graph URL it goes into (/ ? # \, space).
func isGraphID(id string) bool {
	if id == "" || len(id) > maxIDLen || id == "." || id == ".." {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f || strings.IndexByte("/?#\\", c) >= 0 {
			return false
		}
	}
	return true
}

func checkText(text string, limit int, what string) error {
	switch {
	case strings.TrimSpace(text) == "":
		return connector.Permanentf("facebook: empty %s", what)
	case !utf8.ValidString(text):
		return connector.Permanentf("facebook: %s is not UTF-8", what)
	}
	if n := utf16Len(text); n > limit {
		return connector.Permanentf("facebook: %s of %d characters, limit %d", what, n, limit)
	}
	return nil
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// redact keeps the page token out of an error's text: *url.Error quotes
// the request URL, and the Send API's carries the token in its query.
func redact(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u := ue.URL
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	return fmt.Errorf("%s %s: %w", ue.Op, u, ue.Err)
}
