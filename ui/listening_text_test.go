package ui

import "testing"

// A forum post listened to came as its thread's title and its body; the
// card ran them together ("Reichweite nach Update 4.2 Update 4.2 ist ein
// Rückschritt", seen in the demo's listening view).
func TestListenedPostShowsTitleAndBodyApart(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Reichweite nach Update 4.2\nUpdate 4.2 ist ein Rückschritt:\nReichweite runter.", "Reichweite nach Update 4.2 — Update 4.2 ist ein Rückschritt: Reichweite runter."},
		{"  one line only  ", "one line only"},
		{"\n\nTitle\n\n\nBody\n", "Title — Body"},
		{"", ""},
	} {
		if got := postText(c.in, 280); got != c.want {
			t.Errorf("postText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := postText("Title\na very long body that goes on", 12); got != "Title — a v…" {
		t.Errorf("cut to 12 runes: %q", got)
	}
}
