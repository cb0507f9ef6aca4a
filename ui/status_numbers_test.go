package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"

	"switchboard/sync/client"
)

// The status bar's sync position is a number like the others beside it:
// "3.498 Fälle im Cache · 23.515 / 23.515" in German (it read "· 23515 /
// 23515" beside "3.498 Fälle", seen at FYNE_SCALE=2 --lang de), "3,498
// cases cached · 23,515 / 23,515" in English.
func TestStatusBarCountsAreLocalised(t *testing.T) {
	test.NewTempApp(t)
	t.Cleanup(func() { SetLanguage("en") })
	for _, tc := range []struct{ lang, want string }{
		{"en", "3,498 cases cached · 23,515 / 23,515"},
		{"de", "3.498 Fälle im Cache · 23.515 / 23.515"},
	} {
		SetLanguage(tc.lang)
		s := NewStatusBar()
		s.Set(client.Status{State: client.StateOnline, Cursor: 23515, Head: 23515}, 3498)
		if got := s.counts.Text; got != tc.want {
			t.Errorf("%s: counts %q, want %q", tc.lang, got, tc.want)
		}
	}
}
