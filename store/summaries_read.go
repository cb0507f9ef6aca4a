package store

import (
	"fmt"
	"runtime"
	"sync"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
)

// SummaryPage is how many summaries ReadSummaries hands over at once.
const SummaryPage = 4096

// ReadSummaries is the start-up read of the queue: every cached case's
// summary, in id order, handed to fn page by page (at most SummaryPage
// each) on the caller's goroutine, with total the number of cases, while
// the following pages are decoded on the other cores. It reads the
// summaries bucket in one cursor pass and never holds more than a few
// pages of decoded summaries: a page is the caller's only until fn
// returns (keep what it needs, not the slice). An error of fn ends the
// read and is returned.
func (s *Store) ReadSummaries(fn func(page []model.Summary, total int) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		type rec struct{ k, v []byte }
		var recs []rec // the mapped records, valid while tx is open
		cur := tx.Bucket(bucketSummaries).Cursor()
		for k, v := cur.First(); k != nil; k, v = cur.Next() {
			recs = append(recs, rec{k, v})
		}
		npages := (len(recs) + SummaryPage - 1) / SummaryPage
		if npages == 0 {
			return nil
		}
		type page struct {
			sums []model.Summary
			err  error
			done chan struct{}
		}
		pages := make([]*page, npages)
		for i := range pages {
			pages[i] = &page{done: make(chan struct{})}
		}
		workers := min(runtime.GOMAXPROCS(0), npages)
		// ahead bounds the pages decoded and not yet handed over; their
		// buffers are used again (spare), so the read leaves no garbage
		// but the strings the caller does not keep.
		ahead := make(chan struct{}, 2*workers)
		spare := make(chan []model.Summary, 2*workers+1)
		stop := make(chan struct{})
		var next int
		var mu sync.Mutex
		var wg sync.WaitGroup
		decode := func() {
			defer wg.Done()
			for {
				select {
				case ahead <- struct{}{}:
				case <-stop:
					return
				}
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= npages {
					return
				}
				p := pages[i]
				part := recs[i*SummaryPage : min((i+1)*SummaryPage, len(recs))]
				var buf []model.Summary
				select {
				case buf = <-spare:
				default:
					buf = make([]model.Summary, SummaryPage)
				}
				p.sums = buf[:len(part)]
				for j, r := range part {
					sum, err := decodeSummary(r.v)
					if err != nil {
						p.err = fmt.Errorf("store: summary %s: %w", r.k, err)
						break
					}
					p.sums[j] = sum
				}
				close(p.done)
			}
		}
		wg.Add(workers)
		for range workers {
			go decode()
		}
		var err error
		for _, p := range pages {
			<-p.done
			if err = p.err; err == nil {
				err = fn(p.sums, len(recs))
			}
			if p.sums != nil {
				clear(p.sums)
				select {
				case spare <- p.sums[:SummaryPage]:
				default:
				}
			}
			p.sums = nil
			<-ahead
			if err != nil {
				break
			}
		}
		close(stop)
		wg.Wait()
		return err
	})
}
