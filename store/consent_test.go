package store_test

import (
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
)

// A cache that an older hub filled with every customer's vouchers loses
// those of customers without marketing consent when this build opens it;
// an event from such a hub is stored without them too.
func TestCacheDropsMarketingDataWithoutConsent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "console.db")
	s := openAt(t, path)
	s.Close()

	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	put := func(tx *bolt.Tx, c model.Customer) error {
		raw, _ := json.Marshal(c)
		return tx.Bucket([]byte("customers")).Put([]byte(c.ID), raw)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := put(tx, model.Customer{ID: "C-1", Name: "No Consent", Vouchers: []model.Voucher{{Code: "V1"}}}); err != nil {
			return err
		}
		if err := put(tx, model.Customer{ID: "C-2", Name: "Consent", Consent: model.Consent{Marketing: true},
			Vouchers: []model.Voucher{{Code: "V2"}}}); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), binary.BigEndian.AppendUint64(nil, 3))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path)
	defer s.Close()
	apply(t, s, model.Event{Seq: 1, Type: model.EventCustomerUpserted,
		Customer: &model.Customer{ID: "C-3", Name: "From an old hub", Vouchers: []model.Voucher{{Code: "V3"}}}})
	for id, want := range map[string]int{"C-1": 0, "C-2": 1, "C-3": 0} {
		c, _, err := s.Customer(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Vouchers) != want {
			t.Errorf("%s: %d vouchers cached, want %d", id, len(c.Vouchers), want)
		}
	}
}
