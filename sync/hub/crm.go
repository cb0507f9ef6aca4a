package hub

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/model"
)

// The CRM import (docs/crm.md): a file of customer records, CSV or JSON,
// checked row by row. A bad row is reported with its line and left out;
// the rest are upserted. Only a file that cannot be read at all fails.

// CustomersPath is the hub's CRM import endpoint (POST).
const CustomersPath = "/v1/customers"

// MaxImportBytes caps an import's request body.
const MaxImportBytes = 32 << 20

// Limits of a record's text fields, in characters.
const (
	maxNumberLen = 64
	maxNameLen   = 200
	maxNotesLen  = 4000
	// Caps on a record's lists: a CRM row, not a data dump.
	maxHandles   = 20
	maxPurchases = 1000
	maxVouchers  = 200
)

// ErrUnreadable wraps every reason a customer file cannot be imported at
// all: no header, a required column missing, not CSV or JSON, a read error.
var ErrUnreadable = errors.New("cannot read the customer file")

// Caps on the report of an import: a file of a million bad rows answers
// with the first of them, not a copy of itself.
const (
	// MaxReportRows is how many rejected rows a report lists (the first).
	MaxReportRows = 100
	// MaxReasonLen caps a rejected row's reason, in characters.
	MaxReasonLen = 200
)

// ImportReport is the answer to an import.
type ImportReport struct {
	Accepted  int        `json:"accepted"`  // records created or changed
	Unchanged int        `json:"unchanged"` // records already there as they are
	Rejected  []RowError `json:"rejected"`  // rows left out, by line: the first MaxReportRows
	// RejectedTotal counts every row left out; ReportTruncated is set when
	// Rejected lists fewer.
	RejectedTotal   int  `json:"rejected_total"`
	ReportTruncated bool `json:"report_truncated"`
	// Columns says which of the file's columns fed a hub column, where
	// that was not the column of the hub's name (an alias or a map).
	Columns map[string]string `json:"columns,omitempty"`
}

// RowError is one rejected row.
type RowError struct {
	Line           int    `json:"line"`
	CustomerNumber string `json:"customer_number"`
	Reason         string `json:"reason"`
}

// ParsedCustomer is a record that passed the checks, with the line it
// starts on.
type ParsedCustomer struct {
	Line     int
	Customer model.Customer
}

func unreadable(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnreadable, fmt.Sprintf(format, args...))
}

// readErr wraps an I/O error of the body; the cause (a too large body)
// stays visible to errors.As.
func readErr(err error) error { return fmt.Errorf("%w: %w", ErrUnreadable, err) }

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// textReader strips a UTF-8 byte order mark and refuses UTF-16, which
// spreadsheets write as "Unicode text".
func textReader(r io.Reader) (*bufio.Reader, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(3)
	if err != nil && err != io.EOF {
		return nil, readErr(err)
	}
	switch {
	case bytes.HasPrefix(head, utf8BOM):
		_, _ = br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, unreadable("the file is UTF-16: save it as UTF-8")
	}
	return br, nil
}

// ---- CSV

// csvColumns are the columns a CSV file may have; the first two are required.
var csvColumns = []string{"customer_number", "name", "tier", "lifetime_value", "email", "handles",
	"consent_service", "consent_marketing", "consent_recorded_by", "consent_recorded_at", "notes", "purchases", "vouchers"}

// ParseCustomersCSV reads a CRM export in CSV (docs/crm.md). The error is
// for a file that cannot be read at all; a bad row is a RowError.
func ParseCustomersCSV(r io.Reader) ([]ParsedCustomer, []RowError, error) {
	return collect(r, nil, parseCSV)
}

// collect runs a streaming parser and keeps everything it finds.
func collect(r io.Reader, m ColumnMap, parse streamParser) ([]ParsedCustomer, []RowError, error) {
	var out []ParsedCustomer
	var rejected []RowError
	_, err := parse(r, m, func(p ParsedCustomer) error { out = append(out, p); return nil },
		func(e RowError) { rejected = append(rejected, e) })
	if err != nil {
		return nil, nil, err
	}
	return out, rejected, nil
}

// streamParser reads a customer file record by record: emit gets each
// good record (its error ends the read), reject each bad row, in file
// order. It returns which columns fed which (CSV), as ImportReport.Columns.
type streamParser func(r io.Reader, m ColumnMap, emit func(ParsedCustomer) error, reject func(RowError)) (map[string]string, error)

func parseCSV(r io.Reader, m ColumnMap, emit func(ParsedCustomer) error, reject func(RowError)) (map[string]string, error) {
	br, err := textReader(r)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return nil, unreadable("the file is empty: it needs a header row naming the columns")
	case errors.As(err, &pe):
		return nil, unreadable("header row: %v", pe.Err)
	case err != nil:
		return nil, readErr(err)
	}
	header = slices.Clone(header)
	cols, err := resolveColumns(header, m)
	if err != nil {
		return nil, err
	}

	k := collector{emit: emit, reject: reject}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if errors.As(err, &pe) {
			reason := fmt.Sprintf("malformed CSV on line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
			if pe.Line > pe.StartLine {
				reason += fmt.Sprintf(" (a quoted field runs from line %d: is a closing quote missing?)", pe.StartLine)
			}
			reject(RowError{Line: pe.StartLine, Reason: reason})
			continue
		}
		if err != nil {
			return nil, readErr(err)
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) string {
			var parts []string
			for _, i := range cols.idx[name] {
				if i < len(rec) {
					if f := strings.TrimSpace(rec[i]); f != "" {
						parts = append(parts, f)
					}
				}
			}
			return strings.Join(parts, " ")
		}
		var rw row
		var c model.Customer
		number := get("customer_number")
		switch {
		case slices.ContainsFunc(rec, func(f string) bool { return !utf8.ValidString(f) }):
			rw.bad("not valid UTF-8: save the file as UTF-8")
			number = strings.ToValidUTF8(number, "\uFFFD")
		case len(rec) > len(header):
			rw.bad("%d fields, the header has %d (a comma in an unquoted field?)", len(rec), len(header))
		case len(rec) < len(header):
			rw.bad("%d fields, the header has %d", len(rec), len(header))
		default:
			c = rw.csvCustomer(get)
		}
		if err := k.add(line, number, c, &rw); err != nil {
			return nil, err
		}
	}
	return cols.from, nil
}

// collector passes a file's records and rejected rows on; a customer
// number seen before is rejected (docs/crm.md: unique in the file).
type collector struct {
	emit   func(ParsedCustomer) error
	reject func(RowError)
	first  map[string]int // customer number → its first line
}

func (k *collector) add(line int, number string, c model.Customer, rw *row) error {
	if k.first == nil {
		k.first = map[string]int{}
	}
	if l, ok := k.first[number]; ok && rw.ok() {
		rw.bad("duplicate customer number %s (first on line %d)", number, l)
	} else if !ok && number != "" && len(number) <= 4*maxNumberLen {
		k.first[number] = line
	}
	if rw.ok() {
		return k.emit(ParsedCustomer{Line: line, Customer: c})
	}
	k.reject(RowError{Line: line, CustomerNumber: number, Reason: rw.reason()})
	return nil
}

// csvCustomer converts a row's fields; get returns a column's trimmed text.
func (rw *row) csvCustomer(get func(string) string) model.Customer {
	c := model.Customer{
		ID:    get("customer_number"),
		Name:  get("name"),
		Tier:  get("tier"),
		Email: get("email"),
		Notes: get("notes"),
		Consent: model.Consent{
			Service:   rw.yesNo("consent_service", get("consent_service")),
			Marketing: rw.yesNo("consent_marketing", get("consent_marketing")),
			By:        get("consent_recorded_by"),
		},
	}
	if s := get("lifetime_value"); s != "" {
		v, err := parseDecimal(s)
		if err != nil {
			rw.bad("lifetime_value %v", err)
		}
		c.LifetimeValue = v
	}
	if s := get("consent_recorded_at"); s != "" {
		c.Consent.At = rw.date("consent_recorded_at", s)
	}
	for _, h := range splitList(get("handles"), ";") {
		platform, handle, ok := strings.Cut(h, ":")
		if !ok {
			rw.bad("handles: %q is not platform:handle", h)
			continue
		}
		c.Handles = append(c.Handles, model.Identity{Platform: model.Channel(platform), Handle: handle})
	}
	for _, p := range splitList(get("purchases"), "|") {
		f := strings.Fields(p)
		if len(f) < 3 {
			rw.bad("purchases: %q is not \"YYYY-MM-DD amount item\"", p)
			continue
		}
		amount, err := parseDecimal(f[1])
		if err != nil {
			rw.bad("purchases: %q: amount %v", p, err)
		}
		c.Purchases = append(c.Purchases, model.Purchase{
			Date: rw.date(fmt.Sprintf("purchases: %q:", p), f[0]), Amount: amount, Item: strings.Join(f[2:], " ")})
	}
	for _, v := range splitList(get("vouchers"), "|") {
		f := strings.Fields(v)
		if len(f) < 3 {
			rw.bad("vouchers: %q is not \"CODE YYYY-MM-DD amount note\"", v)
			continue
		}
		value, err := parseDecimal(f[2])
		if err != nil {
			rw.bad("vouchers: %q: amount %v", v, err)
		}
		c.Vouchers = append(c.Vouchers, model.Voucher{Code: f[0],
			Issued: rw.date(fmt.Sprintf("vouchers: %q:", v), f[1]), Value: value, Note: strings.Join(f[3:], " ")})
	}
	rw.check(&c)
	return c
}

func splitList(s, sep string) []string {
	var out []string
	for p := range strings.SplitSeq(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var decimalRe = regexp.MustCompile(`^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$`)

// parseDecimal reads an amount in euros with . as the decimal point; a
// negative amount is an error.
func parseDecimal(s string) (float64, error) {
	if !decimalRe.MatchString(s) {
		if strings.Contains(s, ",") {
			return 0, fmt.Errorf("%q is not a number (use . as decimal point)", s)
		}
		return 0, fmt.Errorf("%q is not a number", s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("%s is negative", s)
	}
	return v, nil
}

// ---- JSON

type jsonCustomer struct {
	ID            jsonText        `json:"id"`
	Name          string          `json:"name"`
	Tier          string          `json:"tier"`
	LifetimeValue json.RawMessage `json:"lifetime_value"`
	Email         string          `json:"email"`
	Handles       []jsonHandle    `json:"handles"`
	Consent       jsonConsent     `json:"consent"`
	Purchases     []jsonPurchase  `json:"purchases"`
	Vouchers      []jsonVoucher   `json:"vouchers"`
	Notes         string          `json:"notes"`
	Links         []jsonLink      `json:"links"`
}

type jsonHandle struct {
	Platform string `json:"platform"`
	Handle   string `json:"handle"`
}

type jsonConsent struct {
	Service   bool   `json:"service"`
	Marketing bool   `json:"marketing"`
	By        string `json:"by"`
	At        string `json:"at"`
}

type jsonPurchase struct {
	Date   string  `json:"date"`
	Item   string  `json:"item"`
	Amount float64 `json:"amount"`
}

type jsonVoucher struct {
	Code     string  `json:"code"`
	Issued   string  `json:"issued"`
	Value    float64 `json:"value"`
	Note     string  `json:"note"`
	Redeemed bool    `json:"redeemed"`
}

type jsonLink struct {
	Identity model.Identity `json:"identity"`
	Consent  jsonConsent    `json:"consent"`
}

// jsonText is a string that may come as a JSON number: CRMs export
// customer numbers either way.
type jsonText string

func (t *jsonText) UnmarshalJSON(b []byte) error {
	if wholeRe.Match(b) {
		*t = jsonText(b)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("id %.20s is not a customer number (a string or a whole number)", b)
	}
	*t = jsonText(s)
	return nil
}

var wholeRe = regexp.MustCompile(`^[0-9]+$`)

// lineIndex tells the line of an offset of the JSON decoder. Offsets are
// asked in order, so it keeps only the text read since the last one asked.
type lineIndex struct {
	r    io.Reader
	off  int64  // bytes read
	base int64  // offset of text[0]
	text []byte // read since base
	n    int    // newlines before base
}

func (l *lineIndex) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.text = append(l.text, p[:n]...)
	l.off += int64(n)
	return n, err
}

func (l *lineIndex) line(off int64) int {
	off = max(l.base, min(off, l.base+int64(len(l.text))))
	k := off - l.base
	l.n += bytes.Count(l.text[:k], []byte{'\n'})
	l.text = l.text[k:]
	if cap(l.text) > 1<<20 && len(l.text) < cap(l.text)/4 {
		l.text = slices.Clone(l.text) // let go of a big record's buffer
	}
	l.base = off
	return 1 + l.n
}

// ParseCustomersJSON reads customer records as a JSON array or as
// {"customers": [...]} (docs/crm.md). A record that is valid JSON but not
// a valid record is a RowError; broken JSON ends the read with an error.
func ParseCustomersJSON(r io.Reader) ([]ParsedCustomer, []RowError, error) {
	return collect(r, nil, parseJSON)
}

func parseJSON(r io.Reader, _ ColumnMap, emit func(ParsedCustomer) error, reject func(RowError)) (map[string]string, error) {
	br, err := textReader(r)
	if err != nil {
		return nil, err
	}
	lines := &lineIndex{r: br}
	dec := json.NewDecoder(lines)
	fatal := func(err error) error {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return unreadable("not JSON: %v (line %d)", se, lines.line(se.Offset))
		case errors.Is(err, io.ErrUnexpectedEOF), err == io.EOF:
			return unreadable("the JSON ends early (line %d): a ] or } is missing", lines.line(lines.off))
		}
		return readErr(err)
	}
	k := collector{emit: emit, reject: reject}
	// records reads the elements of the array whose [ was just read,
	// and its ].
	records := func() error {
		for dec.More() {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fatal(err)
			}
			// raw is the element's exact bytes, which end at the offset.
			line := lines.line(dec.InputOffset() - int64(len(raw)))
			var rw row
			c, number := rw.jsonCustomer(raw)
			if err := k.add(line, number, c, &rw); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return fatal(err)
		}
		return nil
	}

	// object reads {"customers": [...]} after its {, skipping other keys.
	object := func() error {
		found := false
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return fatal(err)
			}
			if key != "customers" {
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return fatal(err)
				}
				continue
			}
			found = true
			if tok, err := dec.Token(); err != nil {
				return fatal(err)
			} else if tok != json.Delim('[') {
				return unreadable(`"customers" is not an array`)
			}
			if err := records(); err != nil {
				return err
			}
		}
		if !found {
			return unreadable(`the JSON object has no "customers" array`)
		}
		if _, err := dec.Token(); err != nil {
			return fatal(err)
		}
		return nil
	}

	tok, err := dec.Token()
	switch {
	case err == io.EOF:
		err = unreadable("the file is empty")
	case err != nil:
		err = fatal(err)
	case tok == json.Delim('['):
		err = records()
	case tok == json.Delim('{'):
		err = object()
	default:
		err = unreadable(`the JSON is not an array of customers or {"customers": [...]}`)
	}
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, unreadable("more data after the customers (line %d)", lines.line(dec.InputOffset()))
	}
	return nil, nil
}

// jsonCustomer converts one JSON record; number is its customer number as
// far as it can be read.
func (rw *row) jsonCustomer(raw []byte) (c model.Customer, number string) {
	var jc jsonCustomer
	err := json.Unmarshal(raw, &jc)
	number = strings.ToValidUTF8(strings.TrimSpace(string(jc.ID)), "\uFFFD")
	if !utf8.Valid(raw) {
		rw.bad("not valid UTF-8: save the file as UTF-8")
		return c, number
	}
	if err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te) && te.Field == "":
			rw.bad("the record is a JSON %s, not an object", te.Value)
		case errors.As(err, &te):
			rw.bad("%s is a JSON %s, not %s", te.Field, te.Value, jsonKind(te.Type.Kind().String()))
		default:
			rw.bad("%v", err)
		}
		return c, number
	}
	c = model.Customer{
		ID: string(jc.ID), Name: jc.Name, Tier: jc.Tier, Email: jc.Email, Notes: jc.Notes,
		Consent: rw.consent("consent", jc.Consent),
	}
	switch v := bytes.TrimSpace(jc.LifetimeValue); {
	case len(v) == 0 || string(v) == "null":
	case v[0] == '"':
		var s string
		_ = json.Unmarshal(v, &s)
		if s = strings.TrimSpace(s); s != "" {
			f, err := parseDecimal(s)
			if err != nil {
				rw.bad("lifetime_value %v", err)
			}
			c.LifetimeValue = f
		}
	default:
		if err := json.Unmarshal(v, &c.LifetimeValue); err != nil {
			rw.bad("lifetime_value %s is not a number", v)
		} else if c.LifetimeValue < 0 {
			rw.bad("lifetime_value %s is negative", v)
		}
	}
	for _, h := range jc.Handles {
		c.Handles = append(c.Handles, model.Identity{Platform: model.Channel(h.Platform), Handle: h.Handle})
	}
	for i, p := range jc.Purchases {
		what := fmt.Sprintf("purchases[%d]", i)
		if p.Date == "" || strings.TrimSpace(p.Item) == "" {
			rw.bad("%s needs a date and an item", what)
			continue
		}
		if p.Amount < 0 {
			rw.bad("%s.amount %v is negative", what, p.Amount)
		}
		c.Purchases = append(c.Purchases, model.Purchase{Date: rw.date(what+".date", p.Date), Item: strings.TrimSpace(p.Item), Amount: p.Amount})
	}
	for i, v := range jc.Vouchers {
		what := fmt.Sprintf("vouchers[%d]", i)
		if strings.TrimSpace(v.Code) == "" {
			rw.bad("%s has no code", what)
			continue
		}
		if v.Value < 0 {
			rw.bad("%s.value %v is negative", what, v.Value)
		}
		var issued time.Time
		if v.Issued != "" {
			issued = rw.date(what+".issued", v.Issued)
		}
		c.Vouchers = append(c.Vouchers, model.Voucher{Code: strings.TrimSpace(v.Code), Issued: issued, Value: v.Value,
			Note: strings.TrimSpace(v.Note), Redeemed: v.Redeemed})
	}
	for i, l := range jc.Links {
		what := fmt.Sprintf("links[%d]", i)
		id, ok := rw.identity(what+".identity", l.Identity)
		if !ok {
			continue
		}
		// A moved link keeps when its consent was recorded; without it the
		// hub would stamp the import's time, and every import would change
		// the record.
		if l.Consent.At == "" {
			rw.bad("%s: consent.at is missing (when the customer's consent was recorded)", what)
			continue
		}
		c.Links = append(c.Links, model.Link{Identity: id, Consent: rw.consent(what+".consent", l.Consent)})
	}
	rw.check(&c)
	return c, number
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "float64", "int", "int64":
		return "a number"
	case "slice":
		return "an array"
	case "struct":
		return "an object"
	}
	return k
}

func (rw *row) consent(what string, jc jsonConsent) model.Consent {
	c := model.Consent{Service: jc.Service, Marketing: jc.Marketing, By: strings.TrimSpace(jc.By)}
	if jc.At != "" {
		c.At = rw.date(what+".at", jc.At)
	}
	return c
}

// ---- checks shared by CSV and JSON

// row gathers the problems of one record; a record with any is rejected
// with all of them, so one pass over the file shows what to fix.
// Past MaxReasonLen it only counts them: the reason is cut there anyway.
type row struct {
	problems []string
	size     int
	more     int // problems past the cap
}

func (rw *row) bad(format string, args ...any) {
	if rw.size > MaxReasonLen {
		rw.more++
		return
	}
	p := fmt.Sprintf(format, args...)
	rw.size += len(p) + 2
	rw.problems = append(rw.problems, p)
}

func (rw *row) ok() bool { return len(rw.problems) == 0 }
func (rw *row) reason() string {
	r := strings.Join(rw.problems, "; ")
	if rw.more > 0 {
		r += fmt.Sprintf("; and %d more", rw.more)
	}
	return r
}

// cutText cuts s to at most n characters, marking the cut with "…".
func cutText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func (rw *row) yesNo(what, s string) bool {
	switch strings.ToLower(s) {
	case "", "no", "false", "0", "nein", "n":
		return false
	case "yes", "true", "1", "ja", "y", "j":
		return true
	}
	rw.bad("%s %q is not yes or no", what, s)
	return false
}

// date reads YYYY-MM-DD or RFC 3339, as UTC.
func (rw *row) date(what, s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.DateOnly, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	rw.bad("%s %q is not a date (YYYY-MM-DD or RFC 3339)", what, s)
	return time.Time{}
}

// maxHandleLen caps a handle: X allows 15 characters, forum handles are
// name@host.
const maxHandleLen = 128

// identity checks a handle's platform and writes the handle the way the
// connectors do: "@name" on X, without a leading @ elsewhere.
func (rw *row) identity(what string, id model.Identity) (model.Identity, bool) {
	p := model.Channel(strings.ToLower(strings.TrimSpace(string(id.Platform))))
	id.Handle = strings.TrimPrefix(strings.TrimSpace(id.Handle), "@")
	switch {
	case !p.Valid():
		rw.bad("%s: unknown platform %q (use twitter, facebook or forum)", what, id.Platform)
		return id, false
	case id.Handle == "":
		rw.bad("%s: empty %s handle", what, p)
		return id, false
	case utf8.RuneCountInString(id.Handle) > maxHandleLen || len(id.DisplayName) > maxNameLen:
		rw.bad("%s: %s handle or name too long (at most %d characters)", what, p, maxHandleLen)
		return id, false
	}
	if p == model.ChannelTwitter {
		id.Handle = "@" + id.Handle
	}
	id.Platform = p
	return id, true
}

// check validates and normalises the fields CSV and JSON records share.
func (rw *row) check(c *model.Customer) {
	c.ID, c.Name = strings.TrimSpace(c.ID), strings.TrimSpace(c.Name)
	switch n := utf8.RuneCountInString(c.ID); {
	case n == 0:
		rw.bad("empty customer number")
	case n > maxNumberLen:
		rw.bad("customer number of %d characters (at most %d)", n, maxNumberLen)
	}
	switch n := utf8.RuneCountInString(c.Name); {
	case n == 0:
		rw.bad("empty name")
	case n > maxNameLen:
		rw.bad("name of %d characters (at most %d)", n, maxNameLen)
	}
	c.Tier = strings.ToLower(strings.TrimSpace(c.Tier))
	if c.Tier == "" {
		c.Tier = "basic"
	} else if strings.ContainsFunc(c.Tier, func(r rune) bool { return r == ' ' || r == '\t' }) {
		rw.bad("tier %q is not one word", c.Tier)
	}
	if c.Email = strings.TrimSpace(c.Email); c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || len(a.Address) > 254 {
			rw.bad("email %q is not an e-mail address", c.Email)
		} else {
			c.Email = a.Address
		}
	}
	c.Notes = strings.TrimSpace(c.Notes)
	if n := utf8.RuneCountInString(c.Notes); n > maxNotesLen {
		rw.bad("notes of %d characters (at most %d)", n, maxNotesLen)
	}
	for _, l := range []struct {
		what   string
		n, max int
	}{{"handles", len(c.Handles), maxHandles}, {"links", len(c.Links), maxHandles}, {"purchases", len(c.Purchases), maxPurchases}, {"vouchers", len(c.Vouchers), maxVouchers}} {
		if l.n > l.max {
			rw.bad("%d %s (at most %d)", l.n, l.what, l.max)
		}
	}
	handles := c.Handles
	c.Handles = nil
	for _, h := range handles {
		id, ok := rw.identity("handles", h)
		if ok && !slices.ContainsFunc(c.Handles, func(o model.Identity) bool { return o.Key() == id.Key() }) {
			c.Handles = append(c.Handles, id)
		}
	}
	c.Consent.At = c.Consent.At.UTC()
	slices.SortStableFunc(c.Purchases, func(a, b model.Purchase) int { return b.Date.Compare(a.Date) })
}

// ---- import

// ImportOptions tune an import.
type ImportOptions struct {
	// Columns maps a CSV file's columns to the hub's, beside the built-in
	// aliases (docs/crm.md); nil: aliases only.
	Columns ColumnMap
}

// ImportCustomers reads a customer file, CSV or JSON by contentType
// (sniffed when it is missing, text/plain or not telling), and upserts its
// records. The error is for a file that cannot be read (ErrUnreadable) or
// a log that cannot be written; bad records are in the report.
func ImportCustomers(h *Hub, contentType string, r io.Reader) (ImportReport, error) {
	return ImportCustomersWith(h, contentType, r, ImportOptions{})
}

// ImportCustomersWith is ImportCustomers with options. The file is read
// twice: once to check that all of it can be read (nothing is stored from
// a file that cannot), then record by record, storing a page of records
// at a time with the hub's lock held for that page only. r is read again
// by seeking when it is an io.ReadSeeker (a file); otherwise it is held in
// memory, up to MaxImportBytes.
func ImportCustomersWith(h *Hub, contentType string, r io.Reader, opt ImportOptions) (ImportReport, error) {
	rep := ImportReport{Rejected: []RowError{}}
	open, err := rereadable(r)
	if err != nil {
		return rep, err
	}
	r, err = open()
	if err != nil {
		return rep, err
	}
	parse, csvFile, r, err := parserFor(contentType, r)
	if err != nil {
		return rep, err
	}
	if len(opt.Columns) > 0 && !csvFile {
		return rep, unreadable("a column map is for CSV files; JSON records use the field names of docs/crm.md")
	}
	if _, err := parse(r, opt.Columns, func(ParsedCustomer) error { return nil }, func(RowError) {}); err != nil {
		return rep, err
	}
	if r, err = open(); err != nil {
		return rep, err
	}
	rows := reportRows{rows: []RowError{}}
	page := make([]ParsedCustomer, 0, importPage)
	cs := make([]model.Customer, 0, importPage)
	flush := func() error {
		cs = cs[:0]
		for _, p := range page {
			cs = append(cs, p.Customer)
		}
		res, err := h.UpsertCustomers(cs)
		if err != nil {
			return fmt.Errorf("hub: import customers: %w", err)
		}
		for i, p := range page {
			switch r := res[i]; {
			case r.Err != nil:
				reason := strings.TrimPrefix(r.Err.Error(), ErrInvalid.Error()+": ")
				reason = strings.TrimPrefix(reason, "customer "+p.Customer.ID+": ")
				rows.add(RowError{Line: p.Line, CustomerNumber: p.Customer.ID, Reason: reason})
			case r.Changed:
				rep.Accepted++
			default:
				rep.Unchanged++
			}
		}
		page = page[:0]
		return nil
	}
	cols, err := parse(r, opt.Columns, func(p ParsedCustomer) error {
		if page = append(page, p); len(page) == importPage {
			return flush()
		}
		return nil
	}, rows.add)
	if err == nil {
		err = flush()
	}
	if err != nil {
		return rep, err
	}
	rep.Rejected, rep.RejectedTotal = rows.rows, rows.total
	rep.ReportTruncated = rows.total > len(rows.rows)
	rep.Columns = cols
	return rep, nil
}

// reportRows keeps the first MaxReportRows rejected rows by line, cut to
// size, and counts them all.
type reportRows struct {
	rows  []RowError
	total int
}

func (r *reportRows) add(e RowError) {
	r.total++
	i := sort.Search(len(r.rows), func(i int) bool { return r.rows[i].Line > e.Line })
	if i >= MaxReportRows {
		return
	}
	e.Reason = cutText(e.Reason, MaxReasonLen)
	e.CustomerNumber = cutText(e.CustomerNumber, maxNumberLen)
	r.rows = slices.Insert(r.rows, i, e)
	if len(r.rows) > MaxReportRows {
		r.rows = r.rows[:MaxReportRows]
	}
}

// rereadable returns a function that gives r from its start each time.
func rereadable(r io.Reader) (func() (io.Reader, error), error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		pos, err := rs.Seek(0, io.SeekCurrent)
		if err == nil {
			return func() (io.Reader, error) {
				if _, err := rs.Seek(pos, io.SeekStart); err != nil {
					return nil, readErr(err)
				}
				return rs, nil
			}, nil
		}
	}
	// Held in pieces, so a body of unknown length costs its size, not a
	// doubling buffer's.
	var chunks [][]byte
	var total int64
	for {
		buf := make([]byte, 1<<20)
		n, err := io.ReadFull(r, buf)
		total += int64(n)
		if total > MaxImportBytes {
			return nil, readErr(&http.MaxBytesError{Limit: MaxImportBytes})
		}
		if n > 0 {
			chunks = append(chunks, buf[:n])
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, readErr(err)
		}
	}
	return func() (io.Reader, error) {
		rs := make([]io.Reader, len(chunks))
		for i, c := range chunks {
			rs[i] = bytes.NewReader(c)
		}
		return io.MultiReader(rs...), nil
	}, nil
}

// parserFor picks the parser of a file; csv tells which it is.
func parserFor(contentType string, r io.Reader) (p streamParser, csv bool, _ io.Reader, _ error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "text/csv" || mt == "application/csv" || mt == "application/vnd.ms-excel":
		return parseCSV, true, r, nil
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return parseJSON, false, r, nil
	case strings.HasPrefix(mt, "multipart/"):
		return nil, false, nil, unreadable("send the file itself as the body (text/csv or application/json), not as a form")
	}
	// No type, text/plain, or curl's default form type: look at the first
	// character that is not a space.
	br := bufio.NewReader(r)
	head, err := br.Peek(512)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, false, nil, readErr(err)
	}
	head = bytes.TrimLeft(bytes.TrimPrefix(head, utf8BOM), " \t\r\n")
	if len(head) > 0 && (head[0] == '[' || head[0] == '{') {
		return parseJSON, false, br, nil
	}
	return parseCSV, true, br, nil
}

// importSlot lets one import run at a time: each holds its file in
// memory (up to MaxImportBytes) while it runs.
var importSlot = make(chan struct{}, 1)

// CustomersHandler serves POST /v1/customers, the CRM import: only a
// lead's token may import (without auth the anonymous agent is no lead,
// so it is refused too). 401 without a valid token, 403 for an agent's,
// 413 over MaxImportBytes (refused before anything is parsed), 400 for a
// file that cannot be read or a bad column map (?map=, docs/crm.md), 200
// with the ImportReport otherwise, also when rows were rejected.
func (s *Server) CustomersHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _, ok := s.agentOf(w, r)
		if !ok {
			return
		}
		if a.Role != RoleLead {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "importing customers needs a lead's token"})
			return
		}
		tooBig := map[string]string{"error": fmt.Sprintf("the file is over %d MiB: split it", MaxImportBytes>>20)}
		if r.ContentLength > MaxImportBytes {
			writeJSON(w, http.StatusRequestEntityTooLarge, tooBig)
			return
		}
		var opt ImportOptions
		if spec := r.URL.Query().Get("map"); spec != "" {
			m, err := ParseColumnMap(spec)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
				return
			}
			opt.Columns = m
		}
		select {
		case importSlot <- struct{}{}:
			defer func() { <-importSlot }()
		case <-r.Context().Done():
			return
		}
		rep, err := ImportCustomersWith(s.hub, r.Header.Get("Content-Type"), http.MaxBytesReader(w, r.Body, MaxImportBytes), opt)
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			writeJSON(w, http.StatusRequestEntityTooLarge, tooBig)
		case errors.Is(err, ErrUnreadable):
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		case err != nil:
			s.logger.Error("customer import failed", "agent", a.Name, "err", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error() + "; importing the file again is safe"})
		default:
			s.logger.Info("customers imported", "agent", a.Name, "accepted", rep.Accepted, "unchanged", rep.Unchanged, "rejected", rep.RejectedTotal)
			writeJSON(w, http.StatusOK, rep)
		}
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
