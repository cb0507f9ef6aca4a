package hub

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	bolt "go.etcd.io/bbolt"
)

// MigrateStats is what MigrateToJS did.
type MigrateStats struct {
	Events, Skipped uint64 // published now; in the stream from an earlier run
	Answers, Jobs   int    // ledger answers and delivery jobs written now
	Took            time.Duration
}

const hdrMig = "Sb-Mig" // the bbolt seq a migrated event had

// MigrateToJS copies a stopped hub's bbolt log into an empty stream: every
// event at the same seq (each expects the stream's last seq to be the one
// before it, so nothing else can interleave), the op ledger (answers with
// events; answers that changed nothing while their window lasts) and the
// delivery jobs. It is idempotent: a second run finds the events of the
// first (their Sb-Mig headers) and goes on after them, and writes answers
// and jobs only where the buckets have none. A compacted log (horizon
// above 0) cannot be copied event by event and is refused.
func MigrateToJS(src *BoltLog, dst *JSLog, progress func(done, total uint64)) (MigrateStats, error) {
	start := time.Now()
	var st MigrateStats
	if h := src.Horizon(); h > 0 {
		return st, fmt.Errorf("hub: migrate: the log was compacted (events up to %d are gone); the stream needs every event", h)
	}
	ctx, cancel := context.WithTimeout(dst.ctx, 24*time.Hour)
	defer cancel()
	info, err := dst.stream.Info(ctx)
	if err != nil {
		return st, fmt.Errorf("hub: migrate: %w", err)
	}
	last, head := info.State.LastSeq, src.Head()
	if last > 0 {
		m, err := dst.stream.GetMsg(ctx, last)
		if err != nil {
			return st, fmt.Errorf("hub: migrate: read stream event %d: %w", last, err)
		}
		if m.Header.Get(hdrMig) != strconv.FormatUint(last, 10) {
			return st, fmt.Errorf("hub: migrate: stream %s already holds %d events that are not this log's: migrate into an empty stream", dst.cfg.Stream, last)
		}
		if last > head {
			return st, fmt.Errorf("hub: migrate: stream %s holds %d migrated events, the log only %d: not this log", dst.cfg.Stream, last, head)
		}
	}
	st.Skipped = last
	for after := last; after < head; {
		evs, err := src.Read(after, 512)
		if err != nil {
			return st, fmt.Errorf("hub: migrate: read log after %d: %w", after, err)
		}
		if len(evs) == 0 {
			break
		}
		futures := make([]jetstream.PubAckFuture, 0, len(evs))
		for _, ev := range evs {
			seq := ev.Seq
			ev.Seq = 0
			raw, err := json.Marshal(jsEnvelope{Ev: ev})
			if err != nil {
				return st, err
			}
			msg := &nats.Msg{Subject: dst.subject(ev), Data: raw, Header: nats.Header{}}
			msg.Header.Set(hdrMig, strconv.FormatUint(seq, 10))
			msg.Header.Set(hdrHub, "migrate")
			f, err := dst.js.PublishMsgAsync(msg, jetstream.WithMsgID("mig:"+strconv.FormatUint(seq, 10)),
				jetstream.WithExpectLastSequence(seq-1))
			if err != nil {
				return st, fmt.Errorf("hub: migrate: publish event %d: %w", seq, err)
			}
			futures = append(futures, f)
		}
		for i, f := range futures {
			select {
			case ack := <-f.Ok():
				if ack.Sequence != evs[i].Seq {
					return st, fmt.Errorf("hub: migrate: event %d stored as %d", evs[i].Seq, ack.Sequence)
				}
				if !ack.Duplicate {
					st.Events++
				} else {
					st.Skipped++
				}
			case err := <-f.Err():
				return st, fmt.Errorf("hub: migrate: publish event %d: %w (run it again to go on)", evs[i].Seq, err)
			case <-time.After(dst.cfg.Timeout):
				return st, fmt.Errorf("hub: migrate: no answer for event %d (run it again to go on)", evs[i].Seq)
			}
		}
		after = evs[len(evs)-1].Seq
		if progress != nil {
			progress(after, head)
		}
	}
	// The ledger: key = 2-byte length, op id, agent.
	now := time.Now()
	type answer struct {
		agent string
		e     ledgerEntry
	}
	var answers []answer
	err = src.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLedger)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if len(k) < 2 {
				return nil
			}
			n := int(binary.BigEndian.Uint16(k))
			if len(k) < 2+n {
				return nil
			}
			var e ledgerEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("ledger entry: %w", err)
			}
			if !e.Expires.IsZero() && !now.Before(e.Expires) {
				return nil
			}
			answers = append(answers, answer{string(k[2+n:]), e})
			return nil
		})
	})
	if err != nil {
		return st, fmt.Errorf("hub: migrate: %w", err)
	}
	for _, a := range answers {
		raw, err := json.Marshal(a.e.OpAnswer)
		if err != nil {
			return st, err
		}
		kv := dst.ops
		if !a.e.Expires.IsZero() {
			kv = dst.recent
		}
		if _, err := kv.Create(ctx, opKey(a.agent, a.e.OpID), raw); err == nil {
			st.Answers++
		} else if !errors.Is(err, jetstream.ErrKeyExists) {
			return st, fmt.Errorf("hub: migrate: op %s of %s: %w", a.e.OpID, a.agent, err)
		}
	}
	jobs, err := src.Jobs(JobPending, JobSending, JobDone, JobFailed, JobManual)
	if err != nil {
		return st, fmt.Errorf("hub: migrate: jobs: %w", err)
	}
	for _, j := range jobs {
		if _, err := dst.putJobRec(ctx, jsJobRec{Job: j}, jobCreate); err == nil {
			st.Jobs++
		} else if !errors.Is(err, ErrJobTaken) {
			return st, fmt.Errorf("hub: migrate: job %s: %w", j.ID, err)
		}
	}
	if err := dst.waitApplied(head); err != nil {
		return st, fmt.Errorf("hub: migrate: %w", err)
	}
	st.Took = time.Since(start)
	return st, nil
}
