package app

import (
	"bytes"
	"math/bits"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"switchboard/model"
)

// The search index holds the searchable text of every cached case
// lower-cased, case by case, in a few large blocks of bytes: per case one
// document of its own fields (subject, author, handle, customer number,
// tags) then every message, each field behind a marker byte. A keystroke
// runs bytes.Index over the blocks themselves (one pass over the text at
// memory speed, split among the cores), not case by case, and maps each
// match to its case by the documents' offsets; a query of one letter or
// digit is answered by a word per case of the bytes it holds. A text typed
// on after a search that matched few cases is looked for in those cases
// only.
//
// The blocks are mapped outside the Go heap (textmem_unix.go): the
// collector neither scans them nor lets the heap grow to twice their size
// before it collects, and the index costs the lower-cased text (a subject
// repeated as the first message is kept once) and its caps (caps.go:
// where it was written in capitals, for snippets as written; about a
// byte per capital letter, 7 % of the text) plus 56 bytes a case; a
// changed case is written
// again at the end of the last block, and a block whose live text falls
// below a quarter is compacted into it. 25 ms is the budget for a
// keystroke at 100k cases.
//
// Measured against bleve (an inverted index of terms) and against trigram
// posting lists: bleve finds words, while a search box is typed into and
// must match "refu" in "refund" and an order number inside a longer token;
// its n-gram analysers to do so take several times the text in memory and
// seconds per 100k cases to build. Exact trigram postings of this text are
// as large as the text itself (about one posting per byte) and still need
// the text to confirm a match; a scan of the text alone, with no
// dependency, meets the budget.

// Field markers inside a document: each field starts with one and ends
// with fieldEnd, so a snippet can tell where its match is, and a match
// never spans two fields or two documents (a query never holds them:
// control characters are dropped from it).
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

// byteBit is the bit of byte c in a case's byte word: exact for a-z and
// 0-9, shared by other bytes.
func byteBit(c byte) (bit uint64, exact bool) {
	switch {
	case 'a' <= c && c <= 'z':
		return 1 << (c - 'a'), true
	case '0' <= c && c <= '9':
		return 1 << (26 + c - '0'), true
	}
	return 1 << (36 + c%28), false
}

func byteWord(text []byte) uint64 {
	var w uint64
	for _, c := range text {
		if c >= ' ' {
			b, _ := byteBit(c)
			w |= b
		}
	}
	return w
}

// blockSize is the size of a text block; a larger document gets a block
// of its own.
const blockSize = 1 << 20

// textBlock is text appended document by document; starts and owner name
// each document written to it, live or since replaced.
type textBlock struct {
	b      []byte // cap: the block's size (textmem_*.go)
	starts []uint32
	owner  []rowID
	live   int // bytes of the documents still current
	mapped bool
	unmap  runtime.Cleanup
}

// docRef is where a case's document is.
type docRef struct {
	blk  int32  // block index + 1; 0: none
	off  uint32 // in the block
	n    uint32 // its length
	head uint32 // the length of its case fields; the messages follow
}

// searchIndex is the search index of one table, guarded by Core.mu.
type searchIndex struct {
	blockStore
	chars []uint64 // by row: byteBit of every byte its document holds
	// freq counts the bytes written, total all of them: which byte of a
	// query is rare enough to look for first.
	freq  [256]int
	total int
	// built marks that the background build from the cache is through.
	built bool
	// caps is, by row, where the document's text was written otherwise
	// than it is held (capital letters), for snippets as written (caps.go).
	caps blockStore
	// gen counts changes of the texts; last is the previous search's hits,
	// the candidates of a longer text typed after it while gen holds.
	gen        uint64
	lastMu     sync.Mutex
	last       lastHits
	scratch    []byte
	capScratch []byte
}

type lastHits struct {
	q         string
	gen       uint64
	rows      int
	n         int
	hits      []uint64
	populated bool
}

func (s *searchIndex) grow(id rowID) {
	s.blockStore.grow(id)
	for int(id) >= len(s.chars) {
		s.chars = append(s.chars, 0)
	}
}

func (s *searchIndex) indexed(id rowID) bool { return s.has(id) }

// write makes doc (head bytes of case fields, then messages) the document
// of row id.
func (s *searchIndex) write(id rowID, doc []byte, head int, caps []byte, capsHead int) {
	s.grow(id)
	s.caps.put(id, caps, capsHead)
	for _, c := range doc {
		s.freq[c]++
	}
	s.total += len(doc)
	s.chars[id] = byteWord(doc)
	s.gen++
	s.put(id, doc, head)
}

// blockStore keeps one document of bytes per row in text blocks: a
// document written again goes to the end of the last block, and a block
// whose live documents fall below a quarter of it is compacted into the
// last one and freed. The search index keeps its texts in one, the table
// the strings of its rows in another.
type blockStore struct {
	docs   []docRef // by row
	blocks []*textBlock
	cur    int // the block appended to; -1: none yet
	free   []int
	// compacting: a block's documents are being moved (no nested moves).
	compacting bool
}

// size is the bytes of the store's blocks and how many of them are live
// documents.
func (s *blockStore) size() (blocks, live int) {
	for _, b := range s.blocks {
		if b != nil {
			blocks += cap(b.b)
			live += b.live
		}
	}
	return blocks, live
}

func (s *blockStore) grow(id rowID) {
	for int(id) >= len(s.docs) {
		s.docs = append(s.docs, docRef{})
	}
}

func (s *blockStore) has(id rowID) bool {
	return int(id) < len(s.docs) && s.docs[id].blk != 0
}

// doc is the document of row id and its head length.
func (s *blockStore) doc(id rowID) ([]byte, int) {
	if int(id) >= len(s.docs) {
		return nil, 0
	}
	d := s.docs[id]
	if d.blk == 0 {
		return nil, 0
	}
	return s.blocks[d.blk-1].b[d.off : d.off+d.n], int(d.head)
}

// put makes doc the document of row id, at the end of the last block.
func (s *blockStore) put(id rowID, doc []byte, head int) {
	s.grow(id)
	old := s.docs[id]
	if len(s.blocks) == 0 {
		s.cur = -1
	}
	if s.cur < 0 || len(s.blocks[s.cur].b)+len(doc) > cap(s.blocks[s.cur].b) {
		s.newBlock(len(doc))
	}
	blk := s.blocks[s.cur]
	off := len(blk.b)
	blk.b = append(blk.b, doc...)
	blk.starts = append(blk.starts, uint32(off))
	blk.owner = append(blk.owner, id)
	blk.live += len(doc)
	s.docs[id] = docRef{blk: int32(s.cur + 1), off: uint32(off), n: uint32(len(doc)), head: uint32(head)}
	if old.blk != 0 {
		ob := s.blocks[old.blk-1]
		ob.live -= int(old.n)
		if !s.compacting && int(old.blk-1) != s.cur && ob.live < len(ob.b)/4 {
			s.compact(int(old.blk - 1))
		}
	}
}

func (s *blockStore) newBlock(need int) {
	blk := &textBlock{}
	allocText(blk, max(blockSize, need))
	if n := len(s.free); n > 0 {
		s.cur, s.free = s.free[n-1], s.free[:n-1]
		s.blocks[s.cur] = blk
		return
	}
	s.cur = len(s.blocks)
	s.blocks = append(s.blocks, blk)
}

// compact moves the live documents of block k to the last block and frees
// it.
func (s *blockStore) compact(k int) {
	s.compacting = true
	defer func() { s.compacting = false }()
	blk := s.blocks[k]
	for i, off := range blk.starts {
		id := blk.owner[i]
		if d := s.docs[id]; int(d.blk-1) == k && d.off == off {
			s.put(id, blk.b[off:off+d.n], int(d.head))
		}
	}
	s.blocks[k] = nil
	s.free = append(s.free, k)
	freeText(blk)
}

// assemble is a document: the case fields head, then the messages msgs;
// the subject is dropped when a message holds it (a tweet or a forum post
// is its own first message), as it matches nothing more.
func (s *searchIndex) assemble(head, hcaps, msgs, mcaps []byte) (doc []byte, h int, caps []byte, ch int) {
	b := s.scratch[:0]
	c := s.capScratch[:0]
	if len(head) > 0 && head[0] == fieldSubject {
		end := bytes.IndexByte(head, fieldEnd)
		if end > 1 && bytes.Contains(msgs, head[1:end]) {
			head = head[end+1:]
			c, _ = capsShift(c, 0, hcaps, -(end + 1))
			hcaps = nil
		}
	}
	c = append(c, hcaps...)
	ch = len(c)
	c = append(c, mcaps...)
	b = append(b, head...)
	b = append(b, msgs...)
	s.scratch, s.capScratch = b, c
	return b, len(head), c, ch
}

// caseHead is the searchable text of a case's own fields and its caps.
func caseHead(c *model.Case) ([]byte, []byte) {
	b := make([]byte, 0, 64+len(c.Subject))
	var w capsWriter
	b = appendCaseHead(b, &w, c)
	return b, w.b
}

func appendCaseHead(b []byte, w *capsWriter, c *model.Case) []byte {
	b = appendFieldCaps(b, w, 0, fieldSubject, c.Subject)
	b = appendFieldCaps(b, w, 0, fieldAuthor, c.Author.DisplayName)
	b = appendFieldCaps(b, w, 0, fieldHandle, c.Author.Handle)
	b = appendFieldCaps(b, w, 0, fieldCustomer, c.CustomerID)
	for _, t := range c.Tags {
		b = appendFieldCaps(b, w, 0, fieldTag, t)
	}
	return b
}

func appendField(b []byte, field byte, text string) []byte {
	return appendFieldCaps(b, nil, 0, field, text)
}

// appendFieldCaps is appendField noting in w (when not nil) where text
// differs from what is held, at offsets from base in b.
func appendFieldCaps(b []byte, w *capsWriter, base int, field byte, text string) []byte {
	if text == "" {
		return b
	}
	b = append(b, field)
	b = appendLowerCaps(b, w, base, text)
	return append(b, fieldEnd)
}

// appendLower appends text lower-cased, control characters as spaces.
func appendLower(b []byte, text string) []byte { return appendLowerCaps(b, nil, 0, text) }

func appendLowerCaps(b []byte, w *capsWriter, base int, text string) []byte {
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
				if w != nil {
					w.upper(len(b) - base)
				}
			case c < ' ':
				c = ' '
			}
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		l := lowerRune(r)
		if w != nil && l != r && r != utf8.RuneError {
			w.rune(len(b)-base, r)
		}
		b = utf8.AppendRune(b, l)
		i += n
	}
	return b
}

func lowerRune(r rune) rune {
	if l := unicode.ToLower(r); utf8.RuneLen(l) > 0 {
		return l
	}
	return r
}

// searchText is the query as the index holds text.
func searchText(q string) string {
	return strings.TrimSpace(string(appendLower(nil, q)))
}

// setCase files a case's own fields; its messages stay.
func (s *searchIndex) setCase(id rowID, c *model.Case) {
	s.grow(id)
	var msgs, mcaps []byte
	if doc, head := s.doc(id); doc != nil {
		msgs = doc[head:]
		cd, ch := s.caps.doc(id)
		mcaps = cd[ch:]
	}
	var w capsWriter
	hb := appendCaseHead(make([]byte, 0, 64+len(c.Subject)), &w, c)
	if len(hb) == 0 && len(msgs) == 0 {
		hb = []byte{fieldEnd} // indexed, with nothing to find
	}
	doc, head, caps, ch := s.assemble(hb, w.b, msgs, mcaps)
	s.write(id, doc, head, caps, ch)
}

// addMessage files one more message text of a case.
func (s *searchIndex) addMessage(id rowID, text string) {
	if text == "" {
		return
	}
	s.grow(id)
	old, head := s.doc(id)
	b := append(s.scratch[:0], old...)
	cd, ch := s.caps.doc(id)
	w := capsWriter{b: append(s.capScratch[:0], cd...), last: capsLast(cd[ch:])}
	b = appendFieldCaps(b, &w, head, fieldMessage, text)
	s.scratch, s.capScratch = b, w.b
	s.write(id, b, head, w.b, ch)
}

// install files what the background build read for a case; anything filed
// meanwhile by live events is kept.
func (s *searchIndex) install(id rowID, head, hcaps, msgs, mcaps []byte) {
	s.grow(id)
	if old, oh := s.doc(id); old != nil {
		cd, ch := s.caps.doc(id)
		if oh > 0 {
			head, hcaps = old[:oh], cd[:ch]
		}
		mcaps, _ = capsShift(mcaps, capsLast(mcaps), cd[ch:], len(msgs))
		msgs = append(msgs, old[oh:]...)
	}
	if len(head) == 0 && len(msgs) == 0 {
		head = []byte{fieldEnd}
	}
	doc, hl, caps, ch := s.assemble(head, hcaps, msgs, mcaps)
	s.write(id, doc, hl, caps, ch)
}

// query is a compiled search text.
type query struct {
	text  []byte
	chars uint64 // bits of the bytes the text holds
	exact bool   // the byte word alone answers (one letter or digit)
}

func compileQuery(q string) query {
	qq := query{text: []byte(q)}
	for i := 0; i < len(q); i++ {
		b, exact := byteBit(q[i])
		qq.chars |= b
		qq.exact = len(q) == 1 && exact
	}
	return qq
}

// hit tests one case.
func (s *searchIndex) hit(t *table, id rowID, q *query) bool {
	if !s.indexed(id) {
		// Not read yet by the build: the summary is all there is.
		author, handle, preview, customer := t.strings(id)
		return containsLower(author, q.text) || containsLower(handle, q.text) ||
			containsLower(preview, q.text) || containsLower(customer, q.text)
	}
	if s.chars[id]&q.chars != q.chars {
		return false
	}
	if q.exact {
		return true
	}
	doc, _ := s.doc(id)
	return bytes.Contains(doc, q.text)
}

func containsLower(s string, q []byte) bool {
	if len(s) < len(q) {
		return false
	}
	return bytes.Contains(appendLower(make([]byte, 0, len(s)), s), q)
}

// anchor is the byte of q rarest in the text, where a scan looks first
// (memchr speed), or -1 when even that byte is common and bytes.Index
// (which turns to a vector compare of the whole text) is faster.
func (s *searchIndex) anchor(q []byte) int {
	if len(q) < 2 || s.total == 0 {
		return -1
	}
	j := 0
	for i := range q {
		if s.freq[q[i]] < s.freq[q[j]] {
			j = i
		}
	}
	if s.freq[q[j]] > s.total/64 {
		return -1
	}
	return j
}

// next is the offset of the first q in b, looked for at its anchor byte j
// (or by bytes.Index when j < 0), or -1.
func next(b, q []byte, j int) int {
	if j < 0 {
		return bytes.Index(b, q)
	}
	c := q[j]
	for pos := j; pos < len(b); {
		k := bytes.IndexByte(b[pos:], c)
		if k < 0 {
			return -1
		}
		at := pos + k - j
		if at+len(q) > len(b) {
			return -1
		}
		if bytes.Equal(b[at:at+len(q)], q) {
			return at
		}
		pos += k + 1
	}
	return -1
}

// scan sets in hits the rows whose current document in block blk holds q:
// it looks for q in the whole block, and from each match on to the next
// document.
func (s *searchIndex) scan(blk *textBlock, k int, q []byte, j int, hits []uint64) {
	b, starts := blk.b, blk.starts
	d := 0 // the document at or before pos
	for pos := 0; pos < len(b); {
		i := next(b[pos:], q, j)
		if i < 0 {
			return
		}
		at := uint32(pos + i)
		for d+1 < len(starts) && starts[d+1] <= at {
			d++
		}
		id := blk.owner[d]
		if ref := s.docs[id]; int(ref.blk-1) == k && ref.off == starts[d] {
			hits[id>>6] |= 1 << (id & 63)
		}
		d++
		if d == len(starts) {
			return
		}
		pos = int(starts[d]) // on to the next document
	}
}

// scanAll sets in hits every row whose document holds q, the blocks split
// among the cores.
func (s *searchIndex) scanAll(q []byte, hits []uint64) {
	var todo []int
	for k, blk := range s.blocks {
		if blk != nil && blk.live > 0 {
			todo = append(todo, k)
		}
	}
	j := s.anchor(q)
	workers := min(runtime.GOMAXPROCS(0), 4, len(todo))
	if workers <= 1 {
		for _, k := range todo {
			s.scan(s.blocks[k], k, q, j, hits)
		}
		return
	}
	// Each worker its own bitmap (no shared cache lines), merged after.
	mine := make([][]uint64, workers)
	var more atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		mine[w] = hits
		if w > 0 {
			mine[w] = make([]uint64, len(hits))
		}
		wg.Add(1)
		go func(h []uint64) {
			defer wg.Done()
			for {
				i := int(more.Add(1) - 1)
				if i >= len(todo) {
					return
				}
				s.scan(s.blocks[todo[i]], todo[i], q, j, h)
			}
		}(mine[w])
	}
	wg.Wait()
	for _, h := range mine[1:] {
		for i, w := range h {
			hits[i] |= w
		}
	}
}

// filter keeps the rows of o whose text holds q, in order. For a short
// list the rows are tested one by one; for a long one the text is
// scanned whole (or, typing on, only the cases the shorter text matched
// when they are few), then the list is walked.
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
	s.lastMu.Lock()
	prev := s.last
	s.lastMu.Unlock()
	narrow := s.built && prev.populated && prev.gen == s.gen && prev.rows == len(t.rows) && strings.Contains(q, prev.q)
	hits := make([]uint64, (len(t.rows)+63)/64)
	switch {
	case narrow && prev.n < len(t.rows)/8, qq.exact:
		// Case by case: the few the shorter text matched, or every case
		// by its byte word.
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
				}
			}
		}
	default:
		s.scanAll(qq.text, hits)
		// The cases the build has not read yet match by their summaries.
		if !s.built {
			for i := range t.rows {
				if t.keys[i]&keyPresent != 0 && !s.indexed(rowID(i)) && s.hit(t, rowID(i), &qq) {
					hits[i>>6] |= 1 << (i & 63)
				}
			}
		}
	}
	n := 0
	for w := range hits {
		n += bits.OnesCount64(hits[w])
	}
	if s.built {
		s.lastMu.Lock()
		s.last = lastHits{q: q, gen: s.gen, rows: len(t.rows), n: n, hits: hits, populated: true}
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
// around the match as it was written; Start and End are the match's byte
// offsets in Text, Cut and CutEnd say that the field's text goes on
// before or after it.
type Snippet struct {
	Field       string
	Text        string
	Start, End  int
	Cut, CutEnd bool
}

// Line is the snippet as a queue row's line shows it: the text as
// written, with "…" where it is cut. It is "" for no match and for a
// match in the case's author, handle, customer number or tags: the row
// keeps its first line then (its name line shows the author).
func (s Snippet) Line() string {
	if s.Text == "" || (s.Field != "message" && s.Field != "subject") {
		return ""
	}
	text := s.Text
	if s.Cut {
		text = "… " + strings.TrimLeft(text, " ")
	}
	if s.CutEnd {
		text = strings.TrimRight(text, " ") + " …"
	}
	return strings.TrimSpace(text)
}

// snippetBefore and snippetAfter are how many bytes of context a snippet
// keeps before the match (a row shows the start of its line, so little:
// the match stays in sight) and after it.
const (
	snippetBefore = 24
	snippetAfter  = 80
)

func (s *searchIndex) snippet(id rowID, q string) Snippet {
	if !s.indexed(id) || q == "" {
		return Snippet{}
	}
	d, h := s.doc(id)
	cd, ch := s.caps.doc(id)
	// The messages first, then the case fields; caps count from the
	// part's start.
	for _, part := range [...]struct {
		base, end int
		caps      []byte
	}{{h, len(d), cd[ch:]}, {0, h, cd[:ch]}} {
		doc := d[part.base:part.end]
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
		from, to := max(start+1, i-snippetBefore), min(end, i+len(q)+snippetAfter)
		for from > start+1 && !utf8.RuneStart(doc[from]) {
			from--
		}
		if from > start+1 {
			// Begin at a word where one begins in the context.
			if k := bytes.IndexByte(doc[from:i], ' '); k >= 0 && from+k+1 < i {
				from += k + 1
			}
		}
		for to < end && !utf8.RuneStart(doc[to]) {
			to++
		}
		if to < end {
			// End after a word where one ends in the context.
			if k := bytes.LastIndexByte(doc[i+len(q):to], ' '); k > 0 {
				to = i + len(q) + k
			}
		}
		text, a, b := asWritten(doc, part.caps, from, to, i, i+len(q))
		return Snippet{Field: fieldNames[field], Text: text, Start: a, End: b, Cut: from > start+1, CutEnd: to < end}
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
		id                       string
		head, hcaps, msgs, mcaps []byte
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
			var w capsWriter
			for i := range msgs {
				if !msgs[i].Deleted {
					text = appendFieldCaps(text, &w, 0, fieldMessage, msgs[i].Text)
				}
			}
			head, hcaps := caseHead(&cs)
			batch = append(batch, read{id, head, hcaps, text, w.b})
		}
		ids = ids[n:]
		c.mu.Lock()
		if c.t != t {
			c.mu.Unlock()
			return // reset: the new index fills from events
		}
		for _, r := range batch {
			t.search.install(t.slot(r.id), r.head, r.hcaps, r.msgs, r.mcaps)
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	t.search.built = true
	c.mu.Unlock()
}
