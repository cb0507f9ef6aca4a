package store_test

import (
	"bytes"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
	"switchboard/store"
)

// Snapshot entities are written as the hub sent them: the case's and the
// message's JSON byte for byte (a field this build does not know stays),
// the case decoded once for its summary; a customer keeps only what an
// agent may see; an event of another kind (an expert) is applied as an
// event. Cases are read back as usual.
func TestSnapshotEntitiesAreStoredAsSent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "console.db")
	s := openAt(t, path)
	caseJSON := []byte(`{"id":"case-a","channel":"twitter","subject":"my bag","author":{"platform":"twitter","handle":"@kim"},"status":"open","priority":1,"customer_id":"C-1","created":"2026-03-01T09:00:00Z","message_count":1,"version":4,"x_newer_hub":{"kept":true}}`)
	msgJSON := []byte(`{"id":"m-1","case_id":"case-a","direction":"in","text":"where is it?","time":"2026-03-01T09:00:00Z"}`)
	ents := []store.Entity{
		{Type: model.EventCustomerUpserted, ID: "C-1", JSON: []byte(`{"id":"C-1","name":"Kim","consent":{"service":true},"vouchers":[{"code":"SECRET-20"}]}`)},
		{Type: model.EventCaseUpserted, ID: "case-a", JSON: caseJSON},
		{Type: model.EventMessageAdded, Seq: 17, ID: "case-a", JSON: msgJSON},
		{Type: model.EventExpertUpserted, JSON: []byte(`{"seq":0,"type":"expert.upserted","expert":{"key":"forum:ann","name":"Ann"}}`)},
	}
	if err := s.BeginSnapshot(); err != nil {
		t.Fatal(err)
	}
	res, err := s.ApplySnapshotEntities(ents)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EndSnapshot(20); err != nil {
		t.Fatal(err)
	}
	if len(res.Cases) != 1 || res.Cases[0].ID != "case-a" || res.Cases[0].Status != model.StatusOpen || res.Cases[0].CustomerID != "C-1" ||
		len(res.Customers) != 1 || res.Customers[0] != "C-1" {
		t.Errorf("applied %+v", res)
	}
	c, msgs, err := s.Case("case-a")
	if err != nil || c.Subject != "my bag" || c.Version != 4 || len(msgs) != 1 || msgs[0].Text != "where is it?" {
		t.Errorf("case %+v, thread %+v, %v", c, msgs, err)
	}
	cust, cases, err := s.Customer("C-1")
	if err != nil || len(cust.Vouchers) != 0 || len(cases) != 1 {
		t.Errorf("customer %+v (its cases %d), %v: want no vouchers without marketing consent", cust, len(cases), err)
	}
	if ex, err := s.Experts(); err != nil || len(ex) != 1 || ex[0].Name != "Ann" {
		t.Errorf("experts %+v, %v", ex, err)
	}
	if cur := cursorOf(t, s); cur != 20 {
		t.Errorf("cursor %d", cur)
	}
	s.Close()

	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bolt.Tx) error {
		if got := tx.Bucket([]byte("cases")).Get([]byte("case-a")); !bytes.Equal(got, caseJSON) {
			t.Errorf("stored case\n%s\nwant as sent\n%s", got, caseJSON)
		}
		k := append([]byte("case-a\x00"), 0, 0, 0, 0, 0, 0, 0, 17)
		if got := tx.Bucket([]byte("messages")).Get(k); !bytes.Equal(got, msgJSON) {
			t.Errorf("stored message\n%s\nwant as sent\n%s", got, msgJSON)
		}
		return nil
	})
}

// A snapshot entity the cache could not file is refused, and the page
// with it changes nothing.
func TestSnapshotEntitiesRefused(t *testing.T) {
	for name, e := range map[string]store.Entity{
		"case not JSON":        {Type: model.EventCaseUpserted, ID: "case-a", JSON: []byte(`{"id":`)},
		"case without id":      {Type: model.EventCaseUpserted, JSON: []byte(`{"subject":"x"}`)},
		"message without seq":  {Type: model.EventMessageAdded, ID: "case-a", JSON: []byte(`{"id":"m"}`)},
		"message without case": {Type: model.EventMessageAdded, Seq: 3, JSON: []byte(`{"id":"m"}`)},
	} {
		s, _ := openTemp(t)
		ok := store.Entity{Type: model.EventCaseUpserted, ID: "case-b", JSON: []byte(`{"id":"case-b","status":"new"}`)}
		if _, err := s.ApplySnapshotEntities([]store.Entity{ok, e}); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if sums, err := s.Summaries(); err != nil || len(sums) != 0 {
			t.Errorf("%s: %d cases after a refused page (%v)", name, len(sums), err)
		}
	}
}
