package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/model"
	"switchboard/sla"
)

// story builds a case's events as the hub logs them.
type story struct {
	t   *testing.T
	f   *Folder
	seq uint64
	c   model.Case
	n   int
}

func newStory(t *testing.T, f *Folder, id string, ch model.Channel, public bool, created time.Time) *story {
	s := &story{t: t, f: f, c: model.Case{ID: id, Channel: ch, ThreadRef: "thread-" + id, Public: public, Status: model.StatusNew,
		Priority: model.PriorityNormal, Created: created.UTC(), Author: model.Identity{Platform: ch, Handle: "cust-" + id}}}
	s.in(created)
	return s
}

func (s *story) emit(evs ...model.Event) {
	for _, ev := range evs {
		s.f.seq++
		ev.Seq = s.f.seq
		s.f.Apply(ev)
	}
}

func (s *story) upsert(at time.Time) {
	s.c.Version++
	s.c.Updated = at.UTC()
	c := s.c
	s.emit(model.Event{Type: model.EventCaseUpserted, Time: at.UTC(), Case: &c})
}

func (s *story) msg(dir model.Direction, handle string, at time.Time, d model.Delivery) *model.Message {
	s.n++
	return &model.Message{ID: fmt.Sprintf("%s-m%d", s.c.ID, s.n), CaseID: s.c.ID, Direction: dir, Time: at.UTC(), Delivery: d,
		Author: model.Identity{Platform: s.c.Channel, Handle: handle}}
}

// in is a customer's message, arriving when written.
func (s *story) in(at time.Time) {
	s.emit(model.Event{Type: model.EventMessageAdded, Time: at.UTC(), Message: s.msg(model.DirectionIn, s.c.Author.Handle, at, "")})
	if !s.c.Status.Active() {
		s.c.Status, s.c.Resolved = model.StatusOpen, time.Time{}
	}
	s.upsert(at)
}

// reply is an agent's reply queued at at; it returns the message to
// deliver or fail.
func (s *story) reply(at time.Time, agent string) model.Message {
	m := s.msg(model.DirectionOut, agent, at, model.DeliveryQueued)
	s.emit(model.Event{Type: model.EventMessageAdded, Time: at.UTC(), Message: m})
	if s.c.Assignee == "" {
		s.c.Assignee = agent
	}
	if s.c.Status == model.StatusNew {
		s.c.Status = model.StatusOpen
	}
	s.upsert(at)
	return *m
}

func (s *story) deliver(m model.Message, at time.Time, d model.Delivery) {
	m.Delivery = d
	s.emit(model.Event{Type: model.EventMessageUpdated, Time: at.UTC(), Message: &m})
}

func (s *story) note(at time.Time, agent string) {
	s.emit(model.Event{Type: model.EventMessageAdded, Time: at.UTC(), Message: s.msg(model.DirectionNote, agent, at, "")})
	s.upsert(at)
}

// outside is the brand's reply made outside Switchboard, imported later
// (at importAt) with its real time.
func (s *story) outside(written, importAt time.Time, agent string) {
	s.emit(model.Event{Type: model.EventMessageAdded, Time: importAt.UTC(), Message: s.msg(model.DirectionOut, agent, written, model.DeliverySent)})
	s.upsert(importAt)
}

func (s *story) status(at time.Time, st model.Status) {
	s.c.Status = st
	if st.Active() {
		s.c.Resolved = time.Time{}
	} else if s.c.Resolved.IsZero() {
		s.c.Resolved = at.UTC()
	}
	s.upsert(at)
}

func rowOf(t *testing.T, rows []Row, id string) Row {
	t.Helper()
	for _, r := range rows {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no row %s in %d rows", id, len(rows))
	return Row{}
}

func i64(t *testing.T, p *int64, want time.Duration, what string) {
	t.Helper()
	if p == nil {
		t.Fatalf("%s: none, want %v", what, want)
	}
	if got := time.Duration(*p) * time.Second; got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func berlinRules(t *testing.T) (*sla.Rules, *time.Location) {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	r, err := sla.Config{Calendars: map[string]sla.CalendarConfig{"default": {TimeZone: "Europe/Berlin",
		Hours: map[string]string{"mon-fri": "09:00-17:00"}, Holidays: []string{"2026-12-25"}}}}.Build()
	if err != nil {
		t.Fatal(err)
	}
	return r, loc
}

var far = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func TestForumFirstResponseInBusinessHoursOverWeekend(t *testing.T) {
	r, loc := berlinRules(t)
	f := NewFolder()
	fri := time.Date(2026, 11, 20, 16, 0, 0, 0, loc)
	s := newStory(t, f, "forum1", model.ChannelForum, true, fri)
	m := s.reply(time.Date(2026, 11, 23, 9, 30, 0, 0, loc), "anna") // forum: manual
	s.deliver(m, time.Date(2026, 11, 23, 9, 30, 5, 0, loc), model.DeliveryManual)
	posted := time.Date(2026, 11, 23, 10, 0, 0, 0, loc)
	s.deliver(m, posted, model.DeliverySent) // marked posted by hand
	row := rowOf(t, f.Rows(r, fri.Add(-time.Hour), far, posted.Add(time.Hour)), "forum1")
	// Posted by hand at Monday 10:00: 66 wall hours, 2 business hours.
	i64(t, row.FirstResponseWallS, 66*time.Hour, "first response wall")
	i64(t, row.FirstResponseBusinessS, 2*time.Hour, "first response business")
	if row.FirstResponseAt != posted.UTC().Format(time.RFC3339) || row.Agent != "anna" || row.Calendar != "default" {
		t.Fatalf("row = %+v", row)
	}
	// 8 business hours from Friday 16:00: 1 on Friday, 7 on Monday.
	if want := time.Date(2026, 11, 23, 16, 0, 0, 0, loc).UTC().Format(time.RFC3339); row.Policy != "forum" || row.FirstResponseDue != want {
		t.Fatalf("policy %s due %s, want forum due %s", row.Policy, row.FirstResponseDue, want)
	}
	if row.Breached || row.Outcome != "running" { // resolution still runs
		t.Fatalf("breached %v outcome %s", row.Breached, row.Outcome)
	}
}

func TestNotesFailedDeliveriesAndBreach(t *testing.T) {
	r := sla.Default()
	f := NewFolder()
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	s := newStory(t, f, "x1", model.ChannelTwitter, true, t0)
	s.note(t0.Add(5*time.Minute), "ben")
	failed := s.reply(t0.Add(10*time.Minute), "ben")
	s.deliver(failed, t0.Add(11*time.Minute), model.DeliveryFailed)
	// At +20m the case is at risk (30m target, 80%: 24m) only after 24m.
	live, _, _ := f.Live(r, "x1", t0.Add(20*time.Minute))
	if live.State != model.SLAOK || !live.FirstResponseDue.Equal(t0.Add(30*time.Minute)) {
		t.Fatalf("live at 20m = %+v", live)
	}
	if live, next, _ := f.Live(r, "x1", t0.Add(25*time.Minute)); live.State != model.SLAAtRisk || !next.Equal(t0.Add(30*time.Minute+time.Second)) {
		t.Fatalf("live at 25m = %+v next %v", live, next)
	}
	if live, _, _ := f.Live(r, "x1", t0.Add(31*time.Minute)); live.State != model.SLABreached || !slices.Equal(live.Breached, []string{"first_response"}) {
		t.Fatalf("live at 31m = %+v", live)
	}
	ok := s.reply(t0.Add(40*time.Minute), "ben")
	s.deliver(ok, t0.Add(41*time.Minute), model.DeliverySent)
	row := rowOf(t, f.Rows(r, t0, t0.Add(time.Hour), t0.Add(time.Hour)), "x1")
	// Neither the note nor the failed reply is a response.
	i64(t, row.FirstResponseWallS, 41*time.Minute, "first response")
	if row.Policy != "social-public" || !row.Breached || row.BreachedMetrics != "first_response" || row.Outcome != "breached" {
		t.Fatalf("row = %+v", row)
	}
	// Recovered: no clock past due runs now.
	if live, _, _ := f.Live(r, "x1", t0.Add(time.Hour)); live.State != model.SLAOK || len(live.Breached) != 1 || !live.FirstResponseDue.IsZero() {
		t.Fatalf("live after the reply = %+v", live)
	}
}

func TestPendingPausesAndNextResponse(t *testing.T) {
	r := sla.Default()
	f := NewFolder()
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	s := newStory(t, f, "dm1", model.ChannelFacebook, false, t0) // social-private: 1h, 2h, 48h
	m := s.reply(t0.Add(10*time.Minute), "cem")
	s.deliver(m, t0.Add(10*time.Minute), model.DeliverySent)
	s.status(t0.Add(20*time.Minute), model.StatusPending)
	// While pending the resolution clock stands: no due time.
	if live, _, _ := f.Live(r, "dm1", t0.Add(3*time.Hour)); !live.ResolutionDue.IsZero() || live.State != model.SLAOK {
		t.Fatalf("live while pending = %+v", live)
	}
	// The customer writes at +5h: the pause ends though the status stays pending.
	s.in(t0.Add(5 * time.Hour))
	live, _, _ := f.Live(r, "dm1", t0.Add(5*time.Hour))
	if want := t0.Add(7 * time.Hour); !live.NextResponseDue.Equal(want) {
		t.Fatalf("next response due %v, want %v", live.NextResponseDue, want)
	}
	// 48h resolution: 20m ran before the pause; due 47h40m after +5h.
	if want := t0.Add(5*time.Hour + 47*time.Hour + 40*time.Minute); !live.ResolutionDue.Equal(want) {
		t.Fatalf("resolution due %v, want %v", live.ResolutionDue, want)
	}
	m2 := s.reply(t0.Add(5*time.Hour+30*time.Minute), "cem")
	s.deliver(m2, t0.Add(5*time.Hour+30*time.Minute), model.DeliverySent)
	s.status(t0.Add(6*time.Hour), model.StatusSolved)
	row := rowOf(t, f.Rows(r, t0, far, far), "dm1")
	i64(t, row.FirstResponseWallS, 10*time.Minute, "first response")
	if !slices.Equal(row.NextResponsesWallS, []int64{1800}) {
		t.Fatalf("next responses %v, want [1800]", row.NextResponsesWallS)
	}
	i64(t, row.ResolutionWallS, 6*time.Hour, "resolution wall")
	if row.Outcome != "met" || row.Breached || row.SLAState != "ok" {
		t.Fatalf("row = %+v", row)
	}
}

func TestReopenAndResolution(t *testing.T) {
	r := sla.Default()
	f := NewFolder()
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	s := newStory(t, f, "re1", model.ChannelTwitter, true, t0)
	m := s.reply(t0.Add(5*time.Minute), "anna")
	s.deliver(m, t0.Add(5*time.Minute), model.DeliverySent)
	s.status(t0.Add(time.Hour), model.StatusSolved)
	s.in(t0.Add(3 * time.Hour)) // reopens
	m2 := s.reply(t0.Add(3*time.Hour+20*time.Minute), "anna")
	s.deliver(m2, t0.Add(3*time.Hour+20*time.Minute), model.DeliverySent)
	s.status(t0.Add(4*time.Hour), model.StatusSolved)
	other := newStory(t, f, "re2", model.ChannelTwitter, true, t0)
	om := other.reply(t0.Add(time.Minute), "anna")
	other.deliver(om, t0.Add(time.Minute), model.DeliverySent)
	other.status(t0.Add(2*time.Hour), model.StatusSolved)

	row := rowOf(t, f.Rows(r, t0, far, far), "re1")
	if row.Reopened != 1 || !slices.Equal(row.NextResponsesWallS, []int64{1200}) {
		t.Fatalf("row = %+v", row)
	}
	i64(t, row.ResolutionWallS, 4*time.Hour, "resolution to the last solve")
	sum := f.Summarize(r, t0, t0.Add(24*time.Hour), far, "", time.UTC)
	all := sum.Groups[len(sum.Groups)-1]
	if all.Key != "all" || all.Reopened != 1 || all.Resolved != 2 || all.ReopenRatePct == nil || *all.ReopenRatePct != 50 {
		t.Fatalf("summary = %+v", all)
	}
	if all.VolumeIn != 3 || all.VolumeOut != 3 {
		t.Fatalf("volume in %d out %d, want 3 and 3", all.VolumeIn, all.VolumeOut)
	}
}

func TestMergedCase(t *testing.T) {
	r := sla.Default()
	f := NewFolder()
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	a := newStory(t, f, "ma", model.ChannelTwitter, true, t0)
	b := newStory(t, f, "mb", model.ChannelFacebook, true, t0.Add(2*time.Minute))
	// b is merged into a at +10m; a is answered at +20m.
	b.c.MergedInto, b.c.Status, b.c.Resolved = "ma", model.StatusClosed, t0.Add(10*time.Minute)
	b.upsert(t0.Add(10 * time.Minute))
	a.c.Merged = []string{"mb"}
	a.upsert(t0.Add(10 * time.Minute))
	m := a.reply(t0.Add(20*time.Minute), "dora")
	a.deliver(m, t0.Add(20*time.Minute), model.DeliverySent)
	rows := f.Rows(r, t0, far, t0.Add(2*time.Hour))
	rb := rowOf(t, rows, "mb")
	// The merged case's clocks stopped at the merge: not breached, not
	// resolved, left out of attainment.
	if rb.MergedInto != "ma" || rb.Breached || rb.Outcome != "merged" || rb.ResolvedAt != "" || rb.FirstResponseWallS != nil {
		t.Fatalf("merged row = %+v", rb)
	}
	ra := rowOf(t, rows, "ma")
	i64(t, ra.FirstResponseWallS, 20*time.Minute, "first response of the case merged into")
	sum := f.Summarize(r, t0, far, t0.Add(2*time.Hour), ByChannel, time.UTC)
	for _, g := range sum.Groups {
		if g.SLAMet+g.SLABreached != 0 {
			t.Fatalf("group %s counts an outcome: %+v", g.Key, g)
		}
	}
}

func TestRepliesMadeOutsideCountAtTheirRealTime(t *testing.T) {
	r := sla.Default()
	f := NewFolder()
	// A conversation from before Switchboard, imported a month later: the
	// customer wrote at 09:12:30, the brand answered in the platform's app
	// at 09:31:05 and at 11:02:00 after the customer's follow-up at 10:40.
	t0 := time.Date(2026, 10, 1, 9, 12, 30, 0, time.UTC)
	imported := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	s := newStory(t, f, "hist", model.ChannelTwitter, true, t0)
	s.outside(time.Date(2026, 10, 1, 9, 31, 5, 0, time.UTC), imported, "anna")
	s.in(time.Date(2026, 10, 1, 10, 40, 0, 0, time.UTC))
	s.outside(time.Date(2026, 10, 1, 11, 2, 0, 0, time.UTC), imported, "anna")
	// A brand post older than the case answers nothing.
	s.outside(t0.Add(-time.Hour), imported, "anna")
	row := rowOf(t, f.Rows(r, t0.Add(-time.Minute), far, far), "hist")
	i64(t, row.FirstResponseWallS, 18*time.Minute+35*time.Second, "first response")
	if !slices.Equal(row.NextResponsesWallS, []int64{22 * 60}) || row.Agent != "" && row.Agent != "anna" {
		t.Fatalf("row = %+v", row)
	}
	// Only the resolution target (24h) is missed: the case is still open.
	if row.BreachedMetrics != "resolution" {
		t.Fatalf("breached %q, want only resolution", row.BreachedMetrics)
	}
}

func TestSummaryStatsAndGroups(t *testing.T) {
	r := sla.Default()
	f := NewFolder()
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // Monday
	// First responses of 1..10 minutes, one case a day over two weeks.
	for i := 1; i <= 10; i++ {
		ch := model.ChannelTwitter
		if i%2 == 0 {
			ch = model.ChannelFacebook
		}
		c0 := t0.AddDate(0, 0, i-1)
		s := newStory(t, f, fmt.Sprintf("c%02d", i), ch, true, c0)
		m := s.reply(c0.Add(time.Duration(i)*time.Minute), []string{"anna", "ben"}[i%2])
		s.deliver(m, c0.Add(time.Duration(i)*time.Minute), model.DeliverySent)
	}
	now := t0.AddDate(0, 0, 9).Add(2 * time.Hour)
	sum := f.Summarize(r, t0, t0.AddDate(0, 0, 14), now, "", time.UTC)
	all := sum.Groups[0]
	fr := all.FirstResponseWall
	if fr.Count != 10 || *fr.MedianS != 300 || *fr.P90S != 540 || *fr.MeanS != 330 {
		t.Fatalf("stats = count %d median %d p90 %d mean %d", fr.Count, *fr.MedianS, *fr.P90S, *fr.MeanS)
	}
	if all.BacklogUnder1h+all.Backlog1To4h+all.Backlog4To24h+all.Backlog1To3d+all.BacklogOver3d != 10 {
		t.Fatalf("backlog = %+v", all)
	}
	byCh := f.Summarize(r, t0, t0.AddDate(0, 0, 14), now, ByChannel, time.UTC)
	if len(byCh.Groups) != 3 || byCh.Groups[0].Key != "facebook" || byCh.Groups[0].Cases != 5 || byCh.Groups[2].Key != "all" {
		t.Fatalf("by channel = %+v", byCh.Groups)
	}
	byWeek := f.Summarize(r, t0, t0.AddDate(0, 0, 14), now, ByWeek, time.UTC)
	if byWeek.Groups[0].Key != "2026-W48" || byWeek.Groups[0].Cases != 7 || byWeek.Groups[1].Key != "2026-W49" || byWeek.Groups[1].Cases != 3 {
		t.Fatalf("by week = %+v", byWeek.Groups)
	}
	byDay := f.Summarize(r, t0, t0.AddDate(0, 0, 14), now, ByDay, time.UTC)
	if len(byDay.Groups) != 11 || byDay.Groups[0].Key != "2026-11-23" {
		t.Fatalf("by day = %d groups", len(byDay.Groups))
	}
	// No case is resolved: only the ones past their 24h resolution
	// target have an outcome, breached; the last day's is still running.
	if g := byDay.Groups[0]; g.SLAMet != 0 || g.SLABreached != 1 || *g.SLAAttainmentPct != 0 {
		t.Fatalf("first day: %+v", g)
	}
	if g := byDay.Groups[9]; g.SLAMet+g.SLABreached != 0 || g.SLAAttainmentPct != nil {
		t.Fatalf("last day: %+v", g)
	}
}

// TestCSVMatchesJSON checks that the CSV and the JSON of the same cases
// and summary hold the same values, and that the CSV is safe to open.
func TestCSVMatchesJSON(t *testing.T) {
	r, loc := berlinRules(t)
	f := NewFolder()
	t0 := time.Date(2026, 10, 23, 16, 0, 0, 0, loc)
	s := newStory(t, f, "=HYPERLINK(\"evil\")", model.ChannelForum, true, t0)
	s.c.ThreadRef = "-2+3"
	m := s.reply(t0.Add(68*time.Hour), "@anna")
	s.deliver(m, t0.Add(68*time.Hour), model.DeliverySent)
	s2 := newStory(t, f, "plain", model.ChannelTwitter, true, t0)
	m2 := s2.reply(t0.Add(2*time.Minute), "ben")
	s2.deliver(m2, t0.Add(2*time.Minute), model.DeliverySent)
	s2.in(t0.Add(time.Hour))
	m3 := s2.reply(t0.Add(time.Hour+3*time.Minute), "ben")
	s2.deliver(m3, t0.Add(time.Hour+3*time.Minute), model.DeliverySent)

	rows := f.Rows(r, t0.Add(-time.Hour), far, far)
	// Friday 23 Oct 16:00 CEST + 68 wall hours is Monday 26 Oct 11:00 CET
	// (the clocks went back on Sunday): 1 business hour on Friday, 2 on Monday.
	i64(t, rowOf(t, rows, s.c.ID).FirstResponseBusinessS, 3*time.Hour, "business time over the DST change")
	var js bytes.Buffer
	if err := WriteJSON(&js, Cases{Cases: rows}); err != nil {
		t.Fatal(err)
	}
	var cs bytes.Buffer
	if err := WriteCasesCSV(&cs, rows); err != nil {
		t.Fatal(err)
	}
	compare(t, js.Bytes(), "cases", cs.Bytes())
	if !strings.Contains(cs.String(), `"'=HYPERLINK(""evil"")"`) || !strings.Contains(cs.String(), "'-2+3") || !strings.Contains(cs.String(), "'@anna") {
		t.Fatalf("CSV not defused:\n%s", cs.String())
	}

	sum := f.Summarize(r, t0.Add(-time.Hour), far, far, ByAgent, loc)
	js.Reset()
	cs.Reset()
	if err := WriteJSON(&js, sum); err != nil {
		t.Fatal(err)
	}
	if err := WriteSummaryCSV(&cs, sum); err != nil {
		t.Fatal(err)
	}
	compare(t, js.Bytes(), "groups", cs.Bytes())
}

// compare checks each CSV cell against the JSON value of its column
// (nested objects flattened with _), formatted as the CSV formats it.
func compare(t *testing.T, js []byte, key string, cs []byte) {
	t.Helper()
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(doc[key]))
	dec.UseNumber()
	var objs []map[string]any
	if err := dec.Decode(&objs); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(cs)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(objs)+1 {
		t.Fatalf("%d CSV lines for %d JSON objects", len(recs), len(objs))
	}
	head := recs[0]
	for i, obj := range objs {
		flat := map[string]string{}
		flatten("", obj, flat)
		if len(flat) != len(head) {
			t.Fatalf("JSON has %d fields, CSV %d columns", len(flat), len(head))
		}
		for j, col := range head {
			want, ok := flat[col]
			if !ok {
				t.Fatalf("CSV column %s not in the JSON", col)
			}
			if got := recs[i+1][j]; got != SafeCell(want) {
				t.Errorf("row %d %s: CSV %q, JSON %q", i, col, got, want)
			}
		}
	}
}

func flatten(prefix string, v map[string]any, out map[string]string) {
	for k, x := range v {
		switch x := x.(type) {
		case map[string]any:
			flatten(prefix+k+"_", x, out)
		case []any:
			parts := make([]string, len(x))
			for i, p := range x {
				parts[i] = fmt.Sprint(p)
			}
			out[prefix+k] = strings.Join(parts, " ")
		case nil:
			out[prefix+k] = ""
		default:
			out[prefix+k] = fmt.Sprint(x)
		}
	}
}
