package hub

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/community"
	"switchboard/model"
)

// The expert directory's fold, kept across restarts (issue 10). Without
// it every start folds the whole log again (a Snapshot, then the tail):
// 2 s and more at 100,000 cases. Experts saves what it learned — the
// directory, the kept forum threads, the hand-offs, the away notices not
// yet logged — with the seq it has folded to, in one record of its own
// bucket of hub.db, written in one transaction. The record is a whole
// picture at that seq, never a delta: a kill before it is written leaves
// the older record, from whose seq the log is folded again, so nothing is
// lost or counted twice. A start loads the record and folds only the
// events after its seq. A missing, unreadable or stale record (a seq past
// the log's head, another version) means the whole fold, with a log line;
// never a failed start. A log without the store (the JetStream log) folds
// the whole log at every start, as before.

// bucketExpertsFold holds the one record, under expertsFoldKey.
var (
	bucketExpertsFold = []byte("experts_fold")
	expertsFoldKey    = []byte("v1")
)

// expertsFoldVersion changes whenever the record's shape or the fold's
// rules change: an older record is folded anew.
const expertsFoldVersion = 1

// expertsSaveEvery is how often Run saves the fold when it moved on (and
// once when it stops, and after the first fold of a start).
const expertsSaveEvery = 10 * time.Second

// expertsFoldStore keeps the saved fold; BoltLog has it.
type expertsFoldStore interface {
	loadExpertsFold() ([]byte, error)
	saveExpertsFold(rec []byte) error
}

func (l *BoltLog) loadExpertsFold() ([]byte, error) {
	var out []byte
	err := l.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketExpertsFold); b != nil {
			out = bytes.Clone(b.Get(expertsFoldKey))
		}
		return nil
	})
	return out, err
}

func (l *BoltLog) saveExpertsFold(rec []byte) error {
	return l.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketExpertsFold)
		if err != nil {
			return err
		}
		return b.Put(expertsFoldKey, rec)
	})
}

// savedFold is the record (gob). Its shape mirrors Experts' fields.
type savedFold struct {
	Version  int
	Cursor   uint64
	Tick     uint64
	Dir      map[string]model.Expert
	Threads  map[string]savedThread
	Handoffs map[string]savedHandoff
	SelfAway []model.Expert
}

type savedThread struct {
	Topics []string
	Text   string
	Posts  []community.Post
	Active uint64
}

type savedHandoff struct {
	H      model.Handoff
	Status model.Status
	Topic  string
}

// encodeFoldLocked is the record of the fold as it is now. x.mu is held.
func (x *Experts) encodeFoldLocked() ([]byte, error) {
	s := savedFold{Version: expertsFoldVersion, Cursor: x.cursor, Tick: x.tick, Dir: x.dir, SelfAway: x.selfAway,
		Threads: make(map[string]savedThread, len(x.threads)), Handoffs: make(map[string]savedHandoff, len(x.handoffs))}
	for id, t := range x.threads {
		s.Threads[id] = savedThread{Topics: t.topics, Text: t.text, Posts: t.posts, Active: t.active}
	}
	for id, r := range x.handoffs {
		s.Handoffs[id] = savedHandoff{H: r.h, Status: r.status, Topic: r.topic}
	}
	var buf bytes.Buffer
	buf.Write(binary.BigEndian.AppendUint32(nil, expertsFoldVersion))
	if err := gob.NewEncoder(&buf).Encode(&s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// loadFoldLocked takes the saved fold, if there is a good one, and says
// whether it did; why not goes to the log. x.mu is held.
func (x *Experts) loadFoldLocked() bool {
	st, ok := x.h.log.(expertsFoldStore)
	if !ok {
		return false
	}
	raw, err := st.loadExpertsFold()
	if err == nil && raw == nil {
		x.h.cfg.Logger.Info("experts: no saved fold in hub.db, folding the whole log")
		return false
	}
	var s savedFold
	if err == nil {
		err = decodeFold(raw, &s)
	}
	if err == nil && s.Cursor > x.h.log.Head() {
		err = fmt.Errorf("saved at seq %d, past the log's head %d", s.Cursor, x.h.log.Head())
	}
	if err == nil && s.Cursor < x.h.log.Horizon() {
		err = fmt.Errorf("saved at seq %d, before the log's horizon %d", s.Cursor, x.h.log.Horizon())
	}
	if err != nil {
		x.h.cfg.Logger.Warn("experts: saved fold unusable, folding the whole log", "err", err)
		return false
	}
	x.cursor, x.tick, x.selfAway = s.Cursor, s.Tick, s.SelfAway
	x.dir = s.Dir
	if x.dir == nil {
		x.dir = map[string]model.Expert{}
	}
	x.threads, x.handoffs, x.posts, x.evidence = make(map[string]*forumThread, len(s.Threads)), make(map[string]handoffRec, len(s.Handoffs)), 0, nil
	for id, t := range s.Threads {
		x.threads[id] = &forumThread{topics: t.Topics, text: t.Text, posts: t.Posts, active: t.Active}
		x.posts += len(t.Posts)
	}
	for id, r := range s.Handoffs {
		x.handoffs[id] = handoffRec{h: r.H, status: r.Status, topic: r.Topic}
	}
	x.saved = s.Cursor
	x.h.cfg.Logger.Info("experts: resumed the saved fold", "seq", s.Cursor, "head", x.h.log.Head(), "experts", len(x.dir), "threads", len(x.threads))
	return true
}

func decodeFold(raw []byte, s *savedFold) (err error) {
	if len(raw) < 4 {
		return errors.New("record too short")
	}
	if v := binary.BigEndian.Uint32(raw); v != expertsFoldVersion {
		return fmt.Errorf("record version %d, want %d", v, expertsFoldVersion)
	}
	defer func() { // gob panics on some malformed input
		if r := recover(); r != nil {
			err = fmt.Errorf("record: %v", r)
		}
	}()
	if err := gob.NewDecoder(bytes.NewReader(raw[4:])).Decode(s); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if s.Version != expertsFoldVersion {
		return fmt.Errorf("record version %d, want %d", s.Version, expertsFoldVersion)
	}
	return nil
}

// save writes the fold when it moved on since it was last saved (or when
// force). The record is made under x.mu, written outside it.
func (x *Experts) save(force bool) error {
	st, ok := x.h.log.(expertsFoldStore)
	if !ok {
		return nil
	}
	x.mu.Lock()
	if !x.loaded || (!force && x.cursor == x.saved) {
		x.mu.Unlock()
		return nil
	}
	rec, err := x.encodeFoldLocked()
	cur := x.cursor
	x.mu.Unlock()
	if err != nil {
		return fmt.Errorf("experts: encode fold: %w", err)
	}
	if h := x.testBeforeSave; h != nil {
		if err := h(); err != nil {
			return err
		}
	}
	if err := st.saveExpertsFold(rec); err != nil {
		return fmt.Errorf("experts: save fold: %w", err)
	}
	x.mu.Lock()
	if cur > x.saved {
		x.saved = cur
	}
	x.mu.Unlock()
	return nil
}
