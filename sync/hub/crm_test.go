package hub_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"switchboard/model"
	"switchboard/sync/hub"
)

// crmHub is a hub with tokens serving the CRM import on loopback.
type crmHub struct {
	h           *hub.Hub
	log         *hub.BoltLog
	url         string
	lead, agent string // tokens
}

func startCRMHub(t *testing.T) *crmHub {
	t.Helper()
	h, l, dir := newHub(t)
	tokens, err := hub.OpenTokenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	lead, _, err := tokens.Add("lena", hub.RoleLead)
	if err != nil {
		t.Fatal(err)
	}
	agent, _, err := tokens.Add("arno", hub.RoleAgent)
	if err != nil {
		t.Fatal(err)
	}
	srv := hub.NewServer(h, hub.DefaultTiming)
	srv.SetAuth(tokens)
	srv.Mount("POST "+hub.CustomersPath, srv.CustomersHandler())
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return &crmHub{h: h, log: l, url: ts.URL + hub.CustomersPath, lead: lead, agent: agent}
}

// post sends a file to the import and returns the status and the body.
func (c *crmHub) post(t *testing.T, token, contentType string, body io.Reader) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.url, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// importOK posts a file as the lead and returns the report of a 200.
func (c *crmHub) importOK(t *testing.T, contentType, body string) hub.ImportReport {
	t.Helper()
	status, b := c.post(t, c.lead, contentType, strings.NewReader(body))
	if status != http.StatusOK {
		t.Fatalf("import: %d %s", status, b)
	}
	var rep hub.ImportReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report %s: %v", b, err)
	}
	return rep
}

func wantReport(t *testing.T, got, want hub.ImportReport) {
	t.Helper()
	if want.Rejected == nil {
		want.Rejected = []hub.RowError{}
	}
	if want.RejectedTotal == 0 {
		want.RejectedTotal = len(want.Rejected)
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("report\n%s\nwant\n%s", g, w)
	}
}

// crmCustomers reads the customer records from the log's state.
func crmCustomers(t *testing.T, l hub.EventLog) map[string]model.Customer {
	t.Helper()
	out := map[string]model.Customer{}
	_, err := l.Snapshot(func(ev model.Event) error {
		if ev.Type == model.EventCustomerUpserted {
			out[ev.Customer.ID] = *ev.Customer
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const crmHeader = "customer_number,name,tier,lifetime_value,email,handles,consent_service,consent_marketing,consent_recorded_by,consent_recorded_at,notes,purchases,vouchers\n"

// crmCSV has good rows and one of each kind of bad row; the comments
// after the rows are not part of it (see crmFile).
const crmCSV = crmHeader +
	"4711,Dr. Markus Brenner,Senator,182450.00,m.brenner@example.de,twitter:@mbrenner_fly; forum:mbrenner,yes,no,crm:lufthansa-desk,2025-11-03,Prefers English.,2026-09-14 1240.00 FRA-JFK business | 2026-10-02 89.90 Lounge day pass,GOODWILL50 2026-10-03 50.00 delayed bag\n" + // 2
	"10553,Anna Schulz,,\"12,50\",anna@example.de,,,,,,,,\n" + // 3
	"2001,Jonas Weber,gold,0,jonas@example.de,,ja,nein,,2025-01-02T10:00:00+01:00,\"Called twice.\nPrefers phone,\n\"\"VIP\"\"\",,\n" + // 4-6
	"2002,Lea Braun,silver,100,lea@@example,instagram:lea,,,,,,,\n" + // 7
	"2003,Max Roth,,5,,,maybe,,,03.11.2025,,,\n" + // 8
	"4711,Markus Again,,,,,,,,,,,\n" + // 9
	"2004,Too Few\n" + // 10
	"2005,Eva K\xe4fer,,,,,,,,,,,\n" + // 11: Latin-1
	",No Number,,,,,,,,,,,\n" + // 12
	"2006,Olaf Negativ,,-5,,,,,,,,,\n" + // 13
	"2007,Paul \"the\" Big,,,,,,,,,,,\n" + // 14: bare quote
	"2008,Rita Last,,,,,,,,,,2026-01-01 12.00 | 2026-02-30 1.00 cap,\n" + // 15
	"2009,Sven Extra,,,,,,,,,,,,oops\n" // 16

var crmCSVRejected = []hub.RowError{
	{Line: 3, CustomerNumber: "10553", Reason: `lifetime_value "12,50" is not a number (use . as decimal point)`},
	{Line: 7, CustomerNumber: "2002", Reason: `email "lea@@example" is not an e-mail address; handles: unknown platform "instagram" (use twitter, facebook or forum)`},
	{Line: 8, CustomerNumber: "2003", Reason: `consent_service "maybe" is not yes or no; consent_recorded_at "03.11.2025" is not a date (YYYY-MM-DD or RFC 3339)`},
	{Line: 9, CustomerNumber: "4711", Reason: "duplicate customer number 4711 (first on line 2)"},
	{Line: 10, CustomerNumber: "2004", Reason: "2 fields, the header has 13"},
	{Line: 11, CustomerNumber: "2005", Reason: "not valid UTF-8: save the file as UTF-8"},
	{Line: 12, CustomerNumber: "", Reason: "empty customer number"},
	{Line: 13, CustomerNumber: "2006", Reason: "lifetime_value -5 is negative"},
	{Line: 14, CustomerNumber: "", Reason: `malformed CSV on line 14, column 11: bare " in non-quoted-field`},
	{Line: 15, CustomerNumber: "2008", Reason: `purchases: "2026-01-01 12.00" is not "YYYY-MM-DD amount item"; purchases: "2026-02-30 1.00 cap": "2026-02-30" is not a date (YYYY-MM-DD or RFC 3339)`},
	{Line: 16, CustomerNumber: "2009", Reason: "14 fields, the header has 13 (a comma in an unquoted field?)"},
}

func TestParseCustomersCSV(t *testing.T) {
	got, rejected, err := hub.ParseCustomersCSV(strings.NewReader("\uFEFF" + crmCSV))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rejected, crmCSVRejected) {
		t.Errorf("rejected:\n%s\nwant\n%s", rowErrors(rejected), rowErrors(crmCSVRejected))
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	want := []hub.ParsedCustomer{
		{Line: 2, Customer: model.Customer{
			ID: "4711", Name: "Dr. Markus Brenner", Tier: "senator", LifetimeValue: 182450, Email: "m.brenner@example.de",
			Handles: []model.Identity{{Platform: model.ChannelTwitter, Handle: "@mbrenner_fly"}, {Platform: model.ChannelForum, Handle: "mbrenner"}},
			Consent: model.Consent{Service: true, By: "crm:lufthansa-desk", At: day(2025, 11, 3)},
			Purchases: []model.Purchase{ // newest first
				{Date: day(2026, 10, 2), Item: "Lounge day pass", Amount: 89.9},
				{Date: day(2026, 9, 14), Item: "FRA-JFK business", Amount: 1240},
			},
			Vouchers: []model.Voucher{{Code: "GOODWILL50", Issued: day(2026, 10, 3), Value: 50, Note: "delayed bag"}},
			Notes:    "Prefers English.",
		}},
		{Line: 4, Customer: model.Customer{
			ID: "2001", Name: "Jonas Weber", Tier: "gold", Email: "jonas@example.de",
			Consent: model.Consent{Service: true, At: time.Date(2025, 1, 2, 9, 0, 0, 0, time.UTC)},
			Notes:   "Called twice.\nPrefers phone,\n\"VIP\"",
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parsed\n%+v\nwant\n%+v", got, want)
	}
	if loc := got[1].Customer.Consent.At.Location(); loc != time.UTC {
		t.Errorf("consent time in %v, want UTC", loc)
	}
}

func rowErrors(rs []hub.RowError) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(strings.TrimSpace(strings.Join([]string{itoa(r.Line), r.CustomerNumber, r.Reason}, " | ")) + "\n")
	}
	return b.String()
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestParseCustomersCSVChecksFields(t *testing.T) {
	long := func(n int) string { return strings.Repeat("ä", n) }
	for _, tc := range []struct {
		row, reason string
	}{
		{"1,Ann,,,,,,,,,,,", ""},
		{"1,Ann,Gold Plus,,,,,,,,,,", `tier "gold plus" is not one word`},
		{"1,Ann,,1.234,50,,,,,,,,,", "14 fields, the header has 13 (a comma in an unquoted field?)"},
		{`1,Ann,,"1,234.50",,,,,,,,,`, `lifetime_value "1,234.50" is not a number (use . as decimal point)`},
		{"1,Ann,,12 EUR,,,,,,,,,", `lifetime_value "12 EUR" is not a number`},
		{"1,Ann,,NaN,,,,,,,,,", `lifetime_value "NaN" is not a number`},
		{"1,Ann,,,ann,,,,,,,,", `email "ann" is not an e-mail address`},
		{"1,Ann,,,,twitter,,,,,,,", `handles: "twitter" is not platform:handle`},
		{"1,Ann,,,,twitter:@,,,,,,,", "handles: empty twitter handle"},
		{"1,Ann,,,,,,vielleicht,,,,,", `consent_marketing "vielleicht" is not yes or no`},
		{"1,Ann,,,,,,,,,,2026-01-01 -3.00 refund,", `purchases: "2026-01-01 -3.00 refund": amount -3.00 is negative`},
		{"1,Ann,,,,,,,,,,,X1 2026-01-01", `vouchers: "X1 2026-01-01" is not "CODE YYYY-MM-DD amount note"`},
		{"1,Ann,,,,,,,,,,,X1 yesterday 5.00", `vouchers: "X1 yesterday 5.00": "yesterday" is not a date (YYYY-MM-DD or RFC 3339)`},
		{"," + "Ann" + ",,,,,,,,,,,", "empty customer number"},
		{"1, ,,,,,,,,,,,", "empty name"},
		{strings.Repeat("9", 65) + ",Ann,,,,,,,,,,,", "customer number of 65 characters (at most 64)"},
		{"1," + long(201) + ",,,,,,,,,,,", "name of 201 characters (at most 200)"},
		{"1,Ann,,,,,,,,," + long(4001) + ",,", "notes of 4001 characters (at most 4000)"},
		{"1," + long(200) + ",,,,,,,,," + long(4000) + ",,", ""},
	} {
		got, rejected, err := hub.ParseCustomersCSV(strings.NewReader(crmHeader + tc.row + "\n"))
		if err != nil {
			t.Fatalf("%q: %v", tc.row, err)
		}
		switch {
		case tc.reason == "" && (len(rejected) > 0 || len(got) != 1):
			t.Errorf("%.40q: rejected %v", tc.row, rejected)
		case tc.reason != "" && (len(rejected) != 1 || rejected[0].Reason != tc.reason || rejected[0].Line != 2):
			t.Errorf("%.40q: rejected %v, want line 2: %s", tc.row, rejected, tc.reason)
		}
	}
}

func TestParseCustomersCSVHeader(t *testing.T) {
	for _, tc := range []struct{ file, err string }{
		{"", "the file is empty: it needs a header row naming the columns"},
		{"name,email\nAnn,a@example.de\n", "the header has no customer_number column (it has: name, email); name the column that holds it with a column map (docs/crm.md)"},
		{"customer_number;name\n1;Ann\n", "the header is separated by semicolons: save the file comma-separated"},
		{"customer_number,name,Name\n", "the header names column name twice"},
		{"\xff\xfec\x00u\x00", "the file is UTF-16: save it as UTF-8"},
		{"customer_number,\"name\n", "header row: extraneous or missing \" in quoted-field"},
	} {
		_, _, err := hub.ParseCustomersCSV(strings.NewReader(tc.file))
		if want := "cannot read the customer file: " + tc.err; err == nil || err.Error() != want {
			t.Errorf("%q: %v, want %s", tc.file, err, want)
		}
	}
	// Column names are case-insensitive, in any order; unknown ones are ignored.
	got, rejected, err := hub.ParseCustomersCSV(strings.NewReader("Shoe Size,NAME,Customer Number\n44,Ann,1\n"))
	if err != nil || len(rejected) > 0 || len(got) != 1 || got[0].Customer.ID != "1" || got[0].Customer.Name != "Ann" || got[0].Customer.Tier != "basic" {
		t.Errorf("free header: %+v, %v, %v", got, rejected, err)
	}
}

func TestImportCSVOverHTTP(t *testing.T) {
	c := startCRMHub(t)
	rep := c.importOK(t, "text/csv; charset=utf-8", crmCSV)
	wantReport(t, rep, hub.ImportReport{Accepted: 2, Rejected: crmCSVRejected})
	got := crmCustomers(t, c.log)
	if len(got) != 2 || got["4711"].Name != "Dr. Markus Brenner" || got["2001"].Tier != "gold" {
		t.Errorf("stored %+v", got)
	}

	// A required column missing: 400 with the reason, nothing stored.
	head := c.log.Head()
	status, b := c.post(t, c.lead, "text/csv", strings.NewReader("name,tier\nAnn,gold\n"))
	if status != http.StatusBadRequest || !strings.Contains(string(b), `"error":"cannot read the customer file: the header has no customer_number column`) {
		t.Errorf("header without customer_number: %d %s", status, b)
	}
	status, b = c.post(t, c.lead, "application/json", strings.NewReader(`[{"id": "1", "name": "Ann"},`))
	if status != http.StatusBadRequest || !strings.Contains(string(b), "the JSON ends early") {
		t.Errorf("broken JSON: %d %s", status, b)
	}
	if c.log.Head() != head {
		t.Error("an unreadable file stored something")
	}
}

func TestImportIsIdempotent(t *testing.T) {
	c := startCRMHub(t)
	wantReport(t, c.importOK(t, "text/csv", crmCSV), hub.ImportReport{Accepted: 2, Rejected: crmCSVRejected})
	head := c.log.Head()
	wantReport(t, c.importOK(t, "text/csv", crmCSV), hub.ImportReport{Unchanged: 2, Rejected: crmCSVRejected})
	if c.log.Head() != head {
		t.Errorf("a second import of the same file moved the log head from %d to %d", head, c.log.Head())
	}
	// The same records as JSON are the same records.
	js := `[{"id": "2001", "name": "Jonas Weber", "tier": "gold", "email": "jonas@example.de",
	  "consent": {"service": true, "at": "2025-01-02T10:00:00+01:00"}, "notes": "Called twice.\nPrefers phone,\n\"VIP\""}]`
	wantReport(t, c.importOK(t, "application/json", js), hub.ImportReport{Unchanged: 1})
	if c.log.Head() != head {
		t.Error("the same record as JSON moved the log head")
	}
	// A changed field is accepted.
	wantReport(t, c.importOK(t, "text/csv", crmHeader+"2001,Jonas Weber,senator,0,jonas@example.de,,ja,nein,,2025-01-02T10:00:00+01:00,\"Called twice.\nPrefers phone,\n\"\"VIP\"\"\",,\n"),
		hub.ImportReport{Accepted: 1})
}

// crmJSON has its records at lines 2, 6, 7, 8, 9 and 10.
const crmJSON = `[
  {"id": "4711", "name": "Dr. Markus Brenner", "tier": "Senator", "lifetime_value": 182450.00,
   "handles": [{"platform": "Twitter", "handle": "@mbrenner_fly"}],
   "consent": {"service": true, "marketing": false, "by": "crm", "at": "2025-11-03"},
   "purchases": [{"date": "2026-09-14", "item": "FRA-JFK", "amount": 1240}, {"date": "2026-10-02", "item": "Lounge", "amount": 89.9}]},
  {"id": 10553, "name": "Anna Schulz", "lifetime_value": "12,50"},
  {"id": "2001", "name": "Jonas Weber", "purchases": [{"date": "2026-01-01", "item": "x", "amount": "12"}]},
  "not a record",
  {"id": "2002", "name": "Lea Braun", "handles": [{"platform": "myspace", "handle": "lea"}]}, {"id": "2003", "name": "Max Roth", "lifetime_value": 7},
  {"id": "4711", "name": "Markus Again"}
]`

var crmJSONRejected = []hub.RowError{
	{Line: 6, CustomerNumber: "10553", Reason: `lifetime_value "12,50" is not a number (use . as decimal point)`},
	{Line: 7, CustomerNumber: "2001", Reason: "purchases.amount is a JSON string, not a number"},
	{Line: 8, Reason: "the record is a JSON string, not an object"},
	{Line: 9, CustomerNumber: "2002", Reason: `handles: unknown platform "myspace" (use twitter, facebook or forum)`},
	{Line: 10, CustomerNumber: "4711", Reason: "duplicate customer number 4711 (first on line 2)"},
}

func TestImportJSON(t *testing.T) {
	c := startCRMHub(t)
	wantReport(t, c.importOK(t, "application/json", crmJSON), hub.ImportReport{Accepted: 2, Rejected: crmJSONRejected})
	m := crmCustomers(t, c.log)["4711"]
	if m.Tier != "senator" || len(m.Handles) != 1 || m.Handles[0] != (model.Identity{Platform: model.ChannelTwitter, Handle: "@mbrenner_fly"}) ||
		m.Purchases[0].Item != "Lounge" || !m.Consent.At.Equal(time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("stored %+v", m)
	}

	// Wrapped in an object, with other keys around, each record keeps its
	// line; sniffed from text/plain.
	wrapped := "{\"exported\": \"2026-10-04\",\n \"customers\": " + strings.Replace(crmJSON, "[\n", "[\n\n", 1) + ",\n \"count\": 8}\n"
	shifted := make([]hub.RowError, len(crmJSONRejected))
	for i, r := range crmJSONRejected {
		r.Line += 2
		if r.CustomerNumber == "4711" {
			r.Reason = "duplicate customer number 4711 (first on line 4)"
		}
		shifted[i] = r
	}
	wantReport(t, c.importOK(t, "text/plain", wrapped), hub.ImportReport{Unchanged: 2, Rejected: shifted})
	_, _, err := hub.ParseCustomersJSON(strings.NewReader(`{"records": []}`))
	if err == nil || err.Error() != `cannot read the customer file: the JSON object has no "customers" array` {
		t.Errorf("object without customers: %v", err)
	}
	for file, want := range map[string]string{
		"":                                   "the file is empty",
		`"customers"`:                        `the JSON is not an array of customers or {"customers": [...]}`,
		"[\n{\"id\": \"1\",\n \"name\": x}]": "not JSON: invalid character 'x' looking for beginning of value (line 3)",
		`{"customers": {}}`:                  `"customers" is not an array`,
		`[] []`:                              "more data after the customers (line 1)",
	} {
		_, _, err := hub.ParseCustomersJSON(strings.NewReader(file))
		if err == nil || err.Error() != "cannot read the customer file: "+want {
			t.Errorf("%q: %v, want %s", file, err, want)
		}
	}
	// Invalid UTF-8 in a record rejects the record.
	_, rejected, err := hub.ParseCustomersJSON(strings.NewReader("[{\"id\": \"5\", \"name\": \"K\xe4fer\"}]"))
	if err != nil || len(rejected) != 1 || rejected[0] != (hub.RowError{Line: 1, CustomerNumber: "5", Reason: "not valid UTF-8: save the file as UTF-8"}) {
		t.Errorf("Latin-1 record: %v, %v", rejected, err)
	}
}

func TestImportJSONLinks(t *testing.T) {
	c := startCRMHub(t)
	caseID := ingest(t, c.h, tweet("t1", "p1", "mia", "my bag is lost", t0))
	file := `[
{"id": "C-1", "name": "Mia B.", "links": [{"identity": {"platform": "twitter", "handle": "@Mia"}, "consent": {"service": false, "marketing": true, "at": "2026-01-01"}}]},
{"id": "C-2", "name": "Tom", "links": [{"identity": {"platform": "twitter", "handle": "tom"}, "consent": {"service": true}}]},
{"id": "C-3", "name": "Mia Brenner", "links": [{"identity": {"platform": "twitter", "handle": "mia"}, "consent": {"service": true, "by": "oldtool:kai", "at": "2026-01-01T12:00:00Z"}}]}
]`
	wantReport(t, c.importOK(t, "application/json", file), hub.ImportReport{Accepted: 1, Rejected: []hub.RowError{
		{Line: 2, CustomerNumber: "C-1", Reason: "link of twitter:mia has no service consent"},
		{Line: 3, CustomerNumber: "C-2", Reason: "links[0]: consent.at is missing (when the customer's consent was recorded)"},
	}})
	if got, _ := c.h.Case(caseID); got.CustomerID != "C-3" {
		t.Errorf("case of twitter:mia linked to %q, want C-3", got.CustomerID)
	}
	head := c.log.Head()
	wantReport(t, c.importOK(t, "application/json", file), hub.ImportReport{Unchanged: 1, Rejected: []hub.RowError{
		{Line: 2, CustomerNumber: "C-1", Reason: "link of twitter:mia has no service consent"},
		{Line: 3, CustomerNumber: "C-2", Reason: "links[0]: consent.at is missing (when the customer's consent was recorded)"},
	}})
	if c.log.Head() != head {
		t.Error("importing links again moved the log head")
	}
	// A CSV import of the record keeps the link, and a handle it lists is
	// no link.
	wantReport(t, c.importOK(t, "text/csv", "customer_number,name,handles\nC-3,Mia Brenner,facebook:mia.b\n"), hub.ImportReport{Accepted: 1})
	m := crmCustomers(t, c.log)["C-3"]
	if len(m.Linked()) != 1 || m.Linked()[0].Key() != "twitter:mia" || len(m.Handles) != 1 {
		t.Errorf("after CSV import: links %+v, handles %+v", m.Links, m.Handles)
	}
	// Another record cannot take the linked identity.
	other := `[{"id": "C-4", "name": "Not Mia", "links": [{"identity": {"platform": "twitter", "handle": "mia"}, "consent": {"service": true, "at": "2026-02-01"}}]}]`
	wantReport(t, c.importOK(t, "application/json", other), hub.ImportReport{Rejected: []hub.RowError{
		{Line: 1, CustomerNumber: "C-4", Reason: "twitter:mia is linked to customer C-3"},
	}})
}

func TestImportAuth(t *testing.T) {
	c := startCRMHub(t)
	body := crmHeader + "1,Ann,,,,,,,,,,,\n"
	for _, tc := range []struct {
		name, token string
		want        int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"unknown token", "sb_nope", http.StatusUnauthorized},
		{"agent token", c.agent, http.StatusForbidden},
		{"lead token", c.lead, http.StatusOK},
	} {
		status, b := c.post(t, tc.token, "text/csv", strings.NewReader(body))
		if status != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, status, b, tc.want)
		}
		if tc.want == http.StatusForbidden && !strings.Contains(string(b), `{"error":"importing customers needs a lead's token"}`) {
			t.Errorf("%s: body %s", tc.name, b)
		}
	}
	if !c.h.HasCustomer("1") {
		t.Error("the lead's import stored nothing")
	}

	// Over 32 MiB, sent without a length: 413, nothing stored.
	head := c.log.Head()
	big := io.MultiReader(strings.NewReader(crmHeader+"2,\""), io.LimitReader(zeros{}, hub.MaxImportBytes))
	status, b := c.post(t, c.lead, "text/csv", big)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "over 32 MiB") {
		t.Errorf("33 MiB: %d %s", status, b)
	}
	// With a length, refused before reading.
	req, _ := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(make([]byte, hub.MaxImportBytes+1)))
	req.Header.Set("Authorization", "Bearer "+c.lead)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("declared 32 MiB + 1: %d", resp.StatusCode)
	}
	if c.log.Head() != head {
		t.Error("a too large file stored something")
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestImportCustomersPicksTheParser(t *testing.T) {
	h, _, _ := newHub(t)
	for _, tc := range []struct{ ctype, body string }{
		{"", "\uFEFF  \n[{\"id\": \"1\", \"name\": \"Ann\"}]"},
		{"text/plain", "{\"customers\": [{\"id\": \"1\", \"name\": \"Ann\"}]}"},
		{"application/octet-stream", "customer_number,name\n1,Ann\n"},
		{"application/vnd.ms-excel", "customer_number,name\n1,Ann\n"},
		{"text/csv", "\uFEFFcustomer_number,name\n1,Ann\n"},
	} {
		rep, err := hub.ImportCustomers(h, tc.ctype, strings.NewReader(tc.body))
		if err != nil || rep.Accepted+rep.Unchanged != 1 || len(rep.Rejected) != 0 {
			t.Errorf("%q %.20q: %+v, %v", tc.ctype, tc.body, rep, err)
		}
	}
	if _, err := hub.ImportCustomers(h, "multipart/form-data; boundary=x", strings.NewReader("--x")); err == nil {
		t.Error("a form upload was read")
	}
}
