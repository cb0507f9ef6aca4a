package hub_test

import (
	"bytes"
	"errors"
	"testing"
	"unicode/utf8"

	"switchboard/sync/hub"
)

// FuzzParseCustomers feeds both parsers arbitrary files: they never panic,
// every parsed record has a number, a name and valid UTF-8, every line
// named is a line of the file, and a file they cannot read gets
// ErrUnreadable.
func FuzzParseCustomers(f *testing.F) {
	f.Add([]byte("customer_number,name,tier\n4711,Ann,gold\n4711,Bob,\n"), false)
	f.Add([]byte("customer_number,name,handles,purchases\n1,\"A\nB\",twitter:@x,2026-01-02 10.00 Room\n"), false)
	f.Add([]byte("customer_number;name\n1;x\n"), false)
	f.Add([]byte("\xef\xbb\xbfcustomer_number,name,lifetime_value\n1,\xe4,12,5\n"), false)
	f.Add([]byte(`[{"id":"1","name":"A","links":[{"identity":{"platform":"twitter","handle":"a"},"consent":{"service":true}}]}, 7, {"id":2}]`), true)
	f.Add([]byte(`{"customers":[{"id":"1","name":"A","purchases":[{"date":"x"}]}]}`), true)
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		parse := hub.ParseCustomersCSV
		if asJSON {
			parse = hub.ParseCustomersJSON
		}
		recs, rejected, err := parse(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, hub.ErrUnreadable) {
				t.Fatalf("error does not wrap ErrUnreadable: %v", err)
			}
			return
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, r := range recs {
			c := r.Customer
			if c.ID == "" || c.Name == "" || !utf8.ValidString(c.ID+c.Name+c.Notes+c.Email+c.Tier) {
				t.Fatalf("line %d parsed into %+v", r.Line, c)
			}
			if r.Line < 1 || r.Line > lines {
				t.Fatalf("record on line %d of a %d-line file", r.Line, lines)
			}
		}
		for _, r := range rejected {
			if r.Reason == "" || r.Line < 1 || r.Line > lines {
				t.Fatalf("rejection %+v in a %d-line file", r, lines)
			}
		}
	})
}
