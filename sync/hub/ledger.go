package hub

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
)

// The op ledger: the hub's first answer to every op, so that a repeat gets
// it again (docs/protocol.md, "op"). An op id is scoped to the agent that
// sent it: another agent's op with the same id is a different op.
//
// An answer whose op appended events is kept for good: the log grew with
// it, so a peer cannot make the ledger grow faster than the log. An answer
// that appended nothing (a reject, an ack that changed nothing) is kept for
// OpWindow, and for at most OpAnswersPerAgent of them per agent, the oldest
// going first: a flood of junk ops costs the hub a bounded amount. An op
// naming a case the hub does not have is not recorded at all (ApplyOp): it
// changed nothing and its answer is the same every time it is asked.

// OpWindow is how long the hub recognises a repeat of an op whose first
// answer changed nothing; after it the op is looked at afresh.
const OpWindow = 24 * time.Hour

// OpAnswersPerAgent caps the answers that changed nothing kept per agent.
const OpAnswersPerAgent = 1000

var (
	// bucketOps is the ledger before answers were scoped to agents: op
	// id → OpAnswer. It is only read (whoever asks, since it does not say
	// which agent an answer was for); migrateLedger drops its junk.
	bucketOps = []byte("ops")
	// bucketLedger: ledgerKey(op id, agent) → ledgerEntry.
	bucketLedger = []byte("op_ledger")
	// bucketLedgerRecent holds one bucket per agent of the answers that
	// expire, oldest first: 8-byte big-endian insertion number, op id →
	// 8-byte expiry (Unix ns); and per agent a count of them.
	bucketLedgerRecent = []byte("op_ledger_recent")
	keyLedgerMigrated  = []byte("op_ledger_migrated")
)

// ledgerEntry is an answer as the ledger keeps it.
type ledgerEntry struct {
	OpAnswer
	Expires time.Time `json:"expires,omitzero"` // zero: kept for good
	// Recent is its key in the agent's bucket of expiring answers.
	Recent []byte `json:"recent,omitempty"`
}

// ledgerKey sorts an op id's answers together, whoever's: 2-byte length,
// op id, agent.
func ledgerKey(opID, agent string) []byte {
	k := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(opID)+len(agent)), uint16(len(opID)))
	return append(append(k, opID...), agent...)
}

// recentBucket names an agent's bucket of expiring answers (never empty).
func recentBucket(agent string) []byte { return append([]byte("agent:"), agent...) }

// recentCount keys an agent's count of expiring answers.
func recentCount(agent string) []byte { return append([]byte("count:"), agent...) }

// opCap is the per-agent cap on expiring answers.
func (l *BoltLog) opCap() int {
	if l.opAnswersPerAgent > 0 {
		return l.opAnswersPerAgent
	}
	return OpAnswersPerAgent
}

// lookupOpTx finds an agent's answer to opID kept at now; answers of the
// ledger before agents (bucketOps) are found for any agent.
func lookupOpTx(tx *bolt.Tx, agent, opID string, now time.Time) (OpAnswer, bool, error) {
	if b := tx.Bucket(bucketLedger); b != nil {
		if raw := b.Get(ledgerKey(opID, agent)); raw != nil {
			var e ledgerEntry
			if err := json.Unmarshal(raw, &e); err != nil {
				return OpAnswer{}, false, fmt.Errorf("hub: decode answer of op %s: %w", opID, err)
			}
			if !e.Expires.IsZero() && !now.Before(e.Expires) {
				return OpAnswer{}, false, nil
			}
			return e.OpAnswer, true, nil
		}
	}
	if b := tx.Bucket(bucketOps); b != nil {
		if raw := b.Get([]byte(opID)); raw != nil {
			var a OpAnswer
			if err := json.Unmarshal(raw, &a); err != nil {
				return OpAnswer{}, false, fmt.Errorf("hub: decode answer of op %s: %w", opID, err)
			}
			// An old answer that changed nothing follows the same window.
			if a.Seq == 0 && !now.Before(a.At.Add(OpWindow)) {
				return OpAnswer{}, false, nil
			}
			return a, true, nil
		}
	}
	return OpAnswer{}, false, nil
}

// putOpTx records an agent's answer; expiring answers are kept to the
// window and the cap, pruning the agent's oldest.
func putOpTx(tx *bolt.Tx, agent string, a OpAnswer, expiring bool, limit int) error {
	ledger, err := tx.CreateBucketIfNotExists(bucketLedger)
	if err != nil {
		return err
	}
	key := ledgerKey(a.OpID, agent)
	recent, err := tx.CreateBucketIfNotExists(bucketLedgerRecent)
	if err != nil {
		return err
	}
	rb, err := recent.CreateBucketIfNotExists(recentBucket(agent))
	if err != nil {
		return err
	}
	var n uint64
	if raw := recent.Get(recentCount(agent)); len(raw) == 8 {
		n = binary.BigEndian.Uint64(raw)
	}
	// An expired answer of the same op is replaced: drop its index entry.
	if raw := ledger.Get(key); raw != nil {
		var old ledgerEntry
		if err := json.Unmarshal(raw, &old); err == nil && old.Seq == 0 && len(old.Recent) > 0 && rb.Get(old.Recent) != nil {
			if err := rb.Delete(old.Recent); err != nil {
				return err
			}
			n--
		}
	}
	e := ledgerEntry{OpAnswer: a}
	if expiring {
		seq, err := rb.NextSequence()
		if err != nil {
			return err
		}
		e.Expires = a.At.Add(OpWindow)
		e.Recent = append(binary.BigEndian.AppendUint64(nil, seq), a.OpID...)
		if err := rb.Put(e.Recent, binary.BigEndian.AppendUint64(nil, uint64(e.Expires.UnixNano()))); err != nil {
			return err
		}
		n++
	}
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := ledger.Put(key, raw); err != nil {
		return err
	}
	// Drop what is over the cap, and expired answers: each write of an
	// agent prunes its own, so the ledger stays within its bound without
	// a sweeper.
	c := rb.Cursor()
	for k, v := c.First(); k != nil; k, v = c.First() {
		expired := len(v) == 8 && !a.At.Before(time.Unix(0, int64(binary.BigEndian.Uint64(v))))
		if n <= uint64(limit) && !expired {
			break
		}
		if err := ledger.Delete(ledgerKey(string(k[8:]), agent)); err != nil {
			return err
		}
		if err := rb.Delete(k); err != nil {
			return err
		}
		n--
	}
	return recent.Put(recentCount(agent), binary.BigEndian.AppendUint64(nil, n))
}

// migrateLedger drops, once, the answers of the old ledger that a peer
// could pile up: rejects of ops naming no case (the hub no longer stores
// them). Its other answers stay readable where they are.
func (l *BoltLog) migrateLedger() error {
	for {
		more := false
		err := l.db.Update(func(tx *bolt.Tx) error {
			meta := tx.Bucket(bucketMeta)
			if meta.Get(keyLedgerMigrated) != nil {
				return nil
			}
			if _, err := tx.CreateBucketIfNotExists(bucketLedger); err != nil {
				return err
			}
			if _, err := tx.CreateBucketIfNotExists(bucketLedgerRecent); err != nil {
				return err
			}
			old := tx.Bucket(bucketOps)
			var junk [][]byte
			if old != nil {
				c := old.Cursor()
				for k, v := c.First(); k != nil; k, v = c.Next() {
					var a OpAnswer
					if json.Unmarshal(v, &a) == nil && a.Reject != nil && a.Reject.Code == model.RejectUnknownCase && a.Current == nil {
						if junk = append(junk, k); len(junk) == 10_000 {
							more = true
							break
						}
					}
				}
			}
			for _, k := range junk {
				if err := old.Delete(k); err != nil {
					return err
				}
			}
			if more {
				return nil
			}
			return meta.Put(keyLedgerMigrated, []byte{1})
		})
		if err != nil {
			return fmt.Errorf("hub: migrate op ledger: %w", err)
		}
		if !more {
			return nil
		}
	}
}

// FindOp returns an op id's recorded answer for any agent (the first
// found), for tools and tests that know the op but not who sent it.
func (l *BoltLog) FindOp(opID string) (OpAnswer, bool, error) {
	var a OpAnswer
	var found bool
	err := l.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketLedger); b != nil {
			prefix := ledgerKey(opID, "")
			if k, v := b.Cursor().Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix) {
				var e ledgerEntry
				found = true
				err := json.Unmarshal(v, &e)
				a = e.OpAnswer
				return err
			}
		}
		if b := tx.Bucket(bucketOps); b != nil {
			if raw := b.Get([]byte(opID)); raw != nil {
				found = true
				return json.Unmarshal(raw, &a)
			}
		}
		return nil
	})
	return a, found, err
}
