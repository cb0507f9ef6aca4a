package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"

	"switchboard/sync/client"
)

// "Reconnecting…" (the R key) goes when the console is online again: it
// stayed its whole 10 s beside "Online" after the hub came back (seen
// under Xvfb, hub restarted, R). While the console is still offline or
// connecting it stays, and another message stays through the change.
func TestReconnectingClearsWhenOnline(t *testing.T) {
	test.NewTempApp(t)
	t.Cleanup(func() { SetLanguage("en") })
	for _, lang := range []string{"en", "de"} {
		SetLanguage(lang)
		s := NewStatusBar()
		s.Info(T("Reconnecting…"))
		s.Set(client.Status{State: client.StateConnecting}, 10)
		if s.flash.Text != T("Reconnecting…") {
			t.Errorf("%s: connecting: flash %q, want %q", lang, s.flash.Text, T("Reconnecting…"))
		}
		s.Set(client.Status{State: client.StateOnline}, 10)
		if s.flash.Text != "" {
			t.Errorf("%s: online: flash %q, want none", lang, s.flash.Text)
		}
		s.Info(T("Snoozed until {{.When}}.", "When", "16:30"))
		s.Set(client.Status{State: client.StateOffline}, 10)
		s.Set(client.Status{State: client.StateOnline}, 10)
		if s.flash.Text == "" {
			t.Errorf("%s: another message went with the reconnection", lang)
		}
	}
}
