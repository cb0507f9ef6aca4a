package model

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestWeightedLength(t *testing.T) {
	x10 := "xxxxxxxxxx-"
	family := "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466" // 👨‍👩‍👧‍👦
	for _, tc := range []struct {
		name string
		text string
		want int
	}{
		// the brief's table
		{"ASCII 280", strings.Repeat("a", 280), 280},
		{"ASCII 281", strings.Repeat("a", 281), 281},
		{"CJK counts 2", "故人西辞", 8},
		{"emoji counts 2", "\U0001F637", 2},
		{"a URL counts 23", "https://example.com/a/very/long/path/that/goes/on/and/on?with=query&and=more", 23},
		{"a short URL counts 23 too", "http://t.co", 23},
		{"empty", "", 0},

		// twitter-text conformance/tests/validate.yml, WeightedTweetsWithDiscountedEmojiCounterTest (config v3)
		{"Regular Tweet with url", "Hi http://test.co", 26},
		{"Just url", "http://test.co", 23},
		{"Long tweet, overflow at char index 280", "285 chars-" + strings.Repeat(x10, 25), 285},
		{"Long tweet with url in the middle", "285 chars- http://www.twitter.com/jack " + strings.Repeat(x10, 24), 299},
		{"Long tweet with url at the end", strings.Repeat(x10, 24) + " http://www.twitter.com/jack ", 289},
		{"10 url string, no overflow", strings.Repeat("https://www.twitter.com/aloha ", 10), 240},
		{"160 emoji char", strings.Repeat("\U0001F637", 160), 320},
		{"3 latin char + CJK", "the" + strings.Repeat("故", 160), 323},
		{"'Á' (decomposed) is normalized into 1 char", "A\u0301B", 2},
		{"שּׁ is normalized into 3 chars", "A\uFB2C", 4},
		{"282 chars with a normalized character", "282 chars-" + strings.Repeat(x10, 24) + "xxxxxA\u0301x", 281},
		{"mix of single and double word chars", "H\U0001F431\u263A" + family, 7},
		{"emoji inside and outside the BMP", "\U0001F637\U0001F47E\U0001F621\U0001F525\U0001F4A9", 10},
		{"emoji with skin tone modifiers and ZWJ", "\U0001F64B\U0001F3FD\U0001F468\u200D\U0001F3A4", 4},
		{"General Punctuation without ZWJ/ZWNJ",
			"This is a tweet with general punctuation characters: \u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u200B ‐ ‑ ‒ – — ― ‖  ‗ ‘ ’ ‚ ‛ “ ” „ ‟ ′ ″ ‴ ‵ ‶ ‷", 110},
		{"140 family emoji", strings.Repeat(family, 140), 280},
		{"Unicode 10.0 emoji", "Unicode 10.0 emoji: \U0001F92A; \U0001F9D5; \U0001F9D5\U0001F3FE; \U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", 34},
		{"Unicode 9.0 emoji", "Unicode 9.0 emoji: \U0001F920; \U0001F483; \U0001F483\U0001F3FE", 29},
		{"a 64-character domain label is no URL", "randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com", 68},
		// UnicodeDirectionalMarkerCounterTest
		{"invalid characters count 2", "ABC\u202A\uFFFFABC\uFFFE", 12},
		{"directional marks around a URL", "\u2066\u202Ahttp://foobar.پاکستان/\u202C\u2069", 31},
		// validate.yml (lengths), still true under v3
		{"URL without protocol", "test.com", 23},
		{"multiple URLs", "Test https://test.com test https://test.com test.com test", 86},
		{"chars outside the BMP", "\U00010000\U0010FFFF", 4},
		{"Hangul inside the BMP", "저찀쯿쿿", 8},

		// our own
		{"long invalid label with a scheme is text", "https://" + strings.Repeat("a", 64) + ".com/foo https://validurl.com", 80 + 1 + 23},
		{"name.cc alone is no URL", "see example.jp", 14},
		{"special ccTLD t.co", "t.co", 23},
		{"subdomain + ccTLD", "foo.co.jp", 23},
		{"ccTLD with a path", "example.jp/path", 23},
		{"e-mail address is no URL", "a@example.com", 13},
		{"file name is no URL", "report.pdf and node.js", 22},
		{"trailing full stop is not in the URL", "Go to https://x.com/help.", 6 + 23 + 1},
		{"balanced parenthesis stays in the URL", "(https://en.wikipedia.org/wiki/Bern_(city))", 1 + 23 + 1},
		{"keycap emoji", "1\uFE0F\u20E3 done", 2 + 5},
		{"flag", "\U0001F1E8\U0001F1ED", 2},
		{"umlauts are light", "Grüezi", 6},
		{"curly quotes and dashes are light", "“ok” – ‘yes’", 12},
		{"em space and ellipsis", "a\u2003b\u2026", 5},
		{"text presentation selector after a symbol", "\u263A\uFE0E", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := TweetLength(tc.text); got != tc.want {
				t.Errorf("TweetLength(%.80q) = %d, want %d", tc.text, got, tc.want)
			}
		})
	}
}

func TestWeightedLengthCJKConformance(t *testing.T) {
	// The conformance file's 160 CJK characters, weighted 320.
	text := "故人西辞黄鹤楼，烟花三月下扬州。孤帆远影碧空尽，唯见长江天际流。朱雀桥边野草花，乌衣巷口夕阳斜。旧时王谢堂前燕，飞入寻常百姓家。朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。泪湿罗巾梦不成，夜深前殿按歌声。红颜未老恩先断，斜倚薰笼坐到明。独在异乡为异客，每逢佳节倍思亲。遥知兄弟登高处，遍插茱萸少一人。"
	if n := utf8.RuneCountInString(text); n != 160 {
		t.Fatalf("%d characters", n)
	}
	if got := TweetLength(text); got != 320 {
		t.Errorf("160 CJK characters weigh %d, want 320", got)
	}
}

func FuzzWeightedLength(f *testing.F) {
	for _, s := range []string{
		"", "hello", "Hi http://test.co", "故人西辞", "\U0001F468\u200D\U0001F469\u200D\U0001F467", "A\u0301B",
		"test.com", "https://" + strings.Repeat("a", 64) + ".com", "1\uFE0F\u20E3", "\xff\xfe", "http://[::1]:80/",
		"(https://a.com/b_(c))", "x.co/ x.tv x.jp", "\u202Ahttp://foobar.پاکستان/\u202C",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := TweetLength(s)
		normal := norm.NFC.String(s)
		if n < 0 || (n == 0) != (normal == "") {
			t.Fatalf("TweetLength(%.80q) = %d", s, n)
		}
		if !strings.Contains(normal, ".") {
			// no URL possible: each code point weighs at most 2
			if max := 2 * utf8.RuneCountInString(normal); n > max {
				t.Fatalf("TweetLength(%.80q) = %d > %d", s, n, max)
			}
		}
		if again := TweetLength(s); again != n {
			t.Fatalf("not deterministic: %d then %d", n, again)
		}
	})
}

// BenchmarkWeightedLength checks the cost stays linear on inputs built to
// make URL and emoji scanning backtrack.
func BenchmarkWeightedLength(b *testing.B) {
	for name, unit := range map[string]string{
		"prose":          "Our room has no hot water since this morning, see https://example.com/x. ",
		"dots":           "a.",
		"schemes":        "éhttp://é.",
		"zwj":            "\U0001F468\u200D",
		"labels":         "a-b_c.",
		"paths":          "http://a.com/(((.",
		"cjk":            "故",
		"keycaps":        "1\uFE0F",
		"long-domain":    "x",
		"closing-parens": ")",
	} {
		for _, n := range []int{1 << 12, 1 << 16} {
			s := strings.Repeat(unit, n/len(unit)+1)[:n]
			if name == "closing-parens" {
				s = "http://a.com/" + strings.Repeat("x", n/2) + strings.Repeat(")", n/2)
			}
			s = strings.ToValidUTF8(s, "")
			b.Run(name+"/"+strconv.Itoa(n), func(b *testing.B) {
				b.SetBytes(int64(len(s)))
				for b.Loop() {
					TweetLength(s)
				}
			})
		}
	}
}
