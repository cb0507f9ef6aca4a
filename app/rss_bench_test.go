package app_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/internal/bench"
	"switchboard/model"
	"switchboard/store"
)

// rssCases is the size of the console_rss scenario: a console that has
// cached 300,000 cases (the figure, whatever BENCH_N is).
const rssCases = 300_000

// rssChildEnv names the cache a re-executed test binary opens and
// measures; rssChildTag starts the line it answers with.
const (
	rssChildEnv = "SWITCHBOARD_BENCH_RSS_DIR"
	rssChildTag = "rss-child peak_kib="
)

// BenchmarkScenarioConsoleRSS is console_rss of `make bench`: the console's
// peak anonymous resident memory (RssAnon: the Go heap, stacks and any
// other private memory, not the bbolt file's mmap) while it opens a cache
// of 300,000 cases with three messages each and loads its index, and once
// it shows the first page, has built its search index and answers a
// search. The cache is written through store.Apply in pages, as the sync
// client writes it; each measurement runs in a fresh process (this test binary, re-executed), so
// nothing this process allocated to build the cache counts. The median of
// bench.Runs() processes is reported; it has no baseline.
func BenchmarkScenarioConsoleRSS(b *testing.B) {
	if dir := os.Getenv(rssChildEnv); dir != "" {
		rssChild(b, dir)
		return
	}
	dir := b.TempDir()
	t := time.Now()
	writeRSSCache(b, dir, rssCases)
	b.Logf("console_rss: %d cases written in %v", rssCases, time.Since(t).Round(time.Millisecond))
	for b.Loop() {
		var peaks []float64
		for range bench.Runs() {
			peaks = append(peaks, float64(rssMeasure(b, dir))/1024)
		}
		bench.Report("console_rss", bench.Median(peaks), "MiB", 0)
	}
}

// rssMeasure runs the child in a fresh process and returns its peak in KiB.
func rssMeasure(b *testing.B, dir string) int64 {
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^BenchmarkScenarioConsoleRSS$", "-test.benchtime=1x")
	cmd.Env = append(os.Environ(), rssChildEnv+"="+dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		b.Fatalf("console_rss: child: %v\n%s", err, out.String())
	}
	for line := range strings.Lines(out.String()) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), rssChildTag); ok {
			b.Logf("console_rss: child: %s", v)
			num, _, _ := strings.Cut(v, " ")
			kib, err := strconv.ParseInt(num, 10, 64)
			if err != nil {
				b.Fatalf("console_rss: child said %q", line)
			}
			return kib
		}
	}
	b.Fatalf("console_rss: child printed no peak:\n%s", out.String())
	return 0
}

// rssChild opens the cache in dir as the console does, waits for the whole
// index, shows the first page and runs a search, sampling RssAnon all the
// while, and prints the peak.
func rssChild(b *testing.B, dir string) {
	var (
		mu   sync.Mutex
		peak int64
	)
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := &rssAnon{f: f}
	sample := func() {
		if kib, err := r.KiB(); err == nil {
			mu.Lock()
			peak = max(peak, kib)
			mu.Unlock()
		}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				sample()
			}
		}
	}()
	t0 := time.Now()
	core, err := app.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer core.Close()
	// An index loaded off the start-up path fills in after Open.
	deadline := time.Now().Add(5 * time.Minute)
	for core.Count() < rssCases {
		if time.Now().After(deadline) {
			b.Fatalf("console_rss: index holds %d of %d cases after 5 minutes", core.Count(), rssCases)
		}
		time.Sleep(5 * time.Millisecond)
	}
	loaded := time.Since(t0)
	// What a user does first: the queue's first page (as the console's
	// list reads it: a View and the rows it shows), then a search.
	if len(core.View(app.Filter{}).Page(0, 50)) == 0 {
		b.Fatal("console_rss: empty queue")
	}
	// The search index over every message is built in the background; it
	// is part of what the console holds.
	if s, ok := any(core).(interface{ SearchReady() <-chan struct{} }); ok {
		select {
		case <-s.SearchReady():
		case <-time.After(time.Until(deadline)):
			b.Fatal("console_rss: search index not ready after 5 minutes")
		}
	}
	for _, q := range []string{"lisbon", "traveller_1234"} {
		r := core.View(app.Filter{Text: q})
		r.Page(0, 50)
		for i := range min(50, r.Len()) {
			r.Match(i)
		}
	}
	used := time.Since(t0)
	// Work built in the background after the count is complete (a search
	// index) still counts: wait until the peak has not moved for 2 s.
	last, since := int64(-1), time.Now()
	settle := time.Now().Add(time.Minute)
	for time.Since(since) < 2*time.Second && time.Now().Before(settle) {
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		p := peak
		mu.Unlock()
		if p != last {
			last, since = p, time.Now()
		}
	}
	close(stop)
	<-done
	sample()
	fmt.Printf("%s%d loaded=%v queried=%v settled=%v\n", rssChildTag, peak,
		loaded.Round(time.Millisecond), used.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
}

// rssAnon reads RssAnon from /proc/self/status without allocating, so
// that sampling does not itself grow the heap it measures.
type rssAnon struct {
	f   *os.File
	buf [4096]byte
}

var rssAnonKey = []byte("RssAnon:")

// KiB is the current RssAnon in KiB.
func (r *rssAnon) KiB() (int64, error) {
	n, err := r.f.ReadAt(r.buf[:], 0)
	if n == 0 && err != nil {
		return 0, err
	}
	s := r.buf[:n]
	i := bytes.Index(s, rssAnonKey)
	if i < 0 {
		return 0, errors.New("no RssAnon in /proc/self/status")
	}
	var kib int64
	for _, c := range s[i+len(rssAnonKey):] {
		switch {
		case c >= '0' && c <= '9':
			kib = kib*10 + int64(c-'0')
		case c == ' ' || c == '\t':
			if kib > 0 {
				return kib, nil
			}
		default:
			return kib, nil
		}
	}
	return kib, nil
}

// writeRSSCache writes n cases with three messages each (the customer's
// question, an agent's reply, the customer's answer) into the console
// cache in dir, in pages of events as the sync client applies them.
func writeRSSCache(tb testing.TB, dir string, n int) {
	st, err := store.Open(filepath.Join(dir, "console.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	const page = 4_000 // events: 1,000 cases and their messages
	evs := make([]model.Event, 0, page)
	seq := uint64(0)
	add := func(ev model.Event) {
		seq++
		ev.Seq, ev.Time = seq, ev.Time.UTC()
		evs = append(evs, ev)
	}
	flush := func() {
		if _, err := st.Apply(evs); err != nil {
			tb.Fatal(err)
		}
		evs = evs[:0]
	}
	for i := range n {
		c, msgs := rssCase(i)
		add(model.Event{Type: model.EventCaseUpserted, Time: c.Updated, Case: c})
		for j := range msgs {
			add(model.Event{Type: model.EventMessageAdded, Time: msgs[j].Time, Message: &msgs[j]})
		}
		if len(evs) >= page {
			flush()
		}
	}
	if len(evs) > 0 {
		flush()
	}
}

var (
	rssChannels = []model.Channel{model.ChannelTwitter, model.ChannelTwitter, model.ChannelFacebook, model.ChannelForum}
	rssStatuses = []model.Status{model.StatusNew, model.StatusOpen, model.StatusPending, model.StatusSolved, model.StatusSolved, model.StatusClosed, model.StatusClosed}
	rssAgents   = []string{"", "anna", "ben", "chloe", "dmitri", "", "emre"}
	rssTopics   = []struct{ subject, reply, answer string }{
		{"@SkyWingsAir my bag did not arrive in Lisbon, file LIS-SW-%d. Three days now and nobody answers the phone.",
			"Sorry about your bag! I have found file LIS-SW-%d: it is on today's flight and will be delivered to your hotel tonight.",
			"Thanks, it just arrived. Still, three days without a suit for a conference was not great."},
		{"Refund for cancelled flight SW%d still not on my card after six weeks. This is the third time I ask.",
			"I am sorry for the wait. The refund for SW%d was approved today and shows on your card within five working days.",
			"Okay, I will check next week. Please make sure it is the full amount including the seat reservation."},
		{"Since software 4.2 the range forecast drops by 40 km on the motorway (car %d, Kundennummer on file).",
			"Thanks for the report on car %d. Settings → Energy → Forecast: standard restores the old forecast; a fix comes with 4.3.",
			"That worked, the forecast is back to normal. Looking forward to 4.3."},
		{"Senator for 9 years and turned away at the lounge in Frankfurt today, booking %d. Seriously?",
			"That should not have happened. I have added a lounge voucher to booking %d and passed your report to the Frankfurt team.",
			"Thank you. The voucher is there. I hope the staff get a briefing."},
		{"Voucher %d does not work in the app, it says expired but the letter says valid until December.",
			"You are right, voucher %d is valid until 31 December. I have reissued it; the new code is in your account now.",
			"Got it, the new code works. Thanks for the quick help!"},
	}
	rssTags = [][]string{nil, {"baggage"}, {"refund", "escalated"}, {"software"}, {"lounge", "vip"}, {"voucher"}}
)

// rssCase is the i-th case of the cache and its thread.
func rssCase(i int) (*model.Case, []model.Message) {
	t := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * 13 * time.Second)
	ch := rssChannels[i%len(rssChannels)]
	topic := rssTopics[i%len(rssTopics)]
	author := model.Identity{Platform: ch, Handle: fmt.Sprintf("@traveller_%d", i), DisplayName: fmt.Sprintf("Alex Traveller %d", i),
		Followers: (i * 7919) % 250_000, Verified: i%97 == 0}
	model.DefaultReach.Rate(&author)
	agent := model.Identity{Platform: ch, Handle: "SkyWingsAir", DisplayName: "SkyWings Care"}
	c := &model.Case{
		ID: fmt.Sprintf("case-%07d", i), Channel: ch, ThreadRef: fmt.Sprintf("%s-thread-%d", ch, 1_700_000_000+i), Source: "bench",
		Subject: fmt.Sprintf(topic.subject, 20_000+i), Author: author, Status: rssStatuses[i%len(rssStatuses)], Priority: model.PriorityNormal,
		Assignee: rssAgents[i%len(rssAgents)], Tags: rssTags[i%len(rssTags)], Public: ch != model.ChannelFacebook || i%3 != 0, Lang: "en",
		URL:     fmt.Sprintf("https://example.com/%s/status/%d", ch, 1_700_000_000+i),
		Created: t, Updated: t.Add(40 * time.Minute), LastMessageAt: t.Add(40 * time.Minute), FirstResponse: t.Add(25 * time.Minute),
		MessageCount: 3, Version: 3,
	}
	if i%3 == 0 {
		c.CustomerID = strconv.Itoa(100_000 + i)
	}
	if i%11 == 0 {
		c.Priority = model.PriorityHigh
	}
	if c.Status == model.StatusSolved || c.Status == model.StatusClosed {
		c.Resolved = t.Add(50 * time.Minute)
	} else {
		c.WaitingSince = t.Add(40 * time.Minute)
	}
	msgs := []model.Message{
		{ID: fmt.Sprintf("m-%d-1", i), CaseID: c.ID, Direction: model.DirectionIn, Author: author, Text: c.Subject, Time: t, Public: c.Public,
			PlatformID: fmt.Sprintf("p-%d-1", i)},
		{ID: fmt.Sprintf("m-%d-2", i), CaseID: c.ID, Direction: model.DirectionOut, Author: agent, Text: fmt.Sprintf(topic.reply, 20_000+i),
			Time: t.Add(25 * time.Minute), Public: c.Public, Delivery: model.DeliverySent, PlatformID: fmt.Sprintf("p-%d-2", i)},
		{ID: fmt.Sprintf("m-%d-3", i), CaseID: c.ID, Direction: model.DirectionIn, Author: author, Text: topic.answer, Time: t.Add(40 * time.Minute),
			Public: c.Public, PlatformID: fmt.Sprintf("p-%d-3", i)},
	}
	return c, msgs
}

// TestRSSAnonReadsProc checks the scenario's reader against a plain parse
// of /proc/self/status.
func TestRSSAnonReadsProc(t *testing.T) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status on this system:", err)
	}
	defer f.Close()
	got, err := (&rssAnon{f: f}).KiB()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	for line := range strings.Lines(string(raw)) {
		if v, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			want, _ = strconv.ParseInt(strings.Fields(v)[0], 10, 64)
		}
	}
	if got <= 0 || got < want/2 || got > want*2 {
		t.Fatalf("RssAnon read as %d KiB, /proc says %d KiB", got, want)
	}
}
