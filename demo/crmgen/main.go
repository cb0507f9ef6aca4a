// Command crmgen writes the demo's CRM extract: a few thousand invented
// customers of the demo's travel-and-mobility group (SkyWings frequent
// flyers, Alpenblick hotel guests, Voltra e-car owners, NordNetz
// subscribers) in the CSV format of docs/crm.md. The seed is fixed, so the
// output is the same on every run; `go generate ./demo` rewrites
// demo/crm_extract.csv.
package main

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	count     = 3000
	firstNo   = 100001      // the scenario customers (4711, 10234, …) stay below
	seedHi    = 0x5357_4244 // "SWBD"
	seedLo    = 2026
	dateStyle = "2006-01-02"
)

var (
	purchasesFrom = day(2024, 1, 1)
	purchasesTo   = day(2026, 11, 20)
	consentFrom   = day(2023, 1, 1)
)

func main() {
	out := flag.String("o", "crm_extract.csv", "output file")
	flag.Parse()
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		log.Fatalf("crmgen: %v", err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		log.Fatalf("crmgen: %v", err)
	}
}

var header = []string{"customer_number", "name", "tier", "lifetime_value", "email", "handles",
	"consent_service", "consent_marketing", "consent_recorded_by", "consent_recorded_at",
	"notes", "purchases", "vouchers"}

// write generates the extract into w.
func write(w io.Writer) error {
	g := newGen()
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for i := range count {
		if err := cw.Write(g.customer(firstNo + i)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

type gen struct {
	r       *rand.Rand
	emails  map[string]bool
	handles map[string]bool // platform:handle, lower case
}

func newGen() *gen {
	g := &gen{r: rand.New(rand.NewPCG(seedHi, seedLo)), emails: map[string]bool{}, handles: map[string]bool{}}
	// The scripted scenarios' people and the brand accounts: a CRM handle
	// equal to one of theirs would suggest the wrong customer.
	for _, h := range []string{"twitter:@mbrenner_fly", "twitter:@julia_kr", "twitter:@xx_ch4os_xx", "twitter:@skywingsair",
		"twitter:@nordnetz", "facebook:100087112233", "facebook:100044551290",
		"forum:juliak_hh@community.nordnetz.example", "forum:e5_driver_bo@autoforum.example",
		"forum:rolandk@autoforum.example", "forum:stromer77@autoforum.example"} {
		g.handles[h] = true
	}
	for _, e := range []string{"m.brenner@example.com", "julia.kramer@example.de", "s.oyelaran@example.co.uk", "b.oswald@example.de"} {
		g.emails[e] = true
	}
	return g
}

// person is what the rest of a record is made from.
type person struct {
	german        bool
	first, last   string
	tier          string
	flyer, hotel  bool
	voltra, telco bool
}

func (g *gen) customer(no int) []string {
	p := person{german: g.r.Float64() < 0.6}
	if p.german {
		p.first, p.last = pick(g.r, germanFirst), pick(g.r, germanLast)
	} else {
		p.first, p.last = pick(g.r, englishFirst), pick(g.r, englishLast)
	}
	p.tier = weighted(g.r, []string{"basic", "silver", "gold", "senator"}, []int{60, 25, 12, 3})
	top := p.tier == "gold" || p.tier == "senator"
	p.flyer = top || g.r.Float64() < 0.75
	p.hotel = g.r.Float64() < 0.35
	p.voltra = g.r.Float64() < 0.08
	p.telco = p.german && g.r.Float64() < 0.15

	name := p.first + " " + p.last
	switch r := g.r.Float64(); {
	case p.german && r < 0.006:
		name = "Prof. Dr. " + name
	case p.german && r < 0.07, !p.german && r < 0.03, top && r < 0.12:
		name = "Dr. " + name
	}

	purchases, spent := g.purchases(p)
	service := g.r.Float64() < 0.7
	marketing := service && g.r.Float64() < 0.4/0.7
	by, at := "", ""
	if service || g.r.Float64() < 0.4 { // a refusal is recorded too, now and then
		by = weighted(g.r, consentSources, consentWeights)
		at = g.date(consentFrom, purchasesTo)
	}
	var notes string
	if g.r.Float64() < 0.2 {
		notes = g.note(p)
	}
	var vouchers string
	if g.r.Float64() < 0.25 {
		vouchers = g.vouchers(p)
	}
	return []string{
		strconv.Itoa(no), name, p.tier, money(g.lifetimeValue(p.tier, spent)), g.email(p), g.handlesOf(p),
		yesNo(service), yesNo(marketing), by, at, notes, purchases, vouchers,
	}
}

var (
	consentSources = []string{"crm:service-desk", "crm:web-signup", "crm:call-center", "crm:app-signup", "crm:lounge-desk", "crm:hotel-reception", "crm:voltra-dealer"}
	consentWeights = []int{30, 30, 20, 10, 4, 4, 2}
)

// lifetimeValue grows with the tier and never falls below what the customer
// spent in the extract's purchases.
func (g *gen) lifetimeValue(tier string, spent float64) float64 {
	var v float64
	switch tier {
	case "senator":
		v = 35_000 + g.r.ExpFloat64()*45_000
	case "gold":
		v = 7_000 + g.r.ExpFloat64()*9_000
	case "silver":
		v = 1_800 + g.r.ExpFloat64()*2_500
	default:
		v = 60 + g.r.ExpFloat64()*700
	}
	return max(v, spent*(1.05+g.r.Float64()*0.5))
}

// purchases returns the customer's purchase column and its total.
func (g *gen) purchases(p person) (string, float64) {
	weights := map[string][]int{
		"basic":   {25, 30, 20, 12, 7, 4, 2},
		"silver":  {10, 20, 25, 20, 12, 8, 5},
		"gold":    {5, 10, 20, 25, 20, 12, 8},
		"senator": {0, 3, 10, 17, 25, 25, 20},
	}[p.tier]
	n := weighted(g.r, []int{0, 1, 2, 3, 4, 5, 6}, weights)
	type line struct {
		date   string
		amount float64
		item   string
	}
	var lines []line
	var total float64
	car := false
	for range n {
		var kinds []string
		var kw []int
		for _, k := range []struct {
			on     bool
			kind   string
			weight int
		}{{p.flyer, "flight", 6}, {p.flyer, "extra", 2}, {p.hotel, "hotel", 4}, {p.voltra, "voltra", 3}, {p.telco, "telco", 2}} {
			if k.on {
				kinds, kw = append(kinds, k.kind), append(kw, k.weight)
			}
		}
		if kinds == nil {
			kinds, kw = []string{"flight"}, []int{1}
		}
		var amount float64
		var item string
		switch weighted(g.r, kinds, kw) {
		case "flight":
			amount, item = g.flight(p.tier)
		case "extra":
			amount, item = g.extra()
		case "hotel":
			amount, item = g.stay(p.tier)
		case "voltra":
			amount, item = g.voltra(!car)
			car = car || amount > 10_000
		case "telco":
			amount, item = g.telco()
		}
		lines = append(lines, line{g.date(purchasesFrom, purchasesTo), amount, item})
		total += amount
	}
	slices.SortStableFunc(lines, func(a, b line) int { return strings.Compare(a.date, b.date) })
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = l.date + " " + money(l.amount) + " " + l.item
	}
	return strings.Join(parts, " | "), total
}

var (
	shortHaul = []string{"FRA-LHR", "MUC-LHR", "HAM-MUC", "FRA-BCN", "MUC-CDG", "BER-LHR", "FRA-LIS", "HAM-LHR", "FRA-OSL",
		"STR-HAM", "CGN-BER", "DUS-PMI", "FRA-VIE", "MUC-MAD", "FRA-ZRH", "BER-FCO", "HAM-CPH", "MUC-AMS", "FRA-ATH", "DUS-MAN"}
	longHaul = []string{"FRA-JFK", "MUC-SFO", "FRA-SFO", "FRA-ORD", "MUC-EWR", "FRA-SIN", "MUC-BKK", "FRA-YVR", "FRA-DXB",
		"MUC-BOS", "FRA-GRU", "FRA-NRT", "MUC-ICN", "FRA-JNB", "FRA-IAD", "MUC-LAX"}
)

func (g *gen) flight(tier string) (float64, string) {
	long := g.r.Float64() < map[string]float64{"basic": 0.2, "silver": 0.3, "gold": 0.45, "senator": 0.6}[tier]
	classWeights := map[string][]int{
		"basic":   {85, 12, 3, 0},
		"silver":  {70, 20, 10, 0},
		"gold":    {40, 25, 35, 0},
		"senator": {10, 15, 65, 10},
	}[tier]
	if !long {
		classWeights = []int{classWeights[0] + classWeights[1], 0, classWeights[2] + classWeights[3], 0}
	}
	class := weighted(g.r, []string{"economy", "premium economy", "business", "first"}, classWeights)
	route, lo, hi := pick(g.r, shortHaul), 89.0, 390.0
	if class == "business" {
		lo, hi = 390, 1100
	}
	if long {
		band := map[string][2]float64{"economy": {520, 1400}, "premium economy": {1100, 2300}, "business": {2600, 6400}, "first": {7800, 12500}}[class]
		route, lo, hi = pick(g.r, longHaul), band[0], band[1]
	}
	amount := fare(g.r, lo, hi)
	trip := "return"
	if g.r.Float64() < 0.3 {
		trip, amount = "one-way", fare(g.r, lo*0.55, hi*0.6)
	}
	return amount, route + " " + class + ", " + trip
}

func (g *gen) extra() (float64, string) {
	switch g.r.IntN(7) {
	case 0:
		return 45, "Lounge day pass"
	case 1:
		return 90, "Lounge day pass ×2"
	case 2:
		return float64(55 + 10*g.r.IntN(3)), "Extra bag 23 kg"
	case 3:
		return float64(29 + 10*g.r.IntN(6)), "Seat reservation, extra legroom"
	case 4:
		return fare(g.r, 250, 1200), "Upgrade to business, " + pick(g.r, longHaul)
	case 5:
		return 19.90, "Wi-Fi pass, long-haul"
	default:
		return 270, "Miles top-up 10,000"
	}
}

var hotels = []string{"Innsbruck", "Innsbruck", "Salzburg", "Salzburg", "Kitzbühel", "Garmisch", "Bozen"}

func (g *gen) stay(tier string) (float64, string) {
	city := pick(g.r, hotels)
	if g.r.Float64() < 0.12 {
		return float64(49 + 10*g.r.IntN(5)), "Alpenblick " + city + ", spa day"
	}
	rooms := []string{"single room", "double room", "junior suite"}
	room := weighted(g.r, rooms, map[string][]int{"basic": {30, 65, 5}, "silver": {25, 65, 10}, "gold": {15, 65, 20}, "senator": {10, 50, 40}}[tier])
	perNight := map[string][2]float64{"single room": {89, 139}, "double room": {129, 199}, "junior suite": {220, 340}}[room]
	nights := weighted(g.r, []int{1, 2, 3, 4, 5, 7}, []int{20, 35, 20, 10, 8, 7})
	amount := float64(nights) * float64(int(perNight[0])+g.r.IntN(int(perNight[1]-perNight[0])+1))
	item := fmt.Sprintf("Alpenblick %s, %s, %d nights", city, room, nights)
	if nights == 1 {
		item = fmt.Sprintf("Alpenblick %s, %s, 1 night", city, room)
	}
	if g.r.Float64() < 0.5 {
		item += fmt.Sprintf(" (HX-%05d)", 10000+g.r.IntN(90000))
	}
	return amount, item
}

func (g *gen) voltra(carAllowed bool) (float64, string) {
	if carAllowed && g.r.Float64() < 0.2 {
		switch g.r.IntN(4) {
		case 0:
			return 41_900, "Voltra E5 Long Range"
		case 1:
			return 36_490, "Voltra E5 Standard Range"
		case 2:
			return 29_990, "Voltra E3"
		default:
			return 14_364, "Voltra E5 leasing, 36 months"
		}
	}
	switch g.r.IntN(8) {
	case 0, 1:
		return 899, "Voltra Wallbox 11 kW"
	case 2:
		return float64(650 + 50*g.r.IntN(15)), "Voltra Wallbox installation"
	case 3, 4:
		return 289, "Voltra E5 annual service"
	case 5:
		return 1_240, "Voltra E5 winter tyres, mounted"
	case 6:
		return 119.88, "Voltra Charge+ subscription, 12 months"
	default:
		return 1_490, "Voltra E5 Range+ software upgrade"
	}
}

func (g *gen) telco() (float64, string) {
	switch g.r.IntN(5) {
	case 0, 1:
		return 1_080, "NordNetz Glasfaser 250, 24 months"
	case 2:
		return 1_679.76, "NordNetz Glasfaser 1000, 24 months"
	case 3:
		return 359.88, "NordNetz Mobil L, 12 months"
	default:
		return 129, "Router upgrade"
	}
}

func (g *gen) vouchers(p person) string {
	n := 1
	if g.r.Float64() < 0.25 {
		n = 2
	}
	var vs []string
	for range n {
		var code, note string
		var value float64
		from, to := purchasesFrom, purchasesTo
		switch r := g.r.Float64(); {
		case p.flyer && r < 0.45:
			code = "GW-" + g.code(6)
			value = pick(g.r, []float64{25, 50, 50, 75, 100, 150})
			note = pick(g.r, []string{"delayed bag", "flight cancelled", "missed connection", "lounge refused (capacity)", "seat not as booked", "downgrade on long-haul", "meal not loaded"})
			if p.tier == "senator" || p.tier == "gold" {
				value *= 2
			}
		case p.hotel && r < 0.6:
			code = "ALPEN-" + g.code(5)
			value = pick(g.r, []float64{20, 30, 50, 80})
			note = pick(g.r, []string{"noise complaint", "room not ready at check-in", "birthday stay", "spa closed during stay", "Zimmer nicht gereinigt"})
		case p.voltra && r < 0.75:
			code = "VOLTRA-SVC" + pick(g.r, []string{"50", "100", "150"})
			value, _ = strconv.ParseFloat(strings.TrimPrefix(code, "VOLTRA-SVC"), 64)
			note = pick(g.r, []string{"wallbox installation delayed", "service appointment moved", "update 4.2 range issue"})
		default:
			code = pick(g.r, []string{"WELCOME25", "SUMMER26", "NEWSLETTER10", "LOUNGE1", "BIRTHDAY20"})
			value = map[string]float64{"WELCOME25": 25, "SUMMER26": 26, "NEWSLETTER10": 10, "LOUNGE1": 45, "BIRTHDAY20": 20}[code]
			note = map[string]string{"WELCOME25": "welcome", "SUMMER26": "summer campaign 2026", "NEWSLETTER10": "newsletter signup", "LOUNGE1": "one lounge visit", "BIRTHDAY20": "birthday"}[code]
			if code == "SUMMER26" {
				from, to = day(2026, 5, 1), day(2026, 8, 31)
			}
		}
		vs = append(vs, fmt.Sprintf("%s %s %s %s", code, g.date(from, to), money(value), note))
	}
	slices.SortFunc(vs, func(a, b string) int { return strings.Compare(strings.Fields(a)[1], strings.Fields(b)[1]) })
	return strings.Join(vs, " | ")
}

func (g *gen) code(n int) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

var (
	citiesEN = []string{"Hamburg", "Berlin", "Munich", "Cologne", "Düsseldorf", "Leipzig", "Vienna", "Zurich", "London", "Dublin", "Lisbon", "Stuttgart"}
	citiesDE = []string{"Hamburg", "Berlin", "München", "Köln", "Düsseldorf", "Leipzig", "Wien", "Zürich", "London", "Dublin", "Lissabon", "Stuttgart"}
)

func (g *gen) note(p person) string {
	var options []string
	en := []string{
		"Prefers English.",
		"Do not call before 10:00.",
		"Hearing impaired, prefers written contact.",
		"Relocating to " + pick(g.r, citiesEN) + fmt.Sprintf(" in Q%d", 1+g.r.IntN(4)),
		"Complained twice about hold times, handle with care.",
		"Journalist, route press questions to comms.",
		"Company account: " + pick(g.r, []string{"Brightline Ltd", "Kessler & Partner GmbH", "Northwind Consulting", "Hafenblick AG"}) + ".",
	}
	de := []string{
		"Bitte nur per E-Mail kontaktieren.",
		"Bevorzugt Deutsch.",
		"Umzug nach " + pick(g.r, citiesDE) + fmt.Sprintf(" zum %d.%d.", 1+g.r.IntN(28), 1+g.r.IntN(12)),
		"Nicht vor 10 Uhr anrufen.",
		"Schwerhörig, bitte schriftlich antworten.",
		"Hat sich über Wartezeiten in der Hotline beschwert.",
	}
	if p.flyer {
		en = append(en, "Travels with a service dog.", "Vegetarian meals.", "Complained about lounge capacity in 2025.",
			"Wheelchair user, needs assistance at the gate.\nBook WCHC on every flight.")
		de = append(de, "Rollstuhl, benötigt Assistenz am Gate.", "Vielflieger FRA–JFK, sehr preissensibel bei Umbuchungen.")
	}
	if p.hotel {
		en = append(en, "Regular Alpenblick guest, likes a room with mountain view.")
		de = append(de, "Beschwerde über Zimmerlärm, Alpenblick "+pick(g.r, hotels)+", Goodwill gewährt.")
	}
	if p.voltra {
		en = append(en, fmt.Sprintf("Voltra E5 owner since %d, VIN ends %04d.", 2022+g.r.IntN(4), g.r.IntN(10000)))
		de = append(de, "Wallbox-Installation zweimal verschoben, Kulanz gewährt.")
	}
	if p.telco {
		de = append(de, fmt.Sprintf("Vertrag NN-%05d (Glasfaser 250). Kündigung wegen Umzug angefragt.", 10000+g.r.IntN(90000)))
	}
	if p.german && g.r.Float64() < 0.7 {
		options = de
	} else {
		options = en
	}
	return pick(g.r, options)
}

// email derives an address from the name, transliterated to ASCII and
// unique in the file.
func (g *gen) email(p person) string {
	if g.r.Float64() < 0.03 {
		return "" // no e-mail on file
	}
	first, last := translit(p.first), translit(p.last)
	domains := []string{"example.de", "example.de", "mail.example", "web.example", "post.example", "example.com", "example.net"}
	if !p.german {
		domains = []string{"example.com", "example.com", "example.org", "mail.example", "inbox.example", "example.net"}
	}
	domain := pick(g.r, domains)
	var local string
	switch g.r.IntN(5) {
	case 0, 1:
		local = first + "." + last
	case 2:
		local = first[:1] + "." + last
	case 3:
		local = first + last
	default:
		local = last + "." + first
	}
	addr := local + "@" + domain
	for g.emails[addr] {
		addr = fmt.Sprintf("%s%d@%s", local, 10+g.r.IntN(90), domain)
	}
	g.emails[addr] = true
	return addr
}

// handlesOf lists a third of the customers' social handles, unique in the
// file.
func (g *gen) handlesOf(p person) string {
	if g.r.Float64() >= 0.35 {
		return ""
	}
	n := 1
	if g.r.Float64() < 0.3 {
		n = 2
	}
	var hs []string
	platforms := []string{"twitter", "facebook", "forum"}
	weights := []int{50, 30, 20}
	for range n {
		platform := weighted(g.r, platforms, weights)
		var h string
		for h == "" || g.handles[platform+":"+strings.ToLower(h)] {
			h = g.handle(platform, p)
		}
		g.handles[platform+":"+strings.ToLower(h)] = true
		hs = append(hs, platform+":"+h)
		// The second handle is on another platform.
		i := slices.Index(platforms, platform)
		platforms, weights = slices.Delete(slices.Clone(platforms), i, i+1), slices.Delete(slices.Clone(weights), i, i+1)
	}
	return strings.Join(hs, "; ")
}

func (g *gen) handle(platform string, p person) string {
	first, last := strings.ReplaceAll(translit(p.first), "-", ""), strings.ReplaceAll(translit(p.last), "-", "")
	switch platform {
	case "facebook":
		return fmt.Sprintf("1000%09d", g.r.IntN(1_000_000_000))
	case "forum":
		var nick string
		switch g.r.IntN(3) {
		case 0:
			nick = capital(first) + strings.ToUpper(last[:1]) + fmt.Sprint(g.r.IntN(100))
		case 1:
			nick = pick(g.r, []string{"stromer", "vielflieger", "bergfex", "e5_fahrer", "globetrotter", "alpenfan", "meilenjaeger", "roadtrip"}) + fmt.Sprint(g.r.IntN(1000))
		default:
			nick = first + "_" + last[:min(len(last), 4)]
		}
		host := "travel.stackexchange.example"
		switch {
		case p.voltra || g.r.Float64() < 0.25:
			host = "autoforum.example"
		case p.telco || (p.german && g.r.Float64() < 0.4):
			host = "community.nordnetz.example"
		}
		return nick + "@" + host
	default:
		var h string
		switch g.r.IntN(4) {
		case 0:
			h = first[:1] + last
		case 1:
			h = first + "_" + last[:1]
		case 2:
			h = last + pick(g.r, []string{"_fly", "_travels", "_ev", "_hh", "_muc", "_berlin", "_ldn"})
		default:
			h = first + last
		}
		h = h[:min(len(h), 12)] + fmt.Sprint(g.r.IntN(100))
		return "@" + h
	}
}

func (g *gen) date(from, to time.Time) string {
	days := int(to.Sub(from).Hours() / 24)
	return from.AddDate(0, 0, g.r.IntN(days+1)).Format(dateStyle)
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

var asciiFold = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "é", "e", "è", "e", "ë", "e", "á", "a", "ç", "c", "'", "", " ", "")

// translit makes a name a lower-case ASCII address part: ü→ue, ß→ss.
func translit(s string) string { return asciiFold.Replace(strings.ToLower(s)) }

func capital(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

func money(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// fare is a price between lo and hi ending in 0, 9 or .90/.99 like real
// fares do.
func fare(r *rand.Rand, lo, hi float64) float64 {
	v := float64(int(lo + r.Float64()*(hi-lo)))
	switch r.IntN(3) {
	case 0:
		return float64(int(v/10)*10) + 9.99
	case 1:
		return float64(int(v/10) * 10)
	default:
		return v + 0.90
	}
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func weighted[T any](r *rand.Rand, xs []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return xs[i]
		}
		n -= w
	}
	return xs[len(xs)-1]
}

// Names. Kramer, Brenner, Oswald and Oyelaran are left out: they are the
// scenario customers'.
var (
	germanFirst = []string{
		"Jürgen", "Günther", "Jörg", "Björn", "Sören", "Käthe", "Anja", "Andreas", "Anna", "Bärbel", "Bernd", "Birgit",
		"Claudia", "Christian", "Dieter", "Doris", "Elke", "Frank", "Franziska", "Friedrich", "Gabriele", "Gerhard",
		"Hannelore", "Hans-Peter", "Heike", "Helga", "Ingrid", "Jan", "Jana", "Jens", "Jonas", "Julia", "Karl-Heinz",
		"Katrin", "Klaus", "Lars", "Lea", "Lena", "Lukas", "Maximilian", "Marie", "Markus", "Martina", "Matthias",
		"Michael", "Monika", "Nadine", "Niklas", "Petra", "Ralf", "René", "Sabine", "Sebastian", "Stefan", "Susanne",
		"Thomas", "Tobias", "Uwe", "Ulrike", "Ursula", "Wolfgang", "Yvonne", "Zoë", "Özlem", "Emre", "Agnieszka",
		"Mareike", "Henrik", "Finn", "Jörn", "Annegret", "Hüseyin", "Gisela", "Dörte", "Malte", "Kai", "Silke",
	}
	germanLast = []string{
		"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
		"Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
		"Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier",
		"Lehmann", "Köhler", "Herrmann", "König", "Walter", "Huber", "Kaiser", "Fuchs", "Peters", "Scholz",
		"Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich", "Keller", "Günther", "Frank",
		"Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann", "Albrecht", "Schuster", "Böhm", "Winter",
		"Schumacher", "Krämer", "Vogt", "Jäger", "Sommer", "Groß", "Seidel", "Brandt", "Haas", "Graf",
		"Dietrich", "Ziegler", "Kühn", "Pohl", "Engel", "Horn", "Bergmann", "Voigt", "Pfeiffer", "Strauß",
		"Öztürk", "Özdemir", "Kaya", "Nowak", "Kowalczyk", "Hübner", "Lindner", "Förster", "Gärtner", "Wöhler",
		"von Bülow", "Weißenborn", "Süß", "Blöchinger", "Thalmann", "Rößler", "Janßen", "Ahrens", "Petersen", "Claßen",
	}
	englishFirst = []string{
		"James", "Oliver", "Emily", "Sarah", "Charlotte", "Thomas", "Jack", "Harry", "George", "William", "Sophie",
		"Olivia", "Amelia", "Isla", "Grace", "Daniel", "Matthew", "David", "Michael", "Laura", "Rachel", "Hannah",
		"Chloé", "Aisha", "Priya", "Raj", "Liam", "Noah", "Ethan", "Megan", "Siobhan", "Fiona", "Callum", "Rhys",
		"Ava", "Mia", "Ben", "Sam", "Kate", "Helen", "Peter", "Andrew", "Chris", "Emma", "Lucy", "Nathan", "Zara",
		"Anne-Marie", "Jean-Luc", "Kwame", "Chinedu", "Mei", "Tom", "Ruth", "Eleanor", "Oscar",
	}
	englishLast = []string{
		"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Davies", "Evans", "Thomas", "Johnson",
		"Roberts", "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall",
		"Wood", "Harris", "Lewis", "Martin", "Jackson", "Clarke", "Turner", "Hill", "Scott", "Cooper",
		"Morris", "Ward", "Moore", "King", "Watson", "Baker", "Harrison", "Morgan", "Patel", "Young",
		"Allen", "Mitchell", "Anderson", "Phillips", "Lee", "Bell", "Parker", "Davis", "O'Brien", "O'Connor",
		"MacDonald", "Murphy", "Kelly", "Campbell", "Stewart", "Reid", "Murray", "Nguyen", "Khan", "Ali",
		"Okafor", "Mensah", "Fernandes", "Chen", "Singh", "Adeyemi", "Fitzgerald", "Sullivan", "Hughes-Lloyd", "Doyle",
	}
)
