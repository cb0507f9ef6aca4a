package community

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// An away notice in a member's own post, in German or English: "bin bis
// 24.12. im Urlaub", "I'm away until December 24", "out of office until
// 2026-12-24", "ab 3.1. wieder da", "back on 4 January".
var (
	awayUntil = regexp.MustCompile(`(?i)\b(?:away|on holiday|on vacation|on leave|out of office|offline|abwesend|im urlaub|in urlaub|nicht da|weg|unterwegs|in den flitterwochen|on (?:my )?honeymoon)\b[^.!?\n]{0,40}?\b(?:until|till|bis(?: zum| am)?)\s+(.{3,24})`)
	untilAway = regexp.MustCompile(`(?i)\b(?:until|till|bis(?: zum| am)?)\s+(.{3,24}?)\s+(?:bin ich\s+)?(?:away|on holiday|on vacation|abwesend|im urlaub|in urlaub|nicht da|weg|unterwegs|offline)\b`)
	backOn    = regexp.MustCompile(`(?i)\b(?:back (?:on|from)|ab (?:dem |am )?|wieder da ab|wieder erreichbar ab)\s*(.{3,24})`)
	backWord  = regexp.MustCompile(`(?i)\b(?:back|wieder da|wieder erreichbar|wieder online)\b`)
	awayWord  = regexp.MustCompile(`(?i)\b(?:away|on holiday|on vacation|on leave|abwesend|im urlaub|nicht da|honeymoon|flitterwochen|geheiratet|got married|pause)\b`)
)

var months = map[string]time.Month{
	"jan": 1, "january": 1, "januar": 1, "jänner": 1, "feb": 2, "february": 2, "februar": 2,
	"mar": 3, "march": 3, "märz": 3, "maerz": 3, "apr": 4, "april": 4, "may": 5, "mai": 5,
	"jun": 6, "june": 6, "juni": 6, "jul": 7, "july": 7, "juli": 7, "aug": 8, "august": 8,
	"sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "okt": 10, "oktober": 10,
	"nov": 11, "november": 11, "dec": 12, "december": 12, "dez": 12, "dezember": 12,
}

var (
	isoDate   = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})`)
	dotDate   = regexp.MustCompile(`^(\d{1,2})\.\s?(\d{1,2})\.(\d{2,4})?`)
	dayMonth  = regexp.MustCompile(`(?i)^(\d{1,2})\.?\s+([a-zäö]+)\.?(?:\s+(\d{4}))?`)
	monthDay  = regexp.MustCompile(`(?i)^([a-zäö]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?`)
	slashDate = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?`)
)

// ParseAway reads an away notice in a member's post written at posted.
// It returns the day the member is back (midnight, in posted's location)
// and true when the post says the member is away until a date; a post that
// says "away" with no date gives a zero until and true; anything else
// false.
func ParseAway(text string, posted time.Time) (until time.Time, ok bool) {
	for _, re := range []*regexp.Regexp{awayUntil, untilAway} {
		if m := re.FindStringSubmatch(text); m != nil {
			if d, ok := parseDate(m[1], posted); ok {
				// "until the 24th" means away through the 24th when
				// said in German "bis"; English "until" too, in use.
				return d.AddDate(0, 0, 1), true
			}
		}
	}
	if awayWord.MatchString(text) && backWord.MatchString(text) {
		if m := backOn.FindStringSubmatch(text); m != nil {
			if d, ok := parseDate(m[1], posted); ok {
				return d, true
			}
		}
	}
	if awayUntil.MatchString(text) || (awayWord.MatchString(text) && !backWord.MatchString(text) && strings.Contains(strings.ToLower(text), "ich bin")) {
		return time.Time{}, true
	}
	return time.Time{}, false
}

// parseDate reads a date at the start of s, relative to now for a missing
// year (the next such date on or after now's day).
func parseDate(s string, now time.Time) (time.Time, bool) {
	s = strings.TrimSpace(s)
	loc := now.Location()
	num := func(x string) int { n, _ := strconv.Atoi(x); return n }
	year := func(x string) int {
		if x == "" {
			return 0
		}
		y := num(x)
		if y < 100 {
			y += 2000
		}
		return y
	}
	var y, d int
	var mo time.Month
	switch {
	case isoDate.MatchString(s):
		m := isoDate.FindStringSubmatch(s)
		y, mo, d = num(m[1]), time.Month(num(m[2])), num(m[3])
	case dotDate.MatchString(s):
		m := dotDate.FindStringSubmatch(s)
		d, mo, y = num(m[1]), time.Month(num(m[2])), year(m[3])
	case slashDate.MatchString(s):
		// Day first, as in the communities this serves (de, at, uk).
		m := slashDate.FindStringSubmatch(s)
		d, mo, y = num(m[1]), time.Month(num(m[2])), year(m[3])
	case dayMonth.MatchString(s):
		m := dayMonth.FindStringSubmatch(s)
		mm, ok := months[strings.ToLower(m[2])]
		if !ok {
			return time.Time{}, false
		}
		d, mo, y = num(m[1]), mm, year(m[3])
	case monthDay.MatchString(s):
		m := monthDay.FindStringSubmatch(s)
		mm, ok := months[strings.ToLower(m[1])]
		if !ok {
			return time.Time{}, false
		}
		mo, d, y = mm, num(m[2]), year(m[3])
	default:
		return time.Time{}, false
	}
	if mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	if y == 0 {
		y = now.Year()
		if time.Date(y, mo, d, 0, 0, 0, 0, loc).Before(today) {
			y++
		}
	}
	t := time.Date(y, mo, d, 0, 0, 0, 0, loc)
	if t.Day() != d { // 31.2.
		return time.Time{}, false
	}
	return t, true
}
