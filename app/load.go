package app

import (
	"encoding/binary"
	"runtime"
	"sync"
	"time"

	"switchboard/model"
	"switchboard/store"
)

// Start-up: the queue index is filed from the cache's summary records as
// they are decoded in place (store.ReadSummaryRecords), then sorted once
// (table.ready).

// loadRecords makes the table of every case in st, filed straight from the
// cache's summary records (store.ReadSummaryRecords): no model.Summary, no
// string but one per page of ids, names interned from the record's bytes.
//
// It runs on two cores: this goroutine decodes the records into rows (the
// names, times, flags and filter key of each) while a second one files
// the pages of rows done so far (their ids, the id map, the rows' strings
// in their text blocks). The second touches only the rows of pages handed
// over, and this one never moves the rows while it works (they are sized
// for the bucket's count; should a row more come, it waits for it first).
func loadRecords(me string, st *store.Store) (*table, error) {
	var ld loader
	defer ld.stop()
	err := st.ReadSummaryRecords(func(rec *store.SummaryRecord, total int) error {
		if ld.t == nil {
			ld.start(me, total)
		}
		ld.add(rec)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if ld.t == nil {
		ld.start(me, 0)
	}
	ld.stop()
	ld.t.ready()
	return ld.t, nil
}

// loader files summary records into a new table, a page at a time.
type loader struct {
	t    *table
	page *loadJob
	// With a filer goroutine: pages go to it on jobs and come back for
	// use again on free; wg counts the pages handed over and not filed.
	jobs, free chan *loadJob
	wg         sync.WaitGroup
	done       chan struct{}
	// Per name code: the reach rank, active and SLA key of a row with it.
	rank   []int8
	active []bool
	sla    []uint8
	now    int64 // Unix nanoseconds at the start: which rows are asleep
}

// loadJob is a page of rows decoded and not filed yet: their ids (which
// come to share one string: 100k rows are 100 id allocations, not 100k)
// and the documents of their strings.
type loadJob struct {
	rows       []row // the page's rows, in the table's array
	first      rowID
	ids, docs  []byte
	idEnd, end []int32
}

// loadPage is how many rows are handed over at once.
const loadPage = 1024

func (ld *loader) start(me string, total int) {
	ld.t = emptyTable(me, total)
	ld.now = time.Now().UnixNano()
	ld.t.strs.docs = make([]docRef, 0, total)
	ld.page = &loadJob{}
	if total >= 2*loadPage && runtime.GOMAXPROCS(0) >= 2 {
		ld.jobs, ld.free, ld.done = make(chan *loadJob, 4), make(chan *loadJob, 8), make(chan struct{})
		go func() {
			defer close(ld.done)
			for j := range ld.jobs {
				ld.file(j)
				ld.wg.Done()
				ld.free <- j
			}
		}()
	}
}

func (ld *loader) add(rec *store.SummaryRecord) {
	t := ld.t
	if len(t.rows) == cap(t.rows) {
		ld.flush()
		ld.wg.Wait() // the rows are about to move: nobody may be filing them
	}
	t.rows = append(t.rows, ld.rowOf(rec)) // written once: 100k rows are 10 MB
	t.keys = append(t.keys, rowKey(&t.rows[len(t.rows)-1]))
	t.nlive++
	p := ld.page
	p.ids = append(p.ids, rec.ID...)
	p.idEnd = append(p.idEnd, int32(len(p.ids)))
	p.docs = append(p.docs, docOf(t, rec.Author, rec.Handle, rec.Preview, rec.CustomerID)...)
	p.end = append(p.end, int32(len(p.docs)))
	if len(p.idEnd) == loadPage {
		ld.flush()
	}
}

// flush hands the page over (or files it at once, with no filer).
func (ld *loader) flush() {
	p := ld.page
	if len(p.idEnd) == 0 {
		return
	}
	n := len(p.idEnd)
	p.first = rowID(len(ld.t.rows) - n)
	p.rows = ld.t.rows[p.first:len(ld.t.rows):len(ld.t.rows)]
	if ld.jobs == nil {
		ld.file(p)
		return
	}
	ld.wg.Add(1)
	ld.jobs <- p
	select {
	case ld.page = <-ld.free:
	default:
		ld.page = &loadJob{}
	}
}

// file gives the rows of page p their ids and files them by id, with one
// map write and no lookup (ready drops the rows of an id filed twice but
// the last), and their strings. It empties p.
func (ld *loader) file(p *loadJob) {
	t := ld.t
	all := string(p.ids)
	from, dfrom := int32(0), int32(0)
	for i, end := range p.idEnd {
		id := p.first + rowID(i)
		sid := all[from:end]
		p.rows[i].id = sid
		t.byID[sid] = id
		t.strs.put(id, p.docs[dfrom:p.end[i]], 0)
		from, dfrom = end, p.end[i]
	}
	p.rows, p.ids, p.docs, p.idEnd, p.end = nil, p.ids[:0], p.docs[:0], p.idEnd[:0], p.end[:0]
}

// stop files what is left and ends the filer; once done, the table is
// this goroutine's alone again.
func (ld *loader) stop() {
	if ld.t != nil && ld.page != nil {
		ld.flush()
	}
	if ld.jobs != nil {
		close(ld.jobs)
		<-ld.done
		ld.jobs = nil
	}
}

// rowOf is the row of a summary record, as table.set makes it of a
// summary (the same fields, from bytes), without its id. The reach rank,
// the active flag and the SLA key are kept per name code: one lookup a
// row, not a conversion.
func (ld *loader) rowOf(s *store.SummaryRecord) row {
	n := ld.t.names
	status, reach, sla := n.internBytes(s.Status), n.internBytes(s.Reach), n.internBytes(s.SLA)
	if need := len(n.list); len(ld.rank) < need {
		for c := len(ld.rank); c < need; c++ {
			name := n.list[c]
			ld.rank = append(ld.rank, reachRank(model.Reach(name)))
			ld.active = append(ld.active, model.Status(name).Active())
			ld.sla = append(ld.sla, uint8(slaCode(model.SLAState(name))))
		}
	}
	return row{
		created: s.Created, last: s.LastMessageAt, waiting: s.WaitingSince,
		version: s.Version, msgs: int32(min(s.MessageCount, 1<<31-1)), due: s.Due, sla: sla,
		assignee: n.internBytes(s.Assignee), channel: n.internBytes(s.Channel),
		status: status, reach: reach,
		priority: int8(max(min(s.Priority, 127), -128)), rank: ld.rank[reach],
		active: ld.active[status], present: true,
		category: n.internBytes(s.Category), urgency: n.internBytes(s.Urgency), sentiment: n.internBytes(s.Sentiment),
		lang: n.internBytes(s.Lang), source: n.internBytes(s.TriageSource), score: int8(max(min(s.Score, 127), -128)),
		troll: s.Troll, spam: s.Spam, irrelevant: s.Irrelevant, public: s.Public, slaKey: ld.sla[sla],
		// Asleep as table.set has it; the Core schedules the wake-ups of
		// the rows loaded asleep once the table is made (snooze.go).
		snooze: s.Snoozed, asleep: ld.active[status] && s.Snoozed > ld.now,
	}
}

// internBytes is intern for a name in a record's bytes: no string unless
// it is new.
func (n *names) internBytes(b []byte) uint16 {
	if len(b) == 0 {
		return 0
	}
	if c, ok := n.code[string(b)]; ok {
		return c
	}
	return n.intern(string(b))
}

// docOf is the document of a row's strings, in the table's scratch buffer.
func docOf[S ~string | ~[]byte](t *table, author, handle, preview, customer S) []byte {
	b := t.scratch[:0]
	b = binary.AppendUvarint(b, uint64(len(author)))
	b = binary.AppendUvarint(b, uint64(len(handle)))
	b = binary.AppendUvarint(b, uint64(len(preview)))
	b = append(b, author...)
	b = append(b, handle...)
	b = append(b, preview...)
	b = append(b, customer...)
	t.scratch = b
	return b
}
