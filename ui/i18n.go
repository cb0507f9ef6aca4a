package ui

import (
	"embed"
	"os"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// The console speaks English and German through Fyne's lang package: the
// English text is the key (lang.L), translations/de.json has the German.
// The language is the system's (LANGUAGE, LC_ALL, LC_MESSAGES, LANG) unless
// the agent picked one in the settings; dates and numbers follow it.

//go:embed translations
var translations embed.FS

var (
	langMu  sync.RWMutex
	curLang = "en"
)

func init() { SetLanguage("") }

// SetLanguage picks the console's language: "en", "de", or "" for the
// system's. Widgets made afterwards use it; call it before ui.New.
func SetLanguage(code string) {
	switch code {
	case "de":
		os.Setenv("LANGUAGE", "de_DE")
	case "en":
		os.Setenv("LANGUAGE", "en_US")
	}
	if err := lang.AddTranslationsFS(translations, "translations"); err != nil {
		fyne.LogError("translations", err)
	}
	// What the localizer picked, not a guess at it.
	l := lang.L("__lang__")
	if l != "de" {
		l = "en"
	}
	langMu.Lock()
	curLang = l
	langMu.Unlock()
}

// Language is the console's language now: "en" or "de".
func Language() string {
	langMu.RLock()
	defer langMu.RUnlock()
	return curLang
}

func german() bool { return Language() == "de" }

func printer() *message.Printer {
	if german() {
		return message.NewPrinter(language.German)
	}
	return message.NewPrinter(language.English)
}

// Number formats a count with the language's digit grouping: 182,450 or
// 182.450.
func Number(n int) string { return printer().Sprintf("%d", n) }

// Money formats an amount in euros: €182,450 or 182.450 €.
func Money(v float64) string {
	if german() {
		return printer().Sprintf("%.0f €", v)
	}
	return printer().Sprintf("€%.0f", v)
}

var (
	deMonths = []string{"Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."}
	deDays   = []string{"So.", "Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa."}
)

// Day is a short date: "1 Dec" or "1. Dez.".
func Day(t time.Time) string {
	t = t.Local()
	if german() {
		return t.Format("2. ") + deMonths[t.Month()-1]
	}
	return t.Format("2 Jan")
}

// DayYear is a date with the year: "1 Dec 2026" or "1. Dez. 2026".
func DayYear(t time.Time) string {
	return Day(t) + t.Local().Format(" 2006")
}

// Stamp is a message time: "Tue 1 Dec 14:05" or "Di. 1. Dez. 14:05".
func Stamp(t time.Time) string {
	t = t.Local()
	if german() {
		return deDays[t.Weekday()] + " " + Day(t) + t.Format(" 15:04")
	}
	return t.Format("Mon 2 Jan 15:04")
}

// T translates a message with template data: T("{{.N}} waiting", "N", 3).
func T(text string, kv ...any) string {
	if len(kv) == 0 {
		return lang.L(text)
	}
	data := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		data[kv[i].(string)] = kv[i+1]
	}
	return lang.L(text, data)
}

// SourceName is where a case was posted, in the console's language: the
// connectors name their sources in English ("@SkyWingsAir mentions",
// "X search NAME", "Facebook page NAME"); a source of another form (a
// forum's configured name) is shown as it is.
func SourceName(src string) string {
	switch {
	case strings.HasPrefix(src, "@") && strings.HasSuffix(src, " mentions") && !strings.Contains(strings.TrimSuffix(src, " mentions"), " "):
		return T("{{.Handle}} mentions", "Handle", strings.TrimSuffix(src, " mentions"))
	case strings.HasPrefix(src, "X search "):
		return T("X search {{.Name}}", "Name", strings.TrimPrefix(src, "X search "))
	case strings.HasPrefix(src, "Facebook page "):
		return T("Facebook page {{.Name}}", "Name", strings.TrimPrefix(src, "Facebook page "))
	}
	return src
}
