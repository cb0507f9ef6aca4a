package ui_test

import (
	"testing"

	"switchboard/ui"
)

// TestKeyFOpensMyFigures: "f" in the console opens the agent's figures.
func TestKeyFOpensMyFigures(t *testing.T) {
	_, c := openConsole(t)
	n := 0
	c.SetMyFigures(func() { n++ })
	c.Locked(func() { c.Key("f") })
	if n != 1 {
		t.Fatalf("f opened my figures %d times", n)
	}
	found := false
	for _, s := range ui.Shortcuts() {
		found = found || s.Keys == "f"
	}
	if !found {
		t.Fatal("the shortcut list does not name f")
	}
}
