package community

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Post is one post of a forum thread, as the learning rules need it.
type Post struct {
	// Author is the poster's identity key.
	Author string
	Text   string
	Time   time.Time
	// Accepted is set when the forum marks the post as the accepted
	// answer (a Q&A site's check mark).
	Accepted bool
	// Thanks and Asks stand in for Text in a post kept in brief (Brief):
	// the post thanks, or asks (again). The rules read Text when it is set.
	Thanks bool
	Asks   bool
}

// Brief is p as the learning rules need to keep it: without its text,
// with what they read of it (Thanks, Asks) instead. Only the asker's posts
// are read; an answer's text never counts, so asker false keeps nothing.
func Brief(p Post, asker bool) Post {
	if asker && p.Text != "" {
		p.Thanks, p.Asks = thanks.MatchString(p.Text), question.MatchString(p.Text)
	}
	p.Text = ""
	return p
}

func (p Post) thanks() bool { return p.Thanks || thanks.MatchString(p.Text) }
func (p Post) asks() bool   { return p.Asks || question.MatchString(p.Text) }

// Stats is the evidence that a member knows a topic: how many threads on
// it they answered, how often their answer was the thread's last word
// (nobody asked again), thanked by the asker, or accepted.
type Stats struct {
	Answers  int       `json:"answers"`
	Ended    int       `json:"ended"`
	Thanked  int       `json:"thanked"`
	Accepted int       `json:"accepted"`
	Last     time.Time `json:"last,omitzero"`
}

// Weight is how strongly the stats speak for the topic: an accepted or
// thanked answer counts most, one that merely ended the thread more than a
// bare answer.
func (s Stats) Weight() float64 {
	return float64(s.Answers) + 0.5*float64(s.Ended) + float64(s.Thanked) + 2*float64(s.Accepted)
}

// Evidence maps an identity key to its stats per topic.
type Evidence map[string]map[string]*Stats

// thanks marks a post that thanks the one before it.
var thanks = regexp.MustCompile(`(?i)\b(?:thanks?|thank you|thx|cheers|solved|that worked|works now|it worked|fixed it|danke|dankeschön|vielen dank|merci|gelöst|hat geklappt|funktioniert (?:jetzt|wieder)|passt jetzt|super,? (?:das|hat))\b`)

// question marks a post that asks again.
var question = regexp.MustCompile(`\?\s*$|(?i)\b(?:still|immer noch|noch immer|weiterhin|doesn'?t work|didn'?t work|geht nicht|klappt nicht|funktioniert nicht)\b`)

// Learn adds what one thread on topics says about who answered it. The
// thread's first post is the question; a later post by anyone else is an
// answer. An answer counts once per thread and author; it is thanked when
// a later post of the asker thanks, it ended the thread when it is the last
// answer and the asker did not ask again after it. members limits learning
// to those keys (nil: everyone), so that nobody's forum activity is kept
// who is not in the directory.
func (ev Evidence) Learn(thread []Post, topics []string, members func(key string) bool) {
	if len(thread) < 2 || len(topics) == 0 {
		return
	}
	asker := thread[0].Author
	type answer struct {
		first, last int
		accepted    bool
	}
	answers := map[string]*answer{}
	var order []string
	for i, p := range thread[1:] {
		i++
		if p.Author == "" || p.Author == asker || (members != nil && !members(p.Author)) {
			continue
		}
		a, ok := answers[p.Author]
		if !ok {
			a = &answer{first: i}
			answers[p.Author] = a
			order = append(order, p.Author)
		}
		a.last = i
		a.accepted = a.accepted || p.Accepted
	}
	// The last answer by anyone but the asker, counted over every poster
	// (members or not), decides who ended the thread.
	lastAnswer := -1
	for i := len(thread) - 1; i > 0; i-- {
		if thread[i].Author != asker && thread[i].Author != "" {
			lastAnswer = i
			break
		}
	}
	askedAgain := func(after int) bool {
		for _, p := range thread[after+1:] {
			if p.Author == asker && p.asks() && !p.thanks() {
				return true
			}
		}
		return false
	}
	thankedAfter := func(after int) bool {
		for j, p := range thread[after+1:] {
			if p.Author != asker {
				continue
			}
			if p.thanks() {
				return true
			}
			// The asker's reply right after an answer thanks that answer
			// or not; a later one may thank someone else.
			if j == 0 {
				return false
			}
		}
		return false
	}
	for _, key := range order {
		a := answers[key]
		for _, topic := range topics {
			topic = normal(topic)
			if topic == "" {
				continue
			}
			if ev[key] == nil {
				ev[key] = map[string]*Stats{}
			}
			s := ev[key][topic]
			if s == nil {
				s = &Stats{}
				ev[key][topic] = s
			}
			s.Answers++
			if a.last == lastAnswer && !askedAgain(a.last) {
				s.Ended++
			}
			if thankedAfter(a.first) || (a.last != a.first && thankedAfter(a.last)) {
				s.Thanked++
			}
			if a.accepted {
				s.Accepted++
			}
			if t := thread[a.last].Time; t.After(s.Last) {
				s.Last = t
			}
		}
	}
}

// TopicEvidence is one learned topic of a member, with its stats.
type TopicEvidence struct {
	Topic string `json:"topic"`
	Stats
}

// Topics lists a member's learned topics, strongest first.
func (ev Evidence) Topics(key string) []TopicEvidence {
	var out []TopicEvidence
	for t, s := range ev[key] {
		out = append(out, TopicEvidence{Topic: t, Stats: *s})
	}
	sort.Slice(out, func(i, j int) bool {
		if wi, wj := out[i].Weight(), out[j].Weight(); wi != wj {
			return wi > wj
		}
		return out[i].Topic < out[j].Topic
	})
	return out
}

func normal(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "#"))), " ")
}

// TopicsIn names the known topics a text mentions: a topic matches when
// each of its words occurs in the text as a word (so "fritzbox 7590"
// matches "my FritzBox 7590 drops"), longest topics first.
func TopicsIn(text string, known []string) []string {
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r == '-' || r == '+' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r > 127)
	}) {
		words[w] = true
	}
	var out []string
	for _, t := range known {
		t = normal(t)
		parts := strings.Fields(t)
		if len(parts) == 0 || slices.Contains(out, t) {
			continue
		}
		all := true
		for _, p := range parts {
			if !words[p] {
				all = false
				break
			}
		}
		if all {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// ThreadAnswers lists the answers members gave in one forum thread on
// topic: each member's first post after the question, thanked when the
// asker thanked after it, accepted when the forum marked any of their
// posts. The thread's first post is the question.
func ThreadAnswers(thread []Post, topic string, members func(key string) bool) []Answer {
	if len(thread) < 2 {
		return nil
	}
	asker := thread[0].Author
	var out []Answer
	idx := map[string]int{}
	for i, p := range thread[1:] {
		i++
		if p.Author == "" || p.Author == asker || (members != nil && !members(p.Author)) {
			continue
		}
		if j, ok := idx[p.Author]; ok {
			out[j].Accepted = out[j].Accepted || p.Accepted
			continue
		}
		thanked := false
		for _, q := range thread[i+1:] {
			if q.Author == asker {
				thanked = q.thanks()
				break
			}
		}
		idx[p.Author] = len(out)
		out = append(out, Answer{Expert: p.Author, Topic: topic, Asked: thread[0].Time, At: p.Time, Thanked: thanked, Accepted: p.Accepted})
	}
	return out
}
