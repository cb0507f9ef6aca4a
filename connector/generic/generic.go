// Package generic is the hub's ingest endpoint for sources that have no
// connector of their own: a CRM's web form, a shop's review feed, a
// social-listening tool. They POST messages as JSON to
// POST /v1/ingest/generic (Path) and get back the cases the messages went
// to. FORMAT.md in this folder is the same description for integrators.
//
// # Request
//
// The body is one item or an array of up to 500 items (Options.MaxItems),
// at most 1 MiB (Options.MaxBody), Content-Type application/json (or
// absent):
//
//	{
//	  "source":     "Shop reviews · alpenblick-hotels.example",  // required
//	  "channel":    "forum",                    // forum (default) | twitter | facebook
//	  "thread_ref": "review-88213",             // required: items with the same ref join one case
//	  "id":         "review-88213",             // required: the source's id of this message, for dedupe
//	  "author": {                               // required
//	    "handle":    "sandra.o@example.com",    // required: how the source knows the person
//	    "name":      "Sandra Oyelaran",         // optional, shown instead of the handle
//	    "followers": 0                          // optional, >= 0: feeds the reach rating
//	  },
//	  "text":   "The room was lovely but …",   // required, at most 64 KiB
//	  "time":   "2026-11-23T15:02:31Z",         // optional, RFC 3339; absent: the hub's clock
//	  "public": true,                           // optional, default false
//	  "url":    "https://shop.example/r/88213", // optional, http(s): the agent's "open" link
//	  "lang":   "de",                           // optional, BCP 47
//	  "direction": "in",                        // optional: in (default) | out, the brand's own answer
//	  "brand":  "voltra-at"                     // optional: the brand it came in for, on a hub serving several
//	}
//
// Unknown fields are refused: a misspelt optional field would otherwise
// be lost without a word.
//
// channel defaults to forum, the channel of sources without a reply API:
// the hub delivers replies to a forum case as manual (the agent copies the
// text and posts it), which is the only safe way to answer a web form or a
// review. For the forum channel source, thread_ref and id are namespaced
// by source ("generic/<source>/<thread_ref>"), so two sources numbering
// their items alike never merge threads or dedupe each other's messages;
// keep source stable. twitter and facebook are for tools that forward
// platform items: their thread_ref and id are taken as the platform's own
// ids, exactly as the twitter and facebook connectors set them, so an item
// seen by both is stored once and replies go out through the platform.
//
// # Answers
//
//   - 200 {"accepted": N, "duplicates": M, "cases": ["<case id>", …]}:
//     N items stored, M already known (same channel and id: nothing
//     changed); cases[i] is the case of item i. "dropped": D (present
//     when D > 0) counts "out" items whose thread has no case: they open
//     none, and their cases entry is "".
//   - 400 {"error": "…", "index": i, "field": "…", "problems": […]}: a
//     malformed body, or invalid items. Every item is checked before any
//     is stored, so nothing is stored; problems lists each invalid field
//     (index, field, reason).
//   - 405 for another method, 413 for a body over 1 MiB or more than 500
//     items, 415 for a Content-Type other than JSON.
//   - 500 {"error": …, "index": i, "accepted": …, "duplicates": …,
//     "cases": […]}: the hub could not store item i; items before it are
//     stored. Retry the whole request: stored items come back as
//     duplicates.
//
// # Authentication
//
// The handler does none: the hub wraps it in the bearer-token check every
// hub endpoint uses (401 for a missing or revoked token, 503 when tokens
// cannot be read), so there is one token check with one behaviour, and a
// request without a valid token is refused before its body is read:
//
//	srv.Mount("POST "+generic.Path, srv.RequireToken(generic.NewHandler(h, generic.Options{MaxText: hubCfg.MaxText})))
package generic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"switchboard/connector"
	"switchboard/model"
)

// Path is where the hub mounts the handler.
const Path = "/v1/ingest/generic"

// Defaults of Options.
const (
	DefaultMaxBody  = 1 << 20
	DefaultMaxItems = 500
	DefaultMaxText  = 64 << 10 // the hub's default limit
)

// Limits on the short fields, in bytes.
const (
	maxRef    = 1024 // thread_ref, id
	maxSource = 200
	maxHandle = 200 // author.handle, author.name
	maxURL    = 2048
	maxLang   = 35
	// maxSkew is how far in the future an item's time may lie: clocks
	// differ, but a message from tomorrow would skew response times.
	maxSkew = time.Hour
	// maxProblems caps the problems listed in a 400 answer.
	maxProblems = 50
	// maxTopics caps a listen item's topics.
	maxTopics = 16
)

// Item is one message in the generic format.
type Item struct {
	Source    string  `json:"source"`
	Channel   string  `json:"channel,omitempty"`
	ThreadRef string  `json:"thread_ref"`
	ID        string  `json:"id"`
	Author    *Author `json:"author"`
	Text      string  `json:"text"`
	Time      string  `json:"time,omitempty"`
	Public    bool    `json:"public,omitempty"`
	URL       string  `json:"url,omitempty"`
	Lang      string  `json:"lang,omitempty"`
	// Direction is "in" (default: a customer's message) or "out": the
	// brand's own answer, posted outside Switchboard. An out item joins its
	// thread's case as the team's reply, or is dropped when the thread has
	// no case.
	Direction string `json:"direction,omitempty"`
	// Listen marks a post from a listen-only source (a social-listening
	// tool's X search, a neutral community): it opens no case and is kept
	// for the listening view, with Topics as its listened keywords.
	Listen bool     `json:"listen,omitempty"`
	Topics []string `json:"topics,omitempty"`
	// Brand is the brand the item came in for, on a hub serving several
	// (model.Inbound.Brand): its case — a listened item's once adopted — is
	// that brand's and answered with its page's or account's credentials
	// (a forum item's by hand, as that brand). Options.KnownBrand refuses
	// a brand the hub cannot answer for. Empty: no brand.
	Brand string `json:"brand,omitempty"`
}

// Author is who wrote an Item.
type Author struct {
	Handle    string `json:"handle"`
	Name      string `json:"name,omitempty"`
	Followers int    `json:"followers,omitempty"`
}

// Response is the answer to a request whose items were all stored.
type Response struct {
	Accepted   int      `json:"accepted"`   // newly stored
	Duplicates int      `json:"duplicates"` // already known
	Cases      []string `json:"cases"`      // the case of each item, in order
	// Dropped counts out items whose thread has no case: stored nowhere,
	// their cases entry is "".
	Dropped int `json:"dropped,omitempty"`
	// Listened counts listen items: kept for the listening view, no case
	// (their cases entry is "").
	Listened int `json:"listened,omitempty"`
}

// ErrorBody is the answer to a refused request.
type ErrorBody struct {
	Error string `json:"error"`
	// Index and Field name the first invalid item and field, or the item
	// that could not be stored.
	Index    *int      `json:"index,omitempty"`
	Field    string    `json:"field,omitempty"`
	Problems []Problem `json:"problems,omitempty"`
	// On a 500: what was stored before the failure.
	Accepted   int      `json:"accepted,omitempty"`
	Duplicates int      `json:"duplicates,omitempty"`
	Cases      []string `json:"cases,omitempty"`
}

// Problem is one invalid field of one item.
type Problem struct {
	Index  int    `json:"index"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (p Problem) String() string {
	if p.Field == "" {
		return fmt.Sprintf("item %d: %s", p.Index, p.Reason)
	}
	return fmt.Sprintf("item %d: %s: %s", p.Index, p.Field, p.Reason)
}

// Options tune a Handler; the zero value is usable.
type Options struct {
	MaxBody  int64 // zero: DefaultMaxBody
	MaxItems int   // zero: DefaultMaxItems
	// MaxText caps an item's text in bytes; set it to the hub's limit so
	// that an item the hub would refuse is refused here, before any item
	// of the request is stored. Zero: DefaultMaxText.
	MaxText int
	Logger  *slog.Logger     // zero: slog.Default()
	Now     func() time.Time // zero: time.Now
	// KnownBrand reports whether the hub answers for brand on channel ch
	// (a twitter item's brand must be an X account's, a facebook item's a
	// page's: its reply could not go out otherwise). An item with another
	// brand is refused. Nil: every brand is taken.
	KnownBrand func(ch model.Channel, brand string) bool
}

func (o *Options) defaults() {
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.MaxItems <= 0 {
		o.MaxItems = DefaultMaxItems
	}
	if o.MaxText <= 0 {
		o.MaxText = DefaultMaxText
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Handler serves POST /v1/ingest/generic.
type Handler struct {
	sink connector.Sink
	opt  Options
}

// NewHandler returns the ingest handler passing items to sink (the hub's
// Ingest). It does not authenticate: wrap it (see the package doc).
func NewHandler(sink connector.Sink, opt Options) *Handler {
	opt.defaults()
	return &Handler{sink: sink, opt: opt}
}

// requestError is a refusal with its status.
type requestError struct {
	status int
	body   ErrorBody
}

func refuse(status int, format string, args ...any) *requestError {
	return &requestError{status: status, body: ErrorBody{Error: fmt.Sprintf(format, args...)}}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.fail(w, r, refuse(http.StatusMethodNotAllowed, "method %s not allowed: POST a JSON item or array", r.Method))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			h.fail(w, r, refuse(http.StatusUnsupportedMediaType, "Content-Type %q: want application/json", ct))
			return
		}
	}
	if r.ContentLength > h.opt.MaxBody {
		h.fail(w, r, refuse(http.StatusRequestEntityTooLarge, "body of %d bytes, limit %d", r.ContentLength, h.opt.MaxBody))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opt.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.fail(w, r, refuse(http.StatusRequestEntityTooLarge, "body over the limit of %d bytes", h.opt.MaxBody))
			return
		}
		h.fail(w, r, refuse(http.StatusBadRequest, "reading the body: %v", err))
		return
	}
	ins, rerr := decode(body, h.opt.Now(), h.opt.MaxItems, h.opt.MaxText, h.opt.KnownBrand)
	if rerr != nil {
		h.fail(w, r, rerr)
		return
	}

	res := Response{Cases: make([]string, 0, len(ins))}
	var batch []connector.Ingested // a batch sink stores the request in one step
	if bs, ok := h.sink.(connector.BatchSink); ok && len(ins) > 1 {
		batch = bs.IngestMany(ins)
	}
	for i, in := range ins {
		var caseID string
		var dup bool
		var err error
		if batch != nil {
			caseID, dup, err = batch[i].CaseID, batch[i].Dup, batch[i].Err
		} else {
			caseID, dup, err = h.sink.Ingest(in)
		}
		if err != nil {
			h.opt.Logger.Error("generic ingest: item not stored", "remote", r.RemoteAddr, "index", i, "id", in.PlatformID, "err", err)
			idx := i
			h.fail(w, r, &requestError{status: http.StatusInternalServerError, body: ErrorBody{
				Error: fmt.Sprintf("item %d could not be stored; retry the request (stored items come back as duplicates)", i),
				Index: &idx, Accepted: res.Accepted, Duplicates: res.Duplicates, Cases: res.Cases,
			}})
			return
		}
		switch {
		case dup:
			res.Duplicates++
		case caseID == "" && in.Listen:
			res.Listened++
		case caseID == "":
			res.Dropped++ // the brand's own post with no case to join
		default:
			res.Accepted++
		}
		res.Cases = append(res.Cases, caseID)
	}
	h.opt.Logger.Info("generic ingest", "remote", r.RemoteAddr, "items", len(ins), "accepted", res.Accepted,
		"duplicates", res.Duplicates, "dropped", res.Dropped)
	writeJSON(w, http.StatusOK, res)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, e *requestError) {
	if e.status < 500 {
		h.opt.Logger.Warn("generic ingest: refused", "remote", r.RemoteAddr, "status", e.status, "reason", e.body.Error)
	}
	writeJSON(w, e.status, e.body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// decode parses a body (one item or an array) and validates every item,
// returning either all of them as inbound messages or the refusal.
func decode(body []byte, now time.Time, maxItems, maxText int, known func(model.Channel, string) bool) ([]model.Inbound, *requestError) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, refuse(http.StatusBadRequest, "empty body: want a JSON item or an array of items")
	}
	if !json.Valid(trimmed) {
		var v any
		err := json.Unmarshal(trimmed, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, refuse(http.StatusBadRequest, "malformed JSON at byte %d: %v", se.Offset, se.Error())
		}
		return nil, refuse(http.StatusBadRequest, "malformed JSON: %v", err)
	}
	var raws []json.RawMessage
	switch trimmed[0] {
	case '{':
		raws = []json.RawMessage{trimmed}
	case '[':
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return nil, refuse(http.StatusBadRequest, "malformed JSON: %v", err)
		}
		if len(raws) > maxItems {
			return nil, refuse(http.StatusRequestEntityTooLarge, "batch of %d items, limit %d: split it", len(raws), maxItems)
		}
	default:
		return nil, refuse(http.StatusBadRequest, "want a JSON object or an array of objects")
	}

	var problems []Problem
	total := 0
	report := func(p Problem) {
		total++
		if len(problems) < maxProblems {
			problems = append(problems, p)
		}
	}
	ins := make([]model.Inbound, 0, len(raws))
	for i, raw := range raws {
		it, p := decodeItem(i, raw)
		if p != nil {
			report(*p)
			continue
		}
		in, ps := it.inbound(i, now, maxText, known)
		for _, p := range ps {
			report(p)
		}
		if len(ps) == 0 {
			ins = append(ins, in)
		}
	}
	if total > 0 {
		first := problems[0]
		msg := first.String()
		if total > 1 {
			msg += fmt.Sprintf(" (and %d more problems)", total-1)
		}
		return nil, &requestError{status: http.StatusBadRequest, body: ErrorBody{
			Error: msg + "; nothing stored", Index: &first.Index, Field: first.Field, Problems: problems,
		}}
	}
	return ins, nil
}

func decodeItem(i int, raw json.RawMessage) (Item, *Problem) {
	var it Item
	if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return it, &Problem{Index: i, Reason: "not a JSON object"}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(&it)
	if err == nil {
		return it, nil
	}
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		return it, &Problem{Index: i, Field: te.Field, Reason: "wrong type: got a JSON " + te.Value}
	case strings.HasPrefix(err.Error(), `json: unknown field "`):
		field := strings.TrimSuffix(strings.TrimPrefix(err.Error(), `json: unknown field "`), `"`)
		return it, &Problem{Index: i, Field: field, Reason: "unknown field"}
	}
	return it, &Problem{Index: i, Reason: err.Error()}
}

// inbound validates an item and converts it; it returns every problem.
func (it Item) inbound(i int, now time.Time, maxText int, known func(model.Channel, string) bool) (model.Inbound, []Problem) {
	var ps []Problem
	bad := func(field, format string, args ...any) {
		ps = append(ps, Problem{Index: i, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	short := func(field, v string, limit int, required bool) string {
		v = strings.TrimSpace(v)
		switch {
		case v == "" && required:
			bad(field, "required")
		case len(v) > limit:
			bad(field, "%d bytes, limit %d", len(v), limit)
		case strings.ContainsFunc(v, unicode.IsControl):
			bad(field, "contains control characters")
		}
		return v
	}

	source := short("source", it.Source, maxSource, true)
	ch := model.Channel(strings.TrimSpace(it.Channel))
	if ch == "" {
		ch = model.ChannelForum
	}
	if !ch.Valid() {
		bad("channel", "%q: want forum, twitter or facebook", it.Channel)
	}
	thread := short("thread_ref", it.ThreadRef, maxRef, true)
	id := short("id", it.ID, maxRef, true)
	dir := model.Direction(strings.TrimSpace(it.Direction))
	switch dir {
	case "":
		dir = model.DirectionIn
	case model.DirectionIn, model.DirectionOut:
	default:
		bad("direction", "%q: want in or out", it.Direction)
	}

	var author model.Identity
	if it.Author == nil {
		bad("author", "required")
	} else {
		author.Platform = ch
		author.Handle = short("author.handle", it.Author.Handle, maxHandle, true)
		author.DisplayName = short("author.name", it.Author.Name, maxHandle, false)
		if it.Author.Followers < 0 {
			bad("author.followers", "negative")
		}
		author.Followers = it.Author.Followers
	}

	switch {
	case strings.TrimSpace(it.Text) == "":
		bad("text", "required")
	case len(it.Text) > maxText:
		bad("text", "%d bytes, limit %d", len(it.Text), maxText)
	case !utf8.ValidString(it.Text):
		bad("text", "not UTF-8")
	}

	var at time.Time
	if s := strings.TrimSpace(it.Time); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		switch {
		case err != nil:
			bad("time", "%q: want RFC 3339, like 2026-11-23T15:02:31Z", s)
		case t.After(now.Add(maxSkew)):
			bad("time", "%s is in the future", s)
		default:
			at = t.UTC()
		}
	}

	link := strings.TrimSpace(it.URL)
	if link != "" {
		u, err := url.Parse(link)
		switch {
		case len(link) > maxURL:
			bad("url", "%d bytes, limit %d", len(link), maxURL)
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			// The console opens it: nothing but a web address.
			bad("url", "want an absolute http or https URL")
		}
	}

	lang := strings.TrimSpace(it.Lang)
	if len(lang) > maxLang || strings.ContainsFunc(lang, func(r rune) bool {
		return !(r == '-' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)))
	}) {
		bad("lang", "%q: want a BCP 47 tag like de or en-GB", it.Lang)
	}

	if len(it.Topics) > maxTopics {
		bad("topics", "%d, at most %d", len(it.Topics), maxTopics)
	}
	var topics []string
	for i, tp := range it.Topics {
		topics = append(topics, short(fmt.Sprintf("topics[%d]", i), tp, maxHandle, true))
	}
	if len(topics) > 0 && !it.Listen {
		bad("topics", "only with listen")
	}
	brand := short("brand", it.Brand, maxHandle, false)
	if brand != "" && ch.Valid() && known != nil && !known(ch, brand) {
		bad("brand", "%q: no brand this hub answers for on %s (an X account's, a Facebook page's or a forum feed's brand)", brand, ch)
	}
	if len(ps) > 0 {
		return model.Inbound{}, ps
	}
	if ch == model.ChannelForum {
		ns := "generic/" + url.PathEscape(source) + "/"
		thread, id = ns+thread, ns+id
	}
	return model.Inbound{
		Channel:    ch,
		ThreadRef:  thread,
		PlatformID: id,
		Author:     author,
		Text:       it.Text,
		Time:       at,
		Public:     it.Public,
		Source:     source,
		URL:        link,
		Lang:       lang,
		Direction:  dir,
		Listen:     it.Listen,
		Keywords:   topics,
		Brand:      brand,
	}, nil
}
