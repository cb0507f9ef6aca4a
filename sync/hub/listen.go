package hub

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"switchboard/assist"
	"switchboard/listen"
	"switchboard/model"
)

// The listening API (docs/listening.md): any agent's token.
const (
	ListenPath      = "/v1/listen"
	ListenAdoptPath = "/v1/listen/adopt"
)

// Listening keeps what the hub heard from listen-only sources: neutral
// communities (a car forum, a Q&A site) the brand follows without
// answering. Their posts never open care cases (Hub.listenLocked logs them
// as listen.item events); Listening folds those events for the listening
// view — topics per day, spikes — and turns an item into a care case when
// an agent decides the brand should answer.
type Listening struct {
	h *Hub

	mu     sync.Mutex
	loaded bool
	cursor uint64
	items  map[string]model.ListenItem
	// pending are ids logged but not folded yet: a platform's repeat of a
	// post within that time is still a repeat.
	pending map[string]bool
}

// ListenRetention is how far back the listening view keeps items.
const ListenRetention = 90 * 24 * time.Hour

// maxListenItems bounds the items kept in memory; the oldest go first.
const maxListenItems = 200_000

// NewListening attaches the listening view to h.
func NewListening(h *Hub) *Listening {
	l := &Listening{h: h, items: map[string]model.ListenItem{}, pending: map[string]bool{}}
	h.listening.Store(l)
	return l
}

// listenLocked logs a post from a listen-only source as a listen.item,
// with the offline triage and its topics, and opens no case — unless its
// thread already is a care case (an item an agent adopted): then the post
// joins that case like any other. h.mu is held.
func (h *Hub) listenLocked(in Inbound) (caseID string, dup bool, err error) {
	if _, ok := h.threads[threadKey(in.Channel, in.ThreadRef)]; ok {
		in.Listen = false
		return h.ingestLocked(in)
	}
	if in.Action == model.InboundEdit || in.Action == model.InboundDelete || in.Direction == model.DirectionOut {
		return "", false, nil // nothing to amend, and the brand's own posts are no signal
	}
	id := string(in.Channel) + "|" + in.PlatformID
	if in.PlatformID == "" {
		id = string(in.Channel) + "|" + in.ThreadRef + "|" + in.Time.UTC().Format(time.RFC3339Nano)
	}
	l := h.listening.Load()
	if l != nil && l.seen(id) {
		return "", true, nil
	}
	h.cfg.Reach.Rate(&in.Author)
	t := assist.Offline{}.Classify(assist.Input{ID: id, Text: in.Text, Lang: in.Lang, Channel: string(in.Channel)})
	it := model.ListenItem{ID: id, Channel: in.Channel, Source: in.Source, ThreadRef: in.ThreadRef, Author: in.Author,
		Text: in.Text, Time: in.Time.UTC(), URL: in.URL, Lang: t.Lang, Brand: in.Brand, Triage: assist.ToCaseTriage(t, 0, id, h.cfg.Now().UTC())}
	if t.Category != "" && t.Category != assist.CategoryOther {
		it.Topics = append(it.Topics, t.Category)
	}
	for _, k := range in.Keywords {
		if k = model.NormalTopic(k); k != "" && !slices.Contains(it.Topics, k) {
			it.Topics = append(it.Topics, k)
		}
	}
	if it.Time.IsZero() {
		it.Time = h.cfg.Now().UTC()
	}
	if _, err := h.appendLocked(model.Event{Type: model.EventListenItem, Time: h.cfg.Now().UTC(), Listen: &it}); err != nil {
		return "", false, err
	}
	if l != nil {
		l.mark(id)
	}
	return "", false, nil
}

func (l *Listening) seen(id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, known := l.items[id]
	return known || l.pending[id]
}

func (l *Listening) mark(id string) {
	l.mu.Lock()
	l.pending[id] = true
	l.mu.Unlock()
}

// Run folds the log after commits until ctx ends.
func (l *Listening) Run(ctx context.Context) {
	wake, stop := l.h.subscribe()
	defer stop()
	for {
		l.mu.Lock()
		err := l.catchUpLocked()
		l.mu.Unlock()
		if err != nil && ctx.Err() == nil {
			l.h.cfg.Logger.Error("listening: fold log", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		}
	}
}

func (l *Listening) catchUpLocked() error {
	if !l.loaded {
		l.items, l.cursor = map[string]model.ListenItem{}, 0
		if l.h.log.Horizon() > 0 {
			seq, err := l.h.log.Snapshot(func(ev model.Event) error { l.fold(ev); return nil })
			if err != nil {
				return fmt.Errorf("listening: load snapshot: %w", err)
			}
			l.cursor = seq
		}
		l.loaded = true
	}
	for {
		evs, err := l.h.log.Read(l.cursor, 2000)
		if errors.Is(err, ErrCompacted) {
			l.loaded = false
			return l.catchUpLocked()
		}
		if err != nil {
			return fmt.Errorf("listening: read log: %w", err)
		}
		if len(evs) == 0 {
			l.prune()
			return nil
		}
		for _, ev := range evs {
			l.fold(ev)
			l.cursor = ev.Seq
		}
	}
}

func (l *Listening) fold(ev model.Event) {
	if ev.Type == model.EventListenItem && ev.Listen != nil {
		l.items[ev.Listen.ID] = *ev.Listen
		delete(l.pending, ev.Listen.ID)
	}
}

// prune drops items past the retention, and the oldest past the cap.
func (l *Listening) prune() {
	cut := l.h.cfg.Now().Add(-ListenRetention)
	for id, it := range l.items {
		if it.Time.Before(cut) {
			delete(l.items, id)
		}
	}
	if len(l.items) <= maxListenItems {
		return
	}
	all := make([]model.ListenItem, 0, len(l.items))
	for _, it := range l.items {
		all = append(all, it)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Time.Before(all[j].Time) })
	for _, it := range all[:len(all)-maxListenItems] {
		delete(l.items, it.ID)
	}
}

// Items returns the items of the last days days (newest first), those of
// topic only when topic is set, at most max.
func (l *Listening) Items(days int, topic string, max int) ([]model.ListenItem, listen.View, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.catchUpLocked(); err != nil {
		return nil, listen.View{}, err
	}
	now := l.h.cfg.Now()
	all := make([]model.ListenItem, 0, len(l.items))
	for _, it := range l.items {
		all = append(all, it)
	}
	view := listen.Trend(all, now, time.UTC, days)
	from := view.Days[0]
	var out []model.ListenItem
	for _, it := range all {
		if it.Time.Before(from) || (topic != "" && !slices.Contains(it.Topics, topic) && !(topic == "other" && len(it.Topics) == 0)) {
			continue
		}
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out, view, nil
}

// listenPlatformID is the platform's id of a listened post, from its item
// id ("channel|platform id"; a post without one has "channel|thread|time").
func listenPlatformID(it model.ListenItem) string {
	rest, ok := strings.CutPrefix(it.ID, string(it.Channel)+"|")
	if !ok || rest == it.ThreadRef+"|"+it.Time.UTC().Format(time.RFC3339Nano) {
		return ""
	}
	return rest
}

// ErrNoListenItem: no such listened item.
var ErrNoListenItem = errors.New("no such listened item")

// Adopt turns a listened item into a care case (the brand decided to
// answer): the post is ingested as a care message of its thread, and the
// item records the case. Adopting an item again returns its case.
func (l *Listening) Adopt(by, id string) (string, error) {
	l.mu.Lock()
	if err := l.catchUpLocked(); err != nil {
		l.mu.Unlock()
		return "", err
	}
	it, ok := l.items[id]
	l.mu.Unlock()
	if !ok {
		return "", ErrNoListenItem
	}
	if it.Adopted != "" {
		return it.Adopted, nil
	}
	// The post keeps its platform id: the reply answers it (an X reply
	// names the tweet, a Facebook one the comment), and the platform's
	// repeat of it is a repeat in the case. The case is the brand's that
	// heard the post: its reply goes out with that page's or account's
	// credentials.
	caseID, _, err := l.h.Ingest(Inbound{Channel: it.Channel, ThreadRef: it.ThreadRef, PlatformID: listenPlatformID(it), Author: it.Author,
		Text: it.Text, Time: it.Time, Public: true, Source: it.Source, URL: it.URL, Lang: it.Lang, Brand: it.Brand})
	if err != nil {
		return "", err
	}
	it.Adopted, it.AdoptedBy, it.AdoptedAt = caseID, by, l.h.cfg.Now().UTC()
	h := l.h
	h.mu.Lock()
	_, err = h.appendLocked(model.Event{Type: model.EventListenItem, Time: it.AdoptedAt, Listen: &it})
	waits := h.takeWaitsLocked()
	h.mu.Unlock()
	if werr := waitAll(waits); err == nil {
		err = werr
	}
	if err != nil {
		return "", err
	}
	l.mu.Lock()
	l.items[id] = it
	l.mu.Unlock()
	return caseID, nil
}

// ListenHandler serves GET /v1/listen?days=N&topic=T&max=M.
func (s *Server) ListenHandler(l *Listening) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := s.agentOf(w, r); !ok {
			return
		}
		q := r.URL.Query()
		num := func(key string, def, lo, hi int) (int, bool) {
			v := q.Get(key)
			if v == "" {
				return def, true
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("%s: a number from %d to %d", key, lo, hi)})
				return 0, false
			}
			return n, true
		}
		days, ok := num("days", 14, 1, 90)
		if !ok {
			return
		}
		max, ok := num("max", 200, 1, 5000)
		if !ok {
			return
		}
		items, view, err := l.Items(days, model.NormalTopic(q.Get("topic")), max)
		if err != nil {
			s.logger.Error("listening", "err", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "cannot read the log now; try again"})
			return
		}
		if items == nil {
			items = []model.ListenItem{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"view": view, "items": items})
	})
}

// ListenAdoptHandler serves POST /v1/listen/adopt?id=ID.
func (s *Server) ListenAdoptHandler(l *Listening) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _, ok := s.agentOf(w, r)
		if !ok {
			return
		}
		id := r.URL.Query().Get("id")
		if id == "" || len(id) > 600 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "id: want a listened item's id"})
			return
		}
		caseID, err := l.Adopt(a.Name, id)
		switch {
		case errors.Is(err, ErrNoListenItem):
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no listened item " + clipKey(id)})
		case errors.Is(err, ErrInvalid):
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		case err != nil:
			s.logger.Error("listening: adopt", "err", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "cannot write the log now; try again"})
		default:
			writeJSON(w, http.StatusOK, map[string]string{"id": id, "case_id": caseID})
		}
	})
}
