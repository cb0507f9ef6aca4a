package hub_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"switchboard/model"
	"switchboard/sync/hub"
)

type expertsHub struct {
	*slaHub
	x *hub.Experts
}

func startExpertsHub(t *testing.T, dir string, now time.Time) *expertsHub {
	t.Helper()
	l := openLog(t, dir)
	clk := &clock{now: now}
	h, err := hub.New(l, quietConfig(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := hub.OpenTokenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	lead, _, _ := tokens.Add("lena", hub.RoleLead)
	agent, _, _ := tokens.Add("arno", hub.RoleAgent)
	x := hub.NewExperts(h)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { x.Run(ctx); close(done) }()
	srv := hub.NewServer(h, hub.DefaultTiming)
	srv.SetAuth(tokens)
	srv.Mount(hub.ExpertsPath, srv.ExpertsHandler(x))
	srv.Mount("POST "+hub.ExpertsImportPath, srv.ExpertsImportHandler(x))
	srv.Mount("GET "+hub.ExpertsSuggestPath, srv.ExpertsSuggestHandler(x))
	srv.Mount("GET "+hub.ReportCommunityPath, srv.ReportCommunityHandler(x))
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); srv.Close(); cancel(); <-done; l.Close() })
	return &expertsHub{slaHub: &slaHub{h: h, log: l, clk: clk, url: ts.URL, lead: lead, agent: agent}, x: x}
}

func forumPost(thread, handle, id, text string, at time.Time) model.Inbound {
	return model.Inbound{Channel: model.ChannelForum, ThreadRef: thread, PlatformID: id, Author: model.Identity{Platform: model.ChannelForum, Handle: handle},
		Text: text, Time: at, Public: true, Source: "Handy-Forum"}
}

func (e *expertsHub) list(t *testing.T) []hub.ExpertView {
	t.Helper()
	code, _, body := e.do(t, "GET", hub.ExpertsPath, e.agent, nil)
	if code != http.StatusOK {
		t.Fatalf("GET experts: %d %s", code, body)
	}
	var out struct{ Experts []hub.ExpertView }
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out.Experts
}

func waitExperts(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestExpertDirectoryLearnsSuggestsAndReadsAwayNotices(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	e := startExpertsHub(t, dir, t0.Add(5*time.Hour)) // the hub's clock: after every post below

	// Only a lead changes the directory, and only with a recorded opt-in.
	kohl := `{"key":"forum:kohlmark","name":"kohlmark","level":"Superuser","topics":["Galaxy S24"],"languages":["de"],"contact":"thread",%s}`
	if code, _, body := e.do(t, "PUT", hub.ExpertsPath, e.agent, strings.NewReader(strings.Replace(kohl, "%s", `"consent":{"at":"2026-10-02T00:00:00Z","by":"lena"}`, 1))); code != http.StatusForbidden {
		t.Fatalf("agent PUT: %d %s", code, body)
	}
	if code, _, body := e.do(t, "PUT", hub.ExpertsPath, e.lead, strings.NewReader(strings.Replace(kohl, "%s", `"consent":{}`, 1))); code != http.StatusBadRequest || !strings.Contains(string(body), "opt-in") {
		t.Fatalf("PUT without consent: %d %s", code, body)
	}
	if code, _, body := e.do(t, "PUT", hub.ExpertsPath, e.lead, strings.NewReader(strings.Replace(kohl, "%s", `"consent":{"at":"2026-10-02T00:00:00Z","how":"opt-in post"}`, 1))); code != http.StatusOK {
		t.Fatalf("PUT: %d %s", code, body)
	}
	csv := "key,name,topics,languages,consent_at\nforum:techtom,Tom,galaxy s24;router,de;en,2026-09-01\nforum:nobody,No One,router,,\n"
	code, _, body := e.do(t, "POST", hub.ExpertsImportPath, e.lead, strings.NewReader(csv))
	var imp struct {
		Imported int
		Rejected []struct{ Line int }
	}
	if err := json.Unmarshal(body, &imp); code != http.StatusOK || err != nil || imp.Imported != 1 || len(imp.Rejected) != 1 || imp.Rejected[0].Line != 3 {
		t.Fatalf("import: %d %s", code, body)
	}
	waitExperts(t, "the directory", func() bool { return len(e.list(t)) == 2 })

	// A solved thread: kohlmark answered, the asker thanked him.
	for i, p := range []model.Inbound{
		forumPost("t-1", "anna_k", "p1", "Mein Galaxy S24 verliert nach dem Update das WLAN. Ideen?", t0),
		forumPost("t-1", "techtom", "p2", "Neu starten?", t0.Add(time.Minute)),
		forumPost("t-1", "anna_k", "p3", "Hab ich, geht immer noch nicht?", t0.Add(2*time.Minute)),
		forumPost("t-1", "kohlmark", "p4", "Netzwerkeinstellungen zurücksetzen, bekannter Fehler des November-Patches.", t0.Add(time.Hour)),
		forumPost("t-1", "anna_k", "p5", "Danke, hat geklappt!", t0.Add(2*time.Hour)),
	} {
		if _, _, err := e.h.Ingest(p); err != nil {
			t.Fatal(i, err)
		}
	}
	waitExperts(t, "kohlmark's learned topic", func() bool {
		for _, v := range e.list(t) {
			if v.Key == "forum:kohlmark" && len(v.Learned) == 1 && v.Learned[0].Topic == "galaxy s24" && v.Learned[0].Thanked == 1 && v.Learned[0].Ended == 1 {
				return true
			}
		}
		return false
	})
	msgs, err := e.log.Thread(mustCase(t, e.h, "t-1"))
	if err != nil || len(msgs) != 5 || !msgs[3].Author.Expert || msgs[0].Author.Expert {
		t.Fatalf("members' posts are marked as experts: %v %+v", err, msgs)
	}

	// A new question: kohlmark (listed, learned, German) first.
	id, _, err := e.h.Ingest(forumPost("t-2", "bernd", "q1", "Galaxy S24: WLAN bricht ständig ab", t0.Add(3*time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	suggest := func() []struct {
		Expert    model.Expert
		Available bool
		Matched   []string
	} {
		code, _, body := e.do(t, "GET", hub.ExpertsSuggestPath+"?case="+id, e.agent, nil)
		var out struct {
			Suggestions []struct {
				Expert    model.Expert
				Available bool
				Matched   []string
			}
		}
		if err := json.Unmarshal(body, &out); code != http.StatusOK || err != nil {
			t.Fatalf("suggest: %d %s", code, body)
		}
		return out.Suggestions
	}
	s := suggest()
	if len(s) != 2 || s[0].Expert.Key != "forum:kohlmark" || !s[0].Available || s[1].Expert.Key != "forum:techtom" {
		t.Fatalf("suggestions %+v", s)
	}
	if code, _, _ := e.do(t, "GET", hub.ExpertsSuggestPath+"?case=nope", e.agent, nil); code != http.StatusNotFound {
		t.Fatalf("unknown case: %d", code)
	}

	// kohlmark says in the forum he is away: recorded as set by himself,
	// and he drops behind Tom.
	if _, _, err := e.h.Ingest(forumPost("t-3", "kohlmark", "k1", "Sorry für die Funkstille – ich habe geheiratet und bin bis 24.12. im Urlaub!", t0.Add(4*time.Hour))); err != nil {
		t.Fatal(err)
	}
	waitExperts(t, "the away notice", func() bool {
		for _, v := range e.list(t) {
			if v.Key == "forum:kohlmark" && v.AwayNow && v.Away != nil && v.Away.SetBy == "self" && v.Away.Until.Equal(time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC)) {
				return true
			}
		}
		return false
	})
	if s := suggest(); len(s) != 2 || s[0].Expert.Key != "forum:techtom" || s[1].Available {
		t.Fatalf("with kohlmark away: %+v", s)
	}

	// A member withdraws: removed, no longer suggested or listed.
	if code, _, body := e.do(t, "DELETE", hub.ExpertsPath+"?key=forum:techtom", e.lead, nil); code != http.StatusOK {
		t.Fatalf("DELETE: %d %s", code, body)
	}
	if s := suggest(); len(s) != 1 || s[0].Expert.Key != "forum:kohlmark" {
		t.Fatalf("after removal: %+v", s)
	}
}

func TestExpertDirectoryLivesInTheLog(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	e := startExpertsHub(t, dir, t0)
	if code, _, body := e.do(t, "PUT", hub.ExpertsPath, e.lead, strings.NewReader(`{"key":"forum:Kohlmark","topics":["router"],"consent":{"at":"2026-10-02T00:00:00Z","by":"lena"}}`)); code != http.StatusOK {
		t.Fatalf("PUT: %d %s", code, body)
	}
	evs, err := e.log.Read(0, 10)
	if err != nil || len(evs) != 1 || evs[0].Type != model.EventExpertUpserted || evs[0].Expert.Key != "forum:kohlmark" || evs[0].Expert.By != "lena" {
		t.Fatalf("log: %v %+v", err, evs)
	}
	n := 0
	if _, err := e.log.Snapshot(func(ev model.Event) error {
		if ev.Type == model.EventExpertUpserted && ev.Expert.Key == "forum:kohlmark" {
			n++
		}
		return nil
	}); err != nil || n != 1 {
		t.Fatalf("snapshot carries the directory: %d, %v", n, err)
	}
}

func mustCase(t *testing.T, h *hub.Hub, thread string) string {
	t.Helper()
	c, ok := h.CaseByThread(model.ChannelForum, thread)
	if !ok {
		t.Fatalf("no case for thread %s", thread)
	}
	return c.ID
}

func TestAskAnExpertHandOffAnswerAndRecognition(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	e := startExpertsHub(t, t.TempDir(), t0.Add(5*time.Hour))
	if code, _, body := e.do(t, "PUT", hub.ExpertsPath, e.lead, strings.NewReader(`{"key":"forum:kohlmark","name":"kohlmark","topics":["galaxy s24"],"consent":{"at":"2026-10-02T00:00:00Z"}}`)); code != http.StatusOK {
		t.Fatalf("PUT: %d %s", code, body)
	}
	waitExperts(t, "the directory", func() bool { return len(e.list(t)) == 1 })
	q := forumPost("t-9", "anna_k", "a1", "Mein Galaxy S24 verliert das WLAN, Kundennummer 48151", t0)
	q.Author.DisplayName = "Anna Keller"
	id, _, err := e.h.Ingest(q)
	if err != nil {
		t.Fatal(err)
	}
	arno := hub.Agent{Name: "arno", Role: hub.RoleAgent}
	ask := func(opID, expert, text string) hub.OpAnswer {
		t.Helper()
		a, err := e.h.ApplyOp(arno, model.Op{ID: opID, Kind: model.OpAskExpert, CaseID: id, Expert: expert, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	for text, kind := range map[string]string{
		"@kohlmark, kannst du Anna Keller helfen? WLAN-Abbrüche am Galaxy S24.": "name",
		"@kohlmark: anna_k hat WLAN-Abbrüche am Galaxy S24":                     "handle",
		"@kohlmark: Kundennummer 48151, WLAN bricht ab":                         "customer_number",
	} {
		a := ask("op-pii-"+kind, "forum:kohlmark", text)
		if a.Reject == nil || a.Reject.Code != model.RejectPersonalData || !strings.Contains(a.Reject.Reason, kind) {
			t.Fatalf("%q: %+v", text, a.Reject)
		}
	}
	if a := ask("op-stranger", "forum:nobody", "@nobody: WLAN am Galaxy S24?"); a.Reject == nil || !strings.Contains(a.Reject.Reason, "not in the expert directory") {
		t.Fatalf("a stranger as expert: %+v", a.Reject)
	}
	if a := ask("op-ok", "forum:kohlmark", "@kohlmark, kennst du das? Galaxy S24 verliert nach dem November-Patch das WLAN."); a.Reject != nil {
		t.Fatalf("clean hand-off refused: %+v", a.Reject)
	}
	c, _ := e.h.Case(id)
	if !c.Handoff.Waiting() || c.Handoff.Expert != "forum:kohlmark" || c.Handoff.By != "arno" || c.Assignee != "arno" {
		t.Fatalf("hand-off %+v, assignee %q", c.Handoff, c.Assignee)
	}
	// The open hand-off is kohlmark's load when the next case asks.
	other, _, err := e.h.Ingest(forumPost("t-10", "bernd", "b1", "Galaxy S24 WLAN weg", t0.Add(90*time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	waitExperts(t, "the load", func() bool {
		s, err := e.x.Suggest(other, t0.Add(5*time.Hour), 5)
		return err == nil && len(s) == 1 && s[0].Load == 1
	})
	msgs, _ := e.log.Thread(id)
	if last := msgs[len(msgs)-1]; last.ID != "op-ok" || last.Direction != model.DirectionOut || !last.Public {
		t.Fatalf("the mention in the thread: %+v", last)
	}
	// The customer writes again (not an answer), then the expert answers.
	if _, _, err := e.h.Ingest(forumPost("t-9", "anna_k", "a2", "Weiß jemand was?", t0.Add(6*time.Hour))); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.h.Case(id); !c.Handoff.Waiting() {
		t.Fatal("the customer's post answered the hand-off")
	}
	if _, _, err := e.h.Ingest(forumPost("t-9", "kohlmark", "k1", "Netzwerkeinstellungen zurücksetzen, dann geht es wieder.", t0.Add(7*time.Hour))); err != nil {
		t.Fatal(err)
	}
	c, _ = e.h.Case(id)
	if c.Handoff.Waiting() || !c.Handoff.AnsweredAt.Equal(t0.Add(7*time.Hour)) || c.Handoff.AnswerID == "" {
		t.Fatalf("the expert's answer: %+v", c.Handoff)
	}
	if a, err := e.h.ApplyOp(arno, model.Op{ID: "op-solve", Kind: model.OpSetStatus, CaseID: id, Status: model.StatusSolved}); err != nil || a.Reject != nil {
		t.Fatalf("solve: %v %+v", err, a.Reject)
	}
	var rec hub.Recognition
	waitExperts(t, "the recognition", func() bool {
		code, _, body := e.do(t, "GET", hub.ReportCommunityPath+"?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z", e.lead, nil)
		if code != http.StatusOK || json.Unmarshal(body, &rec) != nil {
			t.Fatalf("recognition: %d %s", code, body)
		}
		return len(rec.Helpers) == 1 && rec.Helpers[0].Solved == 1
	})
	if h := rec.Helpers[0]; h.Expert != "forum:kohlmark" || h.Name != "kohlmark" || h.Answers != 1 || h.MedianWait != 7*time.Hour-5*time.Hour || len(rec.Waiting) != 0 {
		t.Fatalf("recognition %+v", rec)
	}
	if code, _, _ := e.do(t, "GET", hub.ReportCommunityPath, e.agent, nil); code != http.StatusForbidden {
		t.Fatalf("an agent's recognition report: %d", code)
	}
	code, hdr, body := e.do(t, "GET", hub.ReportCommunityPath+"?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z&format=csv", e.lead, nil)
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.Contains(string(body), "1,forum:kohlmark,kohlmark,1,1,") {
		t.Fatalf("csv: %d %s", code, body)
	}
}
