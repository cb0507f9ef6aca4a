package app

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"switchboard/model"
	"switchboard/store"
)

// A generator of realistic caches for the index tests and the scenarios:
// cases on every channel and status, authors with real-looking names and
// handles, customer numbers, tags, and about three messages each with the
// texts of an airline's and a car maker's social care, written through the
// store's real write path (store.Apply) in pages.

var (
	genFirst = []string{"Anna", "Ben", "Carla", "Dmitri", "Elif", "Fatima", "Georg", "Hannah", "Ivan", "Julia",
		"Kemal", "Lena", "Marco", "Nina", "Olaf", "Paula", "Quentin", "Rosa", "Sven", "Tanja", "Ugo", "Vera", "Wiebke", "Yusuf", "Zoe"}
	genLast = []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann",
		"Schulz", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz", "Braun", "Zimmermann", "Krüger", "Hartmann"}
	genTags   = []string{"baggage", "refund", "delay", "lounge", "voucher", "app", "software", "range", "charging", "booking", "miles", "complaint", "vip", "press"}
	genAgents = []string{"anna", "ben", "carla", "dora", "me"}
	genText   = []string{
		"@SkyWingsAir my bag did not arrive in Lisbon, file LIS-SW-%d, three days now",
		"Refund for the cancelled flight SW%d still not on my card after six weeks",
		"Software 4.2 range dropped by 40 km since the update (car VIN WVW%d)",
		"Why was I refused at the lounge? Senator for 9 years, booking %d",
		"Voucher V-%d does not work in the app, says expired",
		"Charging stops at 80%% at every station since Tuesday, ticket %d",
		"Thanks for the quick help with booking %d, all sorted now!",
		"Still waiting for an answer about my complaint %d. Hello??",
		"Can I change the name on ticket %d? My wife is travelling instead",
		"The app crashes when I open my miles account (member %d)",
	}
	genReplies = []string{
		"Hi %s, sorry to hear that. Could you DM us your booking reference?",
		"Thanks %s, we have forwarded this to our baggage team, case %d.",
		"Hello %s, the refund was released today and shows in 3-5 working days.",
		"Dear %s, our technicians will call you about the update within 48 hours.",
	}
)

// genCase is case i of a generated cache, with its messages.
func genCase(r *rand.Rand, i int, now time.Time) (*model.Case, []*model.Message) {
	first, last := genFirst[r.IntN(len(genFirst))], genLast[r.IntN(len(genLast))]
	channels := []model.Channel{model.ChannelTwitter, model.ChannelFacebook, model.ChannelForum}
	statuses := []model.Status{model.StatusNew, model.StatusOpen, model.StatusOpen, model.StatusPending, model.StatusSolved, model.StatusClosed}
	reach := []model.Reach{model.ReachNone, model.ReachNone, model.ReachNone, model.ReachNone, model.ReachNotable, model.ReachInfluencer, model.ReachHigh}
	created := now.Add(-time.Duration(r.IntN(90*24*3600)) * time.Second)
	id := fmt.Sprintf("case-%07d", i)
	author := model.Identity{Platform: channels[i%3], Handle: fmt.Sprintf("@%s_%s%d", lowerASCII(first), lowerASCII(last[:3]), r.IntN(10000)),
		DisplayName: first + " " + last, Followers: r.IntN(200_000), Reach: reach[r.IntN(len(reach))]}
	c := &model.Case{ID: id, Channel: channels[i%3], ThreadRef: "t-" + id, Author: author,
		Status: statuses[r.IntN(len(statuses))], Priority: model.Priority(r.IntN(4)), Created: created, Version: 1}
	if r.IntN(2) == 0 {
		c.CustomerID = fmt.Sprintf("C-%06d", i)
	}
	if r.IntN(3) > 0 {
		c.Assignee = genAgents[r.IntN(len(genAgents))]
	}
	for range r.IntN(3) {
		c.Tags = append(c.Tags, genTags[r.IntN(len(genTags))])
	}
	n := 2 + r.IntN(3)
	var msgs []*model.Message
	t := created
	for k := range n {
		t = t.Add(time.Duration(1+r.IntN(3600)) * time.Second)
		m := &model.Message{ID: fmt.Sprintf("%s-m%d", id, k), CaseID: id, Time: t, Author: author, Public: true}
		if k%2 == 1 {
			m.Direction = model.DirectionOut
			m.Text = fmt.Sprintf(genReplies[r.IntN(len(genReplies))], first, 100000+r.IntN(900000))
			m.Author = model.Identity{Platform: c.Channel, Handle: "@SkyWingsAir", DisplayName: "SkyWings"}
		} else {
			m.Direction = model.DirectionIn
			m.Text = fmt.Sprintf(genText[r.IntN(len(genText))], 100000+r.IntN(900000))
			c.WaitingSince = t
		}
		if k == n-1 && m.Direction == model.DirectionOut {
			c.WaitingSince = time.Time{}
		}
		msgs = append(msgs, m)
	}
	c.Subject = msgs[0].Text
	c.LastMessageAt, c.Updated, c.MessageCount = t, t, n
	if !c.Status.Active() {
		c.WaitingSince = time.Time{}
	}
	return c, msgs
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// genCache writes n generated cases with their messages to a new cache in
// dir (console.db) through store.Apply, a page of cases at a time, and
// returns the cases.
func genCache(tb testing.TB, dir string, n int, seed uint64) []*model.Case {
	tb.Helper()
	st, err := store.Open(filepath.Join(dir, "console.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	r := rand.New(rand.NewPCG(seed, 1))
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	cases := make([]*model.Case, 0, n)
	var seq uint64
	const page = 500
	evs := make([]model.Event, 0, page*5)
	for i := 0; i < n; i += page {
		evs = evs[:0]
		for j := i; j < min(n, i+page); j++ {
			c, msgs := genCase(r, j, now)
			cases = append(cases, c)
			seq++
			evs = append(evs, model.Event{Seq: seq, Type: model.EventCaseUpserted, Time: c.Created, Case: c})
			for _, m := range msgs {
				seq++
				m.Seq = seq
				evs = append(evs, model.Event{Seq: seq, Type: model.EventMessageAdded, Time: m.Time, Message: m})
			}
		}
		if _, err := st.Apply(evs); err != nil {
			tb.Fatal(err)
		}
	}
	return cases
}
