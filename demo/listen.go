package demo

import (
	"fmt"
	"time"

	"switchboard/connector/forum"
)

// The demo's listen-only source: a neutral EV community the brand follows
// without answering. Two weeks of everyday chatter, then, today, a spike
// of posts about range lost after the 4.2 update — an issue surfacing
// before it reaches the care channels.
const (
	listenFeed   = "e-autotreff"
	listenSource = "Community e-autotreff.example"
	listenBase   = "https://e-autotreff.example/t/"
)

// listenKeywords are the feed's include terms: the topics of its posts.
var listenKeywords = []string{"voltra", "reichweite", "update", "laden", "akku", "werkstatt"}

var listenChatter = []struct{ title, text string }{
	{"Voltra E5 im Winter", "Wie ist bei euch die Reichweite bei Frost? Bei mir etwa 320 km, finde ich okay."},
	{"Laden an der Autobahn", "Laden am Schnelllader ging heute problemlos, 20 auf 80 % in 28 Minuten."},
	{"Werkstatttermin", "Hatte heute Inspektion in der Werkstatt, alles unkompliziert."},
	{"Akku-Garantie", "Weiß jemand, wie lange die Akku-Garantie beim Voltra läuft?"},
	{"Urlaubsfahrt", "1.200 km nach Kroatien mit dem Voltra, Laden unterwegs war entspannt."},
}

var listenSpike = []string{
	"Seit dem Update 4.2 zeigt mein Voltra 60 km weniger Reichweite an. Geht das noch jemandem so?",
	"Update 4.2 eingespielt und die Reichweite ist eingebrochen, von 410 auf 340 km.",
	"Nach dem Update lädt der Akku nur noch bis 90 %. Bug?",
	"Reichweite nach Update 4.2 deutlich schlechter – Werkstatt sagt, sie wissen von nichts.",
	"Bei mir auch: Update, danach Reichweite minus 15 %. Sehr ärgerlich.",
	"Kann man das Update 4.2 zurückspielen? Die Reichweite ist schlechter als vorher.",
	"Seit gestern Abend nach dem Update Reichweitenanzeige komplett daneben.",
	"Update 4.2: Akku-Vorkonditionierung funktioniert nicht mehr, Reichweite im Keller.",
	"Gibt es schon eine Aussage von Voltra zum Reichweitenverlust nach dem Update?",
	"Auch betroffen. Reichweite nach dem Update 4.2 um 50 km gesunken.",
	"Unsere beiden Voltra haben seit dem Update weniger Reichweite. Zufall?",
	"Update 4.2 ist ein Rückschritt: Reichweite runter, Ladeleistung runter.",
}

// seedListening publishes the listen-only feed's history and today's
// spike, dated back from now.
func (p *Platform) seedListening(now time.Time) {
	n := 0
	for d := 13; d >= 1; d-- {
		for i := 0; i < 2; i++ {
			c := listenChatter[(d+i)%len(listenChatter)]
			n++
			p.Publish(listenFeed, fmt.Sprintf("%s%d", listenBase, 5000+n), "1", fmt.Sprintf("member%d", 100+n), c.title, c.text,
				now.AddDate(0, 0, -d).Add(time.Duration(i*5+2)*time.Hour))
		}
	}
	for i, text := range listenSpike {
		n++
		p.Publish(listenFeed, fmt.Sprintf("%s%d", listenBase, 5000+n), "1", fmt.Sprintf("e5fahrer%d", i+1), "Reichweite nach Update 4.2", text,
			now.Add(-time.Duration(len(listenSpike)-i)*17*time.Minute))
	}
}

// listenFeeds are the listen-only feeds of the forum connector.
func (p *Platform) listenFeeds() []forum.Feed {
	return []forum.Feed{{Name: listenFeed, URL: p.url + "/feeds/" + listenFeed + ".rss", Source: listenSource, Lang: "de",
		Include: listenKeywords, Listen: true}}
}
