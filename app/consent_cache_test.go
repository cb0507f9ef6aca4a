package app_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/model"
	"switchboard/store"
)

// Marketing data never leaves the hub without consent: a console's cache
// file holds a customer's vouchers only while the customer's marketing
// consent is on record, and a consent change reaches the cached copy.
func TestCacheHoldsNoMarketingDataWithoutConsent(t *testing.T) {
	th := startHub(t)
	upsert := func(c model.Customer) {
		t.Helper()
		if _, err := th.hub.UpsertCustomer(c); err != nil {
			t.Fatal(err)
		}
	}
	withheld := model.Customer{ID: "C-1", Name: "Sandra Oyelaran", Tier: "gold", Consent: model.Consent{Service: true},
		Vouchers: []model.Voucher{{Code: "VOUCHER-SANDRA-20", Value: 20}}}
	shared := model.Customer{ID: "C-2", Name: "Tom Berger", Tier: "silver", Consent: model.Consent{Service: true, Marketing: true},
		Vouchers: []model.Voucher{{Code: "VOUCHER-TOM-50", Value: 50}}}
	upsert(withheld)
	upsert(shared)

	dir := t.TempDir()
	file := filepath.Join(dir, "console.db")
	core, err := app.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := core.Start(ctx, th.url, "")
	stop := func() {
		cancel()
		<-done
		core.Close()
	}
	defer func() {
		if ctx.Err() == nil {
			stop()
		}
	}()
	select {
	case <-core.Synced():
	case <-time.After(10 * time.Second):
		t.Fatalf("never synced; status %+v", core.Status())
	}
	caught := func(what string) {
		t.Helper()
		head := th.log.Head()
		waitFor(t, what, func() bool { return core.Status().Cursor >= head })
	}
	raw := func() []byte {
		t.Helper()
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	caught("the customers")
	// The whole file, free pages included: the record was never there.
	if b := raw(); bytes.Contains(b, []byte("VOUCHER-SANDRA-20")) {
		t.Error("console.db holds the voucher of a customer without marketing consent")
	} else if !bytes.Contains(b, []byte("VOUCHER-TOM-50")) {
		t.Error("console.db lacks the voucher of a customer with marketing consent (the check reads the wrong file)")
	}

	// Consent given: the console's copy gets the vouchers.
	withheld.Consent.Marketing = true
	upsert(withheld)
	caught("the consent given")
	if !bytes.Contains(raw(), []byte("VOUCHER-SANDRA-20")) {
		t.Error("marketing consent given, but the cached copy has no vouchers")
	}
	// Consent withdrawn: the cached copy loses them.
	shared.Consent.Marketing = false
	upsert(shared)
	caught("the consent withdrawn")
	stop()

	st, err := store.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for id, want := range map[string]int{"C-1": 1, "C-2": 0} {
		c, _, err := st.Customer(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Vouchers) != want {
			t.Errorf("cached %s has %d vouchers, want %d", id, len(c.Vouchers), want)
		}
	}
}
