package forum

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzFeed feeds arbitrary bytes through parsing and normalisation: it must
// never panic, and every entry it accepts must pass the hub's validation.
func FuzzFeed(f *testing.F) {
	for _, name := range []string{"xenforo_posts.rss", "stackexchange_tag.atom", "discourse_latest.rss", "cloudflare_challenge.html", "truncated.rss"} {
		f.Add(fixture(f, name))
	}
	base, _ := url.Parse("https://fuzz.example/feeds/all.rss")
	cf, err := compileFeed(Feed{Name: "fuzz", URL: base.String(), Thread: `^(https://fuzz\.example/t/\d+)`, Staff: []string{"team"}})
	if err != nil {
		f.Fatal(err)
	}
	const maxText = 4096
	f.Fuzz(func(t *testing.T, body []byte) {
		if s := plainText(string(body)); !utf8.ValidString(s) {
			t.Fatalf("plainText made invalid UTF-8: %q", s)
		}
		es, err := parseFeed(body, "application/rss+xml", base, cf, maxText, testNow)
		if err != nil {
			if es != nil {
				t.Fatal("entries with an error")
			}
			return
		}
		for _, e := range es {
			if e.err != nil {
				continue
			}
			in := e.in
			switch {
			case e.key == "" || in.PlatformID != e.key || len(e.key) > maxRef:
				t.Fatalf("key %q, platform id %q", e.key, in.PlatformID)
			case strings.TrimSpace(in.ThreadRef) == "" || len(in.ThreadRef) > maxRef:
				t.Fatalf("thread ref %q", in.ThreadRef)
			case strings.TrimSpace(in.Author.Handle) == "" || !utf8.ValidString(in.Author.Handle):
				t.Fatalf("author %+v", in.Author)
			case strings.TrimSpace(in.Text) == "" || !utf8.ValidString(in.Text) || len(in.Text) > maxText:
				t.Fatalf("text %q", in.Text)
			case in.Time.After(testNow):
				t.Fatalf("time %v in the future", in.Time)
			case !strings.HasPrefix(in.URL, "http://") && !strings.HasPrefix(in.URL, "https://"):
				t.Fatalf("url %q", in.URL)
			}
		}
	})
}
