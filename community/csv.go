package community

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"switchboard/model"
)

// CSV columns of an expert directory import (header row required; names
// case-insensitive, order free):
//
//	key          identity key, "forum:kohlmark@community.a1.example" (required)
//	name         display name
//	level        rank in the community ("Superuser")
//	topics       topics separated by ";" ("galaxy s24; router")
//	languages    "de;en"
//	contact      "thread" or an identity key for private notes
//	consent_at   when the member opted in (RFC 3339 or YYYY-MM-DD; required)
//	consent_how  where they did ("community programme form")
//	away_from, away_until, away_note   an absence (dates as consent_at)
//
// The importer (consent.by) is the lead who uploads the file.
var csvColumns = []string{"key", "name", "level", "topics", "languages", "contact", "consent_at", "consent_how", "away_from", "away_until", "away_note"}

// MaxImportRows caps one import.
const MaxImportRows = 50_000

// RowError is one refused row of an import (line as csv counts it).
type RowError struct {
	Line   int    `json:"line"`
	Key    string `json:"key,omitempty"`
	Reason string `json:"reason"`
}

// ReadCSV reads an expert directory export. Each valid row becomes an
// entry recorded by by at now; an invalid one is a RowError and the rest
// go on. A file without a key or consent_at column, or with more than
// MaxImportRows rows, is an error.
func ReadCSV(r io.Reader, by string, now time.Time) ([]model.Expert, []RowError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, errors.New("experts csv: empty file, want a header row")
		}
		return nil, nil, fmt.Errorf("experts csv: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		col[h] = i
	}
	for _, need := range []string{"key", "consent_at"} {
		if _, ok := col[need]; !ok {
			return nil, nil, fmt.Errorf("experts csv: no %q column (columns: %s)", need, strings.Join(csvColumns, ", "))
		}
	}
	var out []model.Expert
	var bad []RowError
	for rows := 0; ; rows++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad = append(bad, RowError{Line: pe.Line, Reason: pe.Err.Error()})
				continue
			}
			return out, bad, fmt.Errorf("experts csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if rows >= MaxImportRows {
			return nil, nil, fmt.Errorf("experts csv: more than %d rows", MaxImportRows)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		e := model.Expert{Key: get("key"), Name: get("name"), Level: get("level"), Contact: get("contact"),
			Topics: split(get("topics")), Languages: split(get("languages")), Updated: now, By: by,
			Consent: model.ExpertConsent{By: by, How: get("consent_how")}}
		var reasons []string
		if e.Consent.At, err = parseWhen(get("consent_at")); err != nil {
			reasons = append(reasons, "consent_at: "+err.Error())
		}
		from, errF := parseWhen(get("away_from"))
		until, errU := parseWhen(get("away_until"))
		if errF != nil && get("away_from") != "" {
			reasons = append(reasons, "away_from: "+errF.Error())
		}
		if errU != nil && get("away_until") != "" {
			reasons = append(reasons, "away_until: "+errU.Error())
		}
		if !from.IsZero() || !until.IsZero() || get("away_note") != "" {
			e.Away = &model.Away{From: from, Until: until, Note: get("away_note"), SetBy: by}
		}
		e = e.Normalize()
		if err := e.Validate(); err != nil {
			reasons = append(reasons, err.Error())
		}
		if len(reasons) > 0 {
			bad = append(bad, RowError{Line: line, Key: clip(e.Key, 80), Reason: clip(strings.Join(reasons, "; "), 300)})
			continue
		}
		out = append(out, e)
	}
	return out, bad, nil
}

func split(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("missing")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not RFC 3339 or YYYY-MM-DD", clip(s, 40))
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
