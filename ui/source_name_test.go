package ui

import (
	"testing"
	"time"
)

// Where a case was posted is said in the console's language: the
// connectors name their sources in English, and a German console showed
// "Facebook page Alpenblick Hotels · neu · normale Priorität".
func TestSourceNamesInGerman(t *testing.T) {
	defer SetLanguage("en")
	SetLanguage("de")
	for src, want := range map[string]string{
		"@SkyWingsAir mentions":                "Erwähnungen von @SkyWingsAir",
		"X search outage":                      "X-Suche outage",
		"Facebook page Alpenblick Hotels":      "Facebook-Seite Alpenblick Hotels",
		"Messenger · NordNetz":                 "Messenger · NordNetz",
		"Forum autoforum.example · Voltra E5":  "Forum autoforum.example · Voltra E5",
		"@brand mentions of the week, by hand": "@brand mentions of the week, by hand",
	} {
		if got := SourceName(src); got != want {
			t.Errorf("%q in German: %q, want %q", src, got, want)
		}
	}
	SetLanguage("en")
	if got := SourceName("Facebook page Alpenblick Hotels"); got != "Facebook page Alpenblick Hotels" {
		t.Errorf("in English: %q", got)
	}
}

// A case's age and waiting time are German in a German console ("26 Std.",
// not "26h"), and the row's age column fits the widest of them.
func TestAgesInGerman(t *testing.T) {
	defer SetLanguage("en")
	SetLanguage("de")
	for d, want := range map[time.Duration]string{12 * time.Second: "12 s", 29 * time.Minute: "29 Min.", 26 * time.Hour: "26 Std.", 72 * time.Hour: "3 T."} {
		if got := Age(d); got != want {
			t.Errorf("Age(%v) in German: %q, want %q", d, got, want)
		}
	}
	SetLanguage("en")
	if got := Age(26 * time.Hour); got != "26h" {
		t.Errorf("Age(26h) in English: %q", got)
	}
}
