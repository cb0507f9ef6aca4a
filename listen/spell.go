package listen

import (
	"strings"
	"unicode"

	"switchboard/model"
)

// Spellings is how the posts write each of their topics, for display: the
// hub keeps a listened keyword lower case (it matches case-insensitively:
// "reichweite" is a topic of "Reichweite nach Update 4.2"), and shown
// as kept, the German nouns of a listening view read "reichweite",
// "akku". For each topic the form most of its posts use is its spelling
// ("Reichweite"; the first in byte order on a tie, capitals before small
// letters); a topic no post spells out has none.
func Spellings(items []model.ListenItem) map[string]string {
	counts := map[string]map[string]int{}
	for _, it := range items {
		if len(it.Topics) == 0 || it.Text == "" {
			continue
		}
		text := []rune(it.Text)
		lower := make([]rune, len(text))
		for i, r := range text {
			lower[i] = unicode.ToLower(r)
		}
		for _, tp := range it.Topics {
			key := []rune(strings.ToLower(tp))
			if len(key) == 0 {
				continue
			}
			seen := map[string]bool{} // a post counts once per spelling
			for i := 0; i+len(key) <= len(lower); i++ {
				if !runesEqual(lower[i:i+len(key)], key) {
					continue
				}
				form := string(text[i : i+len(key)])
				if seen[form] {
					continue
				}
				seen[form] = true
				if counts[tp] == nil {
					counts[tp] = map[string]int{}
				}
				counts[tp][form]++
			}
		}
	}
	out := make(map[string]string, len(counts))
	for tp, forms := range counts {
		best, n := "", 0
		for form, c := range forms {
			if c > n || c == n && form < best {
				best, n = form, c
			}
		}
		out[tp] = best
	}
	return out
}

func runesEqual(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
