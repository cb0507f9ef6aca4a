package model

import (
	"testing"
	"time"
)

func TestSummaryCarriesSLAAndTriage(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c := Case{ID: "c-1", Status: StatusOpen, SLA: &CaseSLA{State: SLAAtRisk,
		FirstResponseDue: at.Add(30 * time.Minute), ResolutionDue: at.Add(10 * time.Minute), NextResponseDue: time.Time{}},
		Triage: &CaseTriage{Category: "billing", UrgencyLabel: "high", SentimentLabel: "negative", Lang: "de",
			Source: "offline", Score: 81, Troll: 0.7, Spam: 0.1, Relevant: true}}
	s := c.Summary()
	if s.SLA != SLAAtRisk || !s.Due.Equal(at.Add(10*time.Minute)) {
		t.Fatalf("SLA %q due %v: want at_risk, the earliest running due time", s.SLA, s.Due)
	}
	if s.Category != "billing" || s.Urgency != "high" || s.Sentiment != "negative" || s.Lang != "de" ||
		s.TriageSource != "offline" || s.Score != 81 || !s.Troll || s.Spam || s.Irrelevant {
		t.Fatalf("triage fields %+v", s)
	}
	if s.Public {
		t.Fatal("a private case's summary says public")
	}
	if !(&Case{ID: "c-3", Public: true}).Summary().Public {
		t.Fatal("a public case's summary does not say public")
	}
	bare := (&Case{ID: "c-2"}).Summary()
	if bare.SLA != "" || !bare.Due.IsZero() || bare.Category != "" || bare.Irrelevant {
		t.Fatalf("a case without SLA and triage: %+v", bare)
	}
	if !(*CaseSLA)(nil).NextDue().IsZero() {
		t.Fatal("NextDue of nil")
	}
}
