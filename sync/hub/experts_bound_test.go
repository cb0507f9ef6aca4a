package hub

import (
	"fmt"
	"testing"
	"time"

	"switchboard/model"
)

// The forum history Experts keeps for learning is bounded: past the
// thread and post bounds the least recently active threads are forgotten,
// a long thread keeps its question and its latest posts, and no post's
// text is kept — while the threads kept still teach a member's topic and
// recognise their answers.
func TestExpertsForumHistoryIsBounded(t *testing.T) {
	l, err := OpenBoltLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	t0 := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Minute)
	h, err := New(l, Config{Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	x := NewExperts(h)
	x.limits = forumLimits{threads: 40, posts: 300, threadPosts: 10}
	if _, err := x.Put("lena", model.Expert{Key: "forum:kohlmark@f.example", Name: "kohlmark", Topics: []string{"galaxy s24"},
		Consent: model.ExpertConsent{At: t0, By: "lena"}}); err != nil {
		t.Fatal(err)
	}
	post := func(thread, who, id, text string, at time.Time) Inbound {
		return model.Inbound{Channel: model.ChannelForum, ThreadRef: thread, PlatformID: id, Text: text, Time: at, Public: true,
			Author: model.Identity{Platform: model.ChannelForum, Handle: who + "@f.example"}, Source: "Handy-Forum"}
	}
	var ins []Inbound
	for i := range 100 {
		th, at := fmt.Sprintf("t-%03d", i), t0.Add(time.Duration(i)*time.Minute)
		ins = append(ins,
			post(th, fmt.Sprintf("asker%d", i), th+"-1", "Mein Galaxy S24 verliert das WLAN. Ideen?", at),
			post(th, "stranger", th+"-2", "Neu starten?", at.Add(time.Second)),
			post(th, "kohlmark", th+"-3", "Netzwerkeinstellungen zurücksetzen.", at.Add(2*time.Second)),
			post(th, fmt.Sprintf("asker%d", i), th+"-4", "Danke, hat geklappt!", at.Add(3*time.Second)))
	}
	// The latest thread is long: a question, 30 posts of others, then
	// kohlmark's answer and the asker's thanks.
	big := t0.Add(3 * time.Hour)
	ins = append(ins, post("big", "anna", "big-0", "Galaxy S24 Akku hält keinen Tag mehr, was tun?", big))
	for i := range 30 {
		ins = append(ins, post("big", fmt.Sprintf("m%d", i), fmt.Sprintf("big-%d", i+1), "Bei mir auch.", big.Add(time.Duration(i+1)*time.Second)))
	}
	ins = append(ins, post("big", "kohlmark", "big-k", "Akku-Kalibrierung: einmal ganz leer, dann voll laden.", big.Add(time.Minute)),
		post("big", "anna", "big-t", "Danke, das war's!", big.Add(2*time.Minute)))
	for _, res := range h.IngestMany(ins) {
		if res.Err != nil {
			t.Fatal(res.Err)
		}
	}
	if err := x.sync(); err != nil {
		t.Fatal(err)
	}

	threads, posts := x.forumKept()
	if threads > 40 || posts > 300 {
		t.Fatalf("kept %d threads, %d posts: over the bounds 40 and 300", threads, posts)
	}
	caseOf := func(thread string) string {
		c, ok := h.CaseByThread(model.ChannelForum, thread)
		if !ok {
			t.Fatalf("no case of %s", thread)
		}
		return c.ID
	}
	x.mu.Lock()
	_, oldest := x.threads[caseOf("t-000")]
	_, newest := x.threads[caseOf("t-099")]
	long := x.threads[caseOf("big")]
	total := 0
	for _, th := range x.threads {
		total += len(th.posts)
		for _, p := range th.posts {
			if p.Text != "" {
				t.Errorf("a post's text is kept: %q", p.Text)
			}
		}
	}
	x.mu.Unlock()
	if oldest || !newest || long == nil {
		t.Fatalf("the oldest thread kept %v, the newest %v, the long one %v", oldest, newest, long != nil)
	}
	if total != posts {
		t.Errorf("counted %d posts, %d kept", posts, total)
	}
	if len(long.posts) != 10 || long.posts[0].Author != "forum:anna@f.example" || long.posts[9].Author != "forum:anna@f.example" ||
		!long.posts[9].Thanks || long.posts[8].Author != "forum:kohlmark@f.example" {
		t.Fatalf("the long thread keeps %d posts: %+v", len(long.posts), long.posts)
	}

	// What is kept still teaches: kohlmark answered (and was thanked in)
	// every kept thread.
	views, err := x.List(time.Now())
	if err != nil || len(views) != 1 || len(views[0].Learned) != 1 {
		t.Fatalf("directory: %+v %v", views, err)
	}
	if ev := views[0].Learned[0]; ev.Topic != "galaxy s24" || ev.Answers != threads || ev.Thanked != threads {
		t.Fatalf("learned %+v from %d threads", ev, threads)
	}
	rec, err := x.Recognise(t0.Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil || len(rec.Helpers) != 1 || rec.Helpers[0].Answers != threads {
		t.Fatalf("recognition: %+v %v", rec.Helpers, err)
	}
}
