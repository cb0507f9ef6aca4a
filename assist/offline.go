package assist

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Offline is the offline classifier: lexicons and rules, deterministic,
// no network and no downloaded model. Its zero value uses
// DefaultCategories. README.md in this folder describes the rules;
// testdata/labelled.jsonl measures them (see offline_eval_test.go).
type Offline struct {
	// Categories a triage may name (DefaultCategories when nil). The
	// classifier knows the default ones; one it picks that is not
	// configured becomes "other" (or the list's last entry).
	Categories []string
}

// Input is one message to triage.
type Input struct {
	ID   string
	Text string
	// Lang is a hint ("de", "en", …) used only when the text itself gives
	// no evidence: the language is detected, not assumed.
	Lang    string
	Channel string
}

// Classify triages text with the default configuration.
func Classify(text string) Triage { return Offline{}.Classify(Input{Text: text}) }

// matcher holds one term list split by how each term matches.
type matcher struct {
	// id is the matcher's place in lexIndex's hits; -1 for one made after
	// the index was built (matched the slow way: same results).
	id       int32
	exact    map[string]float64
	prefix   []weighted
	contains []weighted
	phrase   []weighted          // several words, matched on the tokens
	byFirst  map[string][]phrase // phrase by its first word
	raw      []weighted          // symbols, matched on the lower-cased text
	rawASCII []bool              // per raw term: only ASCII bytes
	// prefixFirst has the bit of every first byte of a prefix term (all
	// of them for an empty one).
	prefixFirst [4]uint64
}

// lexHit is what one matcher holds for one word: its exact weight, and
// the phrases that start with the word.
type lexHit struct {
	m       int32
	exact   bool
	w       float64
	phrases []phrase
}

var (
	// allMatchers are the matchers made while the package initialises, in
	// order; lexIndex maps every word of their exact terms and every first
	// word of their phrases to the matchers' hits (ordered by id), so a
	// message's word is looked up once for all matchers instead of once
	// per matcher.
	allMatchers []*matcher
	lexIndex    map[string][]lexHit
)

func init() {
	lexIndex = map[string][]lexHit{}
	for id, m := range allMatchers {
		for t, w := range m.exact {
			lexIndex[t] = append(lexIndex[t], lexHit{m: int32(id), exact: true, w: w})
		}
		for first, ps := range m.byFirst {
			hits := lexIndex[first]
			if n := len(hits); n > 0 && hits[n-1].m == int32(id) {
				hits[n-1].phrases = ps
			} else {
				hits = append(hits, lexHit{m: int32(id), phrases: ps})
			}
			lexIndex[first] = hits
		}
	}
}

// hitOf is m's hit among a word's hits (nil when none).
func (m *matcher) hitOf(hits []lexHit) *lexHit {
	for k := range hits {
		if hits[k].m == m.id {
			return &hits[k]
		}
		if hits[k].m > m.id {
			break
		}
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

type phrase struct {
	words []string
	w     float64
}

type weighted struct {
	term string
	w    float64
}

func newMatcher(terms map[string]float64) *matcher {
	m := &matcher{exact: map[string]float64{}}
	for t, w := range terms {
		switch {
		case !wordy(t):
			m.raw = append(m.raw, weighted{t, w})
		case strings.Contains(t, " "):
			m.phrase = append(m.phrase, weighted{t, w})
		case strings.HasPrefix(t, "*") && strings.HasSuffix(t, "*"):
			m.contains = append(m.contains, weighted{strings.Trim(t, "*"), w})
		case strings.HasSuffix(t, "*"):
			m.prefix = append(m.prefix, weighted{strings.TrimSuffix(t, "*"), w})
		case strings.HasPrefix(t, "*"):
			m.contains = append(m.contains, weighted{strings.TrimPrefix(t, "*"), w})
		default:
			m.exact[t] = w
		}
	}
	for _, l := range []*[]weighted{&m.prefix, &m.contains, &m.phrase, &m.raw} {
		slices.SortFunc(*l, func(a, b weighted) int { return strings.Compare(a.term, b.term) })
	}
	m.byFirst = map[string][]phrase{}
	for _, p := range m.phrase {
		words := strings.Fields(p.term)
		m.byFirst[words[0]] = append(m.byFirst[words[0]], phrase{words, p.w})
	}
	for _, r := range m.raw {
		m.rawASCII = append(m.rawASCII, isASCII(r.term))
	}
	for _, p := range m.prefix {
		if p.term == "" {
			m.prefixFirst = [4]uint64{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
			break
		}
		m.prefixFirst[p.term[0]>>6] |= 1 << (p.term[0] & 63)
	}
	m.id = -1
	if lexIndex == nil {
		m.id = int32(len(allMatchers))
		allMatchers = append(allMatchers, m)
	}
	return m
}

func newSet(terms []string) *matcher {
	m := map[string]float64{}
	for _, t := range terms {
		m[t] = 1
	}
	return newMatcher(m)
}

// wordy reports whether t is made of word characters (and spaces, and
// the * of a stem): such terms match words, others the raw text.
func wordy(t string) bool {
	for _, r := range t {
		if !isWordRune(r) && r != ' ' && r != '*' {
			return false
		}
	}
	return true
}

// word scores one token: the exact term, or the strongest stem.
func (m *matcher) word(tok string) (float64, bool) {
	if w, ok := m.exact[tok]; ok {
		return w, true
	}
	return m.stem(tok)
}

// wordAt scores token i of d, as word does.
func (m *matcher) wordAt(d *doc, i int) (float64, bool) {
	if m.id < 0 {
		return m.word(d.tokens[i])
	}
	if h := m.hitOf(d.info[i]); h != nil && h.exact {
		return h.w, true
	}
	return m.stem(d.tokens[i])
}

// phrasesAt are m's phrases starting at token i of d.
func (m *matcher) phrasesAt(d *doc, i int) []phrase {
	if m.id < 0 {
		return m.byFirst[d.tokens[i]]
	}
	if h := m.hitOf(d.info[i]); h != nil {
		return h.phrases
	}
	return nil
}

// stem is the strongest stem (prefix or part) of tok.
func (m *matcher) stem(tok string) (float64, bool) {
	best, found := 0.0, false
	if len(tok) > 0 && m.prefixFirst[tok[0]>>6]&(1<<(tok[0]&63)) == 0 {
		goto contains // no prefix starts with tok's first byte
	}
	for _, p := range m.prefix {
		if strings.HasPrefix(tok, p.term) && (!found || math.Abs(p.w) > math.Abs(best)) {
			best, found = p.w, true
		}
	}
contains:
	for _, c := range m.contains {
		if strings.Contains(tok, c.term) && (!found || math.Abs(c.w) > math.Abs(best)) {
			best, found = c.w, true
		}
	}
	return best, found
}

// sum adds the weight of every distinct term found in d (each term once).
func (m *matcher) sum(d *doc) float64 {
	s, _ := m.sumCount(d)
	return s
}

func (m *matcher) sumCount(d *doc) (float64, int) {
	s, n := 0.0, 0
	for _, i := range d.uniq {
		if w, ok := m.wordAt(d, i); ok {
			s += w
			n++
		}
	}
	if len(m.byFirst) > 0 {
		var found map[*phrase]bool
		for i := range d.tokens {
			ps := m.phrasesAt(d, i)
			for k := range ps {
				p := &ps[k]
				if i+len(p.words) <= len(d.tokens) && slices.Equal(d.tokens[i:i+len(p.words)], p.words) && !found[p] {
					if found == nil {
						found = map[*phrase]bool{}
					}
					found[p] = true
					s += p.w
					n++
				}
			}
		}
	}
	for k, r := range m.raw {
		if (m.rawASCII[k] || !d.lowerASCII) && strings.Contains(d.lower, r.term) {
			s += r.w
			n++
		}
	}
	return s, n
}

func (m *matcher) any(d *doc) bool {
	_, n := m.sumCount(d)
	return n > 0
}

var (
	sentimentM = newMatcher(sentimentTerms)
	emojiM     = newMatcher(emojiSentiment)
	problemM   = newSet(problemTerms)
	urgencyM   = newMatcher(urgencyTerms)
	spamM      = newMatcher(spamTerms)
	trollM     = newMatcher(trollTerms)
	domainM    = newSet(domainTerms)
	personalM  = newSet(personalTerms)
	ironyM     = newSet(ironyMarkers)
	questionM  = newSet(questionStarts)
	generalM   = newSet(generalInfo)
	praiseM    = newSet(praiseTerms)
	categoryM  = func() map[string]*matcher {
		m := map[string]*matcher{}
		for c, terms := range categoryTerms {
			m[c] = newMatcher(terms)
		}
		return m
	}()
	// specific is the order ties between categories are broken in.
	specific = []string{
		CategoryDeliveryBaggage, CategoryCancellation, CategoryBilling, CategoryAccount,
		CategoryTechnical, CategoryBooking, CategoryServiceComplaint,
	}
	maxPhraseWords = 4

	refCodeRe = regexp.MustCompile(`\b([A-Z]{2,4}-[A-Z]{2}-\d{3,}|[A-Z]{2}-\d{4,}|[A-Z0-9]{6})\b|\bno \d{6,}|nummer \d{6,}`)
)

// doc is a message prepared for matching.
type doc struct {
	text   string
	lower  string
	tokens []string // words and the punctuation . , ! ? as tokens
	words  []string // words only
	uniq   []int    // the tokens that are words, each word once (its first)
	caps   []bool   // per token: written in capitals (≥ 3 letters)
	info   [][]lexHit
	// textASCII and lowerASCII: text and lower have only ASCII bytes (no
	// emoji or other symbol term can be in them).
	textASCII, lowerASCII bool
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '-' || r == '/' || r == '#' || r == '%'
}

func newDoc(text string) *doc {
	plain := strings.ReplaceAll(text, "’", "'")
	d := &doc{text: text, lower: strings.ToLower(plain)}
	d.textASCII, d.lowerASCII = isASCII(text), isASCII(d.lower)
	// One allocation per slice for a message of usual length: a token
	// takes at least two bytes (a word and a separator) but for runs of
	// punctuation.
	n := len(text)/2 + 4
	d.tokens, d.words, d.caps, d.info, d.uniq = make([]string, 0, n), make([]string, 0, n), make([]bool, 0, n), make([][]lexHit, 0, n), make([]int, 0, n)
	cur := make([]rune, 0, 32)
	upper := 0
	letters := 0
	seen := make(map[string]bool, 16)
	flush := func() {
		if len(cur) == 0 {
			return
		}
		// Lower-cased rune by rune, as strings.ToLower does (title-case
		// letters too); the trimmed ' - / are no letters.
		for k, r := range cur {
			cur[k] = unicode.ToLower(r)
		}
		lw := strings.Trim(string(cur), "'-/")
		if lw != "" {
			if !seen[lw] {
				seen[lw] = true
				d.uniq = append(d.uniq, len(d.tokens))
			}
			d.tokens = append(d.tokens, lw)
			d.words = append(d.words, lw)
			d.caps = append(d.caps, letters >= 3 && upper == letters)
			d.info = append(d.info, lexIndex[lw])
		}
		cur, upper, letters = cur[:0], 0, 0
	}
	for _, r := range plain {
		switch {
		case isWordRune(r) || r == '@':
			if r == '@' && len(cur) > 0 {
				flush()
			}
			cur = append(cur, r)
			if unicode.IsLetter(r) {
				letters++
				if unicode.IsUpper(r) {
					upper++
				}
			}
		default:
			flush()
			if r == '.' || r == ',' || r == '!' || r == '?' || r == ';' || r == ':' || r == '\n' {
				p := string(r)
				if r == '\n' || r == ';' || r == ':' {
					p = "."
				}
				d.tokens = append(d.tokens, p)
				d.caps = append(d.caps, false)
				d.info = append(d.info, nil)
			}
		}
	}
	flush()
	return d
}

// Classify triages one message.
func (o Offline) Classify(in Input) Triage {
	d := newDoc(in.Text)
	t := Triage{Source: SourceOffline}
	t.Lang = detectLang(d, in.Lang)

	a := analyse(d, t.Lang)
	problems := a.problems()
	t.Spam = spamScore(d)
	t.Sentiment = a.sentiment

	best, bestScore := "", 0.0
	for _, c := range specific {
		if s := categoryM[c].sum(d); s > bestScore {
			best, bestScore = c, s
		}
	}
	t.Troll = trollScore(d, problems, bestScore)
	if t.Troll >= 0.5 && t.Sentiment > -0.3 {
		t.Sentiment = -0.45 // mockery is not neutral
	}
	t.SentimentLabel = SentimentLabelFor(t.Sentiment)

	question := isQuestion(d)
	general := generalM.any(d)
	personal := func() bool {
		return personalM.any(d) || strings.ContainsAny(in.Text, "0123456789") && refCodeRe.MatchString(in.Text)
	}
	domain := domainM.any(d)
	praised := praiseM.any(d)

	switch {
	case t.Spam >= 0.5:
		t.Category = CategoryOther
	case t.Troll >= 0.5 && bestScore < 2:
		t.Category = CategoryOther
	case t.Sentiment >= 0.25 && a.explicit == 0 && (a.negations == 0 || t.Sentiment >= 0.5) &&
		praised && (!question || t.Sentiment >= 0.5):
		t.Category = CategoryPraise
	case question && !problems && (general || bestScore < 1.2 && !personal()) && (domain || bestScore > 0) && t.Sentiment > -0.2:
		t.Category = CategoryQuestion
	case bestScore >= 0.8:
		t.Category = best
	case question && domain && !problems:
		t.Category = CategoryQuestion
	case t.Sentiment <= -0.2 && (problems || domain) && t.Troll < 0.5:
		t.Category = CategoryServiceComplaint
	case bestScore > 0 && (problems || personal()):
		t.Category = best
	default:
		t.Category = CategoryOther
	}
	t.Relevant = t.Category != CategoryOther
	t.Urgency = urgencyScore(d, t)
	t.UrgencyLabel = UrgencyLabelFor(t.Urgency)
	t.Category = o.configured(t.Category)
	t.Summary = Summarize(in.Text)
	return t
}

// configured maps a category onto the configured list.
func (o Offline) configured(c string) string {
	if o.Categories == nil || slices.Contains(o.Categories, c) {
		return c
	}
	if slices.Contains(o.Categories, CategoryOther) || len(o.Categories) == 0 {
		return CategoryOther
	}
	return o.Categories[len(o.Categories)-1]
}

// detectLang scores stopwords of each language; umlauts and ß count
// for German. With no evidence at all the hint, else English, stands.
func detectLang(d *doc, hint string) string {
	var score [len(stopwordOrder)]float64
	for _, w := range d.words {
		for _, l := range stopwordLangs[w] {
			score[l]++
		}
	}
	if !d.lowerASCII {
		for _, r := range d.lower {
			switch r {
			case 'ä', 'ö', 'ü', 'ß':
				score[1] += 0.75 // LangDE
			}
		}
	}
	best, bestScore := "", 0.0
	for l, lang := range stopwordOrder {
		if score[l] > bestScore {
			best, bestScore = lang, score[l]
		}
	}
	switch {
	case best == LangDE || best == LangEN:
		return best
	case best != "":
		return LangOther
	case hint == LangDE || hint == LangEN:
		return hint
	case hint != "":
		return LangOther
	}
	return LangEN
}

var (
	stopwordOrder = [...]string{LangEN, LangDE, "fr", "es", "it", "nl", "pl", "tr", "pt"}
	// stopwordLangs maps a stopword to the languages (places in
	// stopwordOrder) it is a stopword of, each once.
	stopwordLangs = func() map[string][]int {
		m := map[string][]int{}
		for l, lang := range stopwordOrder {
			seen := map[string]bool{}
			for _, w := range stopwords[lang] {
				if !seen[w] {
					seen[w] = true
					m[w] = append(m[w], l)
				}
			}
		}
		return m
	}()
)

// analysis is what the word walk finds: the tone and the signs of a
// problem.
type analysis struct {
	sentiment float64
	// explicit counts problem terms that no negator cancels ("delayed",
	// "kein Internet"); negations counts negators that negate no tone
	// or problem word ("didn't arrive", "ist nicht angekommen"): a
	// statement that something did not happen.
	explicit, negations int
	irony               bool
}

func (a analysis) problems() bool { return a.explicit+a.negations > 0 }

// ambiguousInGerman are English lexicon words that are ordinary German
// words (das Kind, das Bad): not scored in a German message.
var ambiguousInGerman = map[string]bool{"kind": true, "bad": true, "gift": true, "hell": true, "fast": true}

// contrast words make what follows count more than what precedes
// ("the crew were lovely but the delay was not").
var contrast = map[string]bool{"but": true, "however": true, "aber": true, "jedoch": true, "allerdings": true}

// analyse walks the words twice. First the problems: a problem term not
// negated; a negator that negates nothing. Then the tone: a term's
// weight, flipped and damped after a negator, strengthened after an
// intensifier or in capitals, halved before a "but" and raised after it;
// with an irony marker and a problem, sarcasm's positive words count
// negative. Emoji add their weight; a problem with no feeling words is
// still a complaint; "!!" strengthens the whole.
func analyse(d *doc, lang string) analysis {
	var a analysis
	toks := d.tokens
	consumed := make([]bool, len(toks))
	// phraseAt is the longest phrase of m starting at token i.
	phraseAt := func(m *matcher, i int) (float64, int) {
		w, n := 0.0, 0
		for _, p := range m.phrasesAt(d, i) {
			if len(p.words) > n && i+len(p.words) <= len(toks) && slices.Equal(toks[i:i+len(p.words)], p.words) {
				w, n = p.w, len(p.words)
			}
		}
		return w, n
	}
	for i := 0; i < len(toks); i++ {
		if _, n := phraseAt(problemM, i); n > 0 {
			a.explicit++
			for j := i; j < i+n; j++ {
				consumed[j] = true
			}
			i += n - 1
			continue
		}
		if _, ok := problemM.wordAt(d, i); ok {
			if j := negatedBy(toks, i); j >= 0 {
				consumed[j] = true
			} else {
				a.explicit++
			}
		}
	}
	for k, r := range problemM.raw {
		if (problemM.rawASCII[k] || !d.lowerASCII) && strings.Contains(d.lower, r.term) {
			a.explicit++
		}
	}
	a.irony = a.explicit > 0 && (ironyM.any(d) || hasAny(d.text, ironyEmoji) || quotedWord(d.text)) ||
		hasAny(d.text, []string{"🙄", "😒", "🙃"})

	but := -1
	for i, tok := range toks {
		if contrast[tok] {
			but = i
		}
	}
	sum := 0.0
	for i := 0; i < len(toks); i++ {
		w, n := phraseAt(sentimentM, i)
		phrase := n > 0
		if phrase {
			for j := i; j < i+n; j++ {
				consumed[j] = true
			}
		} else {
			if lang == LangDE && ambiguousInGerman[toks[i]] {
				continue
			}
			v, ok := sentimentM.wordAt(d, i)
			if !ok || v == 0 {
				continue
			}
			w, n = v, 1
		}
		if a.irony && w > 0 && ironyWords[toks[i]] {
			w = -w
		}
		if j := negatedBy(toks, i); !phrase && j >= 0 {
			consumed[j] = true
			w = -0.8 * w
		} else if f := intensity(toks, i); f > 1 {
			w *= f
		}
		if d.caps[i] {
			w *= 1.3
		}
		switch {
		case but < 0:
		case i < but:
			w *= 0.5
		case i > but:
			w *= 1.5
		}
		sum += w
		i += n - 1
	}
	for i, tok := range toks {
		if !consumed[i] && isNegator(tok) {
			a.negations++
		}
	}
	for k, e := range emojiM.raw {
		if !emojiM.rawASCII[k] && d.textASCII {
			continue // no symbol in plain ASCII text
		}
		if c := strings.Count(d.text, e.term); c > 0 {
			w := e.w * math.Min(float64(c), 2)
			if a.irony && w > 0 {
				w = -w
			}
			sum += w
		}
	}
	if a.problems() && sum > -0.25 {
		sum -= 0.35
	}
	if strings.Contains(d.text, "!!") {
		sum *= 1.2
	}
	a.sentiment = round2(math.Tanh(sum))
	return a
}

// negatedBy returns the index of a negator before token i within the
// window and the same clause, or -1.
func negatedBy(toks []string, i int) int {
	for j := i - 1; j >= 0 && j >= i-negationWindow; j-- {
		switch toks[j] {
		case ".", "!", "?", ",":
			return -1
		}
		if isNegator(toks[j]) {
			return j
		}
	}
	return -1
}

func isNegator(tok string) bool { return negators[tok] || strings.HasSuffix(tok, "n't") }

func intensity(toks []string, i int) float64 {
	f := 1.0
	for j := i - 1; j >= 0 && j >= i-2; j-- {
		if v, ok := intensifiers[toks[j]]; ok {
			f = math.Max(f, v)
		}
	}
	return f
}

func quotedWord(s string) bool {
	for _, q := range [][2]string{{"„", "“"}, {"“", "”"}, {"\"", "\""}} {
		if i := strings.Index(s, q[0]); i >= 0 {
			if j := strings.Index(s[i+len(q[0]):], q[1]); j > 0 && j < 30 {
				return true
			}
		}
	}
	return false
}

func hasAny(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

func isQuestion(d *doc) bool {
	if strings.Contains(d.text, "?") {
		return true
	}
	if len(d.words) == 0 {
		return false
	}
	i := 0
	for i < len(d.words) && strings.HasPrefix(d.words[i], "@") {
		i++
	}
	if i < len(d.words) {
		first := d.words[i]
		if w, ok := questionM.word(first); ok && w > 0 {
			return true
		}
		if i+1 < len(d.words) {
			two := first + " " + d.words[i+1]
			if strings.Contains(" quick q kurze frage ", " "+two+" ") {
				return true
			}
		}
	}
	return false
}

// spamScore adds promotion cues; a link makes them count more.
func spamScore(d *doc) float64 {
	s := spamM.sum(d)
	if hasLink(d.lower) {
		s += 0.25
		if s > 0.3 {
			s += 0.2
		}
	}
	return round2(clamp01(s))
}

// trollScore adds insults and mockery and shouting; a real complaint
// behind them weighs against trolling.
func trollScore(d *doc, problems bool, categoryEvidence float64) float64 {
	s := trollM.sum(d)
	letters, upper := 0, 0
	for _, r := range d.text {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	if letters >= 12 && float64(upper) > 0.7*float64(letters) {
		s += 0.2
	}
	if strings.Count(d.text, "🤡") >= 2 {
		s += 0.2
	}
	if s > 0 && (problems || categoryEvidence >= 1.5) {
		s -= 0.35
	}
	return round2(clamp01(s))
}

// urgencyScore starts from what kind of message it is and adds time
// pressure: deadlines, "today", clock times, "boarding in 40".
func urgencyScore(d *doc, t Triage) float64 {
	var u float64
	switch t.Category {
	case CategoryOther, CategoryPraise:
		return 0.05
	case CategoryQuestion:
		u = 0.15
	default:
		u = 0.4
	}
	cues := urgencyM.sum(d)
	if hasClock(d) {
		cues += 0.2
	}
	if hasWithin(d) {
		cues += 0.3
	}
	return round2(clamp01(u + math.Min(cues, 0.6)))
}

// Summarize is the offline summary: the first sentence of the first
// line, leading @mentions dropped, cut at a word to about 100 characters.
func Summarize(text string) string {
	s := stripMentions(strings.TrimSpace(text))
	if s == "" {
		s = strings.TrimSpace(text)
	}
	line := s
	if i := strings.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	line = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, line))
	for i, r := range line {
		if (r == '.' || r == '!' || r == '?') && i >= 10 {
			next := line[i+utf8.RuneLen(r):]
			if next == "" || next[0] == ' ' {
				line = line[:i+utf8.RuneLen(r)]
				break
			}
		}
	}
	const max = 100
	if utf8.RuneCountInString(line) > max {
		r := []rune(line)[:max]
		cut := string(r)
		if sp := strings.LastIndex(cut, " "); sp > 60 {
			cut = cut[:sp]
		}
		line = strings.TrimRight(cut, " ,;:") + "…"
	}
	if line == "" {
		line = "(empty message)"
	}
	return line
}

func isNumber(tok string) bool {
	if tok == "" || len(tok) > 4 {
		return false
	}
	for _, r := range tok {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// hasClock finds a time of day: 14:30, 7am, 6 pm, um 10 Uhr, gegen 23
// Uhr, at 9.
func hasClock(d *doc) bool {
	for i := 1; i+2 < len(d.lower); i++ {
		if d.lower[i] == ':' && isDigit(d.lower[i-1]) && isDigit(d.lower[i+1]) && isDigit(d.lower[i+2]) &&
			(i+3 == len(d.lower) || !isDigit(d.lower[i+3])) {
			return true
		}
	}
	for i, tok := range d.words {
		if n := strings.TrimSuffix(strings.TrimSuffix(tok, "am"), "pm"); n != tok && isNumber(n) {
			return true
		}
		next := ""
		if i+1 < len(d.words) {
			next = d.words[i+1]
		}
		switch {
		case isNumber(tok) && (next == "am" || next == "pm" || next == "uhr"):
			return true
		case (tok == "um" || tok == "gegen" || tok == "at") && isNumber(next) && len(next) <= 2:
			return true
		}
	}
	return false
}

// hasWithin finds a deadline counted from now: "in 40 min", "boarding in
// 40", "Boarding beginnt in 30 Minuten", "in 1h".
func hasWithin(d *doc) bool {
	w := d.words
	for i := 0; i+1 < len(w); i++ {
		if w[i] != "in" {
			continue
		}
		if h := strings.TrimSuffix(w[i+1], "h"); h != w[i+1] && isNumber(h) {
			return true
		}
		if !isNumber(w[i+1]) {
			continue
		}
		if i+2 < len(w) {
			switch w[i+2] {
			case "min", "mins", "minutes", "minuten", "h", "hrs", "hours", "stunden", "stunde":
				return true
			}
		}
		for j := max(0, i-2); j < i; j++ {
			if w[j] == "boarding" {
				return true
			}
		}
	}
	return false
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// hasLink finds a link: a scheme, www., a shortener, or a host on a TLD
// spam likes.
func hasLink(lower string) bool {
	for _, p := range []string{"http://", "https://", "www.", "bit.ly/", "t.me/"} {
		if strings.Contains(lower, p) {
			return true
		}
	}
	for _, tld := range []string{".xyz", ".biz", ".click", ".top", ".info", ".link"} {
		for off := 0; ; {
			j := strings.Index(lower[off:], tld)
			if j < 0 {
				break
			}
			i, end := off+j, off+j+len(tld)
			if i > 0 && isWordRune(rune(lower[i-1])) && (end == len(lower) || !unicode.IsLetter(rune(lower[end]))) {
				return true
			}
			off = end
		}
	}
	return false
}

// stripMentions drops the @handles a message starts with.
func stripMentions(s string) string {
	for strings.HasPrefix(s, "@") {
		i := 1
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
				break
			}
			i += n
		}
		s = strings.TrimLeft(s[i:], ",: \t")
	}
	return s
}

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }

func round2(v float64) float64 { return math.Round(v*100) / 100 }
