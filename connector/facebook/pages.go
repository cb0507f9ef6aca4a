package facebook

import (
	"context"
	"crypto/subtle"
	"strings"
	"sync"

	"switchboard/model"
)

// One Webhook serves every page of the hub: Meta posts all of an app's
// pages to one callback URL, and one delivery may hold entries of several
// of them. A delivery signed with an app's secret speaks only for that
// app's pages: pages of another app (another secret) are skipped.

// app is the pages sharing one app secret.
type app struct {
	secret string
	parser parser // its first page, the others in parser.also
}

// pageParser is the parser of one configured page.
func pageParser(c Config) parser {
	pp := parser{pageID: c.PageID, pageName: c.PageName, brand: c.Brand, listen: c.Listen}
	for _, t := range c.Topics {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
			pp.topics = append(pp.topics, t)
		}
	}
	return pp
}

// groupApps groups pages by app secret, in configuration order.
func groupApps(pages []Config) []app {
	var apps []app
	for _, pc := range pages {
		i := 0
		for i < len(apps) && apps[i].secret != pc.AppSecret {
			i++
		}
		if i == len(apps) {
			apps = append(apps, app{secret: pc.AppSecret, parser: pageParser(pc)})
			continue
		}
		if apps[i].parser.also == nil {
			apps[i].parser.also = map[string]parser{}
		}
		apps[i].parser.also[pc.PageID] = pageParser(pc)
	}
	return apps
}

// forPage is the parser of the page an entry names, if this app serves it.
func (p parser) forPage(id string) (parser, bool) {
	if id == p.pageID {
		return p, true
	}
	o, ok := p.also[id]
	return o, ok
}

// appFor finds the app whose secret signed body.
func (w *Webhook) appFor(sig string, body []byte) (app, bool) {
	for _, a := range w.apps {
		if validSignature(sig, body, a.secret) {
			return a, true
		}
	}
	return app{}, false
}

// verifies reports whether token is one of the pages' verify tokens.
func (w *Webhook) verifies(token string) bool {
	ok := false
	for _, pc := range w.pages {
		if pc.VerifyToken != "" && subtle.ConstantTimeCompare([]byte(token), []byte(pc.VerifyToken)) == 1 {
			ok = true
		}
	}
	return ok
}

// fillProfiles names Messenger senders with the token of the page each
// item came to (items carry their page's brand), pages in parallel.
func (w *Webhook) fillProfiles(ctx context.Context, items []model.Inbound) {
	if len(w.byBrand) <= 1 {
		for _, p := range w.byBrand {
			p.fill(ctx, items)
		}
		return
	}
	groups := map[string][]int{}
	for i, in := range items {
		groups[in.Brand] = append(groups[in.Brand], i)
	}
	var wg sync.WaitGroup
	for brand, idx := range groups {
		p := w.byBrand[brand]
		if p == nil {
			continue
		}
		wg.Go(func() {
			sub := make([]model.Inbound, len(idx))
			for j, i := range idx {
				sub[j] = items[i]
			}
			p.fill(ctx, sub)
			for j, i := range idx {
				items[i] = sub[j] // each goroutine writes its own indices
			}
		})
	}
	wg.Wait()
}
