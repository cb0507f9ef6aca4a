package store_test

import (
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
)

// A case update moves the by_customer index without decoding the case it
// overwrites: the old customer comes from the compact summary. The stored
// full case is made unreadable to prove it is not read (the old code
// decoded it, failed, and left the case filed under its old customer).
func TestCaseUpdateDoesNotDecodeThePreviousCase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "console.db")
	s := openAt(t, path)
	apply(t, s, custEv(1, "C-1", "Anna"), custEv(2, "C-2", "Ben"), caseEv(3, "case-a", "C-1", model.StatusNew, 1))
	s.Close()

	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("cases")).Put([]byte("case-a"), []byte("{not json"))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s = openAt(t, path)
	defer s.Close()
	res := apply(t, s, caseEv(4, "case-a", "C-2", model.StatusOpen, 1))
	if len(res.Cases) != 1 || res.Cases[0].CustomerID != "C-2" || res.Cases[0].Status != model.StatusOpen {
		t.Errorf("applied summaries = %+v", res.Cases)
	}
	_, c1, err := s.Customer("C-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(c1) != 0 {
		t.Errorf("C-1 still lists %v after case-a moved to C-2", summaryIDs(c1))
	}
	_, c2, _ := s.Customer("C-2")
	if got := summaryIDs(c2); !slices.Equal(got, []string{"case-a"}) {
		t.Errorf("C-2 cases = %v, want case-a", got)
	}
	if c, err := s.CaseRecord("case-a"); err != nil || c.CustomerID != "C-2" {
		t.Errorf("case-a = %+v, %v", c, err)
	}
}

// A page's Applied carries the summaries it wrote, also for a case written
// twice in the page (the last version) and for a case whose thread alone
// changed (read back).
func TestAppliedSummariesOfAPage(t *testing.T) {
	s, _ := openTemp(t)
	apply(t, s, caseEv(1, "case-a", "", model.StatusNew, 0), caseEv(2, "case-b", "", model.StatusNew, 0))
	up := msgEv(5, "m-1", "case-b", "hello")
	up.Type = model.EventMessageUpdated
	up.Message.Seq = 3
	res := apply(t, s, caseEv(3, "case-a", "", model.StatusOpen, 1), caseEv(4, "case-a", "", model.StatusPending, 1))
	if len(res.Cases) != 1 || res.Cases[0].Status != model.StatusPending {
		t.Errorf("summaries = %+v, want case-a pending", res.Cases)
	}
	res = apply(t, s, up)
	if len(res.Cases) != 1 || res.Cases[0].ID != "case-b" || res.Cases[0].Status != model.StatusNew {
		t.Errorf("summaries after a message update = %+v, want case-b", res.Cases)
	}
}
