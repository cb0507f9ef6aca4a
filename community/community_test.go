package community

import (
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/model"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseAway(t *testing.T) {
	for _, c := range []struct {
		text  string
		until time.Time
		ok    bool
	}{
		{"Hallo zusammen, ich bin bis 24.12. im Urlaub, danach gerne wieder!", day(2026, 12, 25), true},
		{"Sorry for my absence: I got married and I'm away until January 6, back after that.", day(2027, 1, 7), true},
		{"Out of office until 2026-12-15.", day(2026, 12, 16), true},
		{"Bis zum 3. Januar bin ich nicht da.", day(2027, 1, 4), true},
		{"Ich bin im Urlaub, ab 10.1. wieder da", day(2027, 1, 10), true},
		{"Ich bin ab sofort eine Weile abwesend.", time.Time{}, true},
		{"Try resetting the router, then update to 7.57.", time.Time{}, false},
		{"Wie lange dauert die Lieferung bis 24.12.?", time.Time{}, false},
	} {
		until, ok := ParseAway(c.text, t0)
		if ok != c.ok || !until.Equal(c.until) {
			t.Errorf("%q: until %v ok %v, want %v %v", c.text, until, ok, c.until, c.ok)
		}
	}
}

func TestExpertValidateNeedsConsent(t *testing.T) {
	e := model.Expert{Key: "Forum:@KohlMark@community.a1.example", Topics: []string{" #Galaxy  S24 ", "galaxy s24", "Router"}}.Normalize()
	if e.Key != "forum:kohlmark@community.a1.example" || !slices.Equal(e.Topics, []string{"galaxy s24", "router"}) {
		t.Fatalf("normalised %+v", e)
	}
	if err := e.Validate(); err == nil || !strings.Contains(err.Error(), "consent") {
		t.Fatalf("no consent: err = %v", err)
	}
	e.Consent = model.ExpertConsent{At: t0, By: "lead-lisa", How: "opt-in post"}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []model.Expert{
		{Key: "myspace:kim", Consent: e.Consent},
		{Key: "forum:kim", Consent: e.Consent, Contact: "carrier pigeon"},
		{Key: "forum:kim", Consent: e.Consent, Away: &model.Away{From: t0, Until: t0.Add(-time.Hour)}},
	} {
		if bad.Normalize().Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	away := model.Expert{Away: &model.Away{From: t0.Add(24 * time.Hour), Until: t0.Add(72 * time.Hour)}}
	if away.AwayAt(t0) || !away.AwayAt(t0.Add(48*time.Hour)) || away.AwayAt(t0.Add(72*time.Hour)) {
		t.Fatal("AwayAt does not follow from/until")
	}
}

func TestLearnCountsAnswersEndingsThanksAndAccepts(t *testing.T) {
	ev := Evidence{}
	q := "forum:asker"
	thread := []Post{
		{Author: q, Text: "My Galaxy S24 drops wifi after the update. Any idea?", Time: t0},
		{Author: "forum:guesser", Text: "Restart it?", Time: t0.Add(time.Minute)},
		{Author: q, Text: "Tried, still the same?", Time: t0.Add(2 * time.Minute)},
		{Author: "forum:kohlmark", Text: "Settings → Connections → reset network settings; it's a known bug of the November patch.", Time: t0.Add(time.Hour)},
		{Author: q, Text: "Danke, hat geklappt!", Time: t0.Add(2 * time.Hour)},
	}
	ev.Learn(thread, []string{"Galaxy S24"}, nil)
	k := ev["forum:kohlmark"]["galaxy s24"]
	if k == nil || k.Answers != 1 || k.Ended != 1 || k.Thanked != 1 || k.Accepted != 0 || !k.Last.Equal(t0.Add(time.Hour)) {
		t.Fatalf("kohlmark: %+v", k)
	}
	g := ev["forum:guesser"]["galaxy s24"]
	if g == nil || g.Answers != 1 || g.Ended != 0 || g.Thanked != 0 {
		t.Fatalf("guesser: %+v", g)
	}
	if ev[q] != nil {
		t.Fatal("the asker learned their own question")
	}
	// An accepted answer on a Q&A site, and learning limited to members.
	ev.Learn([]Post{{Author: "forum:a", Text: "How do I port my number?"}, {Author: "forum:kohlmark", Text: "Ask for the PUK code.", Accepted: true, Time: t0}},
		[]string{"porting"}, func(key string) bool { return key == "forum:kohlmark" })
	if s := ev["forum:kohlmark"]["porting"]; s == nil || s.Accepted != 1 {
		t.Fatalf("accepted: %+v", s)
	}
	ev.Learn([]Post{{Author: "forum:a", Text: "?"}, {Author: "forum:stranger", Text: "no idea"}}, []string{"porting"}, func(key string) bool { return key == "forum:kohlmark" })
	if ev["forum:stranger"] != nil {
		t.Fatal("a non-member's activity was kept")
	}
	if top := ev.Topics("forum:kohlmark"); len(top) != 2 || top[0].Topic != "porting" {
		t.Fatalf("topics strongest first: %+v", top)
	}
}

func TestTopicsIn(t *testing.T) {
	got := TopicsIn("Meine FritzBox 7590 verliert ständig DSL", []string{"fritzbox 7590", "fritzbox", "dsl", "galaxy s24", "7590 ax"})
	if !slices.Equal(got, []string{"fritzbox 7590", "fritzbox", "dsl"}) {
		t.Fatalf("got %q", got)
	}
}

func TestSuggestRanksByTopicEvidenceLanguageLoadAndAvailability(t *testing.T) {
	c := model.ExpertConsent{At: t0, By: "lead"}
	experts := []model.Expert{
		{Key: "forum:kohlmark", Name: "kohlmark", Topics: []string{"galaxy s24"}, Languages: []string{"de"}, Consent: c,
			Away: &model.Away{Until: t0.Add(10 * 24 * time.Hour), Note: "honeymoon", SetBy: "self"}},
		{Key: "forum:techtom", Topics: []string{"galaxy s24", "router"}, Languages: []string{"de", "en"}, Consent: c},
		{Key: "forum:sabine", Topics: []string{"galaxy s24"}, Languages: []string{"en"}, Consent: c},
		{Key: "forum:learned", Consent: c},
		{Key: "forum:router-only", Topics: []string{"router"}, Consent: c},
		{Key: "forum:gone", Topics: []string{"galaxy s24"}, Consent: c, Removed: true},
		{Key: "forum:asker", Topics: []string{"galaxy s24"}, Consent: c},
	}
	ev := Evidence{"forum:learned": {"galaxy s24": {Answers: 6, Ended: 4, Thanked: 3, Accepted: 1}}}
	q := Query{Topics: []string{"Galaxy S24"}, Lang: "de", Exclude: []string{"forum:asker"}}
	got := Suggest(experts, ev, map[string]int{"forum:techtom": 1}, q, t0, 0)
	var keys []string
	for _, s := range got {
		keys = append(keys, s.Expert.Key)
	}
	// learned: log2(1+13)=3.8→3; techtom 3+1−0.75; sabine 3−2; kohlmark away (last).
	want := []string{"forum:techtom", "forum:learned", "forum:sabine", "forum:kohlmark"}
	if !slices.Equal(keys, want) {
		t.Fatalf("order %v, want %v (%+v)", keys, want, got)
	}
	if got[0].Score != 3.25 || got[1].Score != 3 || len(got[1].Evidence) != 1 || got[2].LangMatch {
		t.Fatalf("scores/evidence: %+v", got)
	}
	if last := got[3]; last.Available || !last.AwayUntil.Equal(t0.Add(10*24*time.Hour)) {
		t.Fatalf("away expert: %+v", last)
	}
	// Once back, kohlmark leads: listed topic and language, no load.
	back := Suggest(experts, ev, nil, q, t0.Add(11*24*time.Hour), 1)
	if len(back) != 1 || back[0].Expert.Key != "forum:kohlmark" && back[0].Expert.Key != "forum:techtom" {
		t.Fatalf("after the absence: %+v", back)
	}
	if back[0].Score != 4 {
		t.Fatalf("top score %v", back[0].Score)
	}
}

func TestCheckHandoffRefusesPersonalData(t *testing.T) {
	p := Personal{Names: []string{"Emily Carter"}, Handles: []string{"@emily_c"}, CustomerIDs: []string{"20871"},
		Emails: []string{"emily.carter@example.org"}, Phones: []string{"+43 664 1234567"}}
	clean := "Hi @kohlmark, a customer's Galaxy S24 drops wifi since the November patch (reset network settings did not help). Do you know a fix?"
	if f := CheckHandoff(clean, p); len(f) != 0 {
		t.Fatalf("clean hand-off refused: %v", f)
	}
	for text, kind := range map[string]string{
		"Emily's phone drops wifi":                              "name",
		"Amy's phone drops wifi":                                "",
		"Mrs Carter's phone drops wifi":                         "name",
		"from emily carter: wifi drops":                         "name",
		"@emily_c has a problem":                                "handle",
		"customer 20871 asks":                                   "customer_number",
		"write to emily.carter@example.org":                     "email",
		"mail her: someone@else.net":                            "email",
		"call 0664 1234567":                                     "phone",
		"call +49 30 98765432":                                  "phone",
		"IBAN AT61 1904 3002 3457 3201":                         "iban",
		"card 4111 1111 1111 1111":                              "card",
		"Kundennummer: 55512 hat ein Problem":                   "customer_number",
		"she lives at Hauptstraße 12":                           "address",
		"Buchungsnummer ABC123 is affected, booking ref XY7788": "customer_number",
	} {
		f := CheckHandoff(text, p)
		if kind == "" {
			if len(f) != 0 {
				t.Errorf("%q: %v, want none", text, f)
			}
			continue
		}
		if !slices.ContainsFunc(f, func(x Finding) bool { return x.Kind == kind }) {
			t.Errorf("%q: findings %v, want a %s", text, f, kind)
		}
	}
}

func TestRecogniseHeroOfTheMonth(t *testing.T) {
	from, to := Month(t0)
	answers := []Answer{
		{Expert: "forum:kohlmark", Name: "kohlmark", Topic: "galaxy s24", Asked: t0, At: t0.Add(30 * time.Minute), Solved: true, Thanked: true},
		{Expert: "forum:kohlmark", Topic: "galaxy s24", Asked: t0, At: t0.Add(90 * time.Minute), Accepted: true},
		{Expert: "forum:techtom", Topic: "router", Asked: t0, At: t0.Add(10 * time.Minute)},
		{Expert: "forum:techtom", Topic: "router", Asked: t0, At: t0.Add(20 * time.Minute)},
		{Expert: "forum:techtom", Topic: "router", Asked: t0, At: t0.Add(40 * time.Minute)},
		{Expert: "forum:lastmonth", Asked: from.Add(-time.Hour), At: from.Add(-time.Minute), Solved: true, Accepted: true},
	}
	h := Recognise(answers, from, to)
	if len(h) != 2 || h[0].Expert != "forum:kohlmark" || h[0].Points != 7 || h[0].Name != "kohlmark" || h[0].Topics["galaxy s24"] != 2 {
		t.Fatalf("heroes %+v", h)
	}
	if h[0].MedianWait != time.Hour || h[1].MedianWait != 20*time.Minute || h[1].Answers != 3 {
		t.Fatalf("waits %+v", h)
	}
}

func TestReadCSV(t *testing.T) {
	in := "\ufeffKey,Name,Level,Topics,Languages,Contact,Consent_At,Consent_How,Away_Until,Away_Note\n" +
		"forum:kohlmark@community.a1.example,kohlmark,Superuser,Galaxy S24; Router,de,thread,2026-10-02,opt-in post,2026-12-20,Hochzeit\n" +
		"forum:nobody,No Consent,,router,,,,,,\n" +
		"myspace:x,X,,a,,,2026-10-02,,,\n" +
		"\"broken,row\n"
	got, bad, err := ReadCSV(strings.NewReader(in), "lead-lisa", t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Key != "forum:kohlmark@community.a1.example" || !slices.Equal(got[0].Topics, []string{"galaxy s24", "router"}) ||
		got[0].Consent.By != "lead-lisa" || got[0].Away == nil || !got[0].Away.Until.Equal(day(2026, 12, 20)) || got[0].Level != "Superuser" {
		t.Fatalf("rows %+v", got)
	}
	if len(bad) != 3 || bad[0].Line != 3 || !strings.Contains(bad[0].Reason, "consent") || bad[1].Line != 4 {
		t.Fatalf("refused %+v", bad)
	}
	if _, _, err := ReadCSV(strings.NewReader("name,topics\nx,y\n"), "l", t0); err == nil {
		t.Fatal("a file without key/consent_at columns was read")
	}
}

func TestThreadAnswers(t *testing.T) {
	q := "forum:asker"
	thread := []Post{
		{Author: q, Text: "Router drops DSL every night", Time: t0},
		{Author: "forum:stranger", Text: "same here", Time: t0.Add(time.Minute)},
		{Author: "forum:techtom", Text: "Switch the line profile to stable.", Time: t0.Add(time.Hour)},
		{Author: q, Text: "Thanks, that worked!", Time: t0.Add(2 * time.Hour)},
		{Author: "forum:techtom", Text: "Glad it helped.", Time: t0.Add(3 * time.Hour), Accepted: true},
	}
	got := ThreadAnswers(thread, "router", func(k string) bool { return k == "forum:techtom" })
	if len(got) != 1 || got[0].Expert != "forum:techtom" || !got[0].Thanked || !got[0].Accepted || !got[0].At.Equal(t0.Add(time.Hour)) || got[0].Topic != "router" {
		t.Fatalf("answers %+v", got)
	}
}

// A thread kept in brief (no text; what the rules read of the asker's
// posts instead) learns and recognises exactly what the full thread does.
func TestBriefThreadLearnsTheSame(t *testing.T) {
	q := "forum:asker"
	thread := []Post{
		{Author: q, Text: "My Galaxy S24 drops wifi after the update. Any idea?", Time: t0},
		{Author: "forum:guesser", Text: "Restart it? Thanks for asking", Time: t0.Add(time.Minute)},
		{Author: q, Text: "Tried, still the same?", Time: t0.Add(2 * time.Minute)},
		{Author: "forum:kohlmark", Text: "Reset network settings.", Time: t0.Add(time.Hour)},
		{Author: q, Text: "Danke, hat geklappt!", Time: t0.Add(2 * time.Hour)},
		{Author: "forum:guesser", Text: "Does it still work?", Time: t0.Add(3 * time.Hour)},
	}
	brief := make([]Post, len(thread))
	for i, p := range thread {
		brief[i] = Brief(p, p.Author == q)
		if brief[i].Text != "" {
			t.Fatalf("post %d keeps its text", i)
		}
	}
	full, short := Evidence{}, Evidence{}
	full.Learn(thread, []string{"galaxy s24"}, nil)
	short.Learn(brief, []string{"galaxy s24"}, nil)
	for _, k := range []string{"forum:kohlmark", "forum:guesser"} {
		if *full[k]["galaxy s24"] != *short[k]["galaxy s24"] {
			t.Errorf("%s: full %+v, brief %+v", k, *full[k]["galaxy s24"], *short[k]["galaxy s24"])
		}
	}
	if k := short["forum:kohlmark"]["galaxy s24"]; k.Thanked != 1 || k.Ended != 0 {
		t.Errorf("kohlmark in brief: %+v", k)
	}
	a, b := ThreadAnswers(thread, "x", nil), ThreadAnswers(brief, "x", nil)
	if len(a) != 2 || len(b) != 2 || a[0] != b[0] || a[1] != b[1] {
		t.Errorf("thread answers: full %+v, brief %+v", a, b)
	}
}
