package store_test

import (
	"encoding/binary"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
	"switchboard/store"
)

func lookupIDs(d model.Directory, key string) []string {
	var ids []string
	for _, c := range d.Lookup(key) {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestDirectoryFollowsCustomerChanges(t *testing.T) {
	s, _ := openTemp(t)
	ann := model.Customer{ID: "4711", Name: "Ann", Email: "Ann@Example.de",
		Handles: []model.Identity{{Platform: model.ChannelTwitter, Handle: "@Ann_X"}}}
	ann.Link(model.Identity{Platform: model.ChannelFacebook, Handle: "100", DisplayName: "Ann  Lee"}, model.Consent{Service: true})
	bob := model.Customer{ID: "4712", Name: "Bob", Email: "ann@example.de"}
	apply(t, s,
		model.Event{Seq: 1, Type: model.EventCustomerUpserted, Customer: &ann},
		model.Event{Seq: 2, Type: model.EventCustomerUpserted, Customer: &bob})
	d := s.Directory()
	for key, want := range map[string][]string{
		"handle:twitter:ann_x": {"4711"},
		"email:ann@example.de": {"4711", "4712"},
		"name:ann lee":         {"4711"},
		"email:nobody@x.de":    nil,
	} {
		if got := lookupIDs(d, key); !slices.Equal(got, want) {
			t.Errorf("Lookup(%q) = %v, want %v", key, got, want)
		}
	}
	if c, ok := d.CustomerByID("4712"); !ok || c.Name != "Bob" {
		t.Errorf("CustomerByID(4712) = %+v, %v", c, ok)
	}
	if _, ok := d.CustomerByID("9999"); ok {
		t.Error("found an unknown customer")
	}

	// A new e-mail and an ended link leave the index.
	ann.Email = "ann.lee@example.de"
	ann.Unlink("facebook:100", "tom", t0)
	apply(t, s, model.Event{Seq: 3, Type: model.EventCustomerUpserted, Customer: &ann})
	if got := lookupIDs(d, "email:ann@example.de"); !slices.Equal(got, []string{"4712"}) {
		t.Errorf("old e-mail still finds %v", got)
	}
	if got := lookupIDs(d, "name:ann lee"); got != nil {
		t.Errorf("an unlinked identity's name still finds %v", got)
	}
	if got := lookupIDs(d, "email:ann.lee@example.de"); !slices.Equal(got, []string{"4711"}) {
		t.Errorf("new e-mail finds %v", got)
	}
}

// A schema 2 cache has customers but no index: opening it builds one.
func TestMigrationBuildsCustomerIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "console.db")
	s := openAt(t, path)
	cu := model.Customer{ID: "4711", Name: "Ann", Email: "ann@example.de"}
	apply(t, s, model.Event{Seq: 1, Type: model.EventCustomerUpserted, Customer: &cu})
	s.Close()

	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("customer_keys")); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), binary.BigEndian.AppendUint64(nil, 2))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path)
	defer s.Close()
	if v, _ := s.SchemaVersion(); v != store.SchemaVersion {
		t.Errorf("schema after migration = %d", v)
	}
	if got := lookupIDs(s.Directory(), "email:ann@example.de"); !slices.Equal(got, []string{"4711"}) {
		t.Errorf("after migration Lookup = %v", got)
	}
}
