package ui_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"switchboard/listen"
	"switchboard/model"
	"switchboard/ui"
)

// fakeListening is a Community with listened posts only; adopt answers
// AdoptListened.
type fakeListening struct {
	ui.Community // the expert parts: not used here
	items        []model.ListenItem
	adopt        func(id string) (string, error)
	now          time.Time // zero: time.Now
}

func (f *fakeListening) clock() time.Time {
	if f.now.IsZero() {
		return time.Now()
	}
	return f.now
}

func (f *fakeListening) Listening(days int, topic string, max int) (listen.View, []model.ListenItem, error) {
	view := listen.Trend(f.items, f.clock(), time.Local, days)
	var out []model.ListenItem
	for _, it := range f.items {
		if it.Time.Before(view.Days[0]) {
			continue
		}
		if topic != "" && !slices.Contains(it.Topics, topic) && !(topic == "other" && len(it.Topics) == 0) {
			continue
		}
		out = append(out, it)
	}
	slices.SortStableFunc(out, func(a, b model.ListenItem) int { return b.Time.Compare(a.Time) }) // newest first, as the cache answers
	return view, out, nil
}

func (f *fakeListening) AdoptListened(ctx context.Context, id string) (string, error) {
	return f.adopt(id)
}

// heard adds n posts of topics daysAgo days before now.
func (f *fakeListening) heard(daysAgo, n int, topics ...string) {
	y, m, d := f.clock().Date()
	now := time.Date(y, m, d, 12, 0, 0, 0, time.Local) // midday: a day's posts stay on their day
	for i := 0; i < n; i++ {
		f.items = append(f.items, model.ListenItem{ID: fmt.Sprintf("forum|%d", len(f.items)+1), Channel: model.ChannelForum,
			Source: "Community e-autotreff.example", ThreadRef: "t-1", Author: model.Identity{Platform: model.ChannelForum, Handle: fmt.Sprintf("m%d", len(f.items))},
			Text: "Reichweite nach Update 4.2", Time: now.Add(-time.Duration(daysAgo)*24*time.Hour - time.Duration(i+1)*time.Second),
			Topics: topics, Triage: &model.CaseTriage{SentimentLabel: "negative"}})
	}
}

func openListening(t *testing.T, f *fakeListening, onAdopted func(string)) *ui.ListeningView {
	t.Helper()
	test.NewTempApp(t)
	v := ui.NewListeningView(f, 14, onAdopted)
	v.SetRunner(func(g func()) { g() })
	w := test.NewWindow(v)
	t.Cleanup(w.Close)
	v.Load()
	return v
}

// Issue 14: the listening view names triage categories as the queue does
// (English and German), in the topics, the posts' heading and their cards
// — never the raw key "service_complaint".
func TestListeningViewLabelsTopicsLikeTheQueue(t *testing.T) {
	t.Cleanup(func() { ui.SetLanguage("en") })
	f := &fakeListening{}
	f.heard(0, 2, "service_complaint", "reichweite")
	f.heard(1, 1, "technical")
	f.heard(2, 1) // no topic: other
	for _, tc := range []struct{ lang, complaint, technical, other, title string }{
		{"en", "Complaint", "Technical", "Other topic", "Posts on Complaint"},
		{"de", "Beschwerde", "Technik", "Sonstiges", "Beiträge zu Beschwerde"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			ui.SetLanguage(tc.lang)
			v := openListening(t, f, nil)
			var labels []string
			for _, l := range v.TopicLines() {
				labels = append(labels, l[0])
				if strings.Contains(l[0], "_") || strings.Contains(l[0], "service") || strings.Contains(l[0], "other") {
					t.Errorf("a raw topic key: %q", l[0])
				}
			}
			for _, want := range []string{tc.complaint + " · 2", "Reichweite · 2", tc.technical + " · 1", tc.other + " · 1"} {
				if !slices.Contains(labels, want) {
					t.Errorf("topics %q: no %q", labels, want)
				}
			}
			v.Select("service_complaint")
			if v.Title() != tc.title || len(v.Items()) != 2 {
				t.Fatalf("title %q, %d items", v.Title(), len(v.Items()))
			}
			meta, _, _ := v.Card(0)
			if !strings.Contains(meta, tc.complaint+", Reichweite") || strings.Contains(meta, "service_complaint") || strings.Contains(meta, "negative") != (tc.lang == "en") {
				t.Fatalf("card meta %q", meta)
			}
		})
	}
}

// A spike is visible and explained: which topic, how many posts today
// against the usual; other topics say today's posts against the usual.
func TestListeningViewExplainsTheSpike(t *testing.T) {
	f := &fakeListening{}
	for d := 1; d <= 13; d++ {
		f.heard(d, 2, "update")
		f.heard(d, 1, "laden")
	}
	f.heard(0, 12, "update")    // 6 times its 2 a day
	f.heard(0, 9, "reichweite") // never heard before
	v := openListening(t, f, nil)
	lines := v.TopicLines()
	if len(lines) != 3 {
		t.Fatalf("topics %q", lines)
	}
	want := map[string]string{
		"Update · 38 · spike today":    "Spike today: 12 posts, 6× the usual 2.0 a day",
		"Reichweite · 9 · spike today": "Spike today: 9 posts, where under one a day is usual",
		"laden · 13":                   "Today 0, usually 1.0 a day",
	}
	for _, l := range lines {
		if w, ok := want[l[0]]; !ok || l[1] != w {
			t.Errorf("topic %q: %q, want %q", l[0], l[1], w)
		}
	}
	if b := v.Banner(); !strings.HasPrefix(b, "Spiking today: ") || !strings.Contains(b, "Update") || !strings.Contains(b, "Reichweite") || strings.Contains(b, "laden") {
		t.Fatalf("banner %q", b)
	}
	quiet := &fakeListening{}
	for d := 0; d <= 13; d++ {
		quiet.heard(d, 1, "laden")
	}
	if b := openListening(t, quiet, nil).Banner(); b != "" {
		t.Fatalf("a banner without a spike: %q", b)
	}
}

// "Turn into a care case" says what it does (a case in the queue, the
// answer posted by hand as the brand on a forum), does it, and then opens
// the case; a refusal leaves the post to try again.
func TestListeningViewTurnsAPostIntoACareCase(t *testing.T) {
	f := &fakeListening{}
	f.heard(0, 2, "reichweite")
	f.items[0].Brand = "voltra-at"
	fail := true
	f.adopt = func(id string) (string, error) {
		if fail {
			return "", errors.New("console offline")
		}
		return "case-" + id, nil
	}
	var opened []string
	v := openListening(t, f, func(id string) { opened = append(opened, id) })
	_, b, note := v.Card(0)
	if b.Text != "Turn into a care case" || note != "Opens a case in the queue; you post the answer in the thread by hand, as voltra-at." {
		t.Fatalf("button %q, note %q", b.Text, note)
	}
	if meta, _, _ := v.Card(0); !strings.Contains(meta, "heard for voltra-at") {
		t.Fatalf("meta %q", meta)
	}
	test.Tap(b)
	if b.Disabled() || b.Text != "Turn into a care case" || len(opened) != 0 {
		t.Fatalf("after a refusal: disabled %v, %q, opened %v", b.Disabled(), b.Text, opened)
	}
	fail = false
	test.Tap(b)
	if !slices.Equal(opened, []string{"case-forum|1"}) || b.Text != "Open the care case" {
		t.Fatalf("opened %v, button %q", opened, b.Text)
	}
	test.Tap(b)
	if len(opened) != 2 || opened[1] != "case-forum|1" {
		t.Fatalf("open again: %v", opened)
	}
	// An item the hub says was adopted says by whom and when.
	f.items[0].Adopted, f.items[0].AdoptedBy, f.items[0].AdoptedAt = "case-9", "lena", time.Now()
	v.Load()
	if _, b, note := v.Card(0); b.Text != "Open the care case" || !strings.Contains(note, "by lena") {
		t.Fatalf("adopted: %q, %q", b.Text, note)
	}
	if s := v.Status(); s != "2 posts in 14 days, one answered as a care case" {
		t.Fatalf("status %q", s)
	}
}

// Empty states say why there is nothing, and how to get something.
func TestListeningViewEmptyStates(t *testing.T) {
	v := openListening(t, &fakeListening{}, nil)
	topics, posts := v.Empty()
	if !strings.Contains(topics, "Nothing heard in the last 14 days") || !strings.Contains(topics, "listen-only") || posts != "Nothing heard yet." {
		t.Fatalf("empty: %q, %q", topics, posts)
	}
	f := &fakeListening{}
	f.heard(0, 1, "laden")
	v = openListening(t, f, nil)
	v.Select("technical")
	if _, posts := v.Empty(); posts != "No posts on Technical in the last 14 days." {
		t.Fatalf("a topic without posts: %q", posts)
	}
}

// Issue 13 point 9: the listened keywords are shown as the posts write
// them ("Reichweite", "Voltra"), not as the hub keeps them for matching
// ("reichweite", lower case) — in the topics, the banner, the heading of
// a chosen topic and the cards; choosing one still finds its posts, and
// its name stays when only its posts are shown. A keyword no post spells
// out stays as kept.
func TestListeningTopicsAsThePostsWriteThem(t *testing.T) {
	t.Cleanup(func() { ui.SetLanguage("en") })
	ui.SetLanguage("de")
	f := &fakeListening{}
	for d := 1; d <= 13; d++ {
		f.heard(d, 1, "voltra")
	}
	f.heard(0, 9, "reichweite", "voltra", "laden")
	for i := range f.items {
		f.items[i].Text = "Voltra E5: Reichweite nach dem Update 4.2 — die reichweite sinkt"
	}
	v := openListening(t, f, nil)
	var labels []string
	for _, l := range v.TopicLines() {
		labels = append(labels, l[0])
	}
	for _, want := range []string{"Voltra · 22 · heute gehäuft", "Reichweite · 9 · heute gehäuft", "laden · 9 · heute gehäuft"} {
		if !slices.Contains(labels, want) {
			t.Errorf("topics %q: no %q", labels, want)
		}
	}
	if b := v.Banner(); !strings.Contains(b, "Reichweite") || strings.Contains(b, "reichweite") {
		t.Errorf("banner %q", b)
	}
	if meta, _, _ := v.Card(0); !strings.Contains(meta, "Reichweite, Voltra, laden") {
		t.Errorf("card %q", meta)
	}
	v.Select("reichweite")
	if v.Title() != "Beiträge zu Reichweite" || len(v.Items()) != 9 {
		t.Errorf("chosen topic: title %q, %d posts", v.Title(), len(v.Items()))
	}
	for _, l := range v.TopicLines() {
		if strings.HasPrefix(l[0], "voltra") {
			t.Errorf("with reichweite chosen, voltra shown as %q", l[0])
		}
	}
}
