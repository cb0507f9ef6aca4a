// Package demo makes the realistic traffic `make run` shows: a backlog of
// scripted scenarios, a CRM extract, and a few new cases a minute on every
// channel, in English and German.
package demo

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"switchboard/model"
	"switchboard/sync/hub"
)

// Generator feeds a hub.
type Generator struct {
	Hub *hub.Hub
	// PerMinute is the average number of new messages a minute.
	PerMinute float64
	Logger    *slog.Logger
	rnd       *rand.Rand
	next      int // next scripted follow-up
	live      []liveThread
}

type liveThread struct {
	t      template
	author model.Identity
	ref    string
	step   int
}

// Seed loads the CRM extract and the backlog. It is idempotent: every item
// has a fixed platform id, and the hub stores a platform item once.
func (g *Generator) Seed() error {
	for _, c := range customers {
		if g.Hub.HasCustomer(c.ID) {
			continue
		}
		if err := g.Hub.UpsertCustomer(c); err != nil {
			return fmt.Errorf("demo: customer %s: %w", c.ID, err)
		}
	}
	for _, p := range backlog {
		if err := g.post(p, time.Now().Add(-p.ago)); err != nil {
			return err
		}
	}
	return nil
}

func (g *Generator) post(p seedPost, at time.Time) error {
	dir := model.DirectionIn
	if p.out {
		dir = model.DirectionOut
	}
	id, dup, err := g.Hub.Ingest(hub.Inbound{
		Channel: p.ch, ThreadRef: p.thread, PlatformID: p.id, Author: p.author, Text: p.text,
		Time: at, Public: p.public, Source: p.source, Lang: p.lang, Direction: dir, URL: threadURL(p.ch, p.thread),
	})
	if err != nil {
		return fmt.Errorf("demo: post %s: %w", p.id, err)
	}
	if p.status != "" && !dup {
		return g.Hub.SetStatus(id, p.status, at)
	}
	return nil
}

func threadURL(ch model.Channel, ref string) string {
	switch ch {
	case model.ChannelForum:
		return ref
	case model.ChannelTwitter:
		return "https://x.com/i/status/" + strings.TrimPrefix(ref, "tw-conv-")
	}
	return ""
}

// Run produces traffic until ctx ends.
func (g *Generator) Run(ctx context.Context) {
	if g.rnd == nil {
		g.rnd = rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	}
	if g.Logger == nil {
		g.Logger = slog.Default()
	}
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
// live thread, a brand reply, or a new case.
func (g *Generator) Step() error {
	if g.rnd == nil {
		g.rnd = rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	}
	roll := g.rnd.Float64()
	switch {
	case g.next < len(followUps) && roll < 0.3:
		p := followUps[g.next]
		g.next++
		return g.post(p, time.Now())
	case len(g.live) > 0 && roll < 0.55:
		i := g.rnd.IntN(len(g.live))
		lt := &g.live[i]
		step := lt.t.follow[lt.step]
		lt.step++
		if lt.step == len(lt.t.follow) {
			g.live = append(g.live[:i], g.live[i+1:]...)
		}
		author, dir := lt.author, model.DirectionIn
		if step.brand {
			author, dir = brandFor(lt.t), model.DirectionOut
		}
		_, _, err := g.Hub.Ingest(hub.Inbound{
			Channel: lt.t.ch, ThreadRef: lt.ref, PlatformID: g.platformID(lt.t.ch), Author: author,
			Text: mention(lt.t, step.text, author), Public: lt.t.public, Source: lt.t.source, Lang: lt.t.lang, Direction: dir,
		})
		return err
	default:
		t := templates[g.rnd.IntN(len(templates))]
		author := g.person(t)
		ref := g.threadRef(t.ch, t.public)
		_, _, err := g.Hub.Ingest(hub.Inbound{
			Channel: t.ch, ThreadRef: ref, PlatformID: g.platformID(t.ch), Author: author,
			Text: mention(t, t.text, author), Public: t.public, Source: t.source, Lang: t.lang, URL: threadURL(t.ch, ref),
		})
		if err == nil && len(t.follow) > 0 {
			g.live = append(g.live, liveThread{t: t, author: author, ref: ref})
		}
		return err
	}
}

func mention(t template, text string, author model.Identity) string {
	if t.ch != model.ChannelTwitter {
		return text
	}
	if author.Handle == t.account {
		return text
	}
	return t.account + " " + text
}

func brandFor(t template) model.Identity {
	b := brandAgent
	b.Handle = t.account
	b.DisplayName = t.agent
	return b
}

func (g *Generator) platformID(ch model.Channel) string {
	switch ch {
	case model.ChannelTwitter:
		return fmt.Sprint(1_870_000_000_000_000_000 + g.rnd.Int64N(1e15))
	case model.ChannelFacebook:
		return fmt.Sprintf("%d_%d", 330_000+g.rnd.IntN(9_000), g.rnd.Int64N(1e12))
	}
	return fmt.Sprintf("post-%d", g.rnd.Int64N(1e12))
}

func (g *Generator) threadRef(ch model.Channel, public bool) string {
	n := g.rnd.Int64N(1e12)
	switch {
	case ch == model.ChannelTwitter:
		return fmt.Sprintf("tw-conv-%d", n)
	case ch == model.ChannelFacebook && !public:
		return fmt.Sprintf("fb-msgr-%d", n)
	case ch == model.ChannelFacebook:
		return fmt.Sprintf("fb-post-%d", n)
	}
	return fmt.Sprintf("https://autoforum.example/t/%d", n)
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
		id.Handle = "@" + slug + fmt.Sprint(g.rnd.IntN(99))
		id.PlatformID = fmt.Sprint(g.rnd.Int64N(1e10))
	case model.ChannelFacebook:
		id.Handle = strings.ReplaceAll(slug, "_", ".")
		id.PlatformID = fmt.Sprint(100_000_000_000 + g.rnd.Int64N(1e11))
		id.Followers = 0
	default:
		id.Handle = strings.Split(slug, "_")[0] + fmt.Sprint(g.rnd.IntN(999))
		id.DisplayName = id.Handle
		id.Followers = 0
	}
	return id
}
