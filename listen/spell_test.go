package listen

import (
	"testing"

	"switchboard/model"
)

// TestSpellingsAreThePosts: the topics the hub keeps lower case are shown
// as the posts write them — most posts' form, whatever the case of the
// keyword — and a topic without a post that spells it has no spelling.
func TestSpellingsAreThePosts(t *testing.T) {
	items := []model.ListenItem{
		{ID: "1", Topics: []string{"reichweite", "update"}, Text: "Reichweite nach Update 4.2 — die Reichweite sinkt"},
		{ID: "2", Topics: []string{"reichweite", "update"}, Text: "seit dem update weniger Reichweite"},
		{ID: "3", Topics: []string{"reichweite", "update"}, Text: "REICHWEITE!!! Update kaputt"},
		{ID: "4", Topics: []string{"voltra", "ÖL"}, Text: "Voltra: kein Öl, kein ölwechsel"},
		{ID: "5", Topics: []string{"technical"}, Text: "no keyword here"},
		{ID: "6", Topics: []string{"akku"}, Text: "akku"},
		{ID: "7", Topics: []string{"akku"}, Text: "Akku"},
	}
	got := Spellings(items)
	want := map[string]string{"reichweite": "Reichweite", "update": "Update", "voltra": "Voltra", "ÖL": "Öl", "akku": "Akku"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%q spelled %q, want %q", k, got[k], w)
		}
	}
	if s, ok := got["technical"]; ok {
		t.Errorf("technical has no post that spells it, got %q", s)
	}
}
