package store

import bolt "go.etcd.io/bbolt"

// AckedMany drops many ops the hub has applied, in one transaction (the
// acks of a batch of ops arrive together). Unknown ids (answered before)
// are not an error.
func (s *Store) AckedMany(opIDs []string) error {
	return s.outboxUpdate(func(tx *bolt.Tx) error {
		for _, id := range opIDs {
			if _, err := removeOp(tx, id); err != nil {
				return err
			}
		}
		return nil
	})
}
