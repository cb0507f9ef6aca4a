package demo

import (
	"time"

	"switchboard/connector/forum"
	"switchboard/model"
)

// Brand accounts the demo team answers for. Switchboard serves one care
// team; the demo team looks after a small travel-and-mobility group.
const (
	srcAirline = "@SkyWingsAir mentions"
	srcHotel   = "Facebook page Alpenblick Hotels"
	srcTelco   = "Messenger · NordNetz"
	srcTelcoFB = "Facebook page NordNetz"
	srcCar     = "Forum autoforum.example · Voltra E5"
	srcQA      = "Q&A travel.stackexchange.example"
)

var brandAgent = model.Identity{Handle: "@SkyWingsAir", DisplayName: "SkyWings Care (Mia)", Followers: 412_000, Verified: true}

// Named people of the scripted scenarios.
var (
	brenner = model.Identity{Platform: model.ChannelTwitter, Handle: "@mbrenner_fly", PlatformID: "1187230441", DisplayName: "Dr. Markus Brenner", Followers: 148_300, Verified: true,
		Bio: "Frequent flyer, FRA. Views my own. facebook.com/100055501234"}
	// brennerFB is the same man on Facebook, never linked: same name, and
	// his X profile names this page.
	brennerFB = model.Identity{Platform: model.ChannelFacebook, Handle: "100055501234", PlatformID: "100055501234", DisplayName: "Dr. Markus Brenner"}
	kramerX   = model.Identity{Platform: model.ChannelTwitter, Handle: "@julia_kr", PlatformID: "9921144", DisplayName: "Julia Kramer", Followers: 310}
	kramerF   = model.Identity{Platform: model.ChannelFacebook, Handle: "100087112233", PlatformID: "100087112233", DisplayName: "Julia Kramer", Followers: 0}
	kramerR   = model.Identity{Platform: model.ChannelForum, Handle: "JuliaK_HH@community.nordnetz.example", DisplayName: "JuliaK_HH"}
	hotelQ    = model.Identity{Platform: model.ChannelFacebook, Handle: "100044551290", PlatformID: "100044551290", DisplayName: "Sandra Oyelaran"}
	evOwner   = model.Identity{Platform: model.ChannelForum, Handle: "e5_driver_bo@autoforum.example", DisplayName: "e5_driver_bo"}
	expert    = model.Identity{Platform: model.ChannelForum, Handle: "RolandK@autoforum.example", DisplayName: "RolandK"}
	other1    = model.Identity{Platform: model.ChannelForum, Handle: "stromer77@autoforum.example", DisplayName: "stromer77"}
	troll     = model.Identity{Platform: model.ChannelTwitter, Handle: "@xX_ch4os_Xx", PlatformID: "77001", DisplayName: "ch4os 🤡", Followers: 14}
)

// consented is a consent the CRM recorded with the customer, days ago.
func consented(marketing bool, by string, days int) model.Consent {
	return model.Consent{Service: true, Marketing: marketing, By: by, At: day(-days)}
}

// linked links identities with one recorded consent.
func linked(c model.Consent, ids ...model.Identity) []model.Link {
	var out []model.Link
	for _, id := range ids {
		out = append(out, model.Link{Identity: id, Consent: c})
	}
	return out
}

// customers are the scenario customers, beside the CRM extract. Brenner
// and Kramer have their identities linked with their recorded consent;
// Oyelaran and Oswald are in the CRM but not linked: the console suggests
// the link (a handle the CRM lists, a customer number written in a post).
var customers = []model.Customer{
	{ID: "4711", Name: "Dr. Markus Brenner", Tier: "senator", LifetimeValue: 182_450, Email: "m.brenner@example.com",
		Links:   linked(consented(true, "crm:senator-desk", 800), brenner),
		Consent: consented(true, "crm:senator-desk", 800),
		Handles: []model.Identity{brenner},
		Vouchers: []model.Voucher{
			{Code: "LOUNGE-FRA-2X", Issued: day(-180), Value: 90, Note: "goodwill: lounge closed for renovation"},
			{Code: "UPG-JFK-0931", Issued: day(-30), Note: "upgrade voucher, long-haul"},
		},
		Notes: "Travels FRA–JFK twice a month. Prefers English. Complained about lounge capacity in 2025.",
		Purchases: []model.Purchase{
			{Date: day(-6), Item: "FRA–JFK business, return", Amount: 4_890},
			{Date: day(-21), Item: "MUC–SFO business, return", Amount: 5_640},
			{Date: day(-40), Item: "Lounge day pass ×2", Amount: 90},
		}},
	{ID: "10234", Name: "Julia Kramer", Tier: "gold", LifetimeValue: 3_120, Email: "julia.kramer@example.de",
		Links:    linked(consented(false, "crm:service-desk", 400), kramerX, kramerF, kramerR),
		Consent:  consented(false, "crm:service-desk", 400),
		Vouchers: []model.Voucher{{Code: "NN-TREUE-25", Issued: day(-200), Value: 25, Note: "loyalty bonus"}},
		Notes:    "Moving from Munich to Hamburg on 1 Dec. Contract NN-55102 (fibre 250). Wants cancellation confirmed in writing.",
		Purchases: []model.Purchase{
			{Date: day(-420), Item: "NordNetz Glasfaser 250, 24 months", Amount: 1_080},
			{Date: day(-95), Item: "Router upgrade", Amount: 129},
		}},
	{ID: "20871", Name: "Sandra Oyelaran", Tier: "silver", LifetimeValue: 2_310, Email: "s.oyelaran@example.co.uk",
		Handles:   []model.Identity{hotelQ},
		Consent:   consented(true, "crm:web-signup", 60),
		Purchases: []model.Purchase{{Date: day(-2), Item: "Alpenblick Innsbruck, double room, 2 nights (HX-88213)", Amount: 384}}},
	{ID: "30552", Name: "Bernd Oswald", Tier: "basic", LifetimeValue: 41_900, Email: "b.oswald@example.de",
		Consent:   consented(false, "crm:dealer-handover", 610),
		Notes:     "Voltra E5 owner since 2024, VIN ends 8831.",
		Purchases: []model.Purchase{{Date: day(-610), Item: "Voltra E5 Long Range", Amount: 41_900}}},
}

// seedPost is one message of the backlog, placed ago before start.
type seedPost struct {
	ch     model.Channel
	thread string
	id     string
	author model.Identity
	text   string
	ago    time.Duration
	public bool
	source string
	lang   string
	out    bool
	status model.Status // set after this post, when not empty
}

// backlog is what the team finds when the demo starts: the five scenarios
// and the relocating customer's history on other channels.
var backlog = []seedPost{
	// A relocating customer has told the story three times before.
	{ch: model.ChannelTwitter, thread: "tw-conv-1822001", id: "1822001", author: kramerX, public: true, source: srcAirline, lang: "de", ago: 21 * 24 * time.Hour,
		text: "@SkyWingsAir Ich ziehe am 1.12. nach Hamburg, an der neuen Adresse gibt es kein Glasfaser von euch. Wie kündige ich den Vertrag vorzeitig?"},
	{ch: model.ChannelTwitter, thread: "tw-conv-1822001", id: "1822050", author: model.Identity{Handle: "@SkyWingsAir", PlatformID: XBrandID, DisplayName: "Care Team (Tom)", Followers: 412_000, Verified: true}, public: true, out: true, source: srcAirline, lang: "de", ago: 21*24*time.Hour - 40*time.Minute,
		text: "@julia_kr Hallo Julia, bei Umzug ohne Verfügbarkeit greift das Sonderkündigungsrecht. Schreib uns bitte eine DM mit deiner Kundennummer. ^Tom", status: model.StatusSolved},
	{ch: model.ChannelForum, thread: "https://community.nordnetz.example/t/umzug-kuendigung/3391", id: "post-3391-1", author: kramerR, public: true, source: "Forum community.nordnetz.example", lang: "de", ago: 10 * 24 * time.Hour,
		text: "Sonderkündigung wegen Umzug – seit zwei Wochen keine Bestätigung\nIch habe schon zweimal mit dem Support gesprochen und jedes Mal alles neu erklärt. Hat jemand eine Bestätigung bekommen?"},
	{ch: model.ChannelForum, thread: "https://community.nordnetz.example/t/umzug-kuendigung/3391", id: "post-3391-2", author: model.Identity{Handle: "NordNetz_Team_Ayse@community.nordnetz.example", DisplayName: "NordNetz_Team_Ayse", PlatformID: forum.StaffID("community.nordnetz.example")}, public: true, out: true, source: "Forum community.nordnetz.example", lang: "de", ago: 9 * 24 * time.Hour,
		text: "Hallo Julia, ich habe das an die Vertragsabteilung weitergegeben. Du bekommst die Bestätigung per Post.", status: model.StatusClosed},
	{ch: model.ChannelFacebook, thread: "fb-post-551902_771", id: "551902_771", author: kramerF, public: true, source: srcTelcoFB, lang: "en", ago: 4 * 24 * time.Hour,
		text: "Still no written confirmation of my cancellation. Third time asking. Moving in two weeks!"},
	{ch: model.ChannelFacebook, thread: "fb-post-551902_771", id: "551902_771_r1", author: model.Identity{Handle: FBPageID, PlatformID: FBPageID, DisplayName: FBPageName}, public: true, out: true, source: srcTelcoFB, lang: "en", ago: 4*24*time.Hour - 3*time.Hour,
		text: "Hi Julia, sorry for the wait – please send us a private message so we can look into your contract.", status: model.StatusSolved},

	// The hotel question nobody has answered for a day.
	{ch: model.ChannelFacebook, thread: "fb-post-330120_8812", id: "330120_8812", author: hotelQ, public: true, source: srcHotel, lang: "en", ago: 26 * time.Hour,
		text: "Hi, I booked a double room in Innsbruck for 14–16 March through your website (ref HX-88213) but never got a confirmation e-mail, and the booking isn't in my account. Could someone check please? We're travelling with a baby and need a cot."},

	// The frequent flyer, on the hotel's Facebook page, not linked there.
	{ch: model.ChannelFacebook, thread: "fb-post-330120_9120", id: "330120_9120", author: brennerFB, public: true, source: srcHotel, lang: "en", ago: 2 * 24 * time.Hour,
		text: "Can you confirm a late checkout at Alpenblick Innsbruck on 12 Dec? My flight home leaves at 19:40. Booking HX-90211."},

	// The car forum thread where a community expert answers.
	{ch: model.ChannelForum, thread: "https://autoforum.example/voltra/e5/t/4-2-update-reichweite/88120", id: "88120-1", author: evOwner, public: true, source: srcCar, lang: "de", ago: 5 * time.Hour,
		text: "Software 4.2 – Reichweite seit dem Update 30 km weniger?\nSeit dem Over-the-Air-Update 4.2 zeigt mein E5 morgens 30 km weniger Reichweite an, obwohl ich gleich lade. Geht das noch jemandem so? Werkstatt sagt 'normal' (Kundennummer 30552, Termin letzte Woche)."},
	{ch: model.ChannelForum, thread: "https://autoforum.example/voltra/e5/t/4-2-update-reichweite/88120", id: "88120-2", author: other1, public: true, source: srcCar, lang: "de", ago: 4 * time.Hour,
		text: "Bei mir genauso, ca. 25 km. Ist das jetzt dauerhaft??"},
	{ch: model.ChannelForum, thread: "https://autoforum.example/voltra/e5/t/4-2-update-reichweite/88120", id: "88120-3", author: expert, public: true, source: srcCar, lang: "de", ago: 3 * time.Hour,
		text: "Das ist die neue Reichweitenprognose in 4.2: sie rechnet jetzt mit der Außentemperatur der letzten 3 Tage. Die echte Reichweite ist unverändert. Wer die alte Anzeige will: Einstellungen > Energie > 'Prognose: Standard'. Nach 2–3 Ladezyklen pendelt es sich ein."},

	// The frequent flyer refused at the lounge, to 148k followers.
	{ch: model.ChannelTwitter, thread: "tw-conv-1860400", id: "1860400", author: brenner, public: true, source: srcAirline, lang: "en", ago: 12 * time.Minute,
		text: "@SkyWingsAir Senator for 9 years, flying FRA–JFK twice a month, and today I'm turned away from your Frankfurt lounge 'due to capacity' while you keep selling day passes at the door. This is how you treat your most loyal customers? #SkyWings #loyalty"},

	// An obvious troll.
	{ch: model.ChannelTwitter, thread: "tw-conv-1860417", id: "1860417", author: troll, public: true, source: srcAirline, lang: "en", ago: 7 * time.Minute,
		text: "@SkyWingsAir worst airline in the galaxy lol 🤡🤡 just go bankrupt already, nobody will miss u"},

	// The relocating customer, fourth time, now on Messenger.
	{ch: model.ChannelFacebook, thread: "fb-msgr-100087112233", id: "m_Kr4mer01", author: kramerF, public: false, source: srcTelco, lang: "en", ago: 3 * time.Minute,
		text: "Hello. I am moving to Hamburg on 1 December and I want to cancel my contract NN-55102. I have now explained this to FOUR different agents (Twitter, your forum, a comment here, and the hotline). Nobody confirms anything. Please just confirm the cancellation in writing."},
}

// followUps continue scripted threads while the demo runs, in order.
var followUps = []seedPost{
	{ch: model.ChannelTwitter, thread: "tw-conv-1860400", id: "1860455", author: brenner, public: true, source: srcAirline, lang: "en",
		text: "@SkyWingsAir Still standing outside the lounge. Boarding in 40 min. Not a single reply. Remarkable."},
	{ch: model.ChannelTwitter, thread: "tw-conv-1860400", id: "1860471", author: model.Identity{Handle: "@avgeek_lena", PlatformID: "5512", DisplayName: "Lena | AvGeek", Followers: 23_400}, public: true, source: srcAirline, lang: "en",
		text: "@mbrenner_fly @SkyWingsAir Same thing happened to me in FRA last week. Lounge 'full' but day passes on sale 🙄"},
	{ch: model.ChannelForum, thread: "https://autoforum.example/voltra/e5/t/4-2-update-reichweite/88120", id: "88120-4", author: evOwner, public: true, source: srcCar, lang: "de",
		text: "Danke @RolandK, umgestellt – zeigt wieder die alten Werte. Trotzdem wäre eine Info vom Hersteller vor dem Update nett gewesen."},
	{ch: model.ChannelFacebook, thread: "fb-msgr-100087112233", id: "m_Kr4mer02", author: kramerF, public: false, source: srcTelco, lang: "en",
		text: "Hello? Is anyone reading this?"},
	{ch: model.ChannelTwitter, thread: "tw-conv-1860417", id: "1860499", author: troll, public: true, source: srcAirline, lang: "en",
		text: "@SkyWingsAir 🤡🤡🤡 still waiting for ur bankruptcy"},
}

func day(n int) time.Time { return time.Now().UTC().AddDate(0, 0, n).Truncate(24 * time.Hour) }
