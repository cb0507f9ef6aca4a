package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"switchboard/connector"
	"switchboard/connector/twitter"
	"switchboard/model"
	"switchboard/sync/hub"
)

// One hub can serve several brands: several Facebook pages, several X
// accounts, each with its own credentials. Cases carry the brand of the
// page or account they came in on (model.Case.Brand), and a reply goes
// out with that brand's credentials.

// brandSink marks every item of one account with its brand.
type brandSink struct {
	connector.Sink
	brand string
}

func (s brandSink) Ingest(in model.Inbound) (string, bool, error) {
	if in.Brand == "" {
		in.Brand = s.brand
	}
	return s.Sink.Ingest(in)
}

// ThreadOf passes the hub's thread lookup through (twitter.ThreadFinder).
func (s brandSink) ThreadOf(ch model.Channel, platformID string) (string, bool) {
	if f, ok := s.Sink.(twitter.ThreadFinder); ok {
		return f.ThreadOf(ch, platformID)
	}
	return "", false
}

// brandSenders picks a platform's sender by the reply's brand. A reply
// without a brand (a case from before the hub had several, or a hub with
// one) goes out through the first configured sender.
type brandSenders struct {
	channel model.Channel
	first   connector.Sender
	by      map[string]connector.Sender
	order   []connector.Sender
}

func (b *brandSenders) add(brand string, s connector.Sender) {
	if b.by == nil {
		b.by = map[string]connector.Sender{}
	}
	if b.first == nil {
		b.first = s
	}
	b.by[brand] = s
	b.order = append(b.order, s)
}

// sender returns the router: nil with no sender, and one that also
// reconciles (hub.Reconciler) when every sender can.
func (b *brandSenders) sender() connector.Sender {
	if len(b.order) == 0 {
		return nil
	}
	for _, s := range b.order {
		if _, ok := s.(hub.Reconciler); !ok {
			return b
		}
	}
	return reconcilingSenders{b}
}

func (b *brandSenders) pick(brand string) (connector.Sender, error) {
	if s, ok := b.by[brand]; ok {
		return s, nil
	}
	if brand == "" {
		return b.first, nil
	}
	return nil, connector.Permanentf("no %s page or account is configured for brand %q: it cannot send this reply", b.channel, brand)
}

func (b *brandSenders) Send(ctx context.Context, r connector.Reply) (string, error) {
	s, err := b.pick(r.Brand)
	if err != nil {
		return "", err
	}
	return s.Send(ctx, r)
}

type reconcilingSenders struct{ *brandSenders }

func (b reconcilingSenders) Find(ctx context.Context, r connector.Reply) (string, bool, error) {
	s, err := b.pick(r.Brand)
	if err != nil {
		return "", false, err
	}
	return s.(hub.Reconciler).Find(ctx, r)
}

// accountMux routes X Account Activity deliveries by for_user_id to the
// account's webhook; the CRC (one app, one consumer secret) is answered by
// the first. The chosen webhook checks the signature over the same bytes.
type accountMux struct {
	hooks map[string]http.Handler // by user id
	first string
}

func (m accountMux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || len(m.hooks) == 1 {
		m.hooks[m.first].ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, twitter.DefaultMaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	var head struct {
		ForUserID string `json:"for_user_id"`
	}
	_ = json.Unmarshal(body, &head) // a bad body is the webhook's to refuse, after the signature
	h, ok := m.hooks[head.ForUserID]
	if !ok {
		h = m.hooks[m.first] // it ignores events for accounts it does not serve
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	h.ServeHTTP(w, r)
}

// pageSink counts each Facebook item on its page's status.
type pageSink struct {
	connector.Sink
	byBrand map[string]*hub.ConnectorReport
}

func (s pageSink) Ingest(in model.Inbound) (string, bool, error) {
	return reportSink{s.Sink, s.byBrand[in.Brand]}.Ingest(in)
}

// replyBrands are the brands the hub can answer for on X and Facebook:
// each account's and page's (a reply goes out with its credentials).
type replyBrands map[model.Channel]map[string]bool

func replyBrandsOf(cfg Config) replyBrands {
	b := replyBrands{model.ChannelTwitter: {}, model.ChannelFacebook: {}}
	if cfg.Twitter != nil {
		accounts, _ := cfg.Twitter.accounts() // checked when the config loaded
		for _, a := range accounts {
			b[model.ChannelTwitter][a.Brand] = true
		}
	}
	if cfg.Facebook != nil {
		pages, _ := cfg.Facebook.PageConfigs()
		for _, p := range pages {
			b[model.ChannelFacebook][p.Brand] = true
		}
	}
	return b
}

// known reports whether an item of channel ch may carry brand (the generic
// endpoint's "brand"): on X and Facebook one of that channel's accounts' or
// pages' brands, else its reply could not go out; on a forum any brand,
// its replies being posted by hand as that brand.
func (b replyBrands) known(ch model.Channel, brand string) bool {
	if ch == model.ChannelForum {
		return true
	}
	return b[ch][brand]
}
