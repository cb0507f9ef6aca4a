package demo_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"switchboard/demo"
	"switchboard/sync/hub"
)

// The committed extract is what crmgen writes: nobody edited it by hand,
// and a change to the generator came with `go generate ./demo`.
func TestCRMExtractIsGenerated(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to run crmgen:", err)
	}
	out := filepath.Join(t.TempDir(), "crm_extract.csv")
	cmd := exec.CommandContext(t.Context(), goTool, "run", "./crmgen", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./crmgen: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(demo.CRMExtract(), want) {
		t.Fatal("demo/crm_extract.csv differs from crmgen's output: run go generate ./demo")
	}
}

func TestCRMExtractIsValid(t *testing.T) {
	data := demo.CRMExtract()
	if !utf8.Valid(data) {
		t.Fatal("extract is not UTF-8")
	}
	if len(data) > 800<<10 {
		t.Errorf("extract is %d bytes, keep it under 800 KiB", len(data))
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = 13
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"customer_number", "name", "tier", "lifetime_value", "email", "handles",
		"consent_service", "consent_marketing", "consent_recorded_by", "consent_recorded_at",
		"notes", "purchases", "vouchers"}
	if !slices.Equal(rows[0], wantHeader) {
		t.Fatalf("header = %q", rows[0])
	}
	if len(rows) != 3001 {
		t.Fatalf("%d rows, want 3,000 customers and the header", len(rows)-1)
	}
	col := func(name string) int { return slices.Index(wantHeader, name) }
	from, to := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	numbers := map[string]int{}
	handles := map[string]int{}
	emails := map[string]int{}
	for i, row := range rows[1:] {
		line := i + 2
		no := row[col("customer_number")]
		if n, err := strconv.Atoi(no); err != nil || n < 100001 {
			t.Errorf("line %d: customer number %q, want 100001 and up (the scenario customers are below)", line, no)
		}
		if first, ok := numbers[no]; ok {
			t.Errorf("line %d: customer number %s also on line %d", line, no, first)
		}
		numbers[no] = line
		if tier := row[col("tier")]; !slices.Contains([]string{"basic", "silver", "gold", "senator"}, tier) {
			t.Errorf("line %d: tier %q", line, tier)
		}
		if v, err := strconv.ParseFloat(row[col("lifetime_value")], 64); err != nil || v < 0 {
			t.Errorf("line %d: lifetime value %q", line, row[col("lifetime_value")])
		}
		service, marketing := row[col("consent_service")], row[col("consent_marketing")]
		if service != "yes" && service != "no" || marketing != "yes" && marketing != "no" {
			t.Errorf("line %d: consent %q/%q, want yes or no", line, service, marketing)
		}
		if marketing == "yes" && service != "yes" {
			t.Errorf("line %d: marketing consent without service consent", line)
		}
		if e := row[col("email")]; e != "" {
			_, domain, ok := strings.Cut(e, "@")
			if !ok || !strings.HasPrefix(domain, "example.") && !strings.HasSuffix(domain, ".example") && !strings.HasSuffix(domain, ".test") {
				t.Errorf("line %d: e-mail %q is not at a reserved example domain", line, e)
			}
			if first, ok := emails[e]; ok {
				t.Errorf("line %d: e-mail %s also on line %d", line, e, first)
			}
			emails[e] = line
		}
		for _, c := range []string{"purchases", "vouchers"} {
			for entry := range strings.SplitSeq(row[col(c)], " | ") {
				if entry == "" {
					continue
				}
				f := strings.SplitN(entry, " ", 4)
				if c == "vouchers" {
					f = f[1:] // the code
				}
				if len(f) < 3 || f[2] == "" {
					t.Errorf("line %d: %s entry %q", line, c, entry)
					continue
				}
				d, err := time.Parse(time.DateOnly, f[0])
				if _, errAmount := strconv.ParseFloat(f[1], 64); err != nil || errAmount != nil || d.Before(from) || d.After(to) {
					t.Errorf("line %d: %s entry %q", line, c, entry)
				}
			}
		}
		for h := range strings.SplitSeq(row[col("handles")], ";") {
			if h = strings.TrimSpace(h); h == "" {
				continue
			}
			platform, handle, _ := strings.Cut(h, ":")
			if !slices.Contains([]string{"twitter", "facebook", "forum"}, platform) || handle == "" {
				t.Errorf("line %d: handle %q", line, h)
			}
			key := platform + ":" + strings.ToLower(strings.TrimPrefix(handle, "@"))
			if first, ok := handles[key]; ok {
				t.Errorf("line %d: handle %s also on line %d", line, h, first)
			}
			handles[key] = line
		}
	}
}

// The hub's own CSV import takes every row of the extract.
func TestCRMExtractImports(t *testing.T) {
	parsed, rejected, err := hub.ParseCustomersCSV(bytes.NewReader(demo.CRMExtract()))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rejected {
		if i == 10 {
			t.Errorf("… and %d more", len(rejected)-i)
			break
		}
		t.Errorf("line %d (%s) rejected: %s", r.Line, r.CustomerNumber, r.Reason)
	}
	if len(parsed) != 3000 {
		t.Errorf("%d customers parsed, want 3,000", len(parsed))
	}
	// Nothing is dropped on the way: every handle, purchase and voucher of
	// the file is in a record.
	var handles, purchases, vouchers int
	for _, p := range parsed {
		handles += len(p.Customer.Handles)
		purchases += len(p.Customer.Purchases)
		vouchers += len(p.Customer.Vouchers)
	}
	text := string(demo.CRMExtract())
	if want := strings.Count(text, "twitter:") + strings.Count(text, "facebook:") + strings.Count(text, "forum:"); handles != want {
		t.Errorf("%d handles imported, the file has %d", handles, want)
	}
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var wantPurchases, wantVouchers int
	for _, row := range rows[1:] {
		if row[11] != "" {
			wantPurchases += strings.Count(row[11], " | ") + 1
		}
		if row[12] != "" {
			wantVouchers += strings.Count(row[12], " | ") + 1
		}
	}
	if purchases != wantPurchases || vouchers != wantVouchers {
		t.Errorf("imported %d purchases and %d vouchers, the file has %d and %d", purchases, vouchers, wantPurchases, wantVouchers)
	}
}
