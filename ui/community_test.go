package ui_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/community"
	"switchboard/model"
	"switchboard/sync/hub"
	"switchboard/ui"
)

// communityFixture is a cache with a forum question, a case whose
// hand-off an expert answered, the expert directory (one member away) and
// two weeks of listened posts with today's spike.
func communityFixture(t *testing.T) *app.Core {
	t.Helper()
	dir := t.TempDir()
	now := time.Now().UTC()
	anna := model.Identity{Platform: model.ChannelForum, Handle: "anna_k@f.example", DisplayName: "Anna Keller"}
	kohl := model.Identity{Platform: model.ChannelForum, Handle: "kohlmark@f.example", DisplayName: "kohlmark", Expert: true}
	cases := []model.Case{
		{ID: "c-q", Channel: model.ChannelForum, Subject: "Galaxy S24 verliert WLAN nach dem Update", Author: anna, Lang: "de",
			Status: model.StatusOpen, Public: true, Created: now.Add(-3 * time.Hour), LastMessageAt: now.Add(-3 * time.Hour), Version: 1},
		{ID: "c-done", Channel: model.ChannelForum, Subject: "Router DSL bricht ab", Author: anna, Lang: "de",
			Status: model.StatusOpen, Public: true, Created: now.Add(-5 * time.Hour), LastMessageAt: now.Add(-time.Hour), Version: 3,
			Handoff: &model.Handoff{Expert: kohl.Key(), By: "arno", At: now.Add(-4 * time.Hour), Via: "thread", Text: "@kohlmark?",
				AnsweredAt: now.Add(-time.Hour), AnswerID: "d3"}},
	}
	var evs []model.Event
	add := func(ev model.Event) { ev.Seq = uint64(len(evs) + 1); ev.Time = now; evs = append(evs, ev) }
	consent := model.ExpertConsent{At: now.AddDate(0, -1, 0), By: "lena"}
	add(model.Event{Type: model.EventExpertUpserted, Expert: &model.Expert{Key: kohl.Key(), Name: "kohlmark", Level: "Superuser",
		Topics: []string{"galaxy s24", "router"}, Languages: []string{"de"}, Contact: "thread", Consent: consent}})
	add(model.Event{Type: model.EventExpertUpserted, Expert: &model.Expert{Key: "forum:wim@f.example", Name: "wim",
		Topics: []string{"galaxy s24"}, Consent: consent, Away: &model.Away{Until: now.Add(10 * 24 * time.Hour), SetBy: "self"}}})
	for i := range cases {
		add(model.Event{Type: model.EventCaseUpserted, Case: &cases[i]})
	}
	for _, m := range []model.Message{
		{ID: "q1", CaseID: "c-q", Direction: model.DirectionIn, Author: anna, Text: cases[0].Subject, Time: cases[0].Created},
		{ID: "d1", CaseID: "c-done", Direction: model.DirectionIn, Author: anna, Text: cases[1].Subject, Time: cases[1].Created},
		{ID: "d2", CaseID: "c-done", Direction: model.DirectionOut, Author: model.Identity{Handle: "arno"}, Text: "@kohlmark?", Time: now.Add(-4 * time.Hour), Delivery: model.DeliverySent},
		{ID: "d3", CaseID: "c-done", Direction: model.DirectionIn, Author: kohl, Text: "Leitungsprofil auf stabil stellen.", Time: now.Add(-time.Hour)},
	} {
		add(model.Event{Type: model.EventMessageAdded, Message: &m})
	}
	n := 0
	listened := func(daysAgo int, topics ...string) {
		n++
		add(model.Event{Type: model.EventListenItem, Listen: &model.ListenItem{ID: fmt.Sprintf("forum|%d", n), Channel: model.ChannelForum,
			Source: "e-autotreff", Author: model.Identity{Platform: model.ChannelForum, Handle: fmt.Sprintf("m%d", n)},
			Text: "Reichweite nach Update", Time: now.Add(-time.Duration(daysAgo)*24*time.Hour - time.Minute), Topics: topics}})
	}
	for d := 1; d <= 13; d++ {
		listened(d, "laden")
	}
	for i := 0; i < 9; i++ {
		listened(0, "reichweite")
	}
	return cacheCore(t, dir, evs)
}

func openCommunityConsole(t *testing.T) (*app.Core, *ui.Console) {
	t.Helper()
	return openConsoleWith(t, communityFixture)
}

func TestAskAnExpertFromTheCaseView(t *testing.T) {
	core, c := openCommunityConsole(t)
	c.Locked(func() { c.Select("c-q") })
	eventually(t, c, "the ask button", func() bool { return c.Detail().AskExpertButton() != nil })
	c.Locked(func() { test.Tap(c.Detail().AskExpertButton()) })
	eventually(t, c, "the hand-off dialog", func() bool { return c.AskExpert() != nil })
	var a *ui.AskExpertDialog
	c.Locked(func() {
		a = c.AskExpert()
		opts := a.Experts.Options
		if len(opts) != 2 || !strings.HasPrefix(opts[0], "kohlmark · Superuser · galaxy s24") || !strings.Contains(opts[1], "away until") {
			t.Fatalf("suggestions %q", opts)
		}
		if a.Experts.Selected != opts[0] || !strings.HasPrefix(a.Text.Text, "@kohlmark, kannst du bei einer Frage zu galaxy s24") {
			t.Fatalf("selected %q, text %q", a.Experts.Selected, a.Text.Text)
		}
		if a.Send.Disabled() {
			t.Fatal("Send disabled for a clean text")
		}
		// The customer's name: refused before anything is queued.
		a.Text.SetText(a.Text.Text + "Anna Keller hat WLAN-Abbrüche.")
		if !a.Send.Disabled() || !strings.Contains(a.Findings.Text, "Anna Keller") {
			t.Fatalf("a text naming the customer: send enabled %v, findings %q", !a.Send.Disabled(), a.Findings.Text)
		}
		a.Text.SetText("@kohlmark, kannst du bei WLAN-Abbrüchen am Galaxy S24 nach dem Update helfen?")
		if a.Send.Disabled() || a.Findings.Text != "" {
			t.Fatalf("clean again: findings %q", a.Findings.Text)
		}
		test.Tap(a.Send)
	})
	eventually(t, c, "the hand-off queued and shown", func() bool {
		return c.AskExpert() == nil && strings.Contains(c.Detail().CommunityStatus(), "Waiting on community expert kohlmark") &&
			c.StatusBar().FlashText() != ""
	})
	// A success reads in the text colour, not in the red of errors.
	c.Locked(func() {
		if got := c.StatusBar().FlashText(); got != "Handed over to kohlmark" || c.StatusBar().FlashIsError() {
			t.Errorf("status %q, shown as an error: %v", got, c.StatusBar().FlashIsError())
		}
	})
	ops, err := core.Outbox()
	if err != nil || !slices.ContainsFunc(ops, func(o model.Op) bool {
		return o.Kind == model.OpAskExpert && o.CaseID == "c-q" && o.Expert == "forum:kohlmark@f.example" && o.Contact == "thread"
	}) {
		t.Fatalf("outbox %+v %v", ops, err)
	}
}

func TestCommunityAnswerShowsAndSolvesTheCase(t *testing.T) {
	core, c := openCommunityConsole(t)
	c.Locked(func() { c.Select("c-done") })
	eventually(t, c, "the community answer", func() bool {
		return strings.Contains(c.Detail().CommunityStatus(), "Community answer by kohlmark") && c.Detail().SolveWithAnswerButton() != nil
	})
	c.Locked(func() {
		stamps := c.Detail().ThreadStamps()
		if len(stamps) != 3 || !strings.HasPrefix(stamps[2], "community answer") {
			t.Fatalf("stamps %q", stamps)
		}
		test.Tap(c.Detail().SolveWithAnswerButton())
	})
	eventually(t, c, "solved", func() bool {
		ops, _ := core.Outbox()
		return slices.ContainsFunc(ops, func(o model.Op) bool {
			return o.Kind == model.OpSetStatus && o.Status == model.StatusSolved && o.CaseID == "c-done"
		})
	})
	eventually(t, c, "the solve reported", func() bool { return c.StatusBar().FlashText() != "" })
	c.Locked(func() {
		if got := c.StatusBar().FlashText(); got != "Solved with the community answer" || c.StatusBar().FlashIsError() {
			t.Errorf("status %q, shown as an error: %v", got, c.StatusBar().FlashIsError())
		}
	})
}

func TestListeningViewShowsTheSpike(t *testing.T) {
	test.NewTempApp(t)
	core := communityFixture(t)
	v := ui.NewListeningView(core, 14, nil)
	w := test.NewWindow(v)
	defer w.Close()
	v.Load()
	top := v.Topics()
	if len(top) != 2 || top[0].Topic != "reichweite" || !top[0].Spike || top[0].Counts[13] != 9 || top[1].Spike {
		t.Fatalf("topics %+v", top)
	}
	if len(v.Items()) != 22 {
		t.Fatalf("%d items", len(v.Items()))
	}
	v.Select("laden")
	if len(v.Items()) != 13 {
		t.Fatalf("%d items of laden", len(v.Items()))
	}
}

type fakeRecognitions struct{ rec community.Recognition }

func (f fakeRecognitions) Community(ctx context.Context, from, to time.Time) (community.Recognition, error) {
	return f.rec, nil
}

func (f fakeRecognitions) CommunityCSV(ctx context.Context, from, to time.Time) ([]byte, string, error) {
	return []byte("rank,expert\n1,forum:kohlmark\n"), "community.csv", nil
}

func TestHelpersViewNamesTheHeroOfTheMonth(t *testing.T) {
	test.NewTempApp(t)
	rec := community.Recognition{Helpers: community.Recognise([]community.Answer{
		{Expert: "forum:kohlmark@f.example", Name: "kohlmark", Topic: "galaxy s24", Asked: time.Now().Add(-2 * time.Hour), At: time.Now().Add(-time.Hour), Solved: true},
		{Expert: "forum:tom@f.example", Topic: "router", Asked: time.Now().Add(-2 * time.Hour), At: time.Now().Add(-time.Hour)},
	}, time.Now().AddDate(0, 0, -1), time.Now().Add(time.Hour))}
	v := ui.NewHelpersView(fakeRecognitions{rec})
	w := test.NewWindow(v)
	defer w.Close()
	v.Load()
	if !strings.Contains(v.Hero(), "Hero of the month: kohlmark") || len(v.Helpers()) != 2 || v.Helpers()[1].Expert != "forum:tom@f.example" {
		t.Fatalf("hero %q, helpers %+v", v.Hero(), v.Helpers())
	}
	dir := t.TempDir()
	v.SetExportDir(dir)
	path, err := app.SaveExport(dir, "community.csv", []byte("x"))
	if err != nil || !strings.HasPrefix(path, dir) {
		t.Fatalf("export folder: %q %v", path, err)
	}
}

// A lead adds a member who opted in, sets them away and takes them out,
// over the hub's API.
func TestDirectoryViewManagesTheHubsDirectory(t *testing.T) {
	test.NewTempApp(t)
	dir := t.TempDir()
	l, err := hub.OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := hub.OpenTokenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	lead, _, _ := tokens.Add("lena", hub.RoleLead)
	x := hub.NewExperts(h)
	srv := hub.NewServer(h, hub.DefaultTiming)
	srv.SetAuth(tokens)
	srv.Mount(hub.ExpertsPath, srv.ExpertsHandler(x))
	ts := httptest.NewServer(srv.Handler())
	defer func() { ts.Close(); srv.Close() }()
	rc, err := app.NewReportClient(ts.URL, lead, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := ui.NewDirectoryView(rc)
	w := test.NewWindow(v)
	defer w.Close()
	v.Load()
	wait := func(what string, cond func() bool) {
		t.Helper()
		for end := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			var ok bool
			v.Locked(func() { ok = cond() })
			if ok {
				return
			}
			if time.Now().After(end) {
				var st string
				v.Locked(func() { st = v.Status() })
				t.Fatalf("timed out waiting for %s (status %q)", what, st)
			}
		}
	}
	v.Locked(func() {
		if !v.Add.Disabled() {
			t.Fatal("Add enabled before the opt-in is recorded")
		}
		v.Key.SetText("forum:kohlmark@f.example")
		v.Name.SetText("kohlmark")
		v.Topics.SetText("Galaxy S24, router")
		v.Langs.SetText("de")
		v.How.SetText("opt-in post")
		test.Tap(v.OptedIn)
		test.Tap(v.Add)
	})
	wait("the new member", func() bool {
		m := v.Members()
		return len(m) == 1 && m[0].Consent.By == "lena" && len(m[0].Topics) == 2 && m[0].Topics[0] == "galaxy s24"
	})
	tapNamed := func(label string) {
		var b *widget.Button
		var find func(o fyne.CanvasObject)
		find = func(o fyne.CanvasObject) {
			switch x := o.(type) {
			case *widget.Button:
				if x.Text == label && x.Visible() {
					b = x
				}
			case *fyne.Container:
				for _, c := range x.Objects {
					find(c)
				}
			case *container.Scroll:
				find(x.Content)
			case *ui.DirectoryView:
				for _, c := range test.WidgetRenderer(x).Objects() {
					find(c)
				}
			}
		}
		v.Locked(func() {
			find(v)
			if b == nil {
				t.Fatalf("no %q button", label)
			}
			test.Tap(b)
		})
	}
	tapNamed("Away 2 weeks")
	wait("the absence", func() bool { m := v.Members(); return len(m) == 1 && m[0].AwayNow })
	tapNamed("Remove")
	tapNamed("Really remove?")
	wait("the removal", func() bool { return len(v.Members()) == 0 })
}

// cacheCore writes evs into a console cache in dir and opens the core on it.
func cacheCore(t *testing.T, dir string, evs []model.Event) *app.Core {
	t.Helper()
	return openCache(t, dir, evs)
}
