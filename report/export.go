package report

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"reflect"
	"strconv"
	"strings"
)

// Cases is the case export: the period and one row per case.
type Cases struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Filter Filter `json:"filter,omitzero"`
	Cases  []Row  `json:"cases"`
}

// WriteJSON writes v (Cases or Summary) as JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// WriteCasesCSV writes the rows as CSV: a header of the JSON field names,
// then one line per case with the same values as the JSON (lists joined
// by spaces, absent values empty).
func WriteCasesCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header(reflect.TypeFor[Row](), "")); err != nil {
		return err
	}
	for i := range rows {
		if err := cw.Write(record(reflect.ValueOf(rows[i]))); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteSummaryCSV writes the groups as CSV: nested figures flattened to
// "first_response_wall_median_s" and so on.
func WriteSummaryCSV(w io.Writer, s Summary) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header(reflect.TypeFor[Group](), "")); err != nil {
		return err
	}
	for i := range s.Groups {
		if err := cw.Write(record(reflect.ValueOf(s.Groups[i]))); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func jsonName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

var statsType = reflect.TypeFor[Stats]()

func header(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name := jsonName(f)
		if name == "" {
			continue
		}
		if f.Type == statsType {
			out = append(out, header(statsType, prefix+name+"_")...)
			continue
		}
		out = append(out, prefix+name)
	}
	return out
}

func record(v reflect.Value) []string {
	var out []string
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if jsonName(f) == "" {
			continue
		}
		fv := v.Field(i)
		if f.Type == statsType {
			out = append(out, record(fv)...)
			continue
		}
		out = append(out, SafeCell(cell(fv)))
	}
	return out
}

func cell(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Float64:
		// As encoding/json writes a float of this size.
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case reflect.Pointer:
		if v.IsNil() {
			return ""
		}
		return cell(v.Elem())
	case reflect.Slice:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = cell(v.Index(i))
		}
		return strings.Join(parts, " ")
	}
	return ""
}

// SafeCell keeps a spreadsheet from reading a cell as a formula: a cell
// that starts with = + - @, a tab or a carriage return gets a leading
// apostrophe (OWASP's advice for CSV injection).
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
