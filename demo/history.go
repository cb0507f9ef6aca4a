package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"switchboard/model"
	"switchboard/sync/hub"
)

// HistoryAgents are the demo team whose past answers History makes; the
// first two also work weekends.
var HistoryAgents = []string{"mia", "jonas", "aylin", "pete", "sofia"}

// HistoryOptions shape the past History makes.
type HistoryOptions struct {
	Days   int     // how far back; zero: 28
	PerDay float64 // average cases a weekday (weekends get 40 %); zero: 14
	Seed   uint64  // the same seed makes the same past
	// Zone is where the team sits (business hours, busy hours); nil: Europe/Berlin.
	Zone *time.Location
}

// HistoryStats says what History made.
type HistoryStats struct{ Cases, Messages, Reopened int }

// History puts several weeks of realistic past conversations into h, as
// the hub would have logged them with real times: customers write mostly
// by day and in the evening, the team answers fast in business hours and
// slower at night and on weekends (when fewer agents work, so a few service
// levels are missed), some customers follow up, most cases are solved within
// a day and a few are reopened. Answers are the brand's out items with the
// agent as author, the way history is imported (docs/metrics.md), so the
// reports show trends from the first second. It ends at now.
func History(h *hub.Hub, now time.Time, o HistoryOptions) (HistoryStats, error) {
	if o.Days == 0 {
		o.Days = 28
	}
	if o.PerDay == 0 {
		o.PerDay = 14
	}
	if o.Zone == nil {
		z, err := time.LoadLocation("Europe/Berlin")
		if err != nil {
			z = time.UTC
		}
		o.Zone = z
	}
	rnd := rand.New(rand.NewPCG(o.Seed, 11))
	var st HistoryStats
	today := now.In(o.Zone)
	start := time.Date(today.Year(), today.Month(), today.Day()-o.Days, 0, 0, 0, 0, o.Zone)
	n := 0
	for d := 0; d <= o.Days; d++ { // today too, up to now
		day := time.Date(start.Year(), start.Month(), start.Day()+d, 0, 0, 0, 0, o.Zone)
		weekend := day.Weekday() == time.Saturday || day.Weekday() == time.Sunday
		mean := o.PerDay
		if weekend {
			mean *= 0.4
		}
		count := int(math.Round(mean * (0.8 + 0.4*rnd.Float64())))
		for range count {
			at := day.Add(arrival(rnd))
			if !at.Before(now) {
				continue
			}
			if err := pastCase(h, rnd, n, at, now, weekend, &st); err != nil {
				return st, err
			}
			n++
		}
	}
	return st, nil
}

// arrival is when in its day a message comes: a morning and an evening peak.
func arrival(rnd *rand.Rand) time.Duration {
	var h float64
	switch p := rnd.Float64(); {
	case p < 0.45:
		h = 11 + 1.8*rnd.NormFloat64()
	case p < 0.85:
		h = 19.5 + 1.5*rnd.NormFloat64()
	default:
		h = 24 * rnd.Float64()
	}
	h = math.Mod(math.Max(0, h), 24)
	return time.Duration(h * float64(time.Hour))
}

// answerDelay is how long the team takes: minutes by day on weekdays,
// longer at night and on weekends, hours on forums.
func answerDelay(rnd *rand.Rand, ch model.Channel, at time.Time, weekend bool) time.Duration {
	median := 9.0 // minutes
	if hr := at.Hour(); hr < 8 || hr >= 22 {
		median = 70
	}
	if weekend {
		median *= 2.5
	}
	if ch == model.ChannelForum {
		median *= 14
	}
	m := median * math.Exp(0.8*rnd.NormFloat64())
	return time.Duration(math.Max(0.5, m) * float64(time.Minute))
}

// Platform ids of the past cases' X users and tweets and Facebook
// senders: platform-shaped (digits), apart from the live demo's.
const (
	historyXUser = 1_500_000_000
	historyPSID  = 7_100_000_000_000_000
	historyTweet = int64(1_700_000_000_000_000_000)
)

var historyTopics = []string{
	"my booking reference does not show in the app", "the refund I was promised has not arrived",
	"meine Gepäckmeldung hat keine Antwort bekommen", "can I change the name on my ticket?",
	"the seat I paid for was given away", "Wann kommt meine Erstattung?", "the lounge refused my voucher",
	"my bag arrived damaged, who pays?", "is the 6:40 flight to Vienna on time?", "the check-in link gives an error",
}

func pastCase(h *hub.Hub, rnd *rand.Rand, n int, at, now time.Time, weekend bool, st *HistoryStats) error {
	ch := model.ChannelTwitter
	switch p := rnd.Float64(); {
	case p < 0.35:
		ch = model.ChannelFacebook
	case p < 0.55:
		ch = model.ChannelForum
	}
	public := ch == model.ChannelForum || rnd.Float64() < 0.7
	followers := int(math.Exp(4 + 2*rnd.NormFloat64()))
	if rnd.Float64() < 0.03 {
		followers = 120_000 + rnd.IntN(400_000)
	}
	author := model.Identity{Handle: fmt.Sprintf("hist_customer_%d", n), DisplayName: fmt.Sprintf("Customer %d", n), Followers: followers}
	switch ch {
	case model.ChannelForum:
		author.Handle = fmt.Sprintf("member%d@autoforum.example", n)
	case model.ChannelTwitter:
		author.PlatformID = fmt.Sprint(historyXUser + n) // a DM goes to the user id
	case model.ChannelFacebook:
		author.PlatformID = fmt.Sprint(historyPSID + n) // Messenger writes to the PSID
	}
	ref := fmt.Sprintf("history-%s-%d", ch, n)
	// platformID is message k's id on its platform. X replies to a tweet
	// id (digits only; the X sender refuses another as "no tweet to reply
	// to"), so a reply to a past X case still open goes out like a reply
	// to a live one.
	platformID := func(k int) string {
		if ch == model.ChannelTwitter {
			return fmt.Sprint(historyTweet + int64(n)*100 + int64(k))
		}
		return fmt.Sprintf("%s-%d", ref, k)
	}
	agents := HistoryAgents
	if weekend {
		agents = agents[:2]
	}
	agent := agents[rnd.IntN(len(agents))]
	msg := 0
	post := func(dir model.Direction, t time.Time, text string) (string, error) {
		msg++
		who := author
		if dir == model.DirectionOut {
			who = model.Identity{Handle: agent, DisplayName: agent}
		}
		id, _, err := h.Ingest(model.Inbound{Channel: ch, ThreadRef: ref, PlatformID: platformID(msg), Author: who,
			Text: text, Time: t, Public: public, Private: !public && ch != model.ChannelForum, Direction: dir,
			Source: map[model.Channel]string{model.ChannelTwitter: "@SkyWingsAir mentions", model.ChannelFacebook: "Facebook page SkyWings",
				model.ChannelForum: "Forum · autoforum.example"}[ch]})
		if err == nil {
			st.Messages++
		}
		return id, err
	}
	topic := historyTopics[rnd.IntN(len(historyTopics))]
	id, err := post(model.DirectionIn, at, "Hi, "+topic)
	if err != nil {
		return fmt.Errorf("demo: history: %w", err)
	}
	st.Cases++
	// past says whether a step at t has happened by now; a case older than
	// 36 h is always settled (the queue is worked): a step that would fall
	// after now happens a minute before it instead.
	old := now.Sub(at) > 36*time.Hour
	past := func(t *time.Time) bool {
		if !t.After(now) {
			return true
		}
		if old {
			*t = now.Add(-time.Minute)
			return true
		}
		return false
	}
	t := at.Add(answerDelay(rnd, ch, at, weekend))
	if !past(&t) {
		return nil // still waiting
	}
	if _, err := post(model.DirectionOut, t, "Sorry to hear that — we are on it and will get back to you."); err != nil {
		return err
	}
	if follow := t.Add(time.Duration(10+rnd.IntN(180)) * time.Minute); rnd.Float64() < 0.3 && (!follow.After(now) || !old) { // a follow-up
		t = follow
		if t.After(now) {
			return nil // no follow-up yet
		}
		if _, err := post(model.DirectionIn, t, "Thanks, any news?"); err != nil {
			return err
		}
		t = t.Add(answerDelay(rnd, ch, t, weekend))
		if !past(&t) {
			return nil
		}
		if _, err := post(model.DirectionOut, t, "Done: it is sorted, you will get the confirmation by e-mail."); err != nil {
			return err
		}
	}
	if rnd.Float64() < 0.12 && !old {
		return nil // left open (recent ones only: the queue is worked)
	}
	t = t.Add(time.Duration(20+rnd.IntN(20*60)) * time.Minute)
	if !past(&t) {
		return nil
	}
	if err := h.SetStatus(id, model.StatusSolved, t); err != nil {
		return err
	}
	if rnd.Float64() < 0.06 { // reopened
		t = t.Add(time.Duration(60+rnd.IntN(24*60)) * time.Minute)
		if t.After(now) {
			return nil // not reopened (yet)
		}
		if _, err := post(model.DirectionIn, t, "It happened again."); err != nil {
			return err
		}
		st.Reopened++
		t = t.Add(answerDelay(rnd, ch, t, weekend))
		if !past(&t) {
			return nil
		}
		if _, err := post(model.DirectionOut, t, "We have fixed it for good this time."); err != nil {
			return err
		}
		solved := t.Add(30 * time.Minute)
		if !past(&solved) {
			return nil
		}
		if err := h.SetStatus(id, model.StatusSolved, solved); err != nil {
			return err
		}
	}
	return nil
}
