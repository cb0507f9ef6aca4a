package assist

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestOfflineSentimentRules(t *testing.T) {
	cases := []struct {
		text string
		want string
	}{
		{"the food was good", SentimentPositive},
		{"the food was not good", SentimentNegative},
		{"Das Essen war gut", SentimentPositive},
		{"Das Essen war nicht gut", SentimentNegative},
		{"not bad at all, on time", SentimentPositive},
		{"Gar nicht schlecht, pünktlich", SentimentPositive},
		{"great, another delay", SentimentNegative},
		{"toll, schon wieder verspätet", SentimentNegative},
		{"Oh wonderful, my flight is delayed again", SentimentNegative},
		{"Thank you, the crew was lovely ❤️", SentimentPositive},
		{"my internet is down again 🙄", SentimentNegative},
		{"my bag didn't arrive", SentimentNegative},
		{"Mein Koffer ist nicht angekommen", SentimentNegative},
		{"What time does check-in open?", SentimentNeutral},
		{"Wann öffnet der Check-in?", SentimentNeutral},
		{"the crew were lovely but the delay was not", SentimentNegative},
	}
	for _, c := range cases {
		if got := Classify(c.text); got.SentimentLabel != c.want {
			t.Errorf("%q: %s (%.2f), want %s", c.text, got.SentimentLabel, got.Sentiment, c.want)
		}
	}
	// intensifiers and exclamation marks strengthen
	plain, strong := Classify("the crew was friendly").Sentiment, Classify("the crew was very friendly!!!").Sentiment
	if !(strong > plain) {
		t.Errorf("very friendly!!! %.2f is not stronger than friendly %.2f", strong, plain)
	}
	if a, b := Classify("Das Personal war unfreundlich").Sentiment, Classify("Das Personal war sehr unfreundlich").Sentiment; !(b < a) {
		t.Errorf("sehr unfreundlich %.2f is not stronger than unfreundlich %.2f", b, a)
	}
}

func TestOfflineUrgencyCues(t *testing.T) {
	high := []string{
		"@SkyWingsAir app crashes on my boarding pass and boarding is in 40 min",
		"My flight is cancelled and I need to be in Berlin tonight",
		"Mein Koffer fehlt, morgen früh ist die Hochzeit",
		"Kein Internet, ich habe um 14:30 ein Bewerbungsgespräch, dringend!",
		"no internet and a job interview at 14:30 today, asap please",
	}
	for _, s := range high {
		if got := Classify(s); got.UrgencyLabel != UrgencyHigh {
			t.Errorf("%q: urgency %s (%.2f), want high", s, got.UrgencyLabel, got.Urgency)
		}
	}
	low := []string{"Thanks for a lovely flight today!", "Do you fly to Tromsø in winter?", "What a sunset at the airport"}
	for _, s := range low {
		if got := Classify(s); got.UrgencyLabel != UrgencyLow {
			t.Errorf("%q: urgency %s (%.2f), want low", s, got.UrgencyLabel, got.Urgency)
		}
	}
}

func TestOfflineCategories(t *testing.T) {
	cases := map[string]string{
		"my suitcase never arrived in Lisbon":                   CategoryDeliveryBaggage,
		"Ich wurde doppelt abgebucht, bitte Rechnung prüfen":    CategoryBilling,
		"I want to cancel my contract":                          CategoryCancellation,
		"Ich möchte meinen Vertrag kündigen":                    CategoryCancellation,
		"my wifi keeps dropping since the update":               CategoryTechnical,
		"Ich komme nicht in mein Kundenkonto, Passwort falsch":  CategoryAccount,
		"The staff at the desk were rude and we waited an hour": CategoryServiceComplaint,
		"Huge thanks to the crew, best flight ever!":            CategoryPraise,
		"Are dogs allowed in the hotel?":                        CategoryQuestion,
		"Can I change my booking to tomorrow? Ref KX7P2Q":       CategoryBooking,
		"anyone watching the match tonight?":                    CategoryOther,
		"FREE crypto signals, DM me 👉 bit.ly/xyz":               CategoryOther,
	}
	for text, want := range cases {
		if got := Classify(text); got.Category != want {
			t.Errorf("%q: %s, want %s", text, got.Category, want)
		}
	}
}

func TestOfflineLanguage(t *testing.T) {
	cases := map[string]string{
		"Mein Koffer ist nicht angekommen":          LangDE,
		"Über die Brücke":                           LangDE,
		"my bag did not arrive":                     LangEN,
		"ma valise n'est pas arrivée, c'est grave":  LangOther,
		"¿puedo cambiar la fecha de mi vuelo? hola": LangOther,
		"hallo": LangDE,
		"hi":    LangEN,
	}
	for text, want := range cases {
		if got := Classify(text).Lang; got != want {
			t.Errorf("%q: lang %s, want %s", text, got, want)
		}
	}
	// a hint decides only when the text says nothing
	if got := (Offline{}).Classify(Input{Text: "SW381 ✈️", Lang: "de"}).Lang; got != LangDE {
		t.Errorf("no evidence, hint de: got %s", got)
	}
	if got := (Offline{}).Classify(Input{Text: "where is my bag", Lang: "de"}).Lang; got != LangEN {
		t.Errorf("English text with a German hint: got %s", got)
	}
}

func TestOfflineTrollAndSpam(t *testing.T) {
	troll := Classify("@SkyWingsAir you are all idiots lmao 🤡🤡")
	if troll.Troll < 0.5 || troll.Relevant || troll.SentimentLabel != SentimentNegative {
		t.Errorf("insult: %+v", troll)
	}
	angry := Classify("WORST AIRLINE EVER, my bag is lost and nobody answers")
	if angry.Troll >= 0.5 || !angry.Relevant {
		t.Errorf("an angry customer with a real problem is no troll: %+v", angry)
	}
	spam := Classify("Earn $500 a day from home!!! click the link in my bio https://x.example.biz")
	if spam.Spam < 0.5 || spam.Relevant || spam.Category != CategoryOther {
		t.Errorf("spam: %+v", spam)
	}
	follow := Classify("follow back and I'll follow you #followback")
	if follow.Spam < 0.5 {
		t.Errorf("follow-back: %+v", follow)
	}
	link := Classify("here is a photo of my broken suitcase https://imgur.example/abc")
	if link.Spam >= 0.5 {
		t.Errorf("a link alone is not spam: %+v", link)
	}
}

func TestSummarize(t *testing.T) {
	cases := map[string]string{
		"@SkyWingsAir @Mia my bag is lost. It had my suit in it.": "my bag is lost.",
		"Title of a forum post\nand its body":                     "Title of a forum post",
		"@SkyWingsAir":                                            "@SkyWingsAir",
		"":                                                        "(empty message)",
	}
	for in, want := range cases {
		if got := Summarize(in); got != want {
			t.Errorf("Summarize(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("word ", 60)
	got := Summarize(long)
	if n := utf8.RuneCountInString(got); n > 101 || !strings.HasSuffix(got, "…") {
		t.Errorf("long summary %q (%d runes)", got, n)
	}
}

func TestOfflineIsDeterministicAndValid(t *testing.T) {
	for _, l := range loadLabelled(t) {
		a, b := Classify(l.Text), Classify(l.Text)
		if a != b {
			t.Fatalf("%s: two runs differ: %+v %+v", l.ID, a, b)
		}
		if err := Validate(a, nil); err != nil {
			t.Fatalf("%s: offline triage invalid: %v", l.ID, err)
		}
	}
}

func TestOfflineConfiguredCategories(t *testing.T) {
	o := Offline{Categories: []string{"luggage", "other"}}
	got := o.Classify(Input{Text: "my suitcase never arrived"})
	if got.Category != CategoryOther {
		t.Fatalf("a category not configured: got %s, want other", got.Category)
	}
	if err := Validate(got, o.Categories); err != nil {
		t.Fatal(err)
	}
}

func TestScanners(t *testing.T) {
	clock := map[string]bool{
		"boarding at 14:30": true, "um 10 Uhr": true, "gegen 23 Uhr": true, "at 7am": true, "7 pm tonight": true,
		"at 9 tomorrow": true, "version 4.2 update": false, "ratio 1:2": false, "room 412": false, "at 1000 euros": false,
	}
	for s, want := range clock {
		if got := hasClock(newDoc(s)); got != want {
			t.Errorf("hasClock(%q) = %v", s, got)
		}
	}
	within := map[string]bool{
		"boarding in 40": true, "boarding is in 40": true, "Boarding beginnt in 30 Minuten": true, "in 2 hours": true,
		"Boarding in 1h": true, "in 2026": false, "in Lisbon": false, "in 3 weeks": false,
	}
	for s, want := range within {
		if got := hasWithin(newDoc(s)); got != want {
			t.Errorf("hasWithin(%q) = %v", s, got)
		}
	}
	link := map[string]bool{
		"see https://x.example": true, "www.deals.com": true, "bit.ly/abc": true, "t.me/x": true,
		"gewinn-jetzt.click now": true, "cheapflightz-deals.biz/promo": true, "the .info desk": false,
		"more info please": false, "e.g. no link": false,
	}
	for s, want := range link {
		if got := hasLink(strings.ToLower(s)); got != want {
			t.Errorf("hasLink(%q) = %v", s, got)
		}
	}
}

// FuzzClassify: any text gets a valid triage, and the same one twice.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"", "@", "@@a", "great, another delay 🙄", "nicht nicht gut!!", "14:", "in 9", "\xff\xfe", "a\nb\r\nc", strings.Repeat("🤡", 50)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := Classify(s)
		if err := Validate(a, nil); err != nil {
			t.Fatalf("%q: %v (%+v)", s, err, a)
		}
		if b := Classify(s); a != b {
			t.Fatalf("%q: not deterministic", s)
		}
	})
}
