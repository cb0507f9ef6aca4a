package forum

import (
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"switchboard/model"
)

func TestThreadRef(t *testing.T) {
	for _, tc := range []struct{ link, want string }{
		{"https://forum.example/threads/wifi-drops.4711/", "https://forum.example/threads/wifi-drops.4711"},
		{"https://forum.example/threads/wifi-drops.4711/page-2", "https://forum.example/threads/wifi-drops.4711"},
		{"https://forum.example/threads/wifi-drops.4711/page-12#post-90015", "https://forum.example/threads/wifi-drops.4711"},
		{"https://forum.example/threads/wifi-drops.4711/post-90001", "https://forum.example/threads/wifi-drops.4711"},
		{"https://Forum.Example/threads/wifi-drops.4711/#post-90001", "https://forum.example/threads/wifi-drops.4711"},
		{"https://community.example/t/router-reboots/3391/4", "https://community.example/t/router-reboots/3391"},
		{"https://community.example/t/router-reboots/3391", "https://community.example/t/router-reboots/3391"},
		{"https://forum.example/showthread.php?t=123&page=3", "https://forum.example/showthread.php?t=123"},
		{"https://forum.example/showthread.php?page=3&t=123&s=ab", "https://forum.example/showthread.php?t=123"}, // s: a vBulletin session hash
		{"https://forum.example/showthread.php?t=123", "https://forum.example/showthread.php?t=123"},
		{"https://forum.example/topic?id=9&pages=2", "https://forum.example/topic?id=9&pages=2"},
		{"https://user:pw@forum.example/t/x/1/2", "https://forum.example/t/x/1"},
		{"https://forum.example/threads/caf%C3%A9-talk.5/page-2", "https://forum.example/threads/caf%C3%A9-talk.5"},
		{"https://qa.example/questions/190233/some-title", "https://qa.example/questions/190233/some-title"},
		{"https://blog.example/", "https://blog.example"},
		{"mailto:x@example.com", "mailto:x@example.com"},
	} {
		if got := ThreadRef(tc.link); got != tc.want {
			t.Errorf("ThreadRef(%q) = %q, want %q", tc.link, got, tc.want)
		}
	}
}

func TestThreadRule(t *testing.T) {
	// phpBB links posts as viewtopic.php?p=<post>#p<post>, but a feed per
	// topic can link viewtopic.php?t=<topic>&start=<n>: the rule keeps t.
	f, err := compileFeed(Feed{Name: "phpbb", URL: "https://board.example/feed.php", Thread: `^(https://board\.example/viewtopic\.php\?t=\d+)`})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ link, want string }{
		{"https://board.example/viewtopic.php?t=812&start=15#p9001", "https://board.example/viewtopic.php?t=812"},
		{"https://board.example/viewtopic.php?t=812", "https://board.example/viewtopic.php?t=812"},
		// no match: the default rule
		{"https://board.example/threads/x.5/page-2", "https://board.example/threads/x.5"},
	} {
		u, _ := url.Parse(tc.link)
		if got := f.threadRef(u, ""); got != tc.want {
			t.Errorf("threadRef(%q) = %q, want %q", tc.link, got, tc.want)
		}
	}
}

func TestPlainText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"just text", "just text"},
		{"  lots \n\t of   space  ", "lots of space"},
		{"<p>one</p><p>two</p>", "one\n\ntwo"},
		{"a<br>b<br/><br />c", "a\nb\n\nc"},
		{"<div><div>nested</div></div><div>block</div>", "nested\nblock"},
		{"AT&amp;T &lt;3 &quot;q&quot; &#8230; &euro;", `AT&T <3 "q" … €`},
		{"100&nbsp;km", "100 km"},
		{"<b>bold</b> and <i>it</i><a href='x'>link</a>", "bold and itlink"},
		{"<script>alert(1)</script>ok<style>p{}</style>", "ok"},
		{"<ul><li>a</li><li>b</li></ul>after", "- a\n- b\n\nafter"},
		{"<blockquote><p>quoted</p><blockquote>deeper</blockquote></blockquote>reply", "> quoted\n\n> > deeper\n\nreply"},
		{"<pre>  indented\n    code</pre>", "indented\n    code"},
		{"<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
		{`<img src="x.png" alt=":)"> smile`, ":) smile"},
		{"<p>unclosed <b>tags", "unclosed tags"},
		{"<<<>>>", "<<<>>>"},
		{"zero\u200bwidth\x00nul", "zerowidthnul"},
		{"<h1>Title</h1>body", "Title\n\nbody"},
		{"line<hr>next", "line\n\nnext"},
	} {
		if got := plainText(tc.in); got != tc.want {
			t.Errorf("plainText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFilters(t *testing.T) {
	f, err := compileFeed(Feed{Name: "f", URL: "https://a.example/f", Include: []string{" Kündigung ", "NordNetz", ""}, Exclude: []string{"SPAM"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"meine KÜNDIGUNG wurde ignoriert", true},
		{"nordnetz router", true},
		{"nothing relevant", false},
		{"nordnetz spam offer", false},
		{"", false},
	} {
		if got := f.pass(strings.ToLower(tc.text), false); got != tc.want {
			t.Errorf("pass(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
	if !f.pass("a reply naming no keyword", true) || f.pass("a spam reply", true) {
		t.Error("a followed thread passes include, not exclude")
	}
	all, _ := compileFeed(Feed{Name: "g", URL: "https://a.example/f", Exclude: []string{"spam"}})
	if !all.pass("anything", false) || all.pass("some spam", false) {
		t.Error("empty include must pass all but the excluded")
	}
}

// normaliseOne parses a one-entry RSS feed.
func normaliseOne(t *testing.T, item string, maxText int) entry {
	t.Helper()
	body := `<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>c</title><link>https://board.example/</link>` + item + `</channel></rss>`
	base, _ := url.Parse("https://board.example/feeds/all.rss")
	f, err := compileFeed(Feed{Name: "b", URL: base.String()})
	if err != nil {
		t.Fatal(err)
	}
	es, err := parseFeed([]byte(body), "application/rss+xml", base, f, maxText, testNow)
	if err != nil || len(es) != 1 {
		t.Fatalf("parse: %v, %d entries", err, len(es))
	}
	return es[0]
}

func TestNormaliseEdges(t *testing.T) {
	t.Run("relative link, no guid, no author, no date", func(t *testing.T) {
		e := normaliseOne(t, `<item><title>Hi</title><link>/threads/x.5/page-3</link></item>`, 1000)
		if e.err != nil {
			t.Fatal(e.err)
		}
		if e.in.URL != "https://board.example/threads/x.5/page-3" || e.in.ThreadRef != "https://board.example/threads/x.5" ||
			e.key != "https://board.example/threads/x.5/page-3" || e.in.PlatformID != e.key {
			t.Errorf("%+v", e.in)
		}
		if e.in.Author.Handle != "anonymous@board.example" || e.in.Author.Platform != model.ChannelForum || !e.in.Time.IsZero() {
			t.Errorf("%+v", e.in)
		}
	})
	t.Run("guid permalink without link", func(t *testing.T) {
		e := normaliseOne(t, `<item><title>Hi</title><guid>https://board.example/t/a/7/2</guid></item>`, 1000)
		if e.err != nil || e.in.ThreadRef != "https://board.example/t/a/7" || e.key != "https://board.example/t/a/7/2" {
			t.Errorf("%+v %v", e.in, e.err)
		}
	})
	t.Run("no usable link", func(t *testing.T) {
		e := normaliseOne(t, `<item><title>Hi</title><guid>42</guid><link>javascript:alert(1)</link></item>`, 1000)
		if e.err == nil || e.key != "board.example/42" {
			t.Errorf("key %q err %v", e.key, e.err)
		}
	})
	t.Run("no text", func(t *testing.T) {
		e := normaliseOne(t, `<item><title>  </title><link>https://board.example/t/a/7</link><description><![CDATA[<p> </p>]]></description></item>`, 1000)
		if e.err == nil {
			t.Errorf("empty entry accepted: %+v", e.in)
		}
	})
	t.Run("future date clamped", func(t *testing.T) {
		e := normaliseOne(t, `<item><title>Hi</title><link>https://board.example/t/a/7</link><pubDate>Fri, 01 Jan 2100 00:00:00 +0000</pubDate></item>`, 1000)
		if !e.in.Time.Equal(testNow) {
			t.Errorf("time %v", e.in.Time)
		}
	})
	t.Run("long text cut on a rune", func(t *testing.T) {
		e := normaliseOne(t, `<item><title>Ü</title><link>https://board.example/t/a/7</link><description>`+strings.Repeat("ä", 600)+`</description></item>`, 101)
		if len(e.in.Text) > 101 || !utf8.ValidString(e.in.Text) || !strings.HasSuffix(e.in.Text, "…") {
			t.Errorf("cut text %q (%d bytes)", e.in.Text, len(e.in.Text))
		}
		if !strings.Contains(e.filterText, strings.Repeat("ä", 600)) {
			t.Error("filters must see the whole text")
		}
	})
	t.Run("author from dc:creator, title entities", func(t *testing.T) {
		e := normaliseOne(t, `<item><title>Q&amp;amp;A: WLAN  bricht ab</title><dc:creator>  Mia   K. </dc:creator><link>https://board.example/t/a/7</link></item>`, 1000)
		if e.in.Author.DisplayName != "Mia K." || e.in.Author.Handle != "Mia K.@board.example" || e.in.Text != "Q&A: WLAN bricht ab" {
			t.Errorf("%+v", e.in)
		}
	})
	t.Run("title with markup", func(t *testing.T) {
		e := normaliseOne(t, `<item><title>&lt;b&gt;Akku&lt;/b&gt; &amp;amp; &lt;i class="x"&gt;Laden&lt;/i&gt;</title><link>https://board.example/t/a/7</link></item>`, 1000)
		if e.in.Text != "Akku & Laden" {
			t.Errorf("text %q", e.in.Text)
		}
	})
	t.Run("huge guid", func(t *testing.T) {
		e := normaliseOne(t, `<item><title>Hi</title><guid>`+strings.Repeat("g", 3000)+`</guid><link>https://board.example/t/a/7</link></item>`, 1000)
		if e.err == nil || !strings.HasPrefix(e.key, "sha256:") {
			t.Errorf("key %q err %v", e.key, e.err)
		}
	})
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		h    string
		want time.Time
	}{
		{"", time.Time{}},
		{"30", now.Add(30 * time.Second)},
		{"-5", time.Time{}},
		{"99999999999", now.Add(maxRetryAfter)},
		{"Mon, 23 Nov 2026 12:10:00 GMT", now.Add(10 * time.Minute)},
		{"Mon, 23 Nov 2026 11:00:00 GMT", time.Time{}},
		{"soon", time.Time{}},
	} {
		if got := retryAfter(tc.h, now); !got.Equal(tc.want) {
			t.Errorf("retryAfter(%q) = %v, want %v", tc.h, got, tc.want)
		}
	}
}
