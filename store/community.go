package store

import (
	"encoding/json"
	"sort"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
)

// The community buckets: the expert directory (expert.upserted) and the
// items of listen-only sources (listen.item), kept so that the console
// suggests experts and shows the listening view offline too. They are
// made when their first event arrives.
var (
	bucketExperts = []byte("experts") // identity key → model.Expert
	bucketListen  = []byte("listen")  // listened item id → model.ListenItem
)

// putCommunity stores an expert.upserted or listen.item event's entity.
func putCommunity(tx *bolt.Tx, ev model.Event) error {
	var bucket, key []byte
	var v any
	switch {
	case ev.Type == model.EventExpertUpserted && ev.Expert != nil && ev.Expert.Key != "":
		bucket, key, v = bucketExperts, []byte(ev.Expert.Key), ev.Expert
	case ev.Type == model.EventListenItem && ev.Listen != nil && ev.Listen.ID != "":
		bucket, key, v = bucketListen, []byte(ev.Listen.ID), ev.Listen
	default:
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b, err := tx.CreateBucketIfNotExists(bucket)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}

// Experts returns the cached expert directory (removed entries left out),
// by key.
func (s *Store) Experts() ([]model.Expert, error) {
	var out []model.Expert
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketExperts)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var e model.Expert
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if !e.Removed {
				out = append(out, e)
			}
			return nil
		})
	})
	return out, err
}

// ListenItems returns the cached items of listen-only sources, newest
// first.
func (s *Store) ListenItems() ([]model.ListenItem, error) {
	var out []model.ListenItem
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketListen)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var it model.ListenItem
			if err := json.Unmarshal(v, &it); err != nil {
				return err
			}
			out = append(out, it)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	return out, err
}
