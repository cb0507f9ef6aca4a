package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchboard/model"
)

func TestReachConfig(t *testing.T) {
	write := func(body string) string {
		p := filepath.Join(t.TempDir(), "hub.json")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg, err := loadConfig("")
	if err != nil || cfg.Reach != model.DefaultReach {
		t.Fatalf("no config: reach %+v, %v", cfg.Reach, err)
	}
	// Fields left out keep their defaults.
	cfg, err = loadConfig(write(`{"reach": {"high": 50000, "raise_at": "influencer", "raise_to": 3}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := model.ReachThresholds{Notable: 2_000, Influencer: 10_000, High: 50_000, RaiseAt: model.ReachInfluencer, RaiseTo: model.PriorityUrgent}
	if cfg.Reach != want {
		t.Fatalf("reach = %+v, want %+v", cfg.Reach, want)
	}
	for body, wantErr := range map[string]string{
		`{"reach": {"notable": 20000}}`:         "cut-offs must grow",
		`{"reach": {"high": -1}}`:               "negative",
		`{"reach": {"raise_at": "celebrity"}}`:  `raise_at "celebrity"`,
		`{"reach": {"raise_to": 7}}`:            "raise_to",
		`{"reach": {"raise_at": "none"}}`:       "",
		`{"reach": {"notable": 0, "high": 10}}`: "cut-offs must grow",
	} {
		_, err := loadConfig(write(body))
		if wantErr == "" && err != nil || wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)) {
			t.Errorf("%s: err %v, want %q", body, err, wantErr)
		}
	}
}
