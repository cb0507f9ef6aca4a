package model

import (
	"cmp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The counting rules of twitter-text's config v3 (config/v3.json in
// github.com/twitter/twitter-text): weights in units of 1/100 character,
// scale 100, default weight 200, a URL counts transformedURLLength 23,
// emoji sequences count the default weight once, and the text is NFC
// normalised first.
const (
	urlWeight = 23 // transformedURLLength
	maxURLLen = 4096
)

// TweetLength counts text the way X does for the 280 limit: after NFC
// normalisation, a code point in U+0000–U+10FF, U+2000–U+200D,
// U+2010–U+201F or U+2032–U+2037 counts 1, any other 2; an emoji sequence
// (with skin tones, ZWJ joins, flags, keycaps) counts 2 as a whole; each
// URL counts 23 whatever its length.
//
// URLs are found like twitter-text finds them, with two simplifications:
// hosts without a scheme are recognised for the country-code TLDs and a
// list of common generic TLDs (not all of IANA's), and an
// internationalised host's length is not checked in punycode.
func TweetLength(text string) int {
	s := norm.NFC.String(text)
	urls := findURLs(s)
	n := 0
	for i := 0; i < len(s); {
		for len(urls) > 0 && urls[0].start < i {
			urls = urls[1:] // overlapped by an emoji sequence: cannot happen, but never stall
		}
		if len(urls) > 0 && urls[0].start == i {
			n += urlWeight
			i = urls[0].end
			urls = urls[1:]
			continue
		}
		if l := emojiLen(s[i:]); l > 0 {
			n += 2
			i += l
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		n += runeWeight(r)
		i += size
	}
	return n
}

func runeWeight(r rune) int {
	switch {
	case r <= 4351, r >= 8192 && r <= 8205, r >= 8208 && r <= 8223, r >= 8242 && r <= 8247:
		return 1
	}
	return 2
}

const (
	zwj  = '\u200d'
	vs16 = '\ufe0f'
)

// emojiLen returns the byte length of the emoji sequence at the start of
// s, or 0.
func emojiLen(s string) int {
	r, n := utf8.DecodeRuneInString(s)
	switch {
	case r == '#' || r == '*' || r >= '0' && r <= '9':
		// keycap: base, optional VS16, U+20E3
		j := n
		if next, m := utf8.DecodeRuneInString(s[j:]); next == vs16 {
			j += m
		}
		if next, m := utf8.DecodeRuneInString(s[j:]); next == '\u20e3' {
			return j + m
		}
		return 0
	case isRegional(r):
		if next, m := utf8.DecodeRuneInString(s[n:]); isRegional(next) {
			return n + m // a flag
		}
		return n
	case r == vs16:
		return n
	case !isPictographic(r):
		return 0
	}
	j := n
	for {
		// modifiers of the current element
		for {
			next, m := utf8.DecodeRuneInString(s[j:])
			if next == vs16 || next >= 0x1f3fb && next <= 0x1f3ff || next >= 0xe0020 && next <= 0xe007f {
				j += m
				continue
			}
			break
		}
		next, m := utf8.DecodeRuneInString(s[j:])
		if next != zwj {
			return j
		}
		after, k := utf8.DecodeRuneInString(s[j+m:])
		if !isPictographic(after) {
			return j
		}
		j += m + k
	}
}

func isRegional(r rune) bool { return r >= 0x1f1e6 && r <= 0x1f1ff }

// isPictographic approximates Unicode's Extended_Pictographic property (the
// standard library does not carry it) by its blocks. Every such code point
// is outside the weight-1 ranges, so the approximation only decides how
// modifiers and ZWJ joins attach.
func isPictographic(r rune) bool {
	switch {
	case r >= 0x1f000 && r <= 0x1ffff,
		r >= 0x2600 && r <= 0x27bf,
		r >= 0x2300 && r <= 0x23ff,
		r >= 0x2b00 && r <= 0x2bff,
		r >= 0x2190 && r <= 0x21ff,
		r >= 0x25a0 && r <= 0x25ff,
		r == 0x203c, r == 0x2049, r == 0x2122, r == 0x2139, r == 0x24c2,
		r == 0x2934, r == 0x2935, r == 0x3030, r == 0x303d, r == 0x3297, r == 0x3299:
		return true
	}
	return false
}

type span struct{ start, end int }

// findURLs returns the URLs of s in order, as byte ranges.
func findURLs(s string) []span {
	if !strings.Contains(s, ".") {
		return nil
	}
	var out []span
	prev := rune(-1)
	for i := 0; i < len(s); {
		if end, skip := urlAt(s, i, prev); end > 0 {
			out = append(out, span{i, end})
			prev, _ = utf8.DecodeLastRuneInString(s[:end])
			i = end
			continue
		} else if skip > i {
			prev, _ = utf8.DecodeLastRuneInString(s[:skip])
			i = skip
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		prev = r
		i += size
	}
	return out
}

// urlAt tries a URL starting at byte i after rune prev (-1 at the start).
// It returns the end of the URL, or 0 and, for a URL-shaped run that is
// not valid (an over-long label), where to resume.
func urlAt(s string, i int, prev rune) (end, skip int) {
	if prev >= 0 && !validPreceding(prev) {
		return 0, 0
	}
	rest := s[i:]
	scheme := 0
	switch {
	case hasPrefixFold(rest, "https://"):
		scheme = len("https://")
	case hasPrefixFold(rest, "http://"):
		scheme = len("http://")
	default:
		if prev == '-' || prev == '_' || prev == '.' || prev == '/' {
			return 0, 0
		}
		if c := rest[0]; !(c < utf8.RuneSelf && (isASCIIAlnum(c))) {
			return 0, 0
		}
	}
	withScheme := scheme > 0

	// host: the longest run of label characters and dots
	j := i + scheme
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if r == '.' || labelRune(r, withScheme) {
			j += size
			continue
		}
		break
	}
	labels := strings.Split(s[i+scheme:j], ".")
	for len(labels) > 0 && labels[len(labels)-1] == "" {
		labels = labels[:len(labels)-1]
	}
	// the longest prefix of labels ending in a TLD
	n := len(labels)
	for n >= 2 && !isTLD(labels[n-1], withScheme) {
		n--
	}
	if n < 2 {
		return 0, 0
	}
	labels = labels[:n]
	hostEnd := i + scheme + len(strings.Join(labels, "."))
	if !validLabels(labels) {
		return 0, max(j, hostEnd) // URL-shaped but invalid: X counts it as text
	}
	end = hostEnd
	// port
	if end < len(s) && s[end] == ':' {
		k := end + 1
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > end+1 {
			end = k
		}
	}
	// path and query
	hasPath := false
	if end < len(s) && (s[end] == '/' || s[end] == '?') {
		k := end
		for k < len(s) {
			r, size := utf8.DecodeRuneInString(s[k:])
			if !pathRune(r) {
				break
			}
			k += size
		}
		k = trimPath(s, end, k)
		if k > end {
			hasPath = true
			end = k
		}
	}
	if !withScheme && !hasPath && len(labels) == 2 && isCCTLD(labels[1]) {
		// twitter-text's invalidShortDomain: "name.cc" alone is not a link,
		// except under the special ccTLDs co and tv ("t.co").
		if tld := strings.ToLower(labels[1]); tld != "co" && tld != "tv" {
			return 0, 0
		}
	}
	if proto := cmp.Or(scheme, len("https://")); proto+end-i-scheme > maxURLLen {
		return 0, end
	}
	return end, 0
}

// validPreceding: a URL does not start right after a letter, digit, @, $,
// # (or their full-width forms) or a character X refuses (U+FFFE, U+FEFF,
// U+FFFF). Directional marks may precede it.
func validPreceding(r rune) bool {
	switch {
	case r < utf8.RuneSelf && isASCIIAlnum(byte(r)),
		r == '@', r == '$', r == '#', r == '＠', r == '＃',
		r == 0xfffe, r == 0xfeff, r == 0xffff:
		return false
	}
	return true
}

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// labelRune: ASCII letters, digits, - and _; with a scheme also other
// letters and marks (internationalised hosts).
func labelRune(r rune, unicodeOK bool) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r)) || r == '-' || r == '_'
	}
	return unicodeOK && (unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r))
}

// validLabels: no empty label, none longer than 63, none starting or
// ending with "-", and "_" only in subdomains.
func validLabels(labels []string) bool {
	for i, l := range labels {
		if l == "" || utf8.RuneCountInString(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		if i >= len(labels)-2 && strings.Contains(l, "_") {
			return false
		}
	}
	return true
}

func isTLD(l string, withScheme bool) bool {
	low := strings.ToLower(l)
	if isCCTLD(low) || gTLDs[low] || strings.HasPrefix(low, "xn--") && len(low) > 4 {
		return true
	}
	if !withScheme || utf8.RuneCountInString(l) < 2 {
		return false
	}
	// After a scheme any alphabetic label may be a TLD (new gTLDs, IDN TLDs).
	for _, r := range l {
		if !unicode.IsLetter(r) && !unicode.IsMark(r) {
			return false
		}
	}
	return true
}

func isCCTLD(l string) bool {
	return len(l) == 2 && strings.Contains(ccTLDs, " "+strings.ToLower(l)+" ")
}

// pathRune: twitter-text's path and query characters.
func pathRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r)) || strings.ContainsRune("!*';:=+,.$/%#[]-_~&|@?()", r)
	}
	return r == 0x2013 || latinOrCyrillic(r)
}

func latinOrCyrillic(r rune) bool {
	return r >= 0xc0 && r <= 0x24f && r != 0xd7 && r != 0xf7 ||
		r >= 0x300 && r <= 0x36f || r >= 0x400 && r <= 0x4ff || r >= 0x1e00 && r <= 0x1eff
}

// trimPath drops trailing characters a link does not end with (a full
// stop, a comma, an unbalanced parenthesis…) from s[start:end].
func trimPath(s string, start, end int) int {
	open, closed := strings.Count(s[start:end], "("), strings.Count(s[start:end], ")")
	for end > start {
		r, size := utf8.DecodeLastRuneInString(s[start:end])
		switch {
		case r < utf8.RuneSelf && (isASCIIAlnum(byte(r)) || strings.ContainsRune("=_#/+-&", r)), r >= utf8.RuneSelf && latinOrCyrillic(r):
			return end
		case r == ')' && open >= closed:
			return end
		case r == ')':
			closed--
		case r == '(':
			open--
		}
		end -= size
	}
	return end
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// ccTLDs are the two-letter country-code domains.
const ccTLDs = " ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo bq br bs bt bv bw by bz" +
	" ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg eh er es et eu" +
	" fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu" +
	" id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly" +
	" ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz" +
	" om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st su sv sx sy sz" +
	" tc td tf tg th tj tk tl tm tn to tp tr tt tv tw tz ua ug uk um us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw "

// gTLDs are common generic domains recognised without a scheme.
var gTLDs = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range strings.Fields(`com net org edu gov mil int info biz name pro aero coop museum mobi asia tel travel jobs cat
		app dev page xyz online site website tech store shop blog cloud news live top club vip link email digital agency
		media art design studio world today life space network systems solutions services support help center company
		group global ltd inc llc health care fitness bank finance money insurance hotel restaurant cafe bar pizza game games
		fun social chat video radio music photo photography gallery events team school academy university education
		science software codes tools work works jobs careers consulting marketing business market markets finance
		capital fund trade legal law lawyer dental clinic doctor hospital auto car cars bike taxi fly flights tickets
		tours holiday vacations cruises city london paris berlin nyc tokyo wiki zone one new best sale deals coupons
		gift gifts shoes fashion style beauty family kids baby dog pet love wedding house home homes land estate
		realty properties energy green eco earth run golf football soccer tennis ski yoga`) {
		m[t] = true
	}
	return m
}()
