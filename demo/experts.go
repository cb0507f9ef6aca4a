package demo

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"switchboard/model"
	"switchboard/sync/hub"
)

// Directory is the demo's community expert directory: members of the car
// forum and of the Q&A site who opted in, one of them away (he got
// married), as of now.
func Directory(now time.Time) []model.Expert {
	consent := model.ExpertConsent{At: now.AddDate(0, -3, 0).Truncate(24 * time.Hour), By: "demo", How: "community programme form"}
	return []model.Expert{
		{Key: "forum:rolandk@autoforum.example", Name: "RolandK", Level: "Community-Experte",
			Topics: []string{"voltra e5", "software update", "reichweite", "akku"}, Languages: []string{"de"}, Contact: "thread", Consent: consent},
		{Key: "forum:wallbox_wim@autoforum.example", Name: "wallbox_wim", Level: "Superuser",
			Topics: []string{"voltra e5", "wallbox", "laden", "ladekabel", "reichweite"}, Languages: []string{"de", "en"}, Contact: "thread", Consent: consent,
			Away: &model.Away{From: now.AddDate(0, 0, -3), Until: now.AddDate(0, 0, 11).Truncate(24 * time.Hour), Note: "Hochzeitsreise – ab dem 12. wieder da", SetBy: "self"}},
		{Key: "forum:gatewise@travel.stackexchange.example", Name: "gatewise", Level: "Top contributor",
			Topics: []string{"lounge", "baggage", "rebooking", "miles"}, Languages: []string{"en"}, Contact: "thread", Consent: consent},
	}
}

// expertAnswers are what a demo expert writes when the team hands a
// question over: a community answer in the thread.
var expertAnswers = map[string]string{
	"forum:rolandk@autoforum.example":             "Danke fürs Markieren! Das ist die neue Reichweitenprognose in 4.2: unter Einstellungen → Energie → Prognose auf „Standard“ stellen, dann stimmt die Anzeige wieder. Die echte Reichweite hat sich nicht geändert.",
	"forum:wallbox_wim@autoforum.example":         "Zurück aus den Flitterwochen :) Bei der Wallbox hilft meist ein Neustart der Ladestation und ein Firmware-Update auf 3.1.",
	"forum:gatewise@travel.stackexchange.example": "Non-refundable rates usually allow a goodwill change when the airline cancelled: ask the hotel in writing and quote the cancellation notice.",
}

// AnswerDelay is how long a demo expert takes to answer a hand-off.
var AnswerDelay = 45 * time.Second

// RunExperts plays the demo's community experts: a question handed to one
// of them (ask_expert, posted in a forum thread) is answered in the
// thread's feed after AnswerDelay, as a real member would, so the case
// shows the community answer. It follows the hub's log until ctx ends.
func (g *Generator) RunExperts(ctx context.Context) {
	var cursor uint64
	answered := map[string]bool{}
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		for {
			evs, err := g.Hub.Log().Read(cursor, 500)
			if err != nil || len(evs) == 0 {
				if errors.Is(err, hub.ErrCompacted) {
					cursor = g.Hub.Log().Horizon()
				}
				break
			}
			for _, ev := range evs {
				cursor = ev.Seq
				c := ev.Case
				if ev.Type != model.EventCaseUpserted || c == nil || !c.Handoff.Waiting() || c.Channel != model.ChannelForum {
					continue
				}
				text, ok := expertAnswers[c.Handoff.Expert]
				key := c.ID + "\x00" + c.Handoff.MessageID
				if !ok || answered[key] {
					continue
				}
				answered[key] = true
				expert, thread := c.Handoff.Expert, c.ThreadRef
				time.AfterFunc(AnswerDelay, func() {
					if ctx.Err() != nil {
						return
					}
					u, err := url.Parse(thread)
					if err != nil {
						return
					}
					_, h, _ := strings.Cut(expert, ":")
					name, _, _ := strings.Cut(h, "@")
					for _, e := range Directory(time.Now()) {
						if e.Key == expert {
							name = e.Name
						}
					}
					g.Platform.Publish(feedOf(u.Host), thread, fmt.Sprint(time.Now().UnixNano()), name, "Re: Frage an die Community", text, time.Now())
					g.Logger.Info("demo: community expert answered", "expert", expert, "thread", thread)
				})
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
