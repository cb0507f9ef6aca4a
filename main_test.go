package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --token-file takes the token from a file, so that it is not on the
// command line for ps to show (issue 9, point 12).
func TestTokenFromFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tok := "sb_" + strings.Repeat("x", 43)
	if got, err := tokenFromFile(write("ok", tok+"\n")); err != nil || got != tok {
		t.Errorf("a token file with its newline: %q, %v", got, err)
	}
	for name, content := range map[string]string{
		"empty": " \n",
		"two":   tok + "\n" + tok + "\n",
		"big":   strings.Repeat("x", maxTokenFile+1),
	} {
		if got, err := tokenFromFile(write(name, content)); err == nil {
			t.Errorf("%s file: token %q, no error", name, got)
		}
	}
	if _, err := tokenFromFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file: no error")
	}
}
