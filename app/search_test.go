package app

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/model"
)

func openGenerated(t *testing.T, n int) (*Core, []*model.Case) {
	t.Helper()
	dir := t.TempDir()
	cases := genCache(t, dir, n, 11)
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, cases
}

func ids(sums []model.Summary) []string {
	out := make([]string, len(sums))
	for i, s := range sums {
		out[i] = s.ID
	}
	return out
}

func waitSearch(t *testing.T, c *Core) {
	t.Helper()
	select {
	case <-c.SearchReady():
	case <-time.After(30 * time.Second):
		t.Fatal("the search index was not built in 30 s")
	}
}

// The search finds text that only a later message of a case holds, a
// customer number and a tag, read from the cache by the background build,
// and says where it matched.
func TestSearchFindsEveryMessageCustomerAndTag(t *testing.T) {
	c, cases := openGenerated(t, 300)
	waitSearch(t, c)
	cs := cases[17]
	_, msgs, err := c.store.Case(cs.ID)
	if err != nil || len(msgs) < 2 {
		t.Fatalf("case %s: %d messages, %v", cs.ID, len(msgs), err)
	}
	last := msgs[len(msgs)-1].Text
	word := last[len(last)-20:] // the tail of the last message, not in the subject
	res := c.View(Filter{Text: word})
	if got := ids(res.Page(0, res.Len())); !slices.Contains(got, cs.ID) {
		t.Fatalf("search %q: %v, want %s among them", word, got, cs.ID)
	}
	i := slices.Index(ids(res.Page(0, res.Len())), cs.ID)
	if sn := res.Match(i); sn.Field != "message" || sn.Text[sn.Start:sn.End] != strings.TrimSpace(spaced(word)) {
		t.Errorf("snippet = %+v, want the match in a message", sn)
	}

	var withCustomer, withTag *model.Case
	for _, x := range cases {
		if withCustomer == nil && x.CustomerID != "" {
			withCustomer = x
		}
		if withTag == nil && len(x.Tags) > 0 {
			withTag = x
		}
	}
	if got := ids(c.Queue(Filter{Text: withCustomer.CustomerID})); !slices.Equal(got, []string{withCustomer.ID}) {
		t.Errorf("search customer number %s: %v", withCustomer.CustomerID, got)
	}
	if sn := c.Snippet(withCustomer.ID, withCustomer.CustomerID); sn.Field != "customer" {
		t.Errorf("snippet of the customer number: %+v", sn)
	}
	tagged := ids(c.Queue(Filter{Text: withTag.Tags[0]}))
	if !slices.Contains(tagged, withTag.ID) {
		t.Errorf("search tag %q: %v lacks %s", withTag.Tags[0], tagged, withTag.ID)
	}
	// Other filters combine with the text.
	for _, s := range c.Queue(Filter{Text: withTag.Tags[0], Channel: model.ChannelForum, ActiveOnly: true}) {
		if s.Channel != model.ChannelForum || !s.Status.Active() {
			t.Errorf("text and filter: %+v", s)
		}
	}
}

// A message or a case that arrives live is searchable as soon as its page
// is applied.
func TestSearchFollowsLiveChanges(t *testing.T) {
	c, cases := openGenerated(t, 50)
	waitSearch(t, c)
	seq, err := c.store.Cursor()
	if err != nil {
		t.Fatal(err)
	}
	target := cases[3]
	now := time.Now().UTC()
	nc := &model.Case{ID: "case-live", Channel: model.ChannelFacebook, Author: model.Identity{Handle: "rita.k", DisplayName: "Rita K"},
		Status: model.StatusNew, Tags: []string{"zeppelin-tour"}, Created: now, LastMessageAt: now, Version: 1, Subject: "hello"}
	evs := []model.Event{
		{Seq: seq + 1, Type: model.EventMessageAdded, Time: now, Message: &model.Message{ID: "m-live", CaseID: target.ID, Text: "Where is my Unicorn passport?", Time: now}},
		{Seq: seq + 2, Type: model.EventCaseUpserted, Time: now, Case: nc},
	}
	if _, err := (cacheOf{c}).Apply(evs); err != nil {
		t.Fatal(err)
	}
	if got := ids(c.Queue(Filter{Text: "unicorn PASS"})); !slices.Equal(got, []string{target.ID}) {
		t.Errorf("a live message: search found %v, want %s", got, target.ID)
	}
	if got := ids(c.Queue(Filter{Text: "zeppelin"})); !slices.Equal(got, []string{"case-live"}) {
		t.Errorf("a live case's tag: search found %v", got)
	}
	// The new case is in the queue and in the counts of its views.
	if got := c.Count(); got != 51 {
		t.Errorf("count = %d, want 51", got)
	}
	var unassigned int
	for _, v := range c.Views() {
		if v.Name == "Unassigned" {
			unassigned = v.Count
		}
	}
	want := len(c.Queue(Filter{ActiveOnly: true, Unassigned: true}))
	if unassigned != want || !slices.Contains(ids(c.Queue(Filter{ActiveOnly: true, Unassigned: true})), "case-live") {
		t.Errorf("unassigned view counts %d, the queue lists %d", unassigned, want)
	}
}

// Before the background build has read a case, the search still matches
// it by its summary (author, handle, preview, customer number).
func TestSearchBeforeTheBuildMatchesSummaries(t *testing.T) {
	dir := t.TempDir()
	cases := genCache(t, dir, 40, 5)
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.searchOnce.Do(func() { close(c.searchReady) }) // no build
	cs := cases[9]
	got := ids(c.Queue(Filter{Text: cs.Author.Handle}))
	if !slices.Contains(got, cs.ID) {
		t.Errorf("search by handle before the build: %v lacks %s", got, cs.ID)
	}
}

// Typing on narrows the previous search's hits: the results equal a fresh
// search, and a text that arrives between two keystrokes is found.
func TestSearchTypingOnEqualsAFreshSearch(t *testing.T) {
	c, cases := openGenerated(t, 400)
	waitSearch(t, c)
	fresh := func(q string) []string {
		c.mu.Lock()
		c.t.search.last = lastHits{}
		c.mu.Unlock()
		return ids(c.Queue(Filter{Text: q}))
	}
	for _, word := range []string{"refund", "lis-sw-4", "baggage"} {
		for i := 1; i <= len(word); i++ {
			want := fresh(word[:i])
			if i > 1 {
				c.Queue(Filter{Text: word[:i-1]})
			}
			if got := ids(c.Queue(Filter{Text: word[:i]})); !slices.Equal(got, want) {
				t.Fatalf("typing %q: %d cases, a fresh search %d", word[:i], len(got), len(want))
			}
		}
	}
	c.Queue(Filter{Text: "uni"})
	seq, _ := c.store.Cursor()
	now := time.Now().UTC()
	ev := model.Event{Seq: seq + 1, Type: model.EventMessageAdded, Time: now,
		Message: &model.Message{ID: "m-u", CaseID: cases[5].ID, Text: "a unicorn ate my ticket", Time: now}}
	if _, err := (cacheOf{c}).Apply([]model.Event{ev}); err != nil {
		t.Fatal(err)
	}
	if got := ids(c.Queue(Filter{Text: "unicorn"})); !slices.Contains(got, cases[5].ID) {
		t.Errorf("a message between two keystrokes: %v lacks %s", got, cases[5].ID)
	}
}

// The text blocks against a naive map of each case's text: cases and
// messages filed, refiled and added at random (enough to fill blocks and
// compact them), and every search, by a full scan, case by case and typed
// on, equal to bytes.Contains over the naive texts.
func TestSearchIndexAgainstNaiveTexts(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 4))
	const n = 3000
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	tb := newTable("me", nil)
	heads := map[rowID]string{} // lower-cased case fields, as filed
	msgs := map[rowID][]string{}
	cases := map[rowID]*model.Case{}
	for i := range n {
		c, ms := genCase(r, i, now)
		tb.put(c.Summary())
		id := tb.byID[c.ID]
		cases[id] = c
		if i%2 == 0 { // filed by events
			tb.search.setCase(id, c)
			for _, m := range ms {
				tb.search.addMessage(id, m.Text)
				msgs[id] = append(msgs[id], m.Text)
			}
		} else { // read by the build
			var text []byte
			var w capsWriter
			for _, m := range ms {
				text = appendFieldCaps(text, &w, 0, fieldMessage, m.Text)
				msgs[id] = append(msgs[id], m.Text)
			}
			head, hcaps := caseHead(c)
			tb.search.install(id, head, hcaps, text, w.b)
		}
		heads[id] = headText(c)
	}
	tb.search.built = true
	naive := func(q string) []rowID {
		var out []rowID
		tb.list(Filter{}).each(func(id rowID) bool {
			text := heads[id]
			for _, m := range msgs[id] {
				text += string(appendField(nil, fieldMessage, m))
			}
			if strings.Contains(text, q) {
				out = append(out, id)
			}
			return true
		})
		return out
	}
	queries := []string{"r", "re", "ref", "refund", "lis-sw-4", "müller", "zzq", "x", "7", "@", "unicorn", "hannah", "vip", "ticket 12"}
	check := func(step string) {
		t.Helper()
		for _, q := range queries {
			o := tb.list(Filter{}).snapshot()
			tb.search.last = lastHits{}
			got := tb.search.filter(tb, o, q)
			if want := naive(q); !slices.Equal(got, want) {
				t.Fatalf("%s: search %q found %d cases, the naive texts %d", step, q, len(got), len(want))
			}
		}
		// Typing on: narrowed by the previous keystroke.
		tb.search.last = lastHits{}
		for _, w := range []string{"unicorn", "lis-sw-43", "refund"} {
			for i := 1; i <= len(w); i++ {
				got := tb.search.filter(tb, tb.list(Filter{}).snapshot(), w[:i])
				if want := naive(w[:i]); !slices.Equal(got, want) {
					t.Fatalf("%s: typing %q found %d cases, the naive texts %d", step, w[:i], len(got), len(want))
				}
			}
		}
	}
	check("filed")
	blocksBefore := len(tb.search.blocks)
	for round := range 6 {
		for range 4000 {
			id := rowID(r.IntN(n))
			switch r.IntN(3) {
			case 0: // the case changes: a new tag, sometimes a new subject
				c := *cases[id]
				c.Tags = append(slices.Clone(c.Tags), fmt.Sprintf("tag%d", r.IntN(500)))
				if r.IntN(4) == 0 {
					c.Subject = fmt.Sprintf("Unicorn ticket %d", r.IntN(1000))
				}
				cases[id] = &c
				tb.search.setCase(id, &c)
				heads[id] = headText(&c)
			default: // a message
				text := fmt.Sprintf("a unicorn ate ticket %d of LIS-SW-%d", r.IntN(100000), r.IntN(1000))
				tb.search.addMessage(id, text)
				msgs[id] = append(msgs[id], text)
			}
		}
		check(fmt.Sprintf("round %d", round))
	}
	live, blocks := 0, 0
	for _, b := range tb.search.blocks {
		if b != nil {
			blocks++
			live += b.live
		}
	}
	if len(tb.search.free) == 0 {
		t.Errorf("no block was compacted (%d blocks, %d at first)", blocks, blocksBefore)
	}
	if total := blocks * blockSize; live < total/4 {
		t.Errorf("the blocks hold %d live bytes of %d", live, total)
	}
	// Snippets read the current document.
	for id := range rowID(50) {
		if len(msgs[id]) == 0 {
			continue
		}
		m := msgs[id][len(msgs[id])-1]
		q := searchText(m[len(m)/2:])
		sn := tb.search.snippet(id, q)
		if sn.Field != "message" || searchText(sn.Text[sn.Start:sn.End]) != q {
			t.Fatalf("snippet of %q in case %d: %+v", q, id, sn)
		}
		// As written: the match and its context are the message's own text.
		if written := spaced(m); sn.Text[sn.Start:sn.End] != strings.TrimSpace(spaced(m[len(m)/2:])) || !strings.Contains(written, sn.Text) {
			t.Fatalf("snippet of %q in case %d: %q, not as written in %q", q, id, sn.Text, written)
		}
	}
	// A case field's snippet is the field as written, after every refiling.
	authors := 0
	for id := range rowID(n) {
		name := cases[id].Author.DisplayName
		if name == "" {
			continue
		}
		if sn := tb.search.snippet(id, searchText(name)); sn.Field == "author" {
			authors++
			if sn.Text != name || sn.Text[sn.Start:sn.End] != name || sn.Cut || sn.CutEnd {
				t.Fatalf("author snippet of case %d: %+v, want %q", id, sn, name)
			}
		}
	}
	if authors < n/10 {
		t.Errorf("only %d of %d author snippets were in the author field", authors, n)
	}
}

// headText is the case fields as the index holds them.
func headText(c *model.Case) string {
	b, _ := caseHead(c)
	return string(b)
}

// spaced is text with its control characters as spaces, as a snippet shows it.
func spaced(text string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' {
			return ' '
		}
		return r
	}, text)
}
