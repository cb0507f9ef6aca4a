package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
)

// ReadSummaryRecords is the start-up read of the queue: every cached
// case's summary, in id order, decoded in place (SummaryRecord) and handed
// to fn one at a time, with total the number of cases. It reads the
// summaries bucket in one cursor pass of one read transaction and
// allocates nothing per case: a record's byte slices point into the cache
// file's mapping and are the caller's only until fn returns (copy what it
// keeps). An error of fn ends the read and is returned.
//
// The console files its rows straight from the records: a model.Summary
// in between cost a string and three time.Time conversions a case, and a
// copy of every field (about a third of a 100k-case start-up).
func (s *Store) ReadSummaryRecords(fn func(rec *SummaryRecord, total int) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSummaries)
		total := b.Stats().KeyN
		var rec SummaryRecord
		cur := b.Cursor()
		for k, v := cur.First(); k != nil; k, v = cur.Next() {
			if err := decodeRecord(v, &rec); err != nil {
				return fmt.Errorf("store: summary %s: %w", k, err)
			}
			if err := fn(&rec, total); err != nil {
				return err
			}
		}
		return nil
	})
}

// SummaryPage is how many summaries ReadSummaries hands over at once.
const SummaryPage = 4096

// ReadSummaries is the start-up read of the queue: every cached case's
// summary, in id order, handed to fn page by page (at most SummaryPage
// each), with total the number of cases. It reads the summaries bucket in
// one cursor pass and decodes into one page buffer used again, so that a
// big cache is read without a slice of all its summaries (100 MB at 300k
// cases): a page is the caller's only until fn returns (keep what it
// needs, not the slice). An error of fn ends the read and is returned.
//
// Decoding on another core while fn files the previous page was measured
// (100k cases, 2 cores): more CPU in all (the collector runs through the
// whole read, with write barriers on both sides) and no shorter a read, so
// it decodes on the caller's goroutine.
func (s *Store) ReadSummaries(fn func(page []model.Summary, total int) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSummaries)
		total := b.Stats().KeyN
		page := make([]model.Summary, 0, min(SummaryPage, total))
		cur := b.Cursor()
		for k, v := cur.First(); k != nil; k, v = cur.Next() {
			sum, err := decodeSummary(v)
			if err != nil {
				return fmt.Errorf("store: summary %s: %w", k, err)
			}
			page = append(page, sum)
			if len(page) == SummaryPage {
				if err := fn(page, total); err != nil {
					return err
				}
				clear(page)
				page = page[:0]
			}
		}
		if len(page) > 0 {
			return fn(page, total)
		}
		return nil
	})
}
