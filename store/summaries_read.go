package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
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
