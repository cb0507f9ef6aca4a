package forum

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"

	"switchboard/model"
)

// Limits on what an entry may carry into the hub's keys.
const (
	maxRef  = 2048 // bytes of a thread ref or entry id
	maxName = 200  // runes of an author name
	maxLang = 35   // bytes of a language tag
)

// entry is one feed item, normalised or rejected.
type entry struct {
	key        string // PlatformID; "" when the entry has neither id nor link
	in         model.Inbound
	filterText string // title and content, lower case, for the keyword filters
	err        error  // why the entry cannot be used
}

// parseFeed parses a fetched body and normalises its entries, oldest
// first. It fails for a body that is not a feed.
func parseFeed(body []byte, contentType string, base *url.URL, f *feed, maxText int, now time.Time) ([]entry, error) {
	parsed, err := parseBytes(body)
	if err != nil {
		switch {
		case errors.Is(err, gofeed.ErrFeedTypeNotDetected) && looksHTML(contentType, body):
			return nil, fmt.Errorf("got an HTML page (Content-Type %q), not a feed: a login wall, an error page or a wrong URL", contentType)
		case errors.Is(err, gofeed.ErrFeedTypeNotDetected):
			return nil, fmt.Errorf("not an RSS, Atom or JSON feed (Content-Type %q)", contentType)
		}
		return nil, fmt.Errorf("feed malformed or truncated: %w", err)
	}
	lang := f.Lang
	if lang == "" {
		lang = cleanLang(parsed.Language)
	}
	out := make([]entry, 0, len(parsed.Items))
	// Feeds list newest first; reversed, entries without a date keep a
	// sensible order through the stable sort.
	for i := len(parsed.Items) - 1; i >= 0; i-- {
		if it := parsed.Items[i]; it != nil {
			out = append(out, normalise(it, base, f, lang, maxText, now))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return earlier(out[i].in.Time, out[j].in.Time) })
	return out, nil
}

// earlier orders times ascending with the zero time (unknown) last.
func earlier(a, b time.Time) bool {
	switch {
	case a.IsZero():
		return false
	case b.IsZero():
		return true
	}
	return a.Before(b)
}

// parseBytes runs gofeed, turning a panic on hostile input into an error:
// a feed is untrusted, and one bad feed must not take the hub down.
func parseBytes(body []byte) (f *gofeed.Feed, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("feed parser failed: %v", r)
		}
	}()
	return gofeed.NewParser().Parse(bytes.NewReader(body))
}

// looksHTML reports whether a body that is no feed is a web page.
func looksHTML(contentType string, body []byte) bool {
	if contentType == "text/html" || contentType == "application/xhtml+xml" {
		return true
	}
	head := bytes.ToLower(body[:min(len(body), 1024)])
	return bytes.Contains(head, []byte("<!doctype html")) || bytes.Contains(head, []byte("<html"))
}

func normalise(it *gofeed.Item, base *url.URL, f *feed, lang string, maxText int, now time.Time) entry {
	var e entry
	guid := strings.TrimSpace(it.GUID)
	link := absURL(strings.TrimSpace(it.Link), base)
	if link == nil {
		link = absURL(guid, nil) // an RSS guid that is a permalink
	}
	host := base.Hostname()
	if link != nil {
		host = link.Hostname()
	}
	host = strings.ToLower(host)

	switch {
	case guid != "" && strings.Contains(guid, ":"):
		e.key = guid // a URL, urn: or tag: URI is unique on its own
	case guid != "":
		e.key = host + "/" + guid
	case link != nil:
		e.key = link.String()
	}
	if len(e.key) > maxRef {
		sum := sha256.Sum256([]byte(e.key))
		e.key = "sha256:" + hex.EncodeToString(sum[:])
		e.err = fmt.Errorf("entry id longer than %d bytes", maxRef)
		return e
	}
	if link == nil {
		e.err = errors.New("no usable link: want an absolute http or https URL")
		return e
	}
	thread := f.threadRef(link, it.Title)
	if len(thread) > maxRef {
		e.err = fmt.Errorf("thread URL longer than %d bytes", maxRef)
		return e
	}

	title := it.Title
	if markup.MatchString(title) {
		title = plainText(title) // an Atom title of type html
	} else {
		title = html.UnescapeString(title) // RSS titles often escape twice
	}
	title = oneLine(title)
	content := it.Content
	if strings.TrimSpace(content) == "" {
		content = it.Description
	}
	text := title
	if body := plainText(content); body != "" {
		if text != "" {
			text += "\n"
		}
		text += body
	}
	if text == "" {
		e.err = errors.New("no title and no content")
		return e
	}
	e.filterText = strings.ToLower(text)

	name := ""
	for _, a := range it.Authors {
		if a == nil {
			continue
		}
		if name = clip(oneLine(a.Name), maxName); name == "" {
			name = clip(oneLine(a.Email), maxName)
		}
		if name != "" {
			break
		}
	}
	author := model.Identity{Platform: model.ChannelForum, Handle: name + "@" + host, DisplayName: name}
	if name == "" {
		author.Handle, author.DisplayName = "anonymous@"+host, "anonymous"
	}
	dir := model.DirectionIn
	if f.staff[strings.ToLower(name)] {
		// The brand's own account on this forum: its post is the team's
		// answer made outside Switchboard, marked so (StaffID) for the
		// figures, which count it for the brand, not as an agent's.
		dir = model.DirectionOut
		author.PlatformID = StaffID(host)
	}

	var at time.Time
	switch {
	case it.PublishedParsed != nil:
		at = *it.PublishedParsed
	case it.UpdatedParsed != nil:
		at = *it.UpdatedParsed
	}
	if at.After(now) {
		at = now // a clock ahead must not skew response times
	}

	e.in = model.Inbound{
		Channel:    model.ChannelForum,
		ThreadRef:  thread,
		PlatformID: e.key,
		Author:     author,
		Text:       cut(text, maxText),
		Time:       at,
		Public:     true,
		Source:     f.Source,
		URL:        link.String(),
		Lang:       lang,
		Direction:  dir,
	}
	return e
}

// absURL resolves s against base (when base is not nil) and returns it if
// it is an absolute http or https URL.
func absURL(s string, base *url.URL) *url.URL {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil
	}
	u.User = nil // credentials in a feed's link never reach a case
	return u
}

func (f *feed) threadRef(link *url.URL, title string) string {
	if f.thread != nil {
		if m := f.thread.FindStringSubmatch(link.String()); m != nil && strings.TrimSpace(m[1]) != "" {
			return m[1]
		}
	}
	return ruleThread(f.rule, link, title, f.feedURL)
}

// markup spots a tag in a title.
var markup = regexp.MustCompile(`</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>`)

// Path shapes of a post inside a thread, under the default rule.
var (
	trailingPage  = regexp.MustCompile(`/page-\d+$`)                    // XenForo, vBulletin: /threads/x.123/page-2
	xenForoPost   = regexp.MustCompile(`^(.*/threads/[^/]+)/post-\d+$`) // XenForo: /threads/x.123/post-456
	discoursePost = regexp.MustCompile(`^(.*/t/[^/]+/\d+)/\d+$`)        // Discourse: /t/slug/123/4
)

// ThreadRef derives a thread's URL from the link of one of its posts by
// the default thread rule, auto: a link of a known forum engine's shape
// (phpBB, Discourse, vBulletin, XenForo, Stack Exchange; rules.go) gives
// that engine's thread; any other by the generic rule: the fragment
// (#post-12) and a "page" query parameter go, so do a trailing /page-N,
// a XenForo /threads/…/post-N and a Discourse post number (/t/slug/123/4
// → /t/slug/123), and a trailing slash. The host is lower-cased. A link
// that is not an absolute http(s) URL comes back unchanged.
func ThreadRef(link string) string {
	u := absURL(link, nil)
	if u == nil {
		return link
	}
	return ruleThread(RuleAuto, u, "", nil)
}

func threadRef(link *url.URL) string {
	u := *link
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	u.Host = strings.ToLower(u.Host)
	if u.RawQuery != "" {
		// Drop page=N keeping the other parameters in their order, so
		// page 1 (no parameter) and page 2 give the same ref.
		var keep []string
		for _, kv := range strings.Split(u.RawQuery, "&") {
			if k, _, _ := strings.Cut(kv, "="); k != "page" {
				keep = append(keep, kv)
			}
		}
		u.RawQuery = strings.Join(keep, "&")
		u.ForceQuery = false
	}
	p := strings.TrimRight(u.EscapedPath(), "/")
	p = trailingPage.ReplaceAllString(p, "")
	if m := xenForoPost.FindStringSubmatch(p); m != nil {
		p = m[1]
	} else if m := discoursePost.FindStringSubmatch(p); m != nil {
		p = m[1]
	}
	p = strings.TrimRight(p, "/")
	if dec, err := url.PathUnescape(p); err == nil {
		u.Path, u.RawPath = dec, p
	}
	return u.String()
}

// oneLine collapses all white space, newlines included, to single spaces,
// drops control characters and replaces invalid UTF-8.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// clip cuts s to limit runes.
func clip(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return string([]rune(s)[:limit])
}

// cut shortens s to at most limit bytes on a rune boundary, marking the
// cut.
func cut(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	const mark = "…"
	n := limit - len(mark)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimRightFunc(s[:max(n, 0)], unicode.IsSpace) + mark
}

func cleanLang(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxLang {
		return ""
	}
	for _, r := range s {
		if !(r == '-' || r == '_' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))) {
			return ""
		}
	}
	return s
}
