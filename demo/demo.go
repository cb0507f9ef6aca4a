// Package demo makes the realistic traffic `make run` shows: a CRM extract,
// a backlog of scripted scenarios, and a few new messages a minute on every
// channel, in English and German. It goes through the real connectors: X
// and Facebook items are posted to the hub's webhooks as signed
// platform-shaped payloads, forum posts are published in RSS feeds the
// forum connector polls, and replies go out to the loopback Platform.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"switchboard/connector/facebook"
	"switchboard/connector/forum"
	"switchboard/connector/twitter"
	"switchboard/model"
	"switchboard/sync/hub"
)

// Generator feeds a hub through its connectors.
type Generator struct {
	Hub      *hub.Hub
	Handler  http.Handler // the hub's HTTP API, where the webhooks are
	Platform *Platform
	// PerMinute is the average number of new messages a minute.
	PerMinute float64
	// HistoryDays, when above zero, is how many days of past cases
	// (History) Seed puts into a hub without cases, before the backlog:
	// the lead view shows trends from the first second.
	HistoryDays int
	Logger      *slog.Logger

	rnd     *rand.Rand
	next    int // next scripted follow-up
	threads map[string]*thread
	live    []*liveThread
}

// thread is one conversation as the platform sees it.
type thread struct {
	ch      model.Channel
	private bool
	root    string // first tweet / post id; the forum thread URL
	last    string // newest tweet id (X replies answer it)
	title   string // forum thread title
	author  model.Identity
	comment int
}

type liveThread struct {
	t    template
	key  string
	step int
}

func (g *Generator) init() {
	if g.rnd == nil {
		g.rnd = rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	}
	if g.Logger == nil {
		g.Logger = slog.Default()
	}
	if g.threads == nil {
		g.threads = map[string]*thread{}
	}
}

// Seed loads the CRM extract and, on a hub without cases, the backlog.
func (g *Generator) Seed(ctx context.Context) error {
	g.init()
	// The CRM extract goes in through the same import as a real one; it is
	// an upsert, so a restart adds nothing.
	rep, err := hub.ImportCustomers(g.Hub, "text/csv", bytes.NewReader(CRMExtract()))
	if err != nil {
		return fmt.Errorf("demo: CRM extract: %w", err)
	}
	if len(rep.Rejected) > 0 {
		g.Logger.Warn("demo: CRM extract rows rejected", "count", len(rep.Rejected), "first", rep.Rejected[0].Reason)
	}
	g.Logger.Info("demo: CRM extract imported", "accepted", rep.Accepted, "unchanged", rep.Unchanged)
	for _, c := range customers {
		if g.Hub.HasCustomer(c.ID) {
			continue
		}
		if _, err := g.Hub.UpsertCustomer(c); err != nil {
			return fmt.Errorf("demo: customer %s: %w", c.ID, err)
		}
	}
	if g.Hub.CaseCount() > 0 {
		return nil // a hub with history keeps it
	}
	if g.HistoryDays > 0 {
		began := time.Now()
		st, err := History(g.Hub, began, HistoryOptions{Days: g.HistoryDays, Seed: uint64(began.UnixNano())})
		if err != nil {
			return err
		}
		g.Logger.Info("demo: history of past cases", "days", g.HistoryDays, "cases", st.Cases, "messages", st.Messages,
			"reopened", st.Reopened, "took", time.Since(began).Round(time.Millisecond))
	}
	type settle struct {
		ch     model.Channel
		ref    string
		status model.Status
		at     time.Time
	}
	var later []settle
	for _, p := range backlog {
		at := time.Now().Add(-p.ago)
		ref, err := g.publish(p.thread, p.id, p.ch, !p.public, p.author, p.text, at, p.out)
		if err != nil {
			return err
		}
		if p.status != "" {
			later = append(later, settle{p.ch, ref, p.status, at})
		}
	}
	// Forum posts arrive when the feed is polled: close the old cases
	// once they are there.
	go func() {
		for _, s := range later {
			for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(200 * time.Millisecond) {
				if c, ok := g.Hub.CaseByThread(s.ch, s.ref); ok {
					if err := g.Hub.SetStatus(c.ID, s.status, s.at); err != nil {
						g.Logger.Warn("demo: settle", "err", err)
					}
					break
				}
			}
		}
	}()
	return nil
}

// Run produces traffic until ctx ends.
func (g *Generator) Run(ctx context.Context) {
	g.init()
	rate := g.PerMinute
	if rate <= 0 {
		rate = 4
	}
	mean := time.Duration(float64(time.Minute) / rate)
	for {
		// Exponential gaps: arrivals in bursts and lulls, as in real life.
		wait := time.Duration(g.rnd.ExpFloat64() * float64(mean))
		wait = min(max(wait, mean/5), 4*mean)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if err := g.Step(); err != nil {
			g.Logger.Warn("demo step failed", "err", err)
		}
	}
}

// Step produces one message: a scripted follow-up, a continuation of a
// live thread (a customer's or the brand's), or a new case.
func (g *Generator) Step() error {
	g.init()
	roll := g.rnd.Float64()
	switch {
	case g.next < len(followUps) && roll < 0.3:
		p := followUps[g.next]
		g.next++
		_, err := g.publish(p.thread, p.id, p.ch, !p.public, p.author, p.text, time.Now(), p.out)
		return err
	case len(g.live) > 0 && roll < 0.55:
		i := g.rnd.IntN(len(g.live))
		lt := g.live[i]
		step := lt.t.follow[lt.step]
		lt.step++
		if lt.step == len(lt.t.follow) {
			g.live = append(g.live[:i], g.live[i+1:]...)
		}
		th := g.threads[lt.key]
		author := th.author
		if step.brand {
			author = brandFor(lt.t)
		}
		_, err := g.publish(lt.key, "", lt.t.ch, !lt.t.public, author, mention(lt.t, step.text, author), time.Now(), step.brand)
		return err
	default:
		t := templates[g.rnd.IntN(len(templates))]
		author := g.person(t)
		key := fmt.Sprintf("live-%d", g.rnd.Int64())
		if t.ch == model.ChannelForum {
			key = forumBase(t.source) + fmt.Sprintf("/t/%d", g.rnd.Int64N(1e9))
		}
		if _, err := g.publish(key, "", t.ch, !t.public, author, mention(t, t.text, author), time.Now(), false); err != nil {
			return err
		}
		if len(t.follow) > 0 {
			g.live = append(g.live, &liveThread{t: t, key: key})
		}
		return nil
	}
}

// publish puts one message on its platform and returns the thread ref the
// connector will give it. key names the thread; the scripted ones are
// platform thread refs, so a restarted demo continues them. id is the
// platform id of the message, "" for a new one.
func (g *Generator) publish(key, id string, ch model.Channel, private bool, author model.Identity, text string, at time.Time, brand bool) (string, error) {
	th := g.threads[key]
	if th == nil {
		th = &thread{ch: ch, private: private, author: author}
		for _, prefix := range []string{"tw-conv-", "fb-post-", "fb-msgr-"} {
			if root, ok := strings.CutPrefix(key, prefix); ok {
				th.root, th.last = root, root
			}
		}
		g.threads[key] = th
	}
	if id == "" {
		id = g.id()
	}
	switch {
	case ch == model.ChannelTwitter:
		return g.tweet(th, id, author, text, at, brand)
	case ch == model.ChannelFacebook && private:
		return g.messenger(th, id, text, at, brand)
	case ch == model.ChannelFacebook:
		return g.feedItem(th, id, author, text, at, brand)
	}
	return g.forumPost(key, th, author, text, at)
}

func (g *Generator) id() string { return fmt.Sprint(1_860_000_000_000_000_000 + g.rnd.Int64N(1e16)) }

func (g *Generator) tweet(th *thread, id string, author model.Identity, text string, at time.Time, brand bool) (string, error) {
	user := map[string]any{"id_str": author.PlatformID, "screen_name": strings.TrimPrefix(author.Handle, "@"), "name": author.Name(),
		"followers_count": author.Followers, "verified": author.Verified}
	if brand {
		user["id_str"], user["screen_name"] = XBrandID, XBrandHandle
	}
	if user["id_str"] == "" {
		user["id_str"] = fmt.Sprint(g.rnd.Int64N(1e10))
	}
	tw := map[string]any{"id_str": id, "text": text, "created_at": at.UTC().Format(time.RubyDate), "user": user}
	if th.last != "" && th.last != id {
		tw["in_reply_to_status_id_str"] = th.last
		tw["in_reply_to_user_id_str"] = th.author.PlatformID
	}
	if th.root == "" {
		th.root = id
	}
	th.last = id
	body, _ := json.Marshal(map[string]any{"for_user_id": XBrandID, "tweet_create_events": []any{tw}})
	sig := twitter.CRCResponse(XConsumerSecret, string(body)) // the same HMAC X signs deliveries with
	return "tw-conv-" + th.root, g.post(twitter.WebhookPath, body, twitter.SignatureHeader, sig)
}

func (g *Generator) feedItem(th *thread, id string, author model.Identity, text string, at time.Time, brand bool) (string, error) {
	from := map[string]string{"id": author.PlatformID, "name": author.Name()}
	if brand {
		from = map[string]string{"id": FBPageID, "name": FBPageName}
	}
	if from["id"] == "" {
		from["id"] = fmt.Sprint(100_000_000_000 + g.rnd.Int64N(1e11))
	}
	value := map[string]any{"from": from, "message": text, "verb": "add", "created_time": at.Unix()}
	switch {
	case th.root == "":
		th.root = FBPageID + "_" + fmt.Sprint(g.rnd.Int64N(1e12))
		fallthrough
	case th.root == id:
		value["item"], value["post_id"] = "post", th.root
	default:
		th.comment++
		value["item"], value["post_id"], value["parent_id"] = "comment", th.root, th.root
		value["comment_id"] = fmt.Sprintf("%s_%d", strings.SplitN(th.root+"_", "_", 3)[1], 9000+th.comment)
	}
	return "fb-post-" + th.root, g.postFacebook(map[string]any{"id": FBPageID, "time": at.Unix(),
		"changes": []any{map[string]any{"field": "feed", "value": value}}})
}

func (g *Generator) messenger(th *thread, id string, text string, at time.Time, brand bool) (string, error) {
	if th.root == "" {
		th.root = th.author.PlatformID
		if th.root == "" {
			th.root = fmt.Sprint(100_000_000_000 + g.rnd.Int64N(1e11))
		}
	}
	if !brand && g.Platform != nil && th.author.DisplayName != "" {
		// Messenger sends no names: the profile API the webhook asks
		// answers with the name this sender was given.
		g.Platform.SetProfile(th.root, th.author.DisplayName)
	}
	msg := map[string]any{"mid": "m_" + strings.TrimPrefix(id, "m_"), "text": text}
	sender, recipient := th.root, FBPageID
	if brand {
		sender, recipient = FBPageID, th.root
		msg["is_echo"] = true
	}
	return "fb-msgr-" + th.root, g.postFacebook(map[string]any{"id": FBPageID, "time": at.Unix(), "messaging": []any{map[string]any{
		"sender": map[string]string{"id": sender}, "recipient": map[string]string{"id": recipient},
		"timestamp": at.UnixMilli(), "message": msg}}})
}

func (g *Generator) postFacebook(entry map[string]any) error {
	body, _ := json.Marshal(map[string]any{"object": "page", "entry": []any{entry}})
	return g.post(facebook.Path, body, "X-Hub-Signature-256", facebook.Signature(body, FBAppSecret))
}

func (g *Generator) forumPost(threadURL string, th *thread, author model.Identity, text string, at time.Time) (string, error) {
	title, body := text, text
	if th.title == "" {
		title, body, _ = strings.Cut(text, "\n")
		if body == "" {
			body = title
		}
		th.title = title
	} else {
		title = "Re: " + th.title
	}
	th.comment++
	name := author.Name()
	if name == "" {
		name = strings.SplitN(author.Handle, "@", 2)[0]
	}
	u, err := url.Parse(threadURL)
	if err != nil {
		return "", err
	}
	g.Platform.Publish(feedOf(u.Host), threadURL, fmt.Sprint(th.comment), name, title, body, at)
	return forum.ThreadRef(threadURL), nil
}

// post delivers a webhook to the hub's own handler, as the platform would.
func (g *Generator) post(path string, body []byte, header, sig string) error {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(header, sig)
	rec := httptest.NewRecorder()
	g.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return fmt.Errorf("demo: webhook %s answered %d: %s", path, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	return nil
}

func feedOf(host string) string {
	switch {
	case strings.Contains(host, "autoforum"):
		return "autoforum"
	case strings.Contains(host, "nordnetz"):
		return "nordnetz"
	}
	return "travel-qa"
}

func forumBase(source string) string {
	if source == srcQA {
		return "https://travel.stackexchange.example"
	}
	return "https://autoforum.example/voltra/e5"
}

func mention(t template, text string, author model.Identity) string {
	if t.ch != model.ChannelTwitter || author.Handle == t.account {
		return text
	}
	return t.account + " " + text
}

func brandFor(t template) model.Identity {
	b := brandAgent
	b.DisplayName = t.agent
	return b
}

func (g *Generator) person(t template) model.Identity {
	names := namesEN
	if t.lang == "de" {
		names = namesDE
	}
	name := names[g.rnd.IntN(len(names))]
	id := model.Identity{Platform: t.ch, DisplayName: name}
	// Most people have a small audience; a few carry far.
	switch r := g.rnd.Float64(); {
	case r < 0.04:
		id.Followers = 100_000 + g.rnd.IntN(900_000)
		id.Verified = g.rnd.IntN(2) == 0
	case r < 0.12:
		id.Followers = 10_000 + g.rnd.IntN(90_000)
	case r < 0.25:
		id.Followers = 2_000 + g.rnd.IntN(8_000)
	default:
		id.Followers = g.rnd.IntN(1_500)
	}
	slug := strings.ToLower(strings.NewReplacer(" ", "_", "'", "", "ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", ".", "").Replace(name))
	switch t.ch {
	case model.ChannelTwitter:
		// X handles are at most 15 characters.
		id.Handle = "@" + slug[:min(len(slug), 13)] + fmt.Sprint(g.rnd.IntN(99))
		id.PlatformID = fmt.Sprint(g.rnd.Int64N(1e10))
	case model.ChannelFacebook:
		id.PlatformID = fmt.Sprint(100_000_000_000 + g.rnd.Int64N(1e11))
		id.Handle = id.PlatformID
		id.Followers = 0
	default:
		id.DisplayName = strings.Split(slug, "_")[0] + fmt.Sprint(g.rnd.IntN(999))
		id.Handle = id.DisplayName
		id.Followers = 0
	}
	return id
}
