package forum

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

func TestThreadRules(t *testing.T) {
	for _, tc := range []struct {
		rule, link, title, feed, want string
	}{
		// phpBB: the topic, whatever else the link names.
		{"phpbb", "https://board.example/viewtopic.php?t=812&p=9001#p9001", "", "", "https://board.example/viewtopic.php?t=812"},
		{"phpbb", "https://board.example/viewtopic.php?f=4&t=812&p=9001#p9001", "", "", "https://board.example/viewtopic.php?t=812"},
		{"phpbb", "https://board.example/forum/viewtopic.php?f=4&t=812&start=15", "", "", "https://board.example/forum/viewtopic.php?t=812"},
		{"phpbb", "https://board.example/viewtopic.php?t=812&sid=0123456789abcdef", "", "", "https://board.example/viewtopic.php?t=812"},
		// phpBB 3.1/3.2 feeds link the post alone: a topic feed names the
		// topic; elsewhere the title does ("Forum • Re: Topic").
		{"phpbb", "https://board.example/viewtopic.php?p=9001#p9001", "Re: Parking", "https://board.example/app.php/feed/topic/812", "https://board.example/viewtopic.php?t=812"},
		{"phpbb", "https://board.example/viewtopic.php?p=9001#p9001", "Re: Parking", "https://board.example/feed.php?t=812", "https://board.example/viewtopic.php?t=812"},
		{"phpbb", "https://board.example/viewtopic.php?p=9001#p9001", "Travel • Re: Re:  Parking  at the Hotel", "https://board.example/app.php/feed",
			"https://board.example/viewtopic.php?topic=travel+%E2%80%A2+parking+at+the+hotel"},
		{"phpbb", "https://board.example/viewtopic.php?p=9000#p9000", "Travel • Parking at the hotel", "https://board.example/app.php/feed",
			"https://board.example/viewtopic.php?topic=travel+%E2%80%A2+parking+at+the+hotel"},
		// Discourse: the topic without the post number.
		{"discourse", "https://community.example/t/router-reboots/3391/4", "", "", "https://community.example/t/router-reboots/3391"},
		{"discourse", "https://community.example/t/router-reboots/3391", "", "", "https://community.example/t/router-reboots/3391"},
		{"discourse", "https://community.example/forum/t/router-reboots/3391/12?u=kim", "", "", "https://community.example/forum/t/router-reboots/3391"},
		// vBulletin 3/4 (plain and SEO forms), 5.
		{"vbulletin", "https://vb.example/showthread.php?t=123&page=3&s=0f1e2d&p=456#post456", "", "", "https://vb.example/showthread.php?t=123"},
		{"vbulletin", "https://vb.example/showthread.php?123-Wifi-drops&p=456#post456", "", "", "https://vb.example/showthread.php?t=123"},
		{"vbulletin", "https://vb.example/forum/showthread.php/123-Wifi-drops/page2", "", "", "https://vb.example/forum/showthread.php?t=123"},
		{"vbulletin", "https://vb.example/forum/tech/routers/123-wifi-drops/page2?p=456#post456", "", "", "https://vb.example/forum/tech/routers/123-wifi-drops"},
		// XenForo, with and without friendly URLs.
		{"xenforo", "https://autoforum.example/threads/4-2-update.88120/page-2#post-1200377", "", "", "https://autoforum.example/threads/4-2-update.88120"},
		{"xenforo", "https://autoforum.example/threads/4-2-update.88120/post-1200350", "", "", "https://autoforum.example/threads/4-2-update.88120"},
		{"xenforo", "https://autoforum.example/community/index.php?threads/4-2-update.88120/page-2", "", "", "https://autoforum.example/community/index.php?threads/4-2-update.88120"},
		// Stack Exchange: answers join their question.
		{"stackexchange", "https://travel.stackexchange.example/questions/190233/alpenblick-cancellation/190240#190240", "", "",
			"https://travel.stackexchange.example/questions/190233/alpenblick-cancellation"},
		{"stackexchange", "https://travel.stackexchange.example/questions/190233/alpenblick-cancellation", "", "",
			"https://travel.stackexchange.example/questions/190233/alpenblick-cancellation"},
		{"stackexchange", "https://travel.stackexchange.example/q/190233/4711", "", "", "https://travel.stackexchange.example/questions/190233"},
		// A link not of the engine's shape: the generic rule.
		{"phpbb", "https://board.example/threads/x.5/page-2", "", "", "https://board.example/threads/x.5"},
		{"stackexchange", "https://qa.example/questions/tagged/hotel", "", "", "https://qa.example/questions/tagged/hotel"},
		// generic keeps what it always did.
		{"generic", "https://board.example/viewtopic.php?t=812&p=9001#p9001", "", "", "https://board.example/viewtopic.php?t=812&p=9001"},
		// auto tells the engines apart by the link.
		{"auto", "https://board.example/viewtopic.php?f=4&t=812&p=9001#p9001", "", "", "https://board.example/viewtopic.php?t=812"},
		{"auto", "https://vb.example/showthread.php?t=123&page=3", "", "", "https://vb.example/showthread.php?t=123"},
		{"auto", "https://autoforum.example/threads/4-2-update.88120/post-1200350", "", "", "https://autoforum.example/threads/4-2-update.88120"},
		{"auto", "https://community.example/t/router-reboots/3391/4", "", "", "https://community.example/t/router-reboots/3391"},
		{"auto", "https://travel.stackexchange.example/questions/190233/a-title/190240", "", "", "https://travel.stackexchange.example/questions/190233/a-title"},
		{"", "https://blog.example/2026/11/post/#comment-5", "", "", "https://blog.example/2026/11/post"},
	} {
		f, err := compileFeed(Feed{Name: "f", URL: "https://feeds.example/f", ThreadRule: tc.rule})
		if err != nil {
			t.Fatal(err)
		}
		if tc.feed != "" {
			f.feedURL, _ = url.Parse(tc.feed)
		}
		u, _ := url.Parse(tc.link)
		if got := f.threadRef(u, tc.title); got != tc.want {
			t.Errorf("%s: threadRef(%q, %q) = %q, want %q", cmpOr(tc.rule, "(default)"), tc.link, tc.title, got, tc.want)
		}
	}
	if _, err := compileFeed(Feed{Name: "f", URL: "https://feeds.example/f", ThreadRule: "smf"}); err == nil || !strings.Contains(err.Error(), `thread_rule "smf"`) {
		t.Errorf("an unknown rule: %v", err)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// A phpBB board's feed (the shape of phpBB's post feeds: a link per post,
// viewtopic.php?t=<topic>&p=<post>#p<post>): posts of one topic open one
// case. Under the generic rule, each post opened a case of its own.
func TestPollPhpBBFeedGroupsTopics(t *testing.T) {
	fs := newFeedServer(t)
	fs.put("/app.php/feed", doc{body: fixture(t, "phpbb_posts.atom"), contentType: "application/atom+xml"})
	for _, rule := range []string{"", "phpbb"} {
		p := newPoller(t, Feed{Name: "camper", URL: fs.URL + "/app.php/feed", ThreadRule: rule})
		sink := newSink()
		res := p.PollOnce(context.Background(), sink)
		if res[0].Err != nil || res[0].Passed != 4 {
			t.Fatalf("rule %q: result %+v", rule, res[0])
		}
		if len(sink.cases) != 2 {
			t.Fatalf("rule %q: 4 posts in 2 topics made %d cases: %v", rule, len(sink.cases), sink.cases)
		}
		got := sink.got()
		if got[0].ThreadRef != "https://board.example/viewtopic.php?t=812" || got[0].URL != "https://board.example/viewtopic.php?t=812&p=9000#p9000" ||
			got[3].ThreadRef != "https://board.example/viewtopic.php?t=812" {
			t.Errorf("rule %q: items %+v", rule, got)
		}
	}
}
