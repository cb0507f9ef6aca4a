package facebook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"switchboard/connector"
)

// MaxBody caps a webhook POST body. Facebook batches at most 1,000
// updates; a body beyond this is refused with 413.
const MaxBody = 1 << 20

const (
	signatureHeader = "X-Hub-Signature-256"
	signaturePrefix = "sha256="
	maxChallenge    = 1024
)

// Webhook serves GET|POST Path: the subscription handshake and signed
// event notifications, whose items it passes to a connector.Sink.
type Webhook struct {
	cfg    Config
	sink   connector.Sink
	parser parser
	log    *slog.Logger
	// profiles names Messenger authors; nil without a page token.
	profiles *profiles
	// pages are all pages served (cfg is the first), apps them by app
	// secret, byBrand their profile lookups (see pages.go).
	pages   []Config
	apps    []app
	byBrand map[string]*profiles
}

var _ http.Handler = (*Webhook)(nil)

// NewWebhook makes the webhook handler for cfg's page, delivering items to
// sink. It needs PageID, AppSecret and VerifyToken; with a PageAccessToken
// it also looks up the names of Messenger senders.
//
// With Pages it serves every page of cfg (see Config.PageConfigs).
func NewWebhook(cfg Config, sink connector.Sink) (*Webhook, error) {
	pages, err := cfg.PageConfigs()
	if err != nil {
		return nil, err
	}
	for i := range pages {
		if err := pages[i].validate(true, false); err != nil {
			return nil, err
		}
		pages[i] = pages[i].withDefaults()
	}
	if sink == nil {
		return nil, errors.New("facebook: webhook: nil sink")
	}
	cfg = pages[0]
	log := cfg.Logger.With("connector", "facebook")
	w := &Webhook{cfg: cfg, sink: sink, log: log, pages: pages, apps: groupApps(pages), byBrand: map[string]*profiles{}}
	w.parser = w.apps[0].parser
	for _, pc := range pages {
		if p := newProfiles(pc, log); p != nil {
			w.byBrand[pc.Brand] = p
		}
	}
	w.profiles = w.byBrand[cfg.Brand]
	return w, nil
}

func (w *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		w.handshake(rw, r)
	case http.MethodPost:
		w.receive(rw, r)
	default:
		rw.Header().Set("Allow", "GET, POST")
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// handshake answers the verification request Facebook sends when the
// webhook is configured: hub.mode=subscribe, hub.verify_token, and
// hub.challenge to echo.
func (w *Webhook) handshake(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := q.Get("hub.verify_token")
	if q.Get("hub.mode") != "subscribe" || !w.verifies(token) {
		w.refuse(rw, r, http.StatusForbidden, "handshake: wrong hub.mode or hub.verify_token")
		return
	}
	challenge := q.Get("hub.challenge")
	if challenge == "" || len(challenge) > maxChallenge {
		w.refuse(rw, r, http.StatusBadRequest, "handshake: missing or oversized hub.challenge")
		return
	}
	w.log.Info("facebook webhook subscription verified")
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	io.WriteString(rw, challenge)
}

// receive checks the signature over the raw body, then passes the items
// to the sink. Only a 200 stops Facebook re-sending, so the answer is 500
// when the sink fails: the hub dedupes the re-sent items by platform id.
func (w *Webhook) receive(rw http.ResponseWriter, r *http.Request) {
	sig := r.Header.Get(signatureHeader)
	if sig == "" {
		w.refuse(rw, r, http.StatusUnauthorized, "no "+signatureHeader+" header")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			w.refuse(rw, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", MaxBody))
			return
		}
		w.refuse(rw, r, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	app, ok := w.appFor(sig, body)
	if !ok {
		w.refuse(rw, r, http.StatusForbidden, "bad "+signatureHeader)
		return
	}
	items, skips, err := app.parser.parse(body)
	if err != nil {
		w.refuse(rw, r, http.StatusBadRequest, err.Error())
		return
	}
	for _, s := range skips {
		level := slog.LevelDebug
		if s.warn {
			level = slog.LevelWarn
		}
		w.log.Log(r.Context(), level, "facebook webhook: item skipped", "item", s.what, "reason", s.reason)
	}
	// Messenger events carry only PSIDs; names come from the User Profile
	// API, at most profileTimeout for the whole body.
	w.fillProfiles(r.Context(), items)
	for _, in := range items {
		caseID, dup, err := w.sink.Ingest(in)
		if err != nil {
			if connector.IsPermanent(err) {
				// Re-sending cannot fix it; answering 500 would only
				// make Facebook retry the batch for a day and a half.
				w.log.Warn("facebook webhook: item refused", "platform_id", in.PlatformID, "thread", in.ThreadRef, "err", err)
				continue
			}
			w.log.Error("facebook webhook: ingest failed; Facebook will retry", "platform_id", in.PlatformID, "thread", in.ThreadRef, "err", err)
			http.Error(rw, "ingest failed", http.StatusInternalServerError)
			return
		}
		w.log.Debug("facebook webhook: ingested", "platform_id", in.PlatformID, "action", in.Action, "case", caseID, "dup", dup)
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(rw, "EVENT_RECEIVED")
}

func (w *Webhook) refuse(rw http.ResponseWriter, r *http.Request, status int, reason string) {
	w.log.Warn("facebook webhook: refused", "status", status, "reason", reason, "remote", r.RemoteAddr)
	http.Error(rw, http.StatusText(status), status)
}

// validSignature reports whether header is "sha256=<hex HMAC-SHA256 of
// body keyed with secret>", compared in constant time.
func validSignature(header string, body []byte, secret string) bool {
	hexSum, ok := strings.CutPrefix(strings.TrimSpace(header), signaturePrefix)
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	return hmac.Equal(got, sign(body, secret))
}

func sign(body []byte, secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

// Signature returns the X-Hub-Signature-256 value Facebook sends for body:
// for tests and for the demo generator, which posts signed payloads.
func Signature(body []byte, appSecret string) string {
	return signaturePrefix + hex.EncodeToString(sign(body, appSecret))
}
