package hub

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"switchboard/assist"
	"switchboard/community"
	"switchboard/connector"
	"switchboard/model"
)

// The expert directory API (docs/experts.md). Reading it and asking for
// suggestions takes any agent's token; changing it a lead's.
const (
	ExpertsPath        = "/v1/experts"
	ExpertsImportPath  = "/v1/experts/import"
	ExpertsSuggestPath = "/v1/experts/suggest"
)

// maxExpertsCSV caps an uploaded directory file.
const maxExpertsCSV = 8 << 20

// Experts keeps the community expert directory (issue 14). The directory
// is in the log: every change is an expert.upserted event, so it survives
// restarts, reaches every console and replicates with the log. Experts
// folds the log like the SLA evaluator does and learns, from the forum
// threads in it, which topics each member answers, with the evidence. It
// also reads a member's own posts for an away notice ("bin bis 24.12. im
// Urlaub") and records it.
type Experts struct {
	h *Hub

	mu     sync.Mutex
	loaded bool
	cursor uint64
	dir    map[string]model.Expert
	// threads are the forum cases: their topics and their posts, as the
	// learning rules need them (in brief: no text). Bounded: see
	// maxForumThreads, maxForumPosts, maxThreadPosts.
	threads map[string]*forumThread
	// posts counts the posts kept in threads.
	posts int
	// limits are the bounds of threads (the defaults; tests lower them).
	limits forumLimits
	// tick counts the forum events folded: the threads' activity clock.
	tick uint64
	// evidence is learned from threads; nil when it needs learning again.
	evidence community.Evidence
	// selfAway are away notices read from members' posts, not yet logged.
	selfAway []model.Expert
	// dirty: the directory changed since the hub was handed its keys.
	dirty bool
	// handoffs are the cases handed to an expert: the hand-off, the
	// case's status and topic.
	handoffs map[string]handoffRec
	// saved is the seq of the fold last saved to (or resumed from) the
	// log's store (experts_saved.go); folded counts the events folded
	// since NewExperts (tests).
	saved, folded uint64
	// resumed: the saved fold was tried (once a start).
	resumed bool
	// testBeforeSave, when set, runs before a save is written (tests: a
	// hub killed between fold and save).
	testBeforeSave func() error
}

type handoffRec struct {
	h      model.Handoff
	status model.Status
	topic  string
}

type forumThread struct {
	topics []string
	text   string // subject (or the question's first 300 bytes), for topic matching
	// posts are the thread's first maxThreadPosts/2 posts and its latest
	// (community.Brief: no text; the asker's read for thanks and questions).
	posts []community.Post
	// active orders the threads by their latest event (Experts.tick): the
	// least recently active are forgotten first.
	active uint64
}

// The bounds of the forum history Experts keeps in memory for learning
// and recognition, so that a big forum cannot grow the hub without limit
// (about 100 bytes a post: some 50 MB at most). Past them the least
// recently active threads are forgotten (down to 90 %), and a thread keeps
// its first and its latest posts.
const (
	maxForumThreads = 50_000
	maxForumPosts   = 500_000
	maxThreadPosts  = 200
)

type forumLimits struct{ threads, posts, threadPosts int }

var defaultForumLimits = forumLimits{maxForumThreads, maxForumPosts, maxThreadPosts}

// NewExperts makes the directory of h.
func NewExperts(h *Hub) *Experts {
	return &Experts{h: h, dir: map[string]model.Expert{}, threads: map[string]*forumThread{}, handoffs: map[string]handoffRec{},
		limits: defaultForumLimits}
}

// Run catches up after commits to the log (at most once a second) and logs
// the away notices members posted, until ctx ends.
func (x *Experts) Run(ctx context.Context) {
	wake, stop := x.h.subscribe()
	defer stop()
	var lastSave time.Time
	for {
		if err := x.sync(); err != nil && ctx.Err() == nil {
			x.h.cfg.Logger.Error("experts: fold log", "err", err)
		}
		// The first fold of a start is saved at once, later ones at most
		// every expertsSaveEvery, and the last when the hub stops.
		if time.Since(lastSave) >= expertsSaveEvery {
			if err := x.save(false); err != nil {
				x.h.cfg.Logger.Warn("experts: save fold", "err", err)
			}
			lastSave = time.Now()
		}
		select {
		case <-ctx.Done():
			if err := x.sync(); err == nil {
				if err := x.save(false); err != nil {
					x.h.cfg.Logger.Warn("experts: save fold", "err", err)
				}
			}
			return
		case <-wake:
			gap := time.NewTimer(time.Second)
			select {
			case <-ctx.Done():
				gap.Stop()
				return
			case <-gap.C:
			}
		}
	}
}

// sync folds the log and logs the away notices it found.
func (x *Experts) sync() error {
	x.mu.Lock()
	err := x.catchUpLocked()
	away := x.selfAway
	x.selfAway = nil
	x.mu.Unlock()
	if err != nil {
		return err
	}
	for _, e := range away {
		if _, err := x.put(e); err != nil {
			return err
		}
	}
	return nil
}

func (x *Experts) catchUpLocked() error {
	if !x.loaded && !x.resumed {
		x.resumed = true // once a start: after a compaction, the Snapshot
		if x.loadFoldLocked() {
			x.loaded = true
			x.publishLocked()
		}
	}
	if !x.loaded {
		x.dir, x.threads, x.evidence, x.cursor, x.posts = map[string]model.Expert{}, map[string]*forumThread{}, nil, 0, 0
		x.handoffs, x.tick = map[string]handoffRec{}, 0
		if x.h.log.Horizon() > 0 {
			seq, err := x.h.log.Snapshot(func(ev model.Event) error { x.fold(ev, false); x.boundLocked(); return nil })
			if err != nil {
				return fmt.Errorf("experts: load snapshot: %w", err)
			}
			x.cursor = seq
		}
		x.loaded = true
		x.publishLocked()
	}
	for {
		evs, err := x.h.log.Read(x.cursor, 2000)
		if errors.Is(err, ErrCompacted) {
			x.loaded = false
			return x.catchUpLocked()
		}
		if err != nil {
			return fmt.Errorf("experts: read log: %w", err)
		}
		if len(evs) == 0 {
			return nil
		}
		for _, ev := range evs {
			x.fold(ev, true)
			x.cursor = ev.Seq
		}
		x.boundLocked()
		if x.dirty {
			x.publishLocked()
			x.dirty = false
		}
	}
}

// publishLocked hands the hub the directory's keys, for marking members'
// posts at ingest, and for each member the one identity the hub may send
// a hand-off's private message to (privateContact), as key + "\x00" +
// that identity (an identity key holds no NUL).
func (x *Experts) publishLocked() {
	m := make(map[string]bool, 2*len(x.dir))
	for k, e := range x.dir {
		if !e.Removed {
			m[k] = true
			m[k+"\x00"+privateContact(e)] = true
		}
	}
	x.h.members.Store(&m)
}

// privateContact is where a member agreed to get private notes: the
// contact they chose, or (none chosen, or the forum thread) the identity
// they are listed with.
func privateContact(e model.Expert) string {
	if e.Contact != "" && e.Contact != "thread" {
		return model.IdentityKey(e.Contact)
	}
	return e.Key
}

// isMember reports whether key is in the expert directory.
func (h *Hub) isMember(key string) bool {
	m := h.members.Load()
	return m != nil && (*m)[key]
}

// mayWrite reports whether the hub may send member key a private note at
// the identity via (privateContact).
func (h *Hub) mayWrite(key, via string) bool {
	m := h.members.Load()
	return m != nil && (*m)[key+"\x00"+via]
}

// fold applies one event; live is false while loading a snapshot (whose
// messages are history: no away notice is read from them).
func (x *Experts) fold(ev model.Event, live bool) {
	x.folded++
	switch {
	case ev.Type == model.EventExpertUpserted && ev.Expert != nil:
		x.dir[ev.Expert.Key] = *ev.Expert
		// An away notice read again from the log's tail after a restart
		// (the fold resumed from before the post) is logged already.
		x.selfAway = slices.DeleteFunc(x.selfAway, func(e model.Expert) bool {
			return e.Key == ev.Expert.Key && ev.Expert.Away != nil && e.Away != nil && e.Away.Until.Equal(ev.Expert.Away.Until)
		})
		x.evidence = nil
		x.dirty = true
	case ev.Type == model.EventCaseUpserted && ev.Case != nil && ev.Case.Channel != model.ChannelForum:
		x.foldHandoff(ev.Case)
	case ev.Type == model.EventCaseUpserted && ev.Case != nil && ev.Case.Channel == model.ChannelForum:
		c := ev.Case
		x.foldHandoff(c)
		t := x.thread(c.ID)
		t.text = clipBytes(c.Subject, 300)
		t.topics = t.topics[:0]
		for _, tag := range c.Tags {
			t.topics = append(t.topics, model.NormalTopic(tag))
		}
		if c.Triage != nil && assist.IsTopic(c.Triage.Category) {
			t.topics = append(t.topics, c.Triage.Category)
		}
		x.evidence = nil
	case ev.Type == model.EventMessageAdded && ev.Message != nil && ev.Message.Author.Platform == model.ChannelForum:
		m := ev.Message
		if m.Direction != model.DirectionIn {
			return
		}
		t := x.thread(m.CaseID)
		key := m.Author.Key()
		if len(t.posts) == 0 && t.text == "" {
			t.text = clipBytes(m.Text, 300)
		}
		asker := len(t.posts) == 0 || t.posts[0].Author == key
		x.addPost(t, community.Brief(community.Post{Author: key, Text: m.Text, Time: m.Time}, asker))
		x.evidence = nil
		if e, ok := x.dir[key]; ok && live && !e.Removed {
			if until, ok := community.ParseAway(m.Text, m.Time); ok && (e.Away == nil || !e.Away.Until.Equal(until)) {
				e.Away = &model.Away{From: m.Time, Until: until, Note: model.FirstLine(m.Text, 140), SetBy: "self"}
				e.Updated, e.By = m.Time, "self"
				x.selfAway = append(x.selfAway, e)
			}
		}
	}
}

// thread is the kept forum thread of case id, new if need be, marked
// active now.
func (x *Experts) thread(id string) *forumThread {
	t := x.threads[id]
	if t == nil {
		t = &forumThread{}
		x.threads[id] = t
	}
	x.tick++
	t.active = x.tick
	return t
}

// clipBytes cuts s to at most n bytes, at a rune boundary.
func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// addPost keeps p in t: past the thread's bound, the oldest of its latest
// posts makes room (its first half — the question and the first
// answers — stays).
func (x *Experts) addPost(t *forumThread, p community.Post) {
	if n := x.limits.threadPosts; n > 1 && len(t.posts) >= n {
		head := n / 2
		copy(t.posts[head:], t.posts[head+1:])
		t.posts[len(t.posts)-1] = p
		return
	}
	t.posts = append(t.posts, p)
	x.posts++
}

// boundLocked forgets the least recently active threads, down to 90 % of
// the bounds, when the kept threads or posts exceed them.
func (x *Experts) boundLocked() {
	lim := x.limits
	if len(x.threads) <= lim.threads && x.posts <= lim.posts {
		return
	}
	type age struct {
		id     string
		active uint64
	}
	all := make([]age, 0, len(x.threads))
	for id, t := range x.threads {
		all = append(all, age{id, t.active})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].active < all[j].active })
	for _, a := range all {
		if len(x.threads) <= lim.threads*9/10 && x.posts <= lim.posts*9/10 {
			break
		}
		x.posts -= len(x.threads[a.id].posts)
		delete(x.threads, a.id)
	}
	x.evidence = nil
}

// forumKept is the forum history kept: threads and posts.
func (x *Experts) forumKept() (threads, posts int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.threads), x.posts
}

func (x *Experts) foldHandoff(c *model.Case) {
	if c.Handoff == nil {
		return
	}
	topic := ""
	if c.Triage != nil && c.Triage.Category != "" {
		topic = c.Triage.Category
	} else if len(c.Tags) > 0 {
		topic = c.Tags[0]
	}
	x.handoffs[c.ID] = handoffRec{h: *c.Handoff, status: c.Status, topic: topic}
}

// learnLocked learns the evidence from every forum thread again when
// something changed since.
func (x *Experts) learnLocked() community.Evidence {
	if x.evidence != nil {
		return x.evidence
	}
	ev := community.Evidence{}
	known := x.topicsLocked()
	member := func(key string) bool { e, ok := x.dir[key]; return ok && !e.Removed }
	for _, t := range x.threads {
		if len(t.posts) < 2 {
			continue
		}
		topics := slices.Clone(t.topics)
		for _, k := range community.TopicsIn(t.text, known) {
			if !slices.Contains(topics, k) {
				topics = append(topics, k)
			}
		}
		ev.Learn(t.posts, topics, member)
	}
	x.evidence = ev
	return ev
}

// topicsLocked is every topic the directory lists.
func (x *Experts) topicsLocked() []string {
	all := make([]model.Expert, 0, len(x.dir))
	for _, e := range x.dir {
		all = append(all, e)
	}
	return community.KnownTopics(all)
}

// ExpertView is a directory entry as the API shows it: with the topics
// learned from forum threads and whether the member is away now.
type ExpertView struct {
	model.Expert
	Learned []community.TopicEvidence `json:"learned,omitempty"`
	AwayNow bool                      `json:"away_now"`
}

// List returns the directory (removed entries left out), by key.
func (x *Experts) List(now time.Time) ([]ExpertView, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.catchUpLocked(); err != nil {
		return nil, err
	}
	ev := x.learnLocked()
	out := []ExpertView{}
	for _, e := range x.dir {
		if e.Removed {
			continue
		}
		out = append(out, ExpertView{Expert: e, Learned: ev.Topics(e.Key), AwayNow: e.AwayAt(now)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Get returns one entry.
func (x *Experts) Get(key string) (model.Expert, bool, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.catchUpLocked(); err != nil {
		return model.Expert{}, false, err
	}
	e, ok := x.dir[model.IdentityKey(key)]
	return e, ok && !e.Removed, nil
}

// Seen reports whether the directory ever had key, removed entries
// included (a member who withdrew is not added back by a seed).
func (x *Experts) Seen(key string) (bool, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.catchUpLocked(); err != nil {
		return false, err
	}
	_, ok := x.dir[model.IdentityKey(key)]
	return ok, nil
}

// Put validates e and logs it as the member's entry.
func (x *Experts) Put(by string, e model.Expert) (model.Expert, error) {
	e = e.Normalize()
	e.By, e.Updated = by, x.h.cfg.Now().UTC()
	if err := e.Validate(); err != nil {
		return model.Expert{}, err
	}
	return x.put(e)
}

// Remove takes a member out of the directory (withdrawn consent).
func (x *Experts) Remove(by, key string) (bool, error) {
	e, ok, err := x.Get(key)
	if err != nil || !ok {
		return false, err
	}
	e.Removed, e.By, e.Updated = true, by, x.h.cfg.Now().UTC()
	_, err = x.put(e)
	return err == nil, err
}

func (x *Experts) put(e model.Expert) (model.Expert, error) {
	ev := model.Event{Type: model.EventExpertUpserted, Time: x.h.cfg.Now().UTC(), Expert: &e}
	x.h.mu.Lock()
	stored, err := x.h.appendLocked(ev)
	waits := x.h.takeWaitsLocked()
	x.h.mu.Unlock()
	if werr := waitAll(waits); err == nil {
		err = werr
	}
	if err != nil {
		return model.Expert{}, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.catchUpLocked(); err != nil {
		return model.Expert{}, err
	}
	if len(stored) == 1 && stored[0].Expert != nil {
		return *stored[0].Expert, nil
	}
	return e, nil
}

// Suggest ranks the directory's experts for a case: its tags, its triage
// category and the known topics its subject and messages mention, its
// language; the author is never suggested for their own case.
func (x *Experts) Suggest(caseID string, now time.Time, max int) ([]community.Suggestion, error) {
	c, ok := x.h.Case(caseID)
	if !ok {
		return nil, errNoCase
	}
	msgs, err := x.h.log.Thread(caseID)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.catchUpLocked(); err != nil {
		return nil, err
	}
	ev := x.learnLocked()
	q := community.QueryOf(c, msgs, x.topicsLocked())
	experts := make([]model.Expert, 0, len(x.dir))
	for _, e := range x.dir {
		experts = append(experts, e)
	}
	sort.Slice(experts, func(i, j int) bool { return experts[i].Key < experts[j].Key })
	load := map[string]int{} // hand-offs still waiting on each expert
	for _, r := range x.handoffs {
		if r.h.Waiting() && r.status.Active() {
			load[r.h.Expert]++
		}
	}
	out := community.Suggest(experts, ev, load, q, now, max)
	if out == nil {
		out = []community.Suggestion{}
	}
	return out, nil
}

var errNoCase = errors.New("no such case")

// Recognition is the recognition report (community.Recognition).
type Recognition = community.Recognition

// Recognise sums the community answers given in [from, to).
func (x *Experts) Recognise(from, to time.Time) (Recognition, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.catchUpLocked(); err != nil {
		return Recognition{}, err
	}
	member := func(key string) bool { e, ok := x.dir[key]; return ok && !e.Removed }
	known := x.topicsLocked()
	var answers []community.Answer
	handed := map[string]bool{} // thread answers already counted as hand-off answers
	for id, r := range x.handoffs {
		if r.h.AnsweredAt.IsZero() {
			continue
		}
		answers = append(answers, community.Answer{Expert: r.h.Expert, Topic: r.topic, CaseID: id, Asked: r.h.At, At: r.h.AnsweredAt,
			Solved: r.status == model.StatusSolved || r.status == model.StatusClosed})
		handed[id+"\x00"+r.h.Expert] = true
	}
	for id, t := range x.threads {
		topic := ""
		if len(t.topics) > 0 {
			topic = t.topics[0]
		} else if in := community.TopicsIn(t.text, known); len(in) > 0 {
			topic = in[0]
		}
		for _, a := range community.ThreadAnswers(t.posts, topic, member) {
			if handed[id+"\x00"+a.Expert] {
				continue
			}
			a.CaseID = id
			answers = append(answers, a)
		}
	}
	for i := range answers {
		answers[i].Name = x.dir[answers[i].Expert].Name
	}
	out := Recognition{From: from, To: to, Helpers: community.Recognise(answers, from, to), Answers: []community.Answer{}, Waiting: []model.Handoff{}}
	for _, a := range answers {
		if !a.At.Before(from) && a.At.Before(to) {
			out.Answers = append(out.Answers, a)
		}
	}
	sort.Slice(out.Answers, func(i, j int) bool { return out.Answers[i].At.Before(out.Answers[j].At) })
	for _, r := range x.handoffs {
		if r.h.Waiting() {
			out.Waiting = append(out.Waiting, r.h)
		}
	}
	sort.Slice(out.Waiting, func(i, j int) bool { return out.Waiting[i].At.Before(out.Waiting[j].At) })
	return out, nil
}

// ReportCommunityPath serves the recognition report (lead only).
const ReportCommunityPath = "/v1/reports/community"

// ReportCommunityHandler serves GET /v1/reports/community?from&to
// [&format=csv]: the period's helpers (the first is its hero), each
// community answer and the hand-offs still waiting; the CSV has one row
// per helper. The period defaults to the current calendar month (UTC).
func (s *Server) ReportCommunityHandler(x *Experts) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.leadOnly(w, r) {
			return
		}
		q := r.URL.Query()
		from, to := community.Month(s.hub.cfg.Now().UTC())
		for _, p := range []struct {
			key string
			t   *time.Time
		}{{"from", &from}, {"to", &to}} {
			if v := q.Get(p.key); v != "" {
				t, err := time.Parse(time.RFC3339, v)
				if err != nil {
					writeJSON(w, http.StatusBadRequest, map[string]string{"error": p.key + ": want RFC 3339, like 2026-12-01T00:00:00Z"})
					return
				}
				*p.t = t
			}
		}
		if !to.After(from) || to.Sub(from) > maxReportSpan {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "from must be before to, at most 400 days apart"})
			return
		}
		rec, err := x.Recognise(from, to)
		if err != nil {
			s.expertsFailed(w, err)
			return
		}
		if q.Get("format") == "csv" {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="community-%s-%s.csv"`, from.Format("20060102"), to.Format("20060102")))
			cw := csv.NewWriter(w)
			_ = cw.Write([]string{"rank", "expert", "name", "answers", "solved", "thanked", "accepted", "median_wait_minutes", "points", "topics"})
			for i, h := range rec.Helpers {
				var topics []string
				for t, n := range h.Topics {
					topics = append(topics, fmt.Sprintf("%s:%d", t, n))
				}
				sort.Strings(topics)
				_ = cw.Write([]string{strconv.Itoa(i + 1), h.Expert, h.Name, strconv.Itoa(h.Answers), strconv.Itoa(h.Solved), strconv.Itoa(h.Thanked),
					strconv.Itoa(h.Accepted), strconv.FormatFloat(h.MedianWait.Minutes(), 'f', 1, 64), strconv.Itoa(h.Points), strings.Join(topics, ";")})
			}
			cw.Flush()
			return
		}
		writeJSON(w, http.StatusOK, rec)
	})
}

// ExpertsHandler serves GET, PUT and DELETE on /v1/experts.
func (s *Server) ExpertsHandler(x *Experts) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _, ok := s.agentOf(w, r)
		if !ok {
			return
		}
		now := s.hub.cfg.Now().UTC()
		switch r.Method {
		case http.MethodGet:
			if key := r.URL.Query().Get("key"); key != "" {
				e, found, err := x.Get(key)
				if err != nil {
					s.expertsFailed(w, err)
					return
				}
				if !found {
					writeJSON(w, http.StatusNotFound, map[string]string{"error": "no expert " + clipKey(key)})
					return
				}
				writeJSON(w, http.StatusOK, e)
				return
			}
			list, err := x.List(now)
			if err != nil {
				s.expertsFailed(w, err)
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"experts": list})
		case http.MethodPut:
			if a.Role != RoleLead {
				writeJSON(w, http.StatusForbidden, map[string]string{"error": "changing the expert directory needs a lead's token"})
				return
			}
			var e model.Expert
			dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&e); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body: " + err.Error()})
				return
			}
			if e.Consent.By == "" && !e.Consent.At.IsZero() {
				e.Consent.By = a.Name
			}
			stored, err := x.Put(a.Name, e)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
				return
			}
			writeJSON(w, http.StatusOK, stored)
		case http.MethodDelete:
			if a.Role != RoleLead {
				writeJSON(w, http.StatusForbidden, map[string]string{"error": "changing the expert directory needs a lead's token"})
				return
			}
			key := r.URL.Query().Get("key")
			removed, err := x.Remove(a.Name, key)
			if err != nil {
				s.expertsFailed(w, err)
				return
			}
			if !removed {
				writeJSON(w, http.StatusNotFound, map[string]string{"error": "no expert " + clipKey(key)})
				return
			}
			writeJSON(w, http.StatusOK, map[string]string{"removed": model.IdentityKey(key)})
		default:
			w.Header().Set("Allow", "GET, PUT, DELETE")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "GET, PUT or DELETE"})
		}
	})
}

// ExpertsImportHandler serves POST /v1/experts/import: a CSV of the
// directory (community.ReadCSV), each valid row logged, the rest reported.
func (s *Server) ExpertsImportHandler(x *Experts) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _, ok := s.agentOf(w, r)
		if !ok {
			return
		}
		if a.Role != RoleLead {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "importing experts needs a lead's token"})
			return
		}
		body := http.MaxBytesReader(w, r.Body, maxExpertsCSV)
		rows, bad, err := community.ReadCSV(body, a.Name, s.hub.cfg.Now().UTC())
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("experts csv: larger than %d MiB", maxExpertsCSV>>20)})
			return
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		_, _ = io.Copy(io.Discard, body)
		n := 0
		for _, e := range rows {
			if _, err := x.put(e); err != nil {
				s.expertsFailed(w, err)
				return
			}
			n++
		}
		if len(bad) > 100 {
			bad = bad[:100]
		}
		if bad == nil {
			bad = []community.RowError{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"imported": n, "rejected": bad})
	})
}

// ExpertsSuggestHandler serves GET /v1/experts/suggest?case=ID[&max=N].
func (s *Server) ExpertsSuggestHandler(x *Experts) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := s.agentOf(w, r); !ok {
			return
		}
		id := r.URL.Query().Get("case")
		if id == "" || len(id) > 200 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "case: want a case id"})
			return
		}
		max := 5
		if m := r.URL.Query().Get("max"); m != "" {
			if _, err := fmt.Sscanf(m, "%d", &max); err != nil || max < 1 || max > 50 {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "max: 1 to 50"})
				return
			}
		}
		out, err := x.Suggest(id, s.hub.cfg.Now().UTC(), max)
		if errors.Is(err, errNoCase) {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no case " + clipKey(id)})
			return
		}
		if err != nil {
			s.expertsFailed(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"case": id, "suggestions": out})
	})
}

func (s *Server) expertsFailed(w http.ResponseWriter, err error) {
	s.logger.Error("experts", "err", err)
	writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "cannot read or write the log now; try again"})
}

func clipKey(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}

// checkHandoffLocked refuses an ask_expert op whose expert is not in the
// directory, or whose text carries the customer's personal data: the
// case author's name and handle, and the linked customer's name, e-mail,
// customer number and listed handles (community.CheckHandoff, which also
// finds anything shaped like an e-mail address, phone number, IBAN, card,
// customer or booking number, or street address). h.mu is held.
func (h *Hub) checkHandoffLocked(c model.Case, op model.Op) *model.Rejection {
	key := model.IdentityKey(op.Expert)
	if !h.isMember(key) {
		return &model.Rejection{Code: model.RejectInvalid, Reason: fmt.Sprintf("%s is not in the expert directory", clipKey(key))}
	}
	if key == c.Author.Key() {
		return &model.Rejection{Code: model.RejectInvalid, Reason: "the case's own author cannot be asked as its expert"}
	}
	if via := model.IdentityKey(op.Contact); op.Contact != "" && op.Contact != "thread" && model.HandoffDM(via) {
		// The hub sends this one itself: only to where the member agreed
		// to be written to — the contact they chose, or (none chosen) the
		// identity they are listed with.
		if !h.mayWrite(key, via) {
			return &model.Rejection{Code: model.RejectInvalid, Reason: fmt.Sprintf(
				"%s is not the contact %s chose for private notes: the hub sends a hand-off only there (their directory contact, else their own identity)", clipKey(via), clipKey(key))}
		}
	}
	found := community.CheckHandoff(op.Text, community.PersonalOf(c, h.customers[c.CustomerID]))
	if len(found) == 0 {
		return nil
	}
	var kinds []string
	for _, f := range found {
		if !slices.Contains(kinds, f.Kind) {
			kinds = append(kinds, f.Kind)
		}
	}
	return &model.Rejection{Code: model.RejectPersonalData, Reason: fmt.Sprintf(
		"the hand-off names the customer's personal data (%s): an expert gets the question, never the customer; take out %s",
		strings.Join(kinds, ", "), found[0])}
}

// handoffJob is the delivery job of an ask_expert op whose note goes out
// as a private message (model.HandoffDM): an X direct message or a
// Messenger message to the expert's contact, sent through the case's brand
// by the same delivery worker as replies (intent recorded first, retried,
// reconciled after a crash, its outcome on the case's handoff). Its reply
// is Proactive: only hand-offs are, which is how finish tells them from
// replies. ok is false for any other op.
func (h *Hub) handoffJob(c model.Case, op model.Op, msg model.Message) (Job, bool) {
	hf := c.Handoff
	if op.Kind != model.OpAskExpert || hf == nil || hf.MessageID != msg.ID || hf.Delivery != model.DeliveryQueued || !model.HandoffDM(hf.Via) {
		return Job{}, false
	}
	p, handle, _ := strings.Cut(hf.Via, ":")
	r := connector.Reply{Key: msg.ID, CaseID: c.ID, Channel: model.Channel(p), Private: true, Proactive: true,
		RecipientHandle: handle, Text: hf.Text, Brand: c.Brand}
	if r.Channel == model.ChannelFacebook {
		r.Recipient = handle // a Facebook identity's handle is its page-scoped id
	}
	return Job{ID: msg.ID, CaseID: c.ID, Reply: r, State: JobPending}, true
}

// finishHandoffLocked records the outcome of a hand-off's private message:
// on its note (like a reply's delivery) and on the case's handoff, in one
// step with the job. h.mu is held.
func (h *Hub) finishHandoffLocked(j Job, state JobState, platformID, reason string) {
	now := h.cfg.Now().UTC()
	var evs []model.Event
	d := model.DeliveryFailed
	switch state {
	case JobDone:
		d, reason = model.DeliverySent, ""
	case JobManual:
		d, reason = model.DeliveryManual, fmt.Sprintf("the hub has no private-message path on %s: send the hand-off by hand", j.Reply.Channel)
	default:
		if strings.HasPrefix(reason, "the hub stopped while sending; it is not known") { // reconcile, a sender without Find
			reason = fmt.Sprintf("the hub stopped while sending; it is not known whether the expert got the message: check the %s conversation before sending it again by hand", j.Reply.Channel)
		}
	}
	if msg, err := h.message(j.CaseID, j.ID); err == nil {
		msg.Delivery, msg.DeliveryError = d, reason
		if platformID != "" {
			msg.PlatformID = platformID
		}
		evs = append(evs, model.Event{Type: model.EventMessageUpdated, Time: now, Message: &msg})
	} else {
		h.cfg.Logger.Error("delivery: find hand-off note", "job", j.ID, "err", err)
	}
	c, ok, err := h.fullCase(j.CaseID)
	if err != nil {
		h.cfg.Logger.Error("delivery: read hand-off case", "job", j.ID, "err", err)
		return // the job stays as it is: tried again
	}
	if ok && c.Handoff != nil && c.Handoff.MessageID == j.ID {
		nh := *c.Handoff
		nh.Delivery, nh.DeliveryError, nh.PlatformID = d, reason, platformID
		c.Handoff = &nh
		c.Version++
		c.Updated = now
		evs = append(evs, model.Event{Type: model.EventCaseUpserted, Time: now, Case: &c})
	}
	j.State, j.PlatformID, j.LastError = state, platformID, reason
	h.metrics.deliveryDone(j.Reply.Channel, deliveryOutcome(state))
	stored, err := h.log.PutJob(j, evs...)
	if err != nil {
		h.cfg.Logger.Error("delivery: record hand-off outcome", "job", j.ID, "err", err)
		return
	}
	for _, ev := range stored {
		h.fold(ev)
	}
	h.metrics.markAppended(stored)
	h.wake()
	h.cfg.Logger.Info("delivery: hand-off", "job", j.ID, "case", j.CaseID, "via", j.Reply.Channel, "state", state, "platform_id", platformID, "reason", reason)
}
