package app

import (
	"bytes"
	"math/bits"
	"strings"
	"sync"
	"unicode/utf8"

	"switchboard/model"
)

// The search index holds, per cached case, its searchable text lower-cased
// in one byte string (subject, author, handle, customer number, tags, then
// every message) and a 1024-bit signature: which letters and digits occur
// (exactly) and a hash of its trigrams. A query tests the signature of each
// case first (a few word tests) and looks for the text itself only in the
// cases whose signature has every byte and trigram of the query; a query
// of one letter or digit is answered by the signature alone. About 500
// bytes per case of 3 messages; 25 ms is the budget for a keystroke at
// 100k cases.
//
// Measured against bleve (an inverted index of terms): bleve finds words,
// while a search box is typed into and must match "refu" in "refund" and
// an order number inside a longer token; its n-gram analysers to do so
// take several times the text in memory and seconds per 100k cases to
// build, where this index is a copy of the text plus 64 bytes a case,
// built as fast as the cache is read, and needs no dependency.

// sigWords is the signature's size in 64-bit words: the first holds the
// bytes present, the others the trigrams.
const (
	sigWords    = 16
	trigramBits = (sigWords - 1) * 64
)

// byteBit is the bit of byte c in the first signature word: exact for
// a-z and 0-9, shared by other bytes.
func byteBit(c byte) (bit uint64, exact bool) {
	switch {
	case 'a' <= c && c <= 'z':
		return 1 << (c - 'a'), true
	case '0' <= c && c <= '9':
		return 1 << (26 + c - '0'), true
	}
	return 1 << (36 + c%28), false
}

// Field markers inside a document: each field starts with one, so a
// snippet can tell where its match is. A query never holds them (control
// characters are dropped from it).
const (
	fieldSubject byte = iota + 1
	fieldAuthor
	fieldHandle
	fieldCustomer
	fieldTag
	fieldMessage
	fieldEnd = 0
)

var fieldNames = [...]string{fieldSubject: "subject", fieldAuthor: "author", fieldHandle: "handle",
	fieldCustomer: "customer", fieldTag: "tag", fieldMessage: "message"}

// searchIndex is the search index of one table, guarded by Core.mu.
type searchIndex struct {
	head [][]byte // by row: case fields, replaced with the case
	msgs [][]byte // by row: message texts, appended
	sig  []uint64 // by row, sigWords each
	// built marks that the background build from the cache is through.
	built bool
	// gen counts changes of the texts; last is the previous search's hits,
	// the candidates of a longer text typed after it while gen holds.
	gen    uint64
	lastMu sync.Mutex
	last   lastHits
}

type lastHits struct {
	q         string
	gen       uint64
	rows      int
	hits      []uint64
	populated bool
}

func (s *searchIndex) grow(id rowID) {
	for int(id) >= len(s.head) {
		s.head = append(s.head, nil)
		s.msgs = append(s.msgs, nil)
		s.sig = append(s.sig, make([]uint64, sigWords)...)
	}
}

func (s *searchIndex) indexed(id rowID) bool {
	return int(id) < len(s.head) && s.head[id] != nil
}

// caseHead is the searchable text of a case's own fields.
func caseHead(c *model.Case) []byte {
	b := make([]byte, 0, 64+len(c.Subject))
	b = appendField(b, fieldSubject, c.Subject)
	b = appendField(b, fieldAuthor, c.Author.DisplayName)
	b = appendField(b, fieldHandle, c.Author.Handle)
	b = appendField(b, fieldCustomer, c.CustomerID)
	for _, t := range c.Tags {
		b = appendField(b, fieldTag, t)
	}
	return b
}

func appendField(b []byte, field byte, text string) []byte {
	if text == "" {
		return b
	}
	b = append(b, field)
	b = appendLower(b, text)
	return append(b, fieldEnd)
}

// appendLower appends text lower-cased, control characters as spaces.
func appendLower(b []byte, text string) []byte {
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case c < ' ':
				c = ' '
			}
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		b = utf8.AppendRune(b, lowerRune(r))
		i += n
	}
	return b
}

func lowerRune(r rune) rune {
	l := []rune(strings.ToLower(string(r)))
	if len(l) == 1 {
		return l[0]
	}
	return r
}

// searchText is the query as the index holds text.
func searchText(q string) string {
	return strings.TrimSpace(string(appendLower(nil, q)))
}

func trigramBit(a, b, c byte) (word int, bit uint64) {
	h := (uint32(a)<<16 | uint32(b)<<8 | uint32(c)) * 0x9E3779B1
	n := int(uint64(h) * trigramBits >> 32)
	return 1 + n>>6, 1 << (n & 63)
}

func (s *searchIndex) sign(id rowID, text []byte) {
	sig := s.sig[int(id)*sigWords : int(id+1)*sigWords]
	var bytesSeen uint64
	for i, c := range text {
		if c >= ' ' {
			b, _ := byteBit(c)
			bytesSeen |= b
		}
		if i+2 < len(text) {
			w, bit := trigramBit(c, text[i+1], text[i+2])
			sig[w] |= bit
		}
	}
	sig[0] |= bytesSeen
}

// setCase files a case's own fields; its messages stay.
func (s *searchIndex) setCase(id rowID, c *model.Case) {
	s.grow(id)
	s.head[id] = caseHead(c)
	s.sign(id, s.head[id])
	s.gen++
}

// addMessage files one more message text of a case.
func (s *searchIndex) addMessage(id rowID, text string) {
	if text == "" {
		return
	}
	s.grow(id)
	start := len(s.msgs[id])
	s.msgs[id] = appendField(s.msgs[id], fieldMessage, text)
	if s.head[id] == nil {
		s.head[id] = []byte{} // indexed: the case's own fields follow
	}
	s.sign(id, s.msgs[id][start:])
	s.gen++
}

// install files what the background build read for a case; anything filed
// meanwhile by live events is kept.
func (s *searchIndex) install(id rowID, head, msgs []byte) {
	s.grow(id)
	if len(s.head[id]) == 0 {
		s.head[id] = head
		s.sign(id, head)
	}
	if len(s.msgs[id]) > 0 {
		msgs = append(msgs, s.msgs[id]...)
	}
	s.msgs[id] = msgs
	s.sign(id, msgs)
	s.gen++
}

// query is a compiled search text.
type query struct {
	text  []byte
	chars uint64 // bits of the bytes the text holds
	exact bool   // the signature alone answers (one letter or digit)
	words []int
	bits  []uint64
}

func compileQuery(q string) query {
	qq := query{text: []byte(q)}
	for i := 0; i < len(q); i++ {
		b, exact := byteBit(q[i])
		qq.chars |= b
		qq.exact = len(q) == 1 && exact
	}
	seen := map[[2]uint64]bool{}
	for i := 0; i+2 < len(q); i++ {
		w, bit := trigramBit(q[i], q[i+1], q[i+2])
		k := [2]uint64{uint64(w), bit}
		if !seen[k] {
			seen[k] = true
			qq.words, qq.bits = append(qq.words, w), append(qq.bits, bit)
		}
	}
	return qq
}

func (s *searchIndex) hit(t *table, id rowID, q *query) bool {
	if !s.indexed(id) {
		// Not read yet by the build: the summary is all there is.
		r := &t.rows[id]
		return containsLower(r.author, q.text) || containsLower(r.handle, q.text) ||
			containsLower(r.preview, q.text) || containsLower(r.customer, q.text)
	}
	sig := s.sig[int(id)*sigWords:]
	if sig[0]&q.chars != q.chars {
		return false
	}
	if q.exact {
		return true
	}
	for i, w := range q.words {
		if sig[w]&q.bits[i] == 0 {
			return false
		}
	}
	return bytes.Contains(s.head[id], q.text) || bytes.Contains(s.msgs[id], q.text)
}

func containsLower(s string, q []byte) bool {
	if len(s) < len(q) {
		return false
	}
	return bytes.Contains(appendLower(make([]byte, 0, len(s)), s), q)
}

// filter keeps the rows of o whose text holds q, in order. For a long
// list the rows are tested in their own order (the memory's), then the
// list is walked.
func (s *searchIndex) filter(t *table, o order, q string) []rowID {
	qq := compileQuery(q)
	var out []rowID
	if o.n < len(t.rows)/4 {
		o.each(func(id rowID) bool {
			if s.hit(t, id, &qq) {
				out = append(out, id)
			}
			return true
		})
		return out
	}
	// Typing on: the cases that hold the longer text are among those that
	// held the shorter one, when no text changed meanwhile.
	s.lastMu.Lock()
	prev := s.last
	s.lastMu.Unlock()
	narrow := s.built && prev.populated && prev.gen == s.gen && prev.rows == len(t.rows) && strings.Contains(q, prev.q)
	hits := make([]uint64, (len(t.rows)+63)/64)
	n := 0
	for w := range hits {
		cand := ^uint64(0)
		if narrow {
			cand = prev.hits[w]
		}
		for cand != 0 {
			b := bits.TrailingZeros64(cand)
			cand &^= 1 << b
			i := w<<6 | b
			if i >= len(t.rows) {
				break
			}
			if t.keys[i]&keyPresent != 0 && s.hit(t, rowID(i), &qq) {
				hits[w] |= 1 << b
				n++
			}
		}
	}
	if s.built {
		s.lastMu.Lock()
		s.last = lastHits{q: q, gen: s.gen, rows: len(t.rows), hits: hits, populated: true}
		s.lastMu.Unlock()
	}
	out = make([]rowID, 0, n)
	o.each(func(id rowID) bool {
		if hits[id>>6]&(1<<(id&63)) != 0 {
			out = append(out, id)
		}
		return true
	})
	return out
}

// Snippet is where a search matched in a case: the field and the text
// around the match, lower-cased as the index holds it; Start and End are
// the match's byte offsets in Text.
type Snippet struct {
	Field      string
	Text       string
	Start, End int
}

// snippetContext is how many bytes of context a snippet keeps each side.
const snippetContext = 40

func (s *searchIndex) snippet(id rowID, q string) Snippet {
	if !s.indexed(id) || q == "" {
		return Snippet{}
	}
	for _, doc := range [][]byte{s.msgs[id], s.head[id]} {
		i := bytes.Index(doc, []byte(q))
		if i < 0 {
			continue
		}
		// The field: from its marker to its end.
		start := bytes.LastIndexFunc(doc[:i], func(r rune) bool { return r < 32 && r != fieldEnd }) // marker
		if start < 0 {
			return Snippet{}
		}
		field := doc[start]
		end := i + bytes.IndexByte(doc[i:], fieldEnd)
		if end < i {
			end = len(doc)
		}
		from, to := max(start+1, i-snippetContext), min(end, i+len(q)+snippetContext)
		for from > start+1 && !utf8.RuneStart(doc[from]) {
			from--
		}
		for to < end && !utf8.RuneStart(doc[to]) {
			to++
		}
		return Snippet{Field: fieldNames[field], Text: string(doc[from:to]), Start: i - from, End: i - from + len(q)}
	}
	return Snippet{}
}

// Snippet is where text (as typed in the search box) occurs in case id,
// for the row to show. Memory only.
func (c *Core) Snippet(id, text string) Snippet {
	q := searchText(text)
	c.mu.RLock()
	defer c.mu.RUnlock()
	r, ok := c.t.byID[id]
	if !ok {
		return Snippet{}
	}
	return c.t.search.snippet(r, q)
}

// indexEvents files the texts a page of events brought. The caller holds mu.
func (t *table) indexEvents(evs []model.Event) {
	for i := range evs {
		ev := &evs[i]
		switch ev.Type {
		case model.EventCaseUpserted:
			if ev.Case != nil {
				t.search.setCase(t.slot(ev.Case.ID), ev.Case)
			}
		case model.EventMessageAdded, model.EventMessageUpdated:
			if m := ev.Message; m != nil && !m.Deleted {
				t.search.addMessage(t.slot(m.CaseID), m.Text)
			}
		}
	}
}

// searchBatch is how many cases the background build reads between two
// turns at the index lock.
const searchBatch = 256

// startSearchBuild starts, once, the background build of the search index
// from the cache: it is off the start-up path, begun by the first queue
// asked for (or by Start).
func (c *Core) startSearchBuild() {
	c.searchOnce.Do(func() {
		c.bg.Add(1)
		go func() {
			defer c.bg.Done()
			defer close(c.searchReady)
			c.buildSearch()
		}()
	})
}

// SearchReady is closed when the search index holds every cached case;
// until then a search matches the cases not read yet by their summaries.
func (c *Core) SearchReady() <-chan struct{} {
	c.startSearchBuild()
	return c.searchReady
}

func (c *Core) buildSearch() {
	c.mu.RLock()
	t := c.t
	ids := make([]string, 0, len(t.rows))
	for i := range t.rows {
		if t.rows[i].present && !t.search.indexed(rowID(i)) {
			ids = append(ids, t.rows[i].id)
		}
	}
	c.mu.RUnlock()
	type read struct {
		id         string
		head, msgs []byte
	}
	batch := make([]read, 0, searchBatch)
	for len(ids) > 0 {
		select {
		case <-c.stop:
			return
		default:
		}
		n := min(searchBatch, len(ids))
		batch = batch[:0]
		for _, id := range ids[:n] {
			cs, msgs, err := c.store.Case(id)
			if err != nil {
				continue // gone (a reset) or unreadable: its summary still matches
			}
			var text []byte
			for i := range msgs {
				if !msgs[i].Deleted {
					text = appendField(text, fieldMessage, msgs[i].Text)
				}
			}
			batch = append(batch, read{id, caseHead(&cs), text})
		}
		ids = ids[n:]
		c.mu.Lock()
		if c.t != t {
			c.mu.Unlock()
			return // reset: the new index fills from events
		}
		for _, r := range batch {
			t.search.install(t.slot(r.id), r.head, r.msgs)
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	t.search.built = true
	c.mu.Unlock()
}
