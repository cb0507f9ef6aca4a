package forum

import (
	"context"
	"slices"
	"testing"

	"switchboard/model"
)

// A listen-only feed hands the hub its posts marked Listen, with the
// include keywords each names, and is filtered like any other feed.
func TestListenOnlyFeedMarksItsPosts(t *testing.T) {
	fs := newFeedServer(t)
	fs.put("/forums/voltra-e5.12/index.rss", doc{body: fixture(t, "xenforo_posts.rss"), contentType: "application/rss+xml; charset=utf-8"})
	fs.put("/feeds/tag/alpenblick", doc{body: fixture(t, "stackexchange_tag.atom"), contentType: "application/atom+xml; charset=utf-8"})
	p := newPoller(t,
		Feed{Name: "voltra", URL: fs.URL + "/forums/voltra-e5.12/index.rss", Include: []string{"VOLTRA", "e5", "reichweite"}, Exclude: []string{"Verkaufe"}, Listen: true},
		Feed{Name: "se", URL: fs.URL + "/feeds/tag/alpenblick", Lang: "en", Include: []string{"alpenblick"}})
	sink := newSink()
	res := p.PollOnce(context.Background(), sink)
	if res[0].Passed != 3 || res[0].Filtered != 2 || res[1].Passed != 2 {
		t.Fatalf("results %+v", res)
	}
	for _, in := range sink.got() {
		listened := in.ThreadRef == voltraThread
		if in.Listen != listened {
			t.Errorf("%s: Listen %v", in.PlatformID, in.Listen)
		}
		if !listened && in.Keywords != nil {
			t.Errorf("a care feed's post carries keywords %v", in.Keywords)
		}
	}
	var first model.Inbound
	for _, in := range sink.got() {
		if in.Listen {
			first = in
			break
		}
	}
	if !slices.Equal(first.Keywords, []string{"e5", "reichweite"}) {
		t.Errorf("keywords of the first post %v", first.Keywords)
	}
}

// A feed followed for a brand gives every post of it that brand — the
// listened ones (an adopted one's case is that brand's) and a care feed's
// alike; a feed without one gives none.
func TestFeedBrandMarksItsPosts(t *testing.T) {
	fs := newFeedServer(t)
	fs.put("/forums/voltra-e5.12/index.rss", doc{body: fixture(t, "xenforo_posts.rss"), contentType: "application/rss+xml; charset=utf-8"})
	fs.put("/feeds/tag/alpenblick", doc{body: fixture(t, "stackexchange_tag.atom"), contentType: "application/atom+xml; charset=utf-8"})
	p := newPoller(t,
		Feed{Name: "voltra", URL: fs.URL + "/forums/voltra-e5.12/index.rss", Include: []string{"voltra", "e5"}, Listen: true, Brand: " voltra-at "},
		Feed{Name: "se", URL: fs.URL + "/feeds/tag/alpenblick", Lang: "en", Include: []string{"alpenblick"}})
	sink := newSink()
	p.PollOnce(context.Background(), sink)
	var listened, care int
	for _, in := range sink.got() {
		switch {
		case in.Source == "voltra":
			listened++
			if in.Brand != "voltra-at" || !in.Listen {
				t.Errorf("%s: brand %q, listen %v", in.PlatformID, in.Brand, in.Listen)
			}
		default:
			care++
			if in.Brand != "" {
				t.Errorf("%s of a feed without a brand: brand %q", in.PlatformID, in.Brand)
			}
		}
	}
	if listened == 0 || care == 0 {
		t.Fatalf("listened %d, care %d", listened, care)
	}
}
