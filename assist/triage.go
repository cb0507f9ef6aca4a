// Package assist triages customer messages and drafts replies. It has an
// offline classifier (lexicons and rules, deterministic, no network, no
// downloaded model) that answers at once, and a client for any
// OpenAI-compatible chat-completions endpoint whose structured answer
// replaces the offline one when it arrives and validates. It never sends
// anything to a customer: drafts are suggestions an agent edits and sends.
//
// assist imports model and the standard library (and go-openai); no Fyne.
package assist

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The categories a triage may name unless configured otherwise.
const (
	CategoryBooking          = "booking"
	CategoryBilling          = "billing"
	CategoryCancellation     = "cancellation"
	CategoryDeliveryBaggage  = "delivery_baggage"
	CategoryTechnical        = "technical"
	CategoryAccount          = "account"
	CategoryServiceComplaint = "service_complaint"
	CategoryPraise           = "praise"
	CategoryQuestion         = "question"
	CategoryOther            = "other"
)

// DefaultCategories is the category list used when none is configured.
var DefaultCategories = []string{
	CategoryBooking, CategoryBilling, CategoryCancellation, CategoryDeliveryBaggage,
	CategoryTechnical, CategoryAccount, CategoryServiceComplaint, CategoryPraise,
	CategoryQuestion, CategoryOther,
}

// Sentiment, urgency and language labels.
const (
	SentimentNegative = "negative"
	SentimentNeutral  = "neutral"
	SentimentPositive = "positive"

	UrgencyLow    = "low"
	UrgencyNormal = "normal"
	UrgencyHigh   = "high"

	LangDE    = "de"
	LangEN    = "en"
	LangOther = "other"

	// SourceOffline marks a triage from the offline classifier; a model's
	// triage says "model:<name>".
	SourceOffline = "offline"
	sourceModel   = "model:"
)

// Limits of a triage's text fields.
const (
	MaxSummaryRunes  = 160
	maxSourceRunes   = 100
	maxCategoryRunes = 40
)

// Triage is what assist says about one customer message or case.
type Triage struct {
	// Category is one of the configured categories (DefaultCategories).
	Category string `json:"category"`
	// Sentiment is −1 (angry) … 1 (delighted); SentimentLabel its
	// negative/neutral/positive reading.
	Sentiment      float64 `json:"sentiment"`
	SentimentLabel string  `json:"sentiment_label"`
	// Urgency is 0 (whenever) … 1 (now: boarding, deadline today);
	// UrgencyLabel its low/normal/high reading.
	Urgency      float64 `json:"urgency"`
	UrgencyLabel string  `json:"urgency_label"`
	// Troll and Spam are likelihoods 0..1 that the message is abuse or
	// trolling, and spam or promotion. They demote a case, never hide it.
	Troll float64 `json:"troll"`
	Spam  float64 `json:"spam"`
	// Lang is the detected language: de, en or other.
	Lang string `json:"lang"`
	// Relevant is true for a care case, false for chatter that merely
	// mentions the brand (and for spam).
	Relevant bool `json:"relevant"`
	// Summary is one line, at most MaxSummaryRunes runes.
	Summary string `json:"summary"`
	// Source is "offline" or "model:<model name>".
	Source string `json:"source"`
}

// FromModel reports whether t came from a language model.
func (t Triage) FromModel() bool { return strings.HasPrefix(t.Source, sourceModel) }

// ModelSource is the Source of a triage from the named model.
func ModelSource(name string) string { return sourceModel + name }

// SentimentLabelFor reads a sentiment score as a label.
func SentimentLabelFor(s float64) string {
	switch {
	case s <= -0.2:
		return SentimentNegative
	case s >= 0.2:
		return SentimentPositive
	}
	return SentimentNeutral
}

// UrgencyLabelFor reads an urgency score as a label.
func UrgencyLabelFor(u float64) string {
	switch {
	case u >= 0.65:
		return UrgencyHigh
	case u >= 0.3:
		return UrgencyNormal
	}
	return UrgencyLow
}

// Validate checks t field by field against categories (DefaultCategories
// when nil) and returns every problem found, joined, or nil.
func Validate(t Triage, categories []string) error {
	if categories == nil {
		categories = DefaultCategories
	}
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if !slices.Contains(categories, t.Category) {
		bad("category", "%q is not one of %s", clip(t.Category, maxCategoryRunes), strings.Join(categories, ", "))
	}
	if !inRange(t.Sentiment, -1, 1) {
		bad("sentiment", "%v is outside -1..1", t.Sentiment)
	}
	switch t.SentimentLabel {
	case SentimentNegative:
		if t.Sentiment > 0 {
			bad("sentiment_label", "negative with a positive score %v", t.Sentiment)
		}
	case SentimentPositive:
		if t.Sentiment < 0 {
			bad("sentiment_label", "positive with a negative score %v", t.Sentiment)
		}
	case SentimentNeutral:
	default:
		bad("sentiment_label", "%q is not negative, neutral or positive", clip(t.SentimentLabel, 20))
	}
	if !inRange(t.Urgency, 0, 1) {
		bad("urgency", "%v is outside 0..1", t.Urgency)
	}
	switch t.UrgencyLabel {
	case UrgencyLow, UrgencyNormal, UrgencyHigh:
	default:
		bad("urgency_label", "%q is not low, normal or high", clip(t.UrgencyLabel, 20))
	}
	if !inRange(t.Troll, 0, 1) {
		bad("troll", "%v is outside 0..1", t.Troll)
	}
	if !inRange(t.Spam, 0, 1) {
		bad("spam", "%v is outside 0..1", t.Spam)
	}
	switch t.Lang {
	case LangDE, LangEN, LangOther:
	default:
		bad("lang", "%q is not de, en or other", clip(t.Lang, 20))
	}
	if err := validSummary(t.Summary); err != nil {
		bad("summary", "%v", err)
	}
	switch {
	case t.Source == SourceOffline:
	case strings.HasPrefix(t.Source, sourceModel) && len(t.Source) > len(sourceModel) &&
		utf8.RuneCountInString(t.Source) <= maxSourceRunes && printable(t.Source):
	default:
		bad("source", "%q is not offline or model:<name>", clip(t.Source, 40))
	}
	return errors.Join(errs...)
}

func validSummary(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return errors.New("empty")
	case !utf8.ValidString(s):
		return errors.New("not UTF-8")
	case utf8.RuneCountInString(s) > MaxSummaryRunes:
		return fmt.Errorf("%d runes, at most %d", utf8.RuneCountInString(s), MaxSummaryRunes)
	case !printable(s):
		return errors.New("not one line of printable text")
	}
	return nil
}

// printable reports whether s is one line with no control characters.
func printable(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

func inRange(v, lo, hi float64) bool {
	return !math.IsNaN(v) && v >= lo && v <= hi
}

// clip cuts s to n runes for an error message.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
