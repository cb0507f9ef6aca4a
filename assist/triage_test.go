package assist

import (
	"math"
	"strings"
	"testing"
)

func validTriage() Triage {
	return Triage{
		Category: CategoryBooking, Sentiment: -0.4, SentimentLabel: SentimentNegative,
		Urgency: 0.8, UrgencyLabel: UrgencyHigh, Troll: 0.1, Spam: 0, Lang: LangEN,
		Relevant: true, Summary: "Flight delayed, will I make my connection?", Source: "model:qwen2.5",
	}
}

func TestValidateAcceptsAGoodTriage(t *testing.T) {
	if err := Validate(validTriage(), nil); err != nil {
		t.Fatal(err)
	}
	off := validTriage()
	off.Source = SourceOffline
	if err := Validate(off, nil); err != nil {
		t.Fatal(err)
	}
}

func TestValidateFieldByField(t *testing.T) {
	cases := []struct {
		field string
		edit  func(*Triage)
	}{
		{"category", func(t *Triage) { t.Category = "refund" }},
		{"category", func(t *Triage) { t.Category = "" }},
		{"sentiment", func(t *Triage) { t.Sentiment = -1.5 }},
		{"sentiment", func(t *Triage) { t.Sentiment = math.NaN() }},
		{"sentiment_label", func(t *Triage) { t.SentimentLabel = "angry" }},
		{"sentiment_label", func(t *Triage) { t.Sentiment, t.SentimentLabel = 0.7, SentimentNegative }},
		{"sentiment_label", func(t *Triage) { t.SentimentLabel = SentimentPositive }},
		{"urgency", func(t *Triage) { t.Urgency = 2 }},
		{"urgency_label", func(t *Triage) { t.UrgencyLabel = "urgent" }},
		{"troll", func(t *Triage) { t.Troll = -0.1 }},
		{"spam", func(t *Triage) { t.Spam = 1.01 }},
		{"lang", func(t *Triage) { t.Lang = "fr" }},
		{"summary", func(t *Triage) { t.Summary = " " }},
		{"summary", func(t *Triage) { t.Summary = "line one\nline two" }},
		{"summary", func(t *Triage) { t.Summary = strings.Repeat("x", MaxSummaryRunes+1) }},
		{"summary", func(t *Triage) { t.Summary = "bad \xff utf8" }},
		{"source", func(t *Triage) { t.Source = "model:" }},
		{"source", func(t *Triage) { t.Source = "gpt" }},
	}
	for _, c := range cases {
		tr := validTriage()
		c.edit(&tr)
		err := Validate(tr, nil)
		if err == nil || !strings.HasPrefix(err.Error(), c.field+":") {
			t.Errorf("%+v: got %v, want an error on %s", tr, err, c.field)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: one bad field gave several errors: %v", tr, err)
		}
	}
}

func TestValidateConfiguredCategories(t *testing.T) {
	tr := validTriage()
	tr.Category = "roaming"
	if err := Validate(tr, []string{"roaming", "other"}); err != nil {
		t.Fatal(err)
	}
	if err := Validate(validTriage(), []string{"roaming", "other"}); err == nil {
		t.Fatal("booking accepted though not configured")
	}
}

func TestLabelsFromScores(t *testing.T) {
	for s, want := range map[float64]string{-0.9: SentimentNegative, -0.2: SentimentNegative, 0: SentimentNeutral, 0.19: SentimentNeutral, 0.5: SentimentPositive} {
		if got := SentimentLabelFor(s); got != want {
			t.Errorf("SentimentLabelFor(%v) = %s, want %s", s, got, want)
		}
	}
	for u, want := range map[float64]string{0: UrgencyLow, 0.3: UrgencyNormal, 0.64: UrgencyNormal, 0.65: UrgencyHigh, 1: UrgencyHigh} {
		if got := UrgencyLabelFor(u); got != want {
			t.Errorf("UrgencyLabelFor(%v) = %s, want %s", u, got, want)
		}
	}
}
