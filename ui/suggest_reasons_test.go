package ui

import (
	"strings"
	"testing"
	"time"

	"switchboard/model"
)

// A link suggestion's evidence is said in the console's language: every
// template model.Suggest uses has its German, with the date and the
// platform's name as the console writes them (it was English text made in
// model, shown as it was in a German console).
func TestSuggestionReasonsInGerman(t *testing.T) {
	defer SetLanguage("en")
	SetLanguage("de")
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.Local)
	for _, tmpl := range model.ReasonTemplates {
		r := model.Reason{Template: tmpl, Args: []string{"Handle", "@julia_kr", "Platform", "twitter", "Email", "j@example.de",
			"Number", "4711", "Name", "Julia Kramer", "Author", "@jk"}, At: at}
		got := reasonText(r)
		if got == r.English() || strings.Contains(got, "{{") {
			t.Errorf("%q in German: %q", tmpl, got)
		}
		if strings.Contains(tmpl, "{{.Date}}") && !strings.Contains(got, "1. Dez.") {
			t.Errorf("%q in German: %q has no German date", tmpl, got)
		}
		if strings.Contains(tmpl, "{{.Platform}}") && !strings.Contains(got, "X") {
			t.Errorf("%q in German: %q does not name X", tmpl, got)
		}
	}
	SetLanguage("en")
	r := model.Reason{Template: model.ReasonNumber, Args: []string{"Number", "4711"}, At: at}
	if got := reasonText(r); got != "wrote customer number 4711 (1 Dec)" {
		t.Errorf("in English: %q", got)
	}
}
