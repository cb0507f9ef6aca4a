package hub_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"switchboard/model"
	"switchboard/sync/client"
	"switchboard/sync/wire"
)

// The hub sends consoles a customer's vouchers only with the customer's
// marketing consent, in live pages and in snapshots alike.
func TestHubSendsNoMarketingDataWithoutConsent(t *testing.T) {
	h := startInputHub(t, inputTiming)
	for _, c := range []model.Customer{
		{ID: "C-1", Name: "Sandra Oyelaran", Consent: model.Consent{Service: true},
			Vouchers: []model.Voucher{{Code: "VOUCHER-SANDRA-20"}}},
		{ID: "C-2", Name: "Tom Berger", Consent: model.Consent{Service: true, Marketing: true},
			Vouchers: []model.Voucher{{Code: "VOUCHER-TOM-50"}}},
	} {
		if _, err := h.hub.UpsertCustomer(c); err != nil {
			t.Fatal(err)
		}
	}
	// What a console from cursor 0 is sent, as bytes on the wire.
	received := func() []byte {
		t.Helper()
		u, err := client.SyncURL(h.ts.URL)
		if err != nil {
			t.Fatal(err)
		}
		conn, _, err := (&websocket.Dialer{HandshakeTimeout: 5 * time.Second}).Dial(u, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		b, _ := wire.Encode(wire.Hello{Protocol: wire.Protocol, ClientID: "reader", Cursor: 0})
		if err := conn.WriteMessage(websocket.TextMessage, b); err != nil {
			t.Fatal(err)
		}
		var all []byte
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			_, raw, err := conn.ReadMessage()
			if err != nil {
				t.Fatalf("before caught_up: %v", err)
			}
			all = append(all, raw...)
			if f, err := wire.Decode(raw); err == nil {
				if _, ok := f.(wire.CaughtUp); ok {
					return all
				}
			}
		}
	}
	check := func(how string) {
		t.Helper()
		got := received()
		if bytes.Contains(got, []byte("VOUCHER-SANDRA-20")) {
			t.Errorf("%s: the hub sent the voucher of a customer without marketing consent", how)
		}
		if !bytes.Contains(got, []byte("VOUCHER-TOM-50")) {
			t.Errorf("%s: the hub did not send the voucher of a customer with marketing consent", how)
		}
	}
	check("events")
	if _, err := h.log.Compact(1); err != nil {
		t.Fatal(err)
	}
	check("snapshot")
	// The log itself keeps the whole record.
	kept := false
	if _, err := h.log.Snapshot(func(ev model.Event) error {
		kept = kept || ev.Customer != nil && ev.Customer.ID == "C-1" && len(ev.Customer.Vouchers) == 1
		return nil
	}); err != nil || !kept {
		t.Errorf("the hub's own state lost the record's vouchers (err %v)", err)
	}
}
