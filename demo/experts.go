package demo

import (
	"time"

	"switchboard/model"
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
			Topics: []string{"voltra e5", "wallbox", "laden", "ladekabel"}, Languages: []string{"de", "en"}, Contact: "thread", Consent: consent,
			Away: &model.Away{From: now.AddDate(0, 0, -3), Until: now.AddDate(0, 0, 11).Truncate(24 * time.Hour), Note: "Hochzeitsreise – ab dem 12. wieder da", SetBy: "self"}},
		{Key: "forum:gatewise@travel.stackexchange.example", Name: "gatewise", Level: "Top contributor",
			Topics: []string{"lounge", "baggage", "rebooking", "miles"}, Languages: []string{"en"}, Contact: "thread", Consent: consent},
	}
}
