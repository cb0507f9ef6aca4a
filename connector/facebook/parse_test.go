package facebook

import (
	"encoding/json"
	"testing"
	"time"
)

func TestFlexID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{`"8423678347823"`, "8423678347823", true},
		{`8423678347823`, "8423678347823", true},
		{`12345678901234567890`, "12345678901234567890", true}, // beyond 2^53, kept exact
		{`null`, "", true},
		{`" 42 "`, "42", true},
		{`1.5`, "", false},
		{`-1`, "", false},
		{`{}`, "", false},
		{`true`, "", false},
	} {
		var id flexID
		err := json.Unmarshal([]byte(tc.in), &id)
		if (err == nil) != tc.ok || (tc.ok && string(id) != tc.want) {
			t.Errorf("%s: got %q, %v", tc.in, id, err)
		}
	}
}

func TestFlexTime(t *testing.T) {
	sec := time.Unix(1449135003, 0).UTC()
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{`1449135003`, sec},
		{`"1449135003"`, sec},
		{`1449135003000`, sec},
		{`1458692752478`, time.UnixMilli(1458692752478).UTC()},
		{`"2015-12-03T09:30:03+0000"`, sec},
		{`"2015-12-03T10:30:03+01:00"`, sec},
		{`"2015-12-03T09:30:03Z"`, sec},
		{`"yesterday"`, time.Time{}},
		{`-5`, time.Time{}},
		{`1e300`, time.Time{}},
		{`null`, time.Time{}},
		{`1`, time.Time{}}, // 1970: not a Facebook time
	} {
		var ft flexTime
		if err := json.Unmarshal([]byte(tc.in), &ft); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !ft.Equal(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.in, ft.Time, tc.want)
		}
	}
}

func TestParseNumericEntryID(t *testing.T) {
	p := parser{pageID: testPageID, pageName: testPageName}
	body := `{"object":"page","entry":[{"id":1234567890321,"time":1449135003,"changes":[{"field":"feed","value":` +
		`{"item":"comment","verb":"add","comment_id":"1_2","post_id":"1234567890321_1","sender_id":12345678901234567890,"message":"hi"}}]}]}`
	items, skips, err := p.parse([]byte(body))
	if err != nil || len(items) != 1 {
		t.Fatalf("items %+v skips %+v err %v", items, skips, err)
	}
	if items[0].Author.Handle != "12345678901234567890" {
		t.Fatalf("handle %q", items[0].Author.Handle)
	}
}

func TestParseSkipsOddChangeKeepsRest(t *testing.T) {
	p := parser{pageID: testPageID, pageName: testPageName}
	body := `{"object":"page","entry":[{"id":"1234567890321","changes":[` +
		`{"field":"feed","value":{"item":"comment","verb":"add","comment_id":{},"post_id":"1_2","message":"x"}},` +
		`{"field":"feed","value":{"item":"comment","verb":"add","comment_id":"1_3","post_id":"1234567890321_1","from":{"id":"5","name":"Ann"},"message":"ok"}},` +
		`{"field":"feed","value":{"item":"comment","verb":"hide","comment_id":"1_4","post_id":"1234567890321_1","from":{"id":"5"}}},` +
		`{"field":"feed","value":{"item":"comment","verb":"add","comment_id":"1_5","post_id":"1234567890321_1","from":{"id":"5"}}},` +
		`{"field":"mention","value":{}}]}]}`
	items, skips, err := p.parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].PlatformID != "1_3" {
		t.Fatalf("items %+v", items)
	}
	if len(skips) != 4 {
		t.Fatalf("skips %+v, want bad id, hide, no text, mention", skips)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Jane Doe":          "jane.doe",
		"  Jürgen  Müller ": "jürgen.müller",
		"O'Brien-Smith":     "o.brien.smith",
		"!!!":               "",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
	// Without an id the name's slug is the handle.
	if id := identity("", "Jane Doe"); id.Handle != "jane.doe" || id.PlatformID != "" {
		t.Errorf("identity %+v", id)
	}
}
