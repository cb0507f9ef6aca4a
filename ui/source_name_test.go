package ui

import "testing"

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
