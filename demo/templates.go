package demo

import "switchboard/model"

type followStep struct {
	text  string
	brand bool // an agent's public reply, already on the platform
}

// template is a kind of case the demo invents, with how it may go on.
type template struct {
	ch      model.Channel
	lang    string
	public  bool
	source  string
	account string // the brand's handle mentioned on X
	agent   string
	text    string
	follow  []followStep
}

var templates = []template{
	{ch: model.ChannelTwitter, lang: "en", public: true, source: srcAirline, account: "@SkyWingsAir", agent: "SkyWings Care (Mia)",
		text:   "my bag didn't make it to Lisbon. File ref LIS-SW-20931. Any idea when it arrives? Have a wedding tomorrow",
		follow: []followStep{{text: "Hi, so sorry! We can see your bag was put on SW1542 and lands 19:10. It will be couriered to your hotel tonight. ^Mia", brand: true}, {text: "Thank you!! 🙏"}}},
	{ch: model.ChannelTwitter, lang: "en", public: true, source: srcAirline, account: "@SkyWingsAir", agent: "SkyWings Care (Mia)",
		text:   "flight SW381 delayed 3h and the gate staff know nothing. Will I make my connection in Madrid?",
		follow: []followStep{{text: "any update? boarding keeps getting pushed"}}},
	{ch: model.ChannelTwitter, lang: "de", public: true, source: srcAirline, account: "@SkyWingsAir", agent: "SkyWings Care (Jan)",
		text:   "Seit 40 Minuten in der Warteschleife wegen Umbuchung. Gibt es eine schnellere Möglichkeit?",
		follow: []followStep{{text: "Hallo, schick uns gern eine DM mit deinem Buchungscode, dann buchen wir direkt um. ^Jan", brand: true}}},
	{ch: model.ChannelTwitter, lang: "de", public: true, source: srcAirline, account: "@SkyWingsAir", agent: "SkyWings Care (Jan)",
		text: "Warum kostet die Sitzplatzreservierung mit Kind extra?? Soll mein 4-Jähriger allein sitzen?"},
	{ch: model.ChannelTwitter, lang: "en", public: true, source: srcAirline, account: "@SkyWingsAir", agent: "SkyWings Care (Mia)",
		text: "huge thanks to the crew on SW220 today, they found my daughter's lost teddy ❤️"},
	{ch: model.ChannelTwitter, lang: "en", public: true, source: "@NordNetz mentions", account: "@NordNetz", agent: "NordNetz Service (Tom)",
		text:   "internet down in Munich Schwabing since this morning, no info on the status page. Working from home, this is a disaster",
		follow: []followStep{{text: "Hi, there's a fibre fault in Schwabing, technicians are on site. Expected fix 14:00. ^Tom", brand: true}, {text: "still down at 15:30…"}}},
	{ch: model.ChannelTwitter, lang: "de", public: true, source: "@NordNetz mentions", account: "@NordNetz", agent: "NordNetz Service (Tom)",
		text: "Rechnung doppelt abgebucht diesen Monat. Wer erstattet mir das?"},
	{ch: model.ChannelFacebook, lang: "en", public: true, source: srcHotel,
		text:   "Does the Alpenblick Salzburg have parking for a camper van? Couldn't find it on the website.",
		follow: []followStep{{text: "Also, are dogs allowed?"}}},
	{ch: model.ChannelFacebook, lang: "de", public: true, source: srcHotel, account: "AlpenblickHotels", agent: "Alpenblick Hotels (Vera)",
		text:   "Wir waren letztes Wochenende in Innsbruck. Zimmer super, aber das Frühstück um 9 Uhr war schon leer geräumt. Schade.",
		follow: []followStep{{text: "Liebe Gäste, danke für das ehrliche Feedback – wir geben es an das Team in Innsbruck weiter. Herzliche Grüße, Vera", brand: true}}},
	{ch: model.ChannelFacebook, lang: "en", public: false, source: srcTelco,
		text:   "Hi, I got a letter saying my price goes up by 8 € next month. My contract says fixed price for 24 months?",
		follow: []followStep{{text: "Contract number is NN-61220 if that helps"}}},
	{ch: model.ChannelFacebook, lang: "de", public: false, source: srcTelco,
		text: "Guten Tag, der Techniker ist heute nicht gekommen, ich habe extra Urlaub genommen. Was jetzt?"},
	{ch: model.ChannelFacebook, lang: "en", public: true, source: srcTelcoFB,
		text: "Is the new 1000 Mbit plan available in Bremen yet? Your map says 'soon' since March."},
	{ch: model.ChannelForum, lang: "de", public: true, source: srcCar,
		text:   "Ladeklappe friert ein – Lösung?\nBei -5 °C geht die Ladeklappe meines E5 nicht mehr auf. Gibt es einen Trick oder ist das ein bekanntes Problem?",
		follow: []followStep{{text: "Update: mit Enteiser ging es, aber das kann ja nicht die Lösung sein."}}},
	{ch: model.ChannelForum, lang: "en", public: true, source: srcCar,
		text: "E5 infotainment reboots on motorway\nAfter the 4.2 update my screen reboots every ~20 minutes above 120 km/h. Dealer appointment in 3 weeks. Anyone else?"},
	{ch: model.ChannelForum, lang: "en", public: true, source: srcQA,
		text: "Can I use a SkyWings lounge voucher on a codeshare flight?\nI have a lounge voucher from SkyWings but my flight to Oslo is operated by a partner. Will it be accepted in FRA?"},
	{ch: model.ChannelForum, lang: "en", public: true, source: srcQA,
		text: "Alpenblick cancellation policy for non-refundable rates after a flight cancellation\nMy flight was cancelled by the airline; the hotel says the rate is non-refundable. Any experience with getting a goodwill refund?"},
	{ch: model.ChannelTwitter, lang: "en", public: true, source: srcAirline, account: "@SkyWingsAir",
		text: "LOL imagine flying SkyWings in 2026 🤡 clown airline, clown customers"},
}

var namesEN = []string{"Emily Carter", "James O'Neill", "Priya Sharma", "Tom Whitfield", "Grace Kim", "Daniel Okafor", "Chloe Martin", "Sam Patel", "Olivia Brooks", "Noah Fischer", "Hannah Lee", "Marcus Reed"}
var namesDE = []string{"Anna Schäfer", "Lukas Becker", "Sophie Wagner", "Jonas Hoffmann", "Marie Koch", "Felix Schröder", "Lea Neumann", "Paul Zimmermann", "Mia Krüger", "Tobias Weiß", "Katrin Vogel", "Stefan Hartmann"}
