package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestConfigRefusesUnknownKeys: a misspelt key in the config file stops
// the hub with the key's name; before, "consumer_secrets" or "twiter"
// were dropped without a word and the part they meant stayed off (a
// webhook refusing every delivery, a feed never polled).
func TestConfigRefusesUnknownKeys(t *testing.T) {
	for body, want := range map[string]string{
		`{"twiter": {"user_id": "1"}}`:                                                                     `unknown key "twiter"`,
		`{"twitter": {"user_id": "1", "consumer_secrets": "s"}}`:                                           `unknown key "consumer_secrets"`,
		`{"facebook": {"page_id": "1", "pages": [{"page_id": "2", "pagetoken": "x"}]}}`:                    `unknown key "pagetoken"`,
		`{"forum": {"feeds": [{"name": "a", "url": "https://a.example/f.rss", "thread_rules": "phpbb"}]}}`: `unknown key "thread_rules"`,
		`{"sla": {"policies": [{"name": "p", "first_reponse": "10m"}]}}`:                                   `unknown key "first_reponse"`,
		`{"triage": {"model": "m", "timout": "5s"}}`:                                                       `unknown key "timout"`,
		`{"reach": {"hihg": 5}}`:                                                                           `unknown key "hihg"`,
	} {
		p := filepath.Join(t.TempDir(), "hub.json")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := loadConfig(p)
		if err == nil {
			_, err = loadTriageConfig(p)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want %q", body, err, want)
		}
	}
}

// TestDocsConfigExamplesLoad: every config file example in README.md and
// docs/*.md (a JSON block whose keys are config sections) loads, with the
// unknown-key check on: the keys the docs name are the keys the hub reads.
func TestDocsConfigExamplesLoad(t *testing.T) {
	sections := map[string]bool{"twitter": true, "facebook": true, "forum": true, "experts": true, "expert_directory": true, "reach": true, "sla": true, "triage": true}
	files, _ := filepath.Glob("../../docs/*.md")
	files = append(files, "../../README.md")
	block := regexp.MustCompile("(?s)```json\n(.*?)```")
	n := 0
	for _, f := range files {
		doc, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range block.FindAllSubmatch(doc, -1) {
			var top map[string]json.RawMessage
			if json.Unmarshal(m[1], &top) != nil || len(top) == 0 {
				continue
			}
			ok := true
			for k := range top {
				ok = ok && sections[k]
			}
			if !ok {
				continue
			}
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "holidays-de.ics"), []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"), 0o600)
			p := filepath.Join(dir, "hub.json")
			if err := os.WriteFile(p, m[1], 0o600); err != nil {
				t.Fatal(err)
			}
			n++
			if _, err := loadConfig(p); err != nil {
				t.Errorf("%s: example %.80s…: %v", filepath.Base(f), m[1], err)
			}
			if _, err := loadTriageConfig(p); err != nil {
				t.Errorf("%s: example %.80s…: %v", filepath.Base(f), m[1], err)
			}
		}
	}
	if n < 5 {
		t.Fatalf("only %d config examples found in the docs", n)
	}
	t.Logf("%d config examples load", n)
}
