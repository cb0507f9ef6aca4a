package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"switchboard/model"
)

// savedHub is a hub on the log in dir with its expert directory (not
// running: the tests drive sync and save).
type savedHub struct {
	h *Hub
	l *BoltLog
	x *Experts
}

func openSavedHub(t *testing.T, dir string) *savedHub {
	t.Helper()
	l, err := OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(l, Config{Logger: quietLog})
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	return &savedHub{h: h, l: l, x: NewExperts(h)}
}

func (s *savedHub) close(t *testing.T) {
	t.Helper()
	if err := s.l.Close(); err != nil {
		t.Fatal(err)
	}
}

var savedT0 = time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Minute)

func savedPost(thread, who, id, text string, at time.Time) Inbound {
	return model.Inbound{Channel: model.ChannelForum, ThreadRef: thread, PlatformID: id, Text: text, Time: at, Public: true,
		Author: model.Identity{Platform: model.ChannelForum, Handle: who + "@f.example"}, Source: "Handy-Forum"}
}

// forum logs n solved threads in which kohlmark answers, from thread from.
func (s *savedHub) forum(t *testing.T, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		th, at := fmt.Sprintf("t-%03d", i), savedT0.Add(time.Duration(i)*time.Minute)
		for j, p := range []Inbound{
			savedPost(th, fmt.Sprintf("asker%d", i), th+"-q", "Mein Galaxy S24 verliert das WLAN. Ideen?", at),
			savedPost(th, "kohlmark", th+"-a", "Netzwerkeinstellungen zurücksetzen.", at.Add(time.Second)),
			savedPost(th, fmt.Sprintf("asker%d", i), th+"-t", "Danke, hat geklappt!", at.Add(2*time.Second)),
		} {
			if _, _, err := s.h.Ingest(p); err != nil {
				t.Fatal(i, j, err)
			}
		}
	}
}

func (s *savedHub) sync(t *testing.T) {
	t.Helper()
	if err := s.x.sync(); err != nil {
		t.Fatal(err)
	}
}

// listed is the directory as GET /v1/experts shows it, as JSON.
func (s *savedHub) listed(t *testing.T) string {
	t.Helper()
	v, err := s.x.List(savedT0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// fullFold is the directory of dir folded from the whole log.
func fullFold(t *testing.T, dir string) string {
	t.Helper()
	s := openSavedHub(t, dir)
	defer s.close(t)
	s.x.resumed = true // as with no saved fold
	s.sync(t)
	return s.listed(t)
}

func putKohlmark(t *testing.T, x *Experts) {
	t.Helper()
	if _, err := x.Put("lena", model.Expert{Key: "forum:kohlmark@f.example", Name: "kohlmark", Topics: []string{"router"},
		Consent: model.ExpertConsent{At: savedT0, By: "lena"}}); err != nil {
		t.Fatal(err)
	}
}

// A restart resumes the saved fold: it folds only the events logged after
// the saved seq, and the directory (learned topics and all) is the one a
// fold of the whole log makes.
func TestExpertsRestartFoldsOnlyTheTail(t *testing.T) {
	dir := t.TempDir()
	a := openSavedHub(t, dir)
	putKohlmark(t, a.x)
	a.forum(t, 0, 30)
	a.sync(t)
	if err := a.x.save(false); err != nil {
		t.Fatal(err)
	}
	savedAt := a.l.Head()
	a.forum(t, 30, 2) // logged after the save: the tail
	a.sync(t)
	tail := a.l.Head() - savedAt
	a.close(t)

	b := openSavedHub(t, dir)
	b.sync(t)
	if b.x.folded != tail {
		t.Fatalf("the restart folded %d events, want the %d after the saved seq %d (of %d)", b.x.folded, tail, savedAt, b.l.Head())
	}
	got := b.listed(t)
	b.close(t)
	if want := fullFold(t, dir); got != want {
		t.Fatalf("resumed directory\n%s\nwant the whole log's\n%s", got, want)
	}
}

// A hub killed after it folded and logged a member's away notice but
// before it saved the fold resumes from the older save: the tail is
// folded again, the notice is not logged a second time, nothing is lost.
func TestExpertsKillBetweenFoldAndSave(t *testing.T) {
	dir := t.TempDir()
	a := openSavedHub(t, dir)
	putKohlmark(t, a.x)
	a.forum(t, 0, 5)
	a.sync(t)
	if err := a.x.save(false); err != nil {
		t.Fatal(err)
	}
	a.forum(t, 5, 2)
	if _, _, err := a.h.Ingest(savedPost("t-900", "kohlmark", "away", "Ich bin bis 24.12. im Urlaub.", savedT0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	a.sync(t) // folds the post, logs the away notice
	killed := errors.New("killed")
	a.x.testBeforeSave = func() error { return killed }
	if err := a.x.save(false); !errors.Is(err, killed) {
		t.Fatalf("save: %v, want the kill", err)
	}
	before := a.listed(t)
	a.close(t)

	b := openSavedHub(t, dir)
	b.sync(t)
	b.sync(t)
	got := b.listed(t)
	evs, err := b.l.Read(0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	aways := 0
	for _, ev := range evs {
		if ev.Type == model.EventExpertUpserted && ev.Expert.Away != nil {
			aways++
		}
	}
	b.close(t)
	if aways != 1 {
		t.Fatalf("the away notice was logged %d times, want once", aways)
	}
	if got != before {
		t.Fatalf("after the kill and restart\n%s\nwant the directory before\n%s", got, before)
	}
	if want := fullFold(t, dir); got != want {
		t.Fatalf("resumed directory\n%s\nwant the whole log's\n%s", got, want)
	}
}

// A corrupt, foreign or stale saved fold is folded anew from the whole
// log; the start does not fail.
func TestExpertsCorruptSavedFoldRefolds(t *testing.T) {
	dir := t.TempDir()
	a := openSavedHub(t, dir)
	putKohlmark(t, a.x)
	a.forum(t, 0, 5)
	a.sync(t)
	if err := a.x.save(false); err != nil {
		t.Fatal(err)
	}
	good, err := a.l.loadExpertsFold()
	if err != nil || good == nil {
		t.Fatalf("saved fold: %v %d bytes", err, len(good))
	}
	want := a.listed(t)
	head := a.l.Head()
	a.close(t)

	past := func() []byte { // a record saved at a seq past the log's head
		s := openSavedHub(t, t.TempDir())
		defer s.close(t)
		s.x.loaded, s.x.cursor = true, head+100
		rec, err := s.x.encodeFoldLocked()
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}()
	for name, rec := range map[string][]byte{
		"garbage":   []byte("not a fold at all"),
		"truncated": good[:len(good)/2],
		"version":   append([]byte{0, 0, 0, 99}, good[4:]...),
		"empty":     {},
		"past head": past,
	} {
		s := openSavedHub(t, dir)
		if err := s.l.saveExpertsFold(rec); err != nil {
			t.Fatal(err)
		}
		s.sync(t)
		got, folded := s.listed(t), s.x.folded
		s.close(t)
		if got != want {
			t.Errorf("%s: directory\n%s\nwant\n%s", name, got, want)
		}
		if folded < head/2 { // the Snapshot's events, then the tail
			t.Errorf("%s: folded %d events, want the whole log (head %d)", name, folded, head)
		}
	}
}
