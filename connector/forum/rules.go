package forum

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Thread rules: how the thread of a post is found from its link, per
// forum engine. Feed.ThreadRule picks one; empty or "auto" recognises the
// engine by the link's shape, post by post, and falls back to the generic
// rule of ThreadRef. A Feed.Thread regexp, when it matches, wins over all.
const (
	RuleAuto          = "auto"
	RuleGeneric       = "generic" // only the generic rule (see ThreadRef)
	RulePhpBB         = "phpbb"
	RuleDiscourse     = "discourse"
	RuleVBulletin     = "vbulletin"
	RuleXenForo       = "xenforo"
	RuleStackExchange = "stackexchange"
)

// ThreadRules lists the rule names a Feed may give.
var ThreadRules = []string{RuleAuto, RuleGeneric, RulePhpBB, RuleDiscourse, RuleVBulletin, RuleXenForo, RuleStackExchange}

// engineRule finds an engine's thread URL for link; ok false when the link
// is not of that engine's shape (the generic rule then applies).
type engineRule func(u *url.URL, title string, feed *url.URL) (thread string, ok bool)

var engines = map[string]engineRule{
	RulePhpBB:         phpbbThread,
	RuleDiscourse:     discourseThread,
	RuleVBulletin:     vbulletinThread,
	RuleXenForo:       xenforoThread,
	RuleStackExchange: stackExchangeThread,
}

// autoOrder is the order auto tries the engines in; their shapes do not
// overlap.
var autoOrder = []string{RulePhpBB, RuleXenForo, RuleVBulletin, RuleDiscourse, RuleStackExchange}

func checkRule(name string) (string, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return RuleAuto, nil
	}
	for _, r := range ThreadRules {
		if r == name {
			return name, nil
		}
	}
	return "", fmt.Errorf("thread_rule %q: want one of %s", name, strings.Join(ThreadRules, ", "))
}

// ruleThread applies rule to link (absolute, without credentials); title
// is the entry's title and feed the feed's URL, which some engines need.
func ruleThread(rule string, link *url.URL, title string, feed *url.URL) string {
	u := *link
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	u.Host = strings.ToLower(u.Host)
	switch rule {
	case RuleGeneric:
	case RuleAuto, "":
		for _, name := range autoOrder {
			if ref, ok := engines[name](&u, title, feed); ok {
				return ref
			}
		}
	default:
		if ref, ok := engines[rule](&u, title, feed); ok {
			return ref
		}
	}
	return threadRef(&u)
}

// base is scheme://host plus the path up to (not including) its last
// segment: "https://board.example/forum/" for /forum/viewtopic.php.
func base(u *url.URL, path string) string {
	return u.Scheme + "://" + u.Host + path
}

var (
	phpbbScript     = regexp.MustCompile(`^(.*/)viewtopic\.php$`)
	phpbbTopicFeed  = regexp.MustCompile(`(?:/feed/topic/|[?&]t=)(\d+)`)
	phpbbTitleForum = regexp.MustCompile(`^(.+?) \x{2022} (.+)$`) // "Forum • Re: Topic"
	rePrefix        = regexp.MustCompile(`(?i)^(?:re(?:\[\d+\])?:\s*)+`)
)

// phpbbThread: viewtopic.php?f=2&t=812&p=9001, ?t=812&start=15 → the
// topic, viewtopic.php?t=812. phpBB 3.1 and later link feed posts by post
// id alone (viewtopic.php?p=9001#p9001): in a topic's feed
// (feed/topic/812, feed.php?t=812) that is the topic; elsewhere the post
// joins its topic by title ("Forum • Re: Topic" → forum and topic),
// under viewtopic.php?topic=<forum • topic>.
func phpbbThread(u *url.URL, title string, feed *url.URL) (string, bool) {
	m := phpbbScript.FindStringSubmatch(u.Path)
	if m == nil {
		return "", false
	}
	dir := base(u, m[1])
	q := u.Query()
	if t := q.Get("t"); isDigits(t) {
		return dir + "viewtopic.php?t=" + t, true
	}
	if !isDigits(q.Get("p")) {
		return "", false
	}
	if feed != nil && strings.EqualFold(feed.Host, u.Host) {
		if fm := phpbbTopicFeed.FindStringSubmatch(feed.Path + "?" + feed.RawQuery); fm != nil {
			return dir + "viewtopic.php?t=" + fm[1], true
		}
	}
	key := strings.TrimSpace(title)
	forum := ""
	if fm := phpbbTitleForum.FindStringSubmatch(key); fm != nil {
		forum, key = fm[1], fm[2]
	}
	key = strings.ToLower(strings.Join(strings.Fields(rePrefix.ReplaceAllString(key, "")), " "))
	if key == "" {
		return "", false // the post alone, by the generic rule
	}
	if forum != "" {
		key = strings.ToLower(strings.Join(strings.Fields(forum), " ")) + " \u2022 " + key
	}
	return dir + "viewtopic.php?topic=" + url.QueryEscape(key), true
}

var discoursePath = regexp.MustCompile(`^(.*/t/[^/]+/\d+)(?:/\d+)?/?$`)

// discourseThread: /t/slug/3391/4 and /t/slug/3391 → /t/slug/3391.
func discourseThread(u *url.URL, _ string, _ *url.URL) (string, bool) {
	m := discoursePath.FindStringSubmatch(u.EscapedPath())
	if m == nil {
		return "", false
	}
	return base(u, m[1]), true
}

var (
	vbScript    = regexp.MustCompile(`^(.*/)showthread\.php(?:/(\d+)(?:-[^/]*)?(?:/.*)?)?$`)
	vbSEOQuery  = regexp.MustCompile(`^(\d+)(?:-[^&]*)?(?:&|$)`)
	vb5Path     = regexp.MustCompile(`^(.*/\d+-[^/]+)(?:/page\d+)?/?$`)
	vb5Forum    = regexp.MustCompile(`/forum/`)
	xenForoPath = regexp.MustCompile(`^(.*/threads/(?:[^/]*\.)?\d+)(?:/.*)?$`)
	xenForoQ    = regexp.MustCompile(`^(threads/(?:[^/&]*\.)?\d+)(?:[/&].*)?$`)
	sePath      = regexp.MustCompile(`^(.*?/questions/\d+(?:/[^/]+)?)(?:/\d+)?/?$`)
	seShort     = regexp.MustCompile(`^(.*?)/q/(\d+)(?:/\d+)?/?$`)
)

// vbulletinThread: showthread.php?t=123&page=3&s=<session>&p=456 →
// showthread.php?t=123; the vB4 forms showthread.php?123-title&p=456 and
// showthread.php/123-title/page2 → showthread.php?t=123; vBulletin 5
// /forum/<channel>/123-title/page2 → /forum/<channel>/123-title.
func vbulletinThread(u *url.URL, _ string, _ *url.URL) (string, bool) {
	if m := vbScript.FindStringSubmatch(u.Path); m != nil {
		dir := base(u, m[1])
		if m[2] != "" {
			return dir + "showthread.php?t=" + m[2], true
		}
		if t := u.Query().Get("t"); isDigits(t) {
			return dir + "showthread.php?t=" + t, true
		}
		if sm := vbSEOQuery.FindStringSubmatch(u.RawQuery); sm != nil {
			return dir + "showthread.php?t=" + sm[1], true
		}
		return "", false
	}
	if vb5Forum.MatchString(u.Path) {
		if m := vb5Path.FindStringSubmatch(u.EscapedPath()); m != nil {
			return base(u, m[1]), true
		}
	}
	return "", false
}

// xenforoThread: /threads/slug.88120/page-2#post-1 and /post-1200350 →
// /threads/slug.88120; index.php?threads/slug.88120/page-2 likewise.
func xenforoThread(u *url.URL, _ string, _ *url.URL) (string, bool) {
	if m := xenForoPath.FindStringSubmatch(u.EscapedPath()); m != nil {
		return base(u, m[1]), true
	}
	if m := xenForoQ.FindStringSubmatch(u.RawQuery); m != nil && strings.HasSuffix(u.Path, "/index.php") {
		return base(u, u.EscapedPath()) + "?" + m[1], true
	}
	return "", false
}

// stackExchangeThread: an answer /questions/190233/title/190240#190240 →
// its question /questions/190233/title; /q/190233 → /questions/190233.
func stackExchangeThread(u *url.URL, _ string, _ *url.URL) (string, bool) {
	p := u.EscapedPath()
	if m := sePath.FindStringSubmatch(p); m != nil {
		return base(u, m[1]), true
	}
	if m := seShort.FindStringSubmatch(p); m != nil {
		return base(u, m[1]) + "/questions/" + m[2], true
	}
	return "", false
}

func isDigits(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
