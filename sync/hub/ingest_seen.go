package hub

import (
	"hash/maphash"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// The seen filter. Every inbound message's platform id is looked up in the
// seen index before it is stored, and almost every lookup misses (a
// platform resends a message rarely). A miss in bbolt is a read
// transaction and a descent through a big bucket; the seen filter answers
// most of them from memory: a Bloom filter (blocked: one 64-bit word per
// key, three bits in it) of every key in the seen index, built once in the
// background when the log is first asked (after the hub's start), then
// kept with every key the log queues.
// "Not in the filter" is "not seen"; "in it" (a key seen, or about one
// lookup in a hundred that is not) is looked up as before. Until it is
// built every lookup goes to the index. It holds 16 bits for each of half
// as many events again as the log held when it was built, at most 2^23
// (more than the keys: 2.4 MB for the 805,000 events and 400,000 keys of
// 100,000 cases); past that it answers "in it" more often, never wrongly.

// seenFilter is the filter; its words are read without a lock and set
// under the commit queue's lock.
type seenFilter struct {
	words []atomic.Uint64
}

// seenSeed keys the filter's hash: the filter lives in one process.
var seenSeed = maphash.MakeSeed()

func seenHash(key string) uint64 { return maphash.String(seenSeed, key) }

// newSeenFilter is a filter for about n keys (16 bits a key).
func newSeenFilter(n int) *seenFilter {
	return &seenFilter{words: make([]atomic.Uint64, max(n/4, 1024))}
}

// at is a hash's word and its three bits.
func (f *seenFilter) at(h uint64) (*atomic.Uint64, uint64) {
	w := &f.words[(uint64(uint32(h>>32))*uint64(len(f.words)))>>32]
	return w, 1<<(h&63) | 1<<((h>>6)&63) | 1<<((h>>12)&63)
}

func (f *seenFilter) add(h uint64) {
	w, bits := f.at(h)
	w.Or(bits)
}

func (f *seenFilter) mayHave(h uint64) bool {
	w, bits := f.at(h)
	return w.Load()&bits == bits
}

// noteSeenLocked records a key the log queues in the seen index: in the
// filter, or, while the filter is being built, for it. The caller holds
// q.mu.
func (q *commitQueue) noteSeenLocked(key string) {
	if q.seenOff {
		return
	}
	h := seenHash(key)
	if f := q.seenF.Load(); f != nil {
		f.add(h)
		return
	}
	q.seenAdds = append(q.seenAdds, h)
}

// seenMiss reports whether the filter knows that key is not in the seen
// index (nor queued for it).
func (q *commitQueue) seenMiss(key string) bool {
	f := q.seenF.Load()
	return f != nil && !f.mayHave(seenHash(key))
}

// startSeenFilter builds the filter in the background (once, see
// BoltLog.seenStart).
func (l *BoltLog) startSeenFilter() {
	l.seenBuilt = make(chan struct{})
	go func() {
		defer close(l.seenBuilt)
		l.buildSeenFilter()
	}()
}

// seenDropEvery is how many keys of the seen index the filter's build
// reads between two dropMapped.
const seenDropEvery = 1 << 16

// seenSizeMax bounds the keys the filter is sized for (24 MB); a bigger
// index answers "in it" more often, never wrongly.
const seenSizeMax = 1 << 23

// buildSeenFilter reads the seen index once and sets the filter (see "The
// seen filter"). Keys queued meanwhile were kept for it (noteSeenLocked).
func (l *BoltLog) buildSeenFilter() {
	var f *seenFilter
	err := l.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSeen)
		if b == nil {
			return nil
		}
		// Sized first, so that the keys go straight into it: for the
		// log's head, more than the index holds (every key came with an
		// event), at most seenSizeMax. (Counting the keys, Stats, walked
		// every page of the index once more: seconds and ~300 MB of
		// mapped pages at a million cases.)
		n := int(min(tx.Bucket(bucketLog).Sequence(), seenSizeMax))
		f = newSeenFilter(n + n/2 + 4096)
		read := 0
		return b.ForEach(func(k, _ []byte) error {
			f.add(maphash.Bytes(seenSeed, k))
			// The pages read need not stay mapped: let go of them as
			// the walk goes (a million cases' index is ~300 MB of
			// pages, which counted in the hub's resident memory until
			// the walk's end).
			if read++; read%seenDropEvery == 0 {
				dropMapped(l.db.Path())
			}
			return nil
		})
	})
	// The keys of the index read: their pages need not stay mapped.
	dropMapped(l.db.Path())
	q := &l.q
	q.mu.Lock()
	defer q.mu.Unlock()
	if err != nil || f == nil {
		q.seenAdds = nil
		q.seenOff = true // no filter: every lookup goes to the index
		return
	}
	for _, h := range q.seenAdds {
		f.add(h)
	}
	q.seenAdds = nil
	q.seenF.Store(f)
}
