package assist

import (
	"testing"
	"time"

	"switchboard/model"
)

func TestScoreOrdersCases(t *testing.T) {
	urgent := Classify("boarding in 40 min and my booking is gone, nobody helps!! flight LH123")
	question := Classify("Are dogs allowed on board?")
	praise := Classify("Thank you, the crew was wonderful today ❤️")
	troll := Classify("you are all clowns 🤡🤡 idiots")
	spam := Classify("Earn 5000$ a day with crypto, DM me, link in bio www.win-big.xyz")

	base := func(tr Triage) ScoreInput { return ScoreInput{Triage: tr, Public: true} }
	su, sq, sp, st, ss := Score(base(urgent)), Score(base(question)), Score(base(praise)), Score(base(troll)), Score(base(spam))
	t.Logf("urgent=%d question=%d praise=%d troll=%d spam=%d", su, sq, sp, st, ss)
	if !(su > sq && sq > st && sq > ss) {
		t.Errorf("urgent %d > question %d > troll %d, spam %d: order broken", su, sq, st, ss)
	}
	if sp >= su {
		t.Errorf("praise %d scored as high as the urgent case %d", sp, su)
	}
	for name, s := range map[string]int{"urgent": su, "question": sq, "praise": sp, "troll": st, "spam": ss} {
		if s < 0 || s > 100 {
			t.Errorf("%s: score %d outside 0..100", name, s)
		}
	}
}

func TestScoreFactors(t *testing.T) {
	tr := Triage{Category: CategoryBooking, Urgency: 0.4, Sentiment: -0.3, Relevant: true}
	plain := Score(ScoreInput{Triage: tr, Public: true})
	cases := []struct {
		name string
		edit func(*ScoreInput)
		want func(got int) bool
	}{
		{"high reach raises", func(in *ScoreInput) { in.Reach = model.ReachHigh }, func(g int) bool { return g >= plain+15 }},
		{"reach counts half in private", func(in *ScoreInput) { in.Reach, in.Public = model.ReachHigh, false }, func(g int) bool { return g > plain && g < plain+15 }},
		{"gold tier raises", func(in *ScoreInput) { in.Tier = "Gold" }, func(g int) bool { return g == plain+10 }},
		{"silver tier raises less", func(in *ScoreInput) { in.Tier = "silver" }, func(g int) bool { return g == plain+5 }},
		{"waiting an hour raises", func(in *ScoreInput) { in.Waiting = time.Hour }, func(g int) bool { return g > plain && g < plain+15 }},
		{"waiting half a day is capped", func(in *ScoreInput) { in.Waiting = 12 * time.Hour }, func(g int) bool { return g == plain+15 }},
		{"breached SLA raises", func(in *ScoreInput) { in.SLA = model.SLABreached }, func(g int) bool { return g == plain+10 }},
		{"troll demotes, never to nothing", func(in *ScoreInput) { in.Triage.Troll = 0.9 }, func(g int) bool { return g < plain/2 && g >= 1 }},
		{"spam demotes", func(in *ScoreInput) { in.Triage.Spam = 1 }, func(g int) bool { return g < plain/3 }},
		{"chatter demotes", func(in *ScoreInput) { in.Triage.Relevant = false }, func(g int) bool { return g < plain/2 }},
		{"angrier raises", func(in *ScoreInput) { in.Triage.Sentiment = -1 }, func(g int) bool { return g > plain }},
		{"happy adds nothing", func(in *ScoreInput) { in.Triage.Sentiment = 0.9 }, func(g int) bool { return g < plain }},
	}
	for _, c := range cases {
		in := ScoreInput{Triage: tr, Public: true}
		c.edit(&in)
		if got := Score(in); !c.want(got) {
			t.Errorf("%s: score %d (plain %d)", c.name, got, plain)
		}
	}
	maxed := Score(ScoreInput{Triage: Triage{Urgency: 1, Sentiment: -1, Relevant: true}, Reach: model.ReachHigh, Public: true,
		Tier: "senator", Waiting: 24 * time.Hour, SLA: model.SLABreached})
	if maxed != 100 {
		t.Errorf("everything at its top: score %d, want 100", maxed)
	}
}

func TestCaseTriageRoundTrip(t *testing.T) {
	tr := Classify("Mein Koffer ist nicht angekommen, Flug heute früh aus München")
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.FixedZone("x", 3600))
	ct := ToCaseTriage(tr, 42, "m1", at)
	if ct.Score != 42 || ct.MessageID != "m1" || !ct.At.Equal(at) || ct.At.Location() != time.UTC {
		t.Fatalf("stored triage %+v", ct)
	}
	back := FromCaseTriage(ct)
	if *back != tr {
		t.Fatalf("round trip: %+v, want %+v", *back, tr)
	}
	if FromCaseTriage(nil) != nil {
		t.Fatal("nil triage read as one")
	}
	if got := SourceLabel(ModelSource("gpt-4o-mini")); got != "model gpt-4o-mini" {
		t.Errorf("model label %q", got)
	}
	if got := SourceLabel(SourceOffline); got != "offline classifier" {
		t.Errorf("offline label %q", got)
	}
}

func TestFollowKeepsWhatTheCaseIsAbout(t *testing.T) {
	first := Classify("My suitcase did not arrive in Lisbon, my wedding is tomorrow at 10am!")
	if first.Category != CategoryDeliveryBaggage {
		t.Fatalf("first message: %+v", first)
	}
	next := Classify("any news??")
	got := Follow(&first, next)
	if got.Category != CategoryDeliveryBaggage || got.Summary != first.Summary || !got.Relevant {
		t.Errorf("a vague follow-up lost the case: %+v", got)
	}
	if got.Urgency < first.Urgency*0.75-1e-9 || got.UrgencyLabel != UrgencyLabelFor(got.Urgency) {
		t.Errorf("urgency %v (%s) after %v", got.Urgency, got.UrgencyLabel, first.Urgency)
	}
	if got.Sentiment != next.Sentiment || got.Lang != next.Lang {
		t.Errorf("mood and language are the new message's: %+v", got)
	}
	thanks := Classify("Thanks, any news?")
	if got := Follow(&first, thanks); got.Category != CategoryDeliveryBaggage || got.SentimentLabel != thanks.SentimentLabel {
		t.Errorf("thanks in a baggage case made it %+v", got)
	}
	billing := Classify("and you charged my card twice for the rebooking fee")
	if got := Follow(&first, billing); got.Category != billing.Category || got.Summary != billing.Summary {
		t.Errorf("a specific new message keeps its own category: %+v", got)
	}
	if got := Follow(nil, next); got != next {
		t.Errorf("no earlier triage: %+v", got)
	}
	if err := Validate(got, nil); err != nil {
		t.Errorf("followed triage invalid: %v", err)
	}
}

// The demo's history (demo/history.go): every opening message, then the
// follow-up "Thanks, any news?" (praise for the classifier) and a reopen,
// "It happened again." (other, not a care case): the case stays what it
// was; a real change of topic moves it.
func TestShortFollowUpKeepsTheCategory(t *testing.T) {
	openings := []string{
		"my booking reference does not show in the app", "the refund I was promised has not arrived",
		"meine Gepäckmeldung hat keine Antwort bekommen", "can I change the name on my ticket?",
		"the seat I paid for was given away", "Wann kommt meine Erstattung?", "the lounge refused my voucher",
		"my bag arrived damaged, who pays?", "is the 6:40 flight to Vienna on time?", "the check-in link gives an error",
	}
	thanks, again := Classify("Thanks, any news?"), Classify("It happened again.")
	if thanks.Category != CategoryPraise {
		t.Logf("the classifier now calls %q %s", "Thanks, any news?", thanks.Category)
	}
	for _, o := range openings {
		first := Classify("Hi, " + o)
		if first.Category == CategoryPraise || first.Category == CategoryOther || !first.Relevant {
			t.Fatalf("%q: %+v", o, first)
		}
		got, before := FoldTriage(nil, []Triage{first, thanks, again})
		if got.Category != first.Category || got.Summary != first.Summary || !got.Relevant {
			t.Errorf("%q (%s) then thanks and a reopen: %s %q relevant=%v", o, first.Category, got.Category, got.Summary, got.Relevant)
		}
		if want := Follow(&first, thanks); before == nil || *before != want || want.Category != first.Category {
			t.Errorf("%q: before the last message %+v, want %+v", o, before, want)
		}
		if got.Sentiment != again.Sentiment || got.Lang != again.Lang {
			t.Errorf("%q: mood and language are the newest message's: %+v", o, got)
		}
	}
	bag := Classify("Hi, my bag arrived damaged, who pays?")
	cancel := Classify("I also want to cancel my booking")
	if got, _ := FoldTriage(nil, []Triage{bag, thanks, cancel}); got.Category != CategoryCancellation || got.Summary != cancel.Summary {
		t.Errorf("a baggage case then a cancellation: %s %q", got.Category, got.Summary)
	}
	// Less specific news never wins over more; as specific does.
	complaint := Classify("Hi, the lounge refused my voucher")
	question := Classify("Hi, is the 6:40 flight to Vienna on time?")
	for _, c := range []struct {
		prev, next Triage
		want       string
	}{
		{complaint, thanks, CategoryServiceComplaint},
		{question, thanks, CategoryQuestion},
		{question, complaint, CategoryServiceComplaint},
		{thanks, question, CategoryQuestion},
		{again, thanks, CategoryPraise},
		{thanks, again, CategoryPraise},
	} {
		if got := Follow(&c.prev, c.next); got.Category != c.want {
			t.Errorf("%s then %s: %s, want %s", c.prev.Category, c.next.Category, got.Category, c.want)
		}
	}
	if got, before := FoldTriage(nil, []Triage{thanks}); got != thanks || before != nil {
		t.Errorf("one message: %+v, %+v", got, before)
	}
}
