package app

import (
	"fmt"
	"slices"
	"testing"

	"switchboard/model"
)

// QueuedCases names the cases of the outbox's ops, each once, looked up by
// id: what the banner and the outbox panel show on every change offline.
func TestQueuedCasesNamesTheOutboxCases(t *testing.T) {
	dir := t.TempDir()
	cases := genCache(t, dir, 200, 3)
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetUndoWindow(0)
	ids := []string{cases[7].ID, cases[150].ID, cases[7].ID, cases[42].ID}
	for i, id := range ids {
		if _, err := c.Do(model.Op{Kind: model.OpNote, CaseID: id, Text: fmt.Sprint("note ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	q, named, err := c.QueuedCases()
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != len(ids) {
		t.Fatalf("%d ops listed, %d queued", len(q), len(ids))
	}
	for i, op := range q {
		if op.Op.CaseID != ids[i] || op.Op.Text != fmt.Sprint("note ", i) {
			t.Errorf("op %d: %+v", i, op.Op)
		}
	}
	if len(named) != 3 {
		t.Errorf("%d cases named, want the 3 of the outbox", len(named))
	}
	for _, cs := range []*model.Case{cases[7], cases[42], cases[150]} {
		s, ok := named[cs.ID]
		if !ok || s.ID != cs.ID || s.Author != cs.Author.DisplayName {
			t.Errorf("case %s named %+v %v, want author %q", cs.ID, s, ok, cs.Author.DisplayName)
		}
	}
}

// BenchmarkOutboxCases: what one banner / outbox update costs with 50
// queued actions in a big cache, by id (QueuedCases) and as it was (every
// cached case listed, each checked against the outbox).
func BenchmarkOutboxCases(b *testing.B) {
	const n, queued = 20000, 50
	dir := b.TempDir()
	cases := genCache(b, dir, n, 5)
	c, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	c.SetUndoWindow(0)
	for i := range queued {
		if _, err := c.Do(model.Op{Kind: model.OpNote, CaseID: cases[i*(n/queued)].ID, Text: "note"}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("by_id", func(b *testing.B) {
		for b.Loop() {
			if _, named, _ := c.QueuedCases(); len(named) != queued {
				b.Fatal(len(named))
			}
		}
	})
	b.Run("every_case", func(b *testing.B) {
		for b.Loop() {
			q, _ := c.Queued()
			named := map[string]model.Summary{}
			for _, s := range c.Queue(Filter{}) {
				if slices.ContainsFunc(q, func(o QueuedOp) bool { return o.Op.CaseID == s.ID }) {
					named[s.ID] = s
				}
			}
			if len(named) != queued {
				b.Fatal(len(named))
			}
		}
	})
}
