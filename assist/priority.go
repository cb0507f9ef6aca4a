package assist

import (
	"math"
	"strings"
	"time"

	"switchboard/model"
)

// ScoreInput is what the priority score is computed from.
type ScoreInput struct {
	Triage Triage
	// Reach is the author's reach label, Public whether the conversation
	// is public (reach weighs half in private).
	Reach  model.Reach
	Public bool
	// Tier is the linked customer's loyalty tier ("" when unlinked).
	Tier string
	// Waiting is how long the customer has waited for an answer (0 when
	// the team has the last word).
	Waiting time.Duration
	// SLA is the case's service-level state ("" when none is measured).
	SLA model.SLAState
}

// Points of the priority score; the sum is at most 100 before demotion.
const (
	scoreUrgency   = 35 // × urgency 0..1
	scoreSentiment = 15 // × how negative, 0..1 (positive counts 0)
	scoreReach     = 15 // high-reach; influencer 10, notable 5
	scoreTier      = 10 // top tiers; middle tiers 5
	scoreWaiting   = 15 // grows with the wait, full after scoreWaitFull
	scoreSLA       = 10 // breached; at risk 6
	scoreWaitFull  = 4 * time.Hour
)

// Score is the priority score 0..100 of a case: the higher, the sooner an
// agent should look.
//
//	35 × urgency
//	+ 15 × negativity (−sentiment, 0 for a neutral or positive message)
//	+ reach: 15 high-reach, 10 influencer, 5 notable (half in private)
//	+ tier: 10 for senator/platinum/gold/vip, 5 for silver/premium
//	+ waiting: 15 × √(wait / 4 h), full from 4 hours on
//	+ SLA: 10 breached, 6 at risk
//
// then demoted, never hidden: × (1 − 0.8 × max(troll, spam)), and brand
// chatter (not relevant) × 0.4. Rounded; at least 1 for anything relevant.
func Score(in ScoreInput) int {
	t := in.Triage
	s := scoreUrgency * clamp01(t.Urgency)
	s += scoreSentiment * clamp01(-t.Sentiment)
	reach := 0.0
	switch in.Reach {
	case model.ReachHigh:
		reach = scoreReach
	case model.ReachInfluencer:
		reach = 10
	case model.ReachNotable:
		reach = 5
	}
	if !in.Public {
		reach /= 2
	}
	s += reach
	switch strings.ToLower(strings.TrimSpace(in.Tier)) {
	case "senator", "platinum", "gold", "vip", "hon", "diamond":
		s += scoreTier
	case "silver", "premium", "plus", "frequent":
		s += scoreTier / 2
	}
	if in.Waiting > 0 {
		s += scoreWaiting * math.Sqrt(math.Min(1, float64(in.Waiting)/float64(scoreWaitFull)))
	}
	switch in.SLA {
	case model.SLABreached:
		s += scoreSLA
	case model.SLAAtRisk:
		s += 6
	}
	s *= 1 - 0.8*clamp01(math.Max(t.Troll, t.Spam))
	if !t.Relevant {
		s *= 0.4
	}
	n := int(math.Round(math.Min(100, math.Max(0, s))))
	if n == 0 && t.Relevant {
		n = 1
	}
	return n
}

// ToCaseTriage is t as the hub stores it on a case: with the priority score
// and the customer message it was made from.
func ToCaseTriage(t Triage, score int, messageID string, at time.Time) *model.CaseTriage {
	return &model.CaseTriage{
		Category: t.Category, Sentiment: t.Sentiment, SentimentLabel: t.SentimentLabel,
		Urgency: t.Urgency, UrgencyLabel: t.UrgencyLabel, Troll: t.Troll, Spam: t.Spam,
		Lang: t.Lang, Relevant: t.Relevant, Summary: t.Summary, Source: t.Source,
		Score: score, MessageID: messageID, At: at.UTC(),
	}
}

// FromCaseTriage is the assist triage of a stored one (nil for nil).
func FromCaseTriage(ct *model.CaseTriage) *Triage {
	if ct == nil {
		return nil
	}
	return &Triage{
		Category: ct.Category, Sentiment: ct.Sentiment, SentimentLabel: ct.SentimentLabel,
		Urgency: ct.Urgency, UrgencyLabel: ct.UrgencyLabel, Troll: ct.Troll, Spam: ct.Spam,
		Lang: ct.Lang, Relevant: ct.Relevant, Summary: ct.Summary, Source: ct.Source,
	}
}

// SourceLabel says in words where a triage came from: "offline
// classifier" or "model gpt-4o-mini".
func SourceLabel(source string) string {
	if name, ok := strings.CutPrefix(source, sourceModel); ok {
		return "model " + name
	}
	if source == SourceOffline {
		return "offline classifier"
	}
	return source
}

// Follow is the triage of a case after a new customer message (next) when
// the case had one before (prev): the new message tells the mood, the
// language and the likelihoods of trolling and spam. What the case is
// about (category and summary) carries over when the new message says
// less about it than the case did: a topic (booking, billing, …, or a
// configured category) says most, then a complaint about the service, a
// question, praise, and other says nothing (Specificity). So "any news??"
// and "Thanks, any news?" (praise for the classifier) keep a baggage case,
// a complaint or a question what it was, and "I also want to cancel my
// booking" moves a baggage case to cancellation. A case that was a care
// case stays one unless the new message is trolling or spam. Urgency is
// the new message's, but no less than three quarters of the old: a
// follow-up rarely makes a case less pressing. Source is next's.
//
// A case's triage is the fold of its customer messages in order: Follow
// over each (FoldTriage).
func Follow(prev *Triage, next Triage) Triage {
	if prev == nil {
		return next
	}
	out := next
	if p, n := Specificity(prev.Category), Specificity(next.Category); prev.Relevant && p > 0 && n < specificTopic && n <= p {
		out.Category, out.Summary = prev.Category, prev.Summary
	}
	out.Relevant = next.Relevant || prev.Relevant && next.Spam < model.SpamLikely && next.Troll < model.TrollLikely
	if u := round2(prev.Urgency * 0.75); u > out.Urgency {
		out.Urgency = u
		out.UrgencyLabel = UrgencyLabelFor(u)
	}
	return out
}

// specificTopic is Specificity's answer for a topic.
const specificTopic = 4

// Specificity is how much a category says about what a case is about:
// 0 other, 1 praise, 2 question, 3 a complaint about the service, 4 a
// topic (every other category, configured ones too). Follow keeps the
// case's category when the new message's says no more.
func Specificity(category string) int {
	switch category {
	case CategoryOther, "":
		return 0
	case CategoryPraise:
		return 1
	case CategoryQuestion:
		return 2
	case CategoryServiceComplaint:
		return 3
	}
	return specificTopic
}

// IsTopic is whether a category names what a case is about (booking,
// baggage, a configured one), not only how the customer says it (other,
// praise, a question, a complaint about the service): what the expert
// directory learns and matches experts by.
func IsTopic(category string) bool { return Specificity(category) == specificTopic }

// FoldTriage is the triage of a case from its customer messages' triages
// in order (oldest first), after the case's triage before them (prev, nil
// for none): Follow over each. It returns the final triage and the one
// before the last message (what a later answer for the last message, a
// model's, follows; prev when there is one message). ts must not be empty.
func FoldTriage(prev *Triage, ts []Triage) (last Triage, before *Triage) {
	for _, t := range ts[:len(ts)-1] {
		f := Follow(prev, t)
		prev = &f
	}
	return Follow(prev, ts[len(ts)-1]), prev
}
