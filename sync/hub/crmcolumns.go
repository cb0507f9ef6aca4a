package hub

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Which CSV columns feed which of the hub's (docs/crm.md, "Column names"):
// the hub's own names, then the common names CRM exports use for them
// (aliases), then an explicit column map for anything else.

// ColumnMap maps hub columns (csvColumns) to the file's columns that feed
// them; several columns are joined with a space ("first_name+last_name").
type ColumnMap map[string][]string

// columnAliases are the names CRM exports commonly give the hub's columns,
// as normColumn writes them.
var columnAliases = func() map[string]string {
	m := map[string]string{}
	for target, names := range map[string][]string{
		"customer_number": {"customer_no", "customer_nr", "customer_num", "customer_id", "customerid", "customerno",
			"customernumber", "customer", "client_id", "client_no", "client_number", "account_number", "account_no",
			"account_id", "kundennummer", "kundennr", "kunden_nr", "kunden_nummer", "kundenid", "kunden_id", "number", "id"},
		"name":                {"full_name", "fullname", "customer_name", "client_name", "display_name", "kunde", "kundenname"},
		"tier":                {"loyalty_tier", "membership_tier", "loyalty_level", "loyalty_status", "status_tier"},
		"lifetime_value":      {"ltv", "clv", "customer_lifetime_value"},
		"email":               {"e_mail", "email_address", "e_mail_address", "emailaddress", "mail"},
		"handles":             {"social_handles", "social_profiles", "social"},
		"consent_service":     {"service_consent"},
		"consent_marketing":   {"marketing_consent", "marketing_opt_in", "opt_in_marketing"},
		"consent_recorded_by": {"consent_by"},
		"consent_recorded_at": {"consent_at", "consent_date"},
		"notes":               {"note", "comment", "comments", "remarks"},
		"purchases":           {"purchase_history", "orders"},
		"vouchers":            {"coupons", "voucher_codes"},
	} {
		for _, n := range names {
			m[n] = target
		}
	}
	return m
}()

// weakAliases name a column only when no stronger alias does.
var weakAliases = []string{"id", "number"}

// First and last name columns: with no name column, name is both joined.
var (
	firstNames = []string{"first_name", "firstname", "given_name", "forename", "vorname"}
	lastNames  = []string{"last_name", "lastname", "surname", "family_name", "nachname"}
)

// normColumn is how column names compare: case, spaces, hyphens and dots
// do not matter ("E-Mail", "Customer No." are e_mail, customer_no).
func normColumn(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	name = strings.NewReplacer(" ", "_", "-", "_", ".", "_").Replace(name)
	return strings.Trim(name, "_")
}

// hubColumn names the hub column a map's target means: its own name or an
// alias ("number" is customer_number).
func hubColumn(name string) (string, bool) {
	n := normColumn(name)
	if slices.Contains(csvColumns, n) {
		return n, true
	}
	t, ok := columnAliases[n]
	return t, ok
}

// ParseColumnMap reads a column map as the ?map= parameter and
// import-customers --map take it: source:target pairs separated by
// commas, a source of several columns joined by "+", e.g.
// "kdnr:customer_number,first_name+last_name:name".
func ParseColumnMap(spec string) (ColumnMap, error) {
	m := ColumnMap{}
	for pair := range strings.SplitSeq(spec, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		src, target, ok := strings.Cut(pair, ":")
		if !ok {
			return nil, unreadable("column map: %q is not source:target (e.g. first_name+last_name:name)", cutText(pair, 60))
		}
		if err := m.add(strings.Split(src, "+"), target); err != nil {
			return nil, err
		}
	}
	if len(m) == 0 {
		return nil, unreadable("column map is empty")
	}
	return m, nil
}

// ParseColumnMapJSON reads a column map file: a JSON object of source
// column (several joined by "+") to hub column, e.g.
// {"kdnr": "customer_number", "first_name+last_name": "name"}.
func ParseColumnMapJSON(b []byte) (ColumnMap, error) {
	var raw map[string]string
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, unreadable("column map file: %v (want a JSON object of source column to hub column)", err)
	}
	m := ColumnMap{}
	for _, src := range slices.Sorted(maps.Keys(raw)) {
		if err := m.add(strings.Split(src, "+"), raw[src]); err != nil {
			return nil, err
		}
	}
	if len(m) == 0 {
		return nil, unreadable("column map is empty")
	}
	return m, nil
}

func (m ColumnMap) add(srcs []string, target string) error {
	t, ok := hubColumn(target)
	if !ok {
		return unreadable("column map: %q is not a hub column (one of %s)", cutText(target, 60), strings.Join(csvColumns, ", "))
	}
	if _, dup := m[t]; dup {
		return unreadable("column map: %s is mapped twice", t)
	}
	for i, s := range srcs {
		if srcs[i] = strings.TrimSpace(s); srcs[i] == "" {
			return unreadable("column map: an empty column name for %s", t)
		}
	}
	m[t] = srcs
	return nil
}

// csvColumnsOf says where each hub column is read from: the file's
// column indexes, joined with a space when several.
type csvColumnsOf struct {
	idx  map[string][]int
	from map[string]string // hub column → the file's column(s), where not the same name; nil if none
}

// resolveColumns finds the hub's columns in a header: mapped ones (m),
// then the hub's own names, then aliases, then first and last name.
func resolveColumns(header []string, m ColumnMap) (csvColumnsOf, error) {
	cols := csvColumnsOf{idx: map[string][]int{}}
	norm := make([]string, len(header))
	at := map[string]int{}
	for i, h := range header {
		norm[i] = normColumn(h)
		if _, ok := at[norm[i]]; !ok {
			at[norm[i]] = i
		}
	}
	taken := map[int]bool{}
	from := func(target string, ix []int) {
		cols.idx[target] = ix
		names := make([]string, len(ix))
		for i, x := range ix {
			names[i] = strings.TrimSpace(header[x])
		}
		if len(ix) == 1 && norm[ix[0]] == target {
			return
		}
		if cols.from == nil {
			cols.from = map[string]string{}
		}
		cols.from[target] = strings.Join(names, "+")
	}
	for _, target := range slices.Sorted(maps.Keys(m)) {
		var ix []int
		for _, src := range m[target] {
			i, ok := at[normColumn(src)]
			if !ok {
				return cols, unreadable("the column map reads %s from column %q, the header has no such column (it has: %s)",
					target, cutText(src, 60), cutText(strings.Join(header, ", "), 400))
			}
			ix = append(ix, i)
			taken[i] = true
		}
		from(target, ix)
	}
	for i, n := range norm {
		if !slices.Contains(csvColumns, n) {
			continue
		}
		if _, set := cols.idx[n]; set {
			if _, mapped := m[n]; mapped {
				continue // the map says where it comes from
			}
			return cols, unreadable("the header names column %s twice", n)
		}
		cols.idx[n] = []int{i}
		taken[i] = true
	}
	byAlias := map[string]int{} // hub column → the header column an alias gave it
	// Weak aliases ("id", "number") count only where no other names it.
	for pass, i := 0, 0; pass < 2; i++ {
		if i == len(norm) {
			pass, i = pass+1, -1
			continue
		}
		n := norm[i]
		target, ok := columnAliases[n]
		if !ok || taken[i] || slices.Contains(weakAliases, n) != (pass == 1) {
			continue
		}
		if _, set := cols.idx[target]; set {
			prev, byAliasToo := byAlias[target]
			if !byAliasToo || (pass == 1 && !slices.Contains(weakAliases, norm[prev])) {
				continue // the hub's own column, a mapped one or a stronger alias wins
			}
			return cols, unreadable("columns %q and %q could both be %s: say which with a column map (e.g. map=%s:%s)",
				cutText(strings.TrimSpace(header[prev]), 60), cutText(strings.TrimSpace(header[i]), 60), target, norm[prev], target)
		}
		byAlias[target] = i
		from(target, []int{i})
		taken[i] = true
	}
	if _, ok := cols.idx["name"]; !ok {
		var ix []int
		for _, names := range [][]string{firstNames, lastNames} {
			for _, n := range names {
				if i, ok := at[n]; ok && !taken[i] {
					ix = append(ix, i)
					break
				}
			}
		}
		if len(ix) > 0 {
			from("name", ix)
		}
	}
	for _, req := range csvColumns[:2] {
		if _, ok := cols.idx[req]; ok {
			continue
		}
		if len(header) == 1 && strings.Contains(header[0], ";") {
			return cols, unreadable("the header is separated by semicolons: save the file comma-separated")
		}
		return cols, unreadable("the header has no %s column (it has: %s); name the column that holds it with a column map (docs/crm.md)",
			req, cutText(strings.Join(header, ", "), 400))
	}
	return cols, nil
}

// String writes a map as ParseColumnMap reads it.
func (m ColumnMap) String() string {
	var parts []string
	for _, t := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s:%s", strings.Join(m[t], "+"), t))
	}
	return strings.Join(parts, ",")
}
