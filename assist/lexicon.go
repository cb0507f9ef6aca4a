package assist

// The offline classifier's word lists. German and English share one list
// per purpose: the languages rarely share a spelling with a different
// meaning, and a mixed message ("Danke, but still no bag") is common.
//
// A term is matched against the lower-cased words of a message:
//   - "word"    the whole word,
//   - "stem*"   a word starting with stem ("verspät*": verspätet, Verspätung),
//   - "*part*"  a word containing part ("*gepäck*": Handgepäck, Gepäckband),
//   - "a b"     a phrase: these words in a row.
//
// Weights are hand-set from general knowledge of the two languages and
// were adjusted only against the tune part of testdata/labelled.jsonl.

// sentimentTerms score a message's tone: −1 very negative … 1 very
// positive, before negation, intensifiers and irony.
var sentimentTerms = map[string]float64{
	// English, positive
	"thanks": 0.6, "thank": 0.6, "thx": 0.5, "great": 0.6, "amazing": 0.8, "awesome": 0.8,
	"excellent": 0.8, "fantastic": 0.7, "wonderful": 0.7, "brilliant": 0.6, "love": 0.6,
	"loved": 0.6, "lovely": 0.6, "nice": 0.5, "good": 0.5, "best": 0.7, "happy": 0.5,
	"friendly": 0.5, "helpful": 0.5, "impressed": 0.6, "perfect": 0.7, "fun": 0.4,
	"smooth": 0.4, "appreciated": 0.6, "appreciate": 0.5, "recommend": 0.5, "enjoyed": 0.5,
	"special": 0.4, "beautiful": 0.5, "decent": 0.3, "tidy": 0.3, "safe": 0.3, "relaxing": 0.4,
	"shoutout": 0.6, "kudos": 0.6, "glad": 0.4, "pleasant": 0.5, "adorable": 0.4, "iconic": 0.3,
	"well done": 0.6, "credit where": 0.5, "no complaints": 0.6, "no issues": 0.4, "10/10": 0.7,
	"okay": 0.2, "ok": 0.2, "acceptable": 0.3, "happy owner": 0.5, "keep it up": 0.5,
	// English, negative
	"bad": -0.6, "worst": -0.9, "terrible": -0.8, "awful": -0.8, "horrible": -0.8,
	"shocking": -0.7, "disgusting": -0.8, "rude": -0.7, "dirty": -0.6, "filthy": -0.7,
	"broken": -0.5, "useless": -0.7, "disappointed": -0.6, "disappointing": -0.6,
	"disaster": -0.8, "unacceptable": -0.8, "inadmissible": -0.7, "ridiculous": -0.6,
	"angry": -0.6, "annoyed": -0.5, "joke": -0.5, "scam": -0.7, "hate": -0.7, "pity": -0.4,
	"ignored": -0.5, "smashed": -0.6, "damaged": -0.5, "stuck": -0.5, "stranded": -0.6,
	"delay": -0.4, "delayed": -0.4, "delays": -0.4, "cancelled": -0.4, "canceled": -0.4,
	"lost": -0.3, "missing": -0.4, "crashes": -0.4, "error": -0.3, "problem": -0.3,
	"hung up": -0.6, "on hold": -0.4, "never again": -0.8, "thanks for nothing": -1.2,
	"not acceptable": -0.8, "not okay": -0.6, "not ok": -0.6, "seriously": -0.3, "done": 0,
	"smelled": -0.5, "stained": -0.5, "cold": -0.2, "tiny": -0.3, "forever": -0.3,
	"nobody": -0.3, "no one": -0.3, "disappeared": -0.4, "hacked": -0.5, "locked": -0.3,
	"pathetic": -0.8, "overpriced": -0.6, "shrugged": -0.4, "fault": -0.3,
	"horrible crackle": -0.3, "not happy": -0.7, "not impressed": -0.6, "not great": -0.5,
	"i'm done": -0.6, "absolutely done": -0.6, "leaving": -0.3,
	// German, positive
	"danke": 0.6, "dank": 0.5, "dankeschön": 0.7, "super": 0.5, "toll": 0.6, "tolle": 0.6,
	"toller": 0.6, "klasse": 0.6, "prima": 0.5, "gut": 0.5, "gute": 0.5, "guter": 0.5,
	"gutes": 0.5, "schön": 0.5, "schöne": 0.5, "schönes": 0.4, "wunderschön": 0.7,
	"freundlich": 0.5, "freundliche": 0.5, "nett": 0.5, "nette": 0.5, "netter": 0.5,
	"zufrieden": 0.5, "begeistert": 0.7, "perfekt": 0.7, "genial": 0.7, "beste": 0.7,
	"besten": 0.7, "bester": 0.7, "hervorragend": 0.7, "großartig": 0.7, "empfehlen": 0.5,
	"wow": 0.5, "aufmerksam": 0.4, "sauber": 0.3, "pünktlich": 0.3, "geholfen": 0.4,
	"wahnsinn": 0.5, "spitze": 0.6, "spaß": 0.5, "lieben": 0.5, "liebt": 0.4, "süß": 0.4, "weiter so": 0.6,
	"positiv": 0.5, "entspannt": 0.4, "kultig": 0.3, "keine beschwerden": 0.6,
	"keinerlei probleme": 0.5, "in ordnung": 0.3, "glückwunsch": 0.5,
	// German, negative
	"schlecht": -0.6, "schlimm": -0.6, "furchtbar": -0.7, "schrecklich": -0.8,
	"katastrophe": -0.8, "ekelhaft": -0.8, "unfreundlich": -0.7, "dreckig": -0.6,
	"kaputt": -0.5, "kaputter": -0.5, "kaputte": -0.5, "enttäuscht": -0.6, "enttäuschend": -0.6,
	"frechheit": -0.8, "unmöglich": -0.6, "abzocke": -0.8, "ärgerlich": -0.5, "schade": -0.4,
	"verspät*": -0.4, "annulliert": -0.4, "gestrichen": -0.4, "beschädigt": -0.5,
	"verloren": -0.4, "ignoriert": -0.5, "witz": -0.5, "witzfirma": -0.7, "lächerlich": -0.6,
	"störung": -0.4, "fehlermeldung": -0.3, "fehler": -0.3, "winzig": -0.3, "stinkt": -0.6,
	"ruiniert": -0.8, "angeschrien": -0.7, "unzufrieden": -0.6, "nie wieder": -0.8,
	"danke für nichts": -1.2, "reicht es": -0.7, "reicht's": -0.6, "fleckige": -0.5,
	"überteuert*": -0.6, "ewig": -0.3, "niemand": -0.3, "niemanden": -0.3, "gehackt": -0.5,
	"gesperrt": -0.3, "überfällig": -0.5, "knistert": -0.3, "furchtbar knistert": -0.2,
	"nicht in ordnung": -0.6, "ohne vorwarnung": -0.4, "ohne bescheid": -0.4,
	"leer geräumt": -0.3, "probleme": -0.3, "verfallen": -0.3,
	// other languages, a few
	"merci": 0.5, "gracias": 0.5, "bedankt": 0.5, "vergüenza": -0.7, "heerlijk": 0.6,
	"precioso": 0.6, "agréable": 0.5, "amable": 0.5,
}

// emojiSentiment scores emoji (and a few emoticons) like words.
var emojiSentiment = map[string]float64{
	"❤": 0.6, "♥": 0.6, "😍": 0.7, "🥰": 0.7, "🙏": 0.4, "🙌": 0.6, "👍": 0.5, "👌": 0.4,
	"😊": 0.5, "🙂": 0.3, "😄": 0.5, "😃": 0.5, "🥳": 0.5, "🎉": 0.4, "✨": 0.3, "💯": 0.5,
	"🥐": 0.3, "☀": 0.2, "😂": 0.1, "🐶": 0.2, ":)": 0.3, ":-)": 0.3,
	"🙄": -0.5, "😒": -0.5, "🙃": -0.3, "😡": -0.8, "😤": -0.6, "🤬": -0.9, "👎": -0.6,
	"😠": -0.7, "😢": -0.5, "😭": -0.5, "🤡": -0.5, "💩": -0.6, ":(": -0.4, ":-(": -0.4,
}

// negators flip the tone of the sentiment term that follows within
// negationWindow words ("not bad", "nicht gut", "kein guter Service").
var negators = map[string]bool{
	"not": true, "no": true, "never": true, "nothing": true, "without": true, "hardly": true,
	"nicht": true, "kein": true, "keine": true, "keinen": true, "keiner": true, "keinem": true,
	"nie": true, "niemals": true, "nichts": true, "ohne": true, "kaum": true,
	"don't": true, "didn't": true, "doesn't": true, "isn't": true, "wasn't": true,
	"aren't": true, "weren't": true, "won't": true, "can't": true, "couldn't": true,
	"wouldn't": true, "dont": true, "didnt": true, "isnt": true, "wasnt": true, "cant": true,
	"ne": true, "pas": true,
}

const negationWindow = 3

// intensifiers strengthen the sentiment term that follows.
var intensifiers = map[string]float64{
	"very": 1.5, "so": 1.3, "really": 1.4, "absolutely": 1.6, "totally": 1.5, "extremely": 1.7,
	"incredibly": 1.6, "super": 1.4, "truly": 1.4, "honestly": 1.2, "huge": 1.4, "seriously": 1.3,
	"sehr": 1.5, "total": 1.5, "echt": 1.4, "wirklich": 1.4, "richtig": 1.3, "extrem": 1.7,
	"absolut": 1.6, "völlig": 1.6, "mega": 1.5, "einfach": 1.2, "ganz": 1.2, "gar": 1.3,
	"vielen": 1.3, "herzlichen": 1.3, "unglaublich": 1.5,
}

// ironyWords are the positive words sarcasm uses ("great, another
// delay"): in a message with an irony marker and a complaint they count
// as negative.
var ironyWords = map[string]bool{
	"great": true, "wonderful": true, "brilliant": true, "fantastic": true, "love": true,
	"lovely": true, "amazing": true, "perfect": true, "thanks": true, "thank": true,
	"relaxing": true, "helpful": true, "super": true, "toll": true, "klasse": true, "prima": true,
	"schön": true, "großartig": true, "hervorragend": true, "danke": true, "dank": true,
	"entspannt": true, "cheers": true, "nice": true, "best": true, "good": true, "gut": true,
}

// ironyMarkers signal sarcasm: a repeated annoyance, an eye-roll, a
// "sure", a word in quotes.
var ironyMarkers = []string{
	"again", "another", "as always", "as usual", "oh", "sure", "cheers for that", "yay",
	"schon wieder", "wieder mal", "wie immer", "mal wieder", "na super", "na toll", "ach ja",
	"wie schön", "danke auch", "vielen dank auch", "ganz toll", "really relaxing", "wirklich großartig",
	"love how", "love it", "so much", "thanks so much", "oh brilliant", "oh wonderful",
}

// ironyEmoji mark sarcasm by themselves.
var ironyEmoji = []string{"🙄", "😒", "🙃", "👏"}

// problemTerms describe something gone wrong: they make a complaint of
// a message (for irony and relevance) and weigh against praise.
var problemTerms = []string{
	"delay*", "delayed", "was late", "cancelled", "canceled", "lost", "missing", "broken", "smashed",
	"damaged", "stuck", "stranded", "crash*", "error", "is down", "down since", "dropped", "drops", "freez*", "reboot*",
	"not working", "doesn't work", "didn't work", "never arrived", "didn't arrive",
	"not delivered", "still not", "still waiting", "no internet", "no signal", "no phone",
	"hung up", "on hold", "waited", "waiting", "rude", "dirty", "filthy", "cold", "closed",
	"charged twice", "overcharged", "no show", "no-show", "nobody", "not ready", "stopped",
	"ignored", "expired", "disappeared", "locked", "hacked", "timing out", "loops", "won't accept",
	"verspät*", "annulliert", "gestrichen", "storniert", "verloren", "fehlt", "fehlen",
	"kaputt*", "beschädigt", "funktioniert nicht", "geht nicht", "geht nichts", "kein internet",
	"kein netz", "kein telefon", "keine antwort", "nicht angekommen", "nicht gekommen",
	"immer noch", "noch immer", "aufgelegt", "gewartet", "warte", "warten", "unfreundlich",
	"dreckig", "kalt", "war zu", "doppelt", "störung", "gesperrt", "gehackt", "ist weg", "sind weg", "sie weg", "verfallen",
	"abgesagt", "hängt", "knistert", "geht nichts", "sitzen fest", "springt", "verschoben", "pushed",
	"überfällig", "niemand", "fehler*", "lädt nicht", "nimmt meine", "ignoriert", "zu spät", "too late",
	"instead of", "statt", "goes up", "raised", "erhöht", "jump", "extra", "obwohl", "although",
	"but i", "angeblich", "explain", "erklärung", "why", "warum", "wieso", "??", "cost me", "stops",
	"off since", "disappears",
}

// urgencyTerms raise a message's urgency: deadlines, travel times,
// "today", "asap".
var urgencyTerms = map[string]float64{
	"asap": 0.35, "urgent": 0.35, "urgently": 0.35, "emergency": 0.3, "immediately": 0.3,
	"right now": 0.3, "now": 0.1, "today": 0.25, "tonight": 0.3, "this evening": 0.3,
	"tomorrow morning": 0.35, "tomorrow": 0.2, "boarding": 0.3, "boarding in": 0.2,
	"gate closes": 0.35, "departs": 0.2, "leaves at": 0.2, "help!!": 0.2, "please help": 0.2,
	"help": 0.1, "stuck": 0.2, "stranded": 0.25, "standing at": 0.3, "we're standing": 0.2,
	"interview": 0.2, "exam": 0.1, "working from home": 0.25, "business from home": 0.25,
	"medical": 0.15, "cannot move": 0.3, "send someone today": 0.2, "after midnight": 0.3,
	"dringend": 0.35, "sofort": 0.3, "eilig": 0.3, "heute": 0.25, "heute abend": 0.1,
	"heute noch": 0.3, "morgen früh": 0.35, "morgen": 0.2, "hilfe": 0.1, "hilfe!!": 0.2,
	"bitte helft": 0.2, "bitte dringend": 0.2, "homeoffice": 0.25, "meeting": 0.15,
	"bewerbung": 0.15, "stehe am": 0.25, "stehen an": 0.3, "wir stehen": 0.1, "sitzen": 0.1,
	"fest": 0.1, "hausnotruf": 0.2, "nach mitternacht": 0.3, "hochzeit": 0.1, "wedding": 0.1,
	"in 1h": 0.3, "in 2 hours": 0.3,
}

// spamTerms are the cues of promotion, scams and follow-for-follow.
var spamTerms = map[string]float64{
	"crypto": 0.4, "bitcoin": 0.4, "nft": 0.4, "forex": 0.4, "criptovalute": 0.4, "cripto": 0.4,
	"dm me": 0.35, "dm for": 0.3, "message me": 0.3, "schreib mir": 0.3, "scrivimi": 0.3,
	"follow back": 0.5, "followback": 0.5, "#followback": 0.5, "followers": 0.3, "follower": 0.3,
	"giveaway": 0.4, "#giveaway": 0.4, "gewinnspiel": 0.4, "#gewinnspiel": 0.4, "gratis": 0.3,
	"free gift": 0.4, "gift cards": 0.4, "gutscheine": 0.2, "click here": 0.4, "hier klicken": 0.4,
	"link klicken": 0.4, "click the link": 0.4, "link in my bio": 0.4, "link na bio": 0.4,
	"in my bio": 0.3, "my profile": 0.3, "meinem profil": 0.3, "earn": 0.3, "verdiene": 0.3,
	"verdienen": 0.3, "verdient": 0.2, "guadagna": 0.3, "ganhe": 0.3, "dinheiro": 0.2,
	"from home": 0.1, "von zu hause": 0.1, "per day": 0.2, "pro woche": 0.2, "am tag": 0.2,
	"al giorno": 0.2, "no experience": 0.3, "whitelist": 0.3, "limited": 0.1, "blue tick": 0.4,
	"blauer haken": 0.4, "hot singles": 0.6, "secret tool": 0.4, "geheimen tool": 0.4,
	"90% off": 0.3, "90% rabatt": 0.3, "zu gewinnen": 0.3, "first 500": 0.3, "ersten 500": 0.3,
	"growth expert": 0.4, "social-media-experte": 0.4, "get verified": 0.3, "$$$": 0.4, "💰": 0.2,
	"💸": 0.2, "🚀": 0.1, "📈": 0.2, "💎": 0.2, "🎁": 0.2, "signals": 0.2, "trading": 0.2,
	"#travel": 0.1, "turn $": 0.3,
}

// trollTerms are insults and mockery. Kept mild: the list is for scoring,
// not a catalogue of slurs.
var trollTerms = map[string]float64{
	"idiot": 0.5, "idiots": 0.5, "moron": 0.5, "morons": 0.5, "dumb": 0.4, "stupid": 0.4,
	"loser": 0.5, "losers": 0.5, "clown": 0.4, "clowns": 0.4, "pathetic": 0.3, "lmao": 0.2,
	"lol": 0.1, "go bankrupt": 0.4, "get a real job": 0.5, "nobody cares": 0.4, "boomers": 0.3,
	"snobs": 0.4, "imagine": 0.2, "as rocks": 0.3, "joke": 0.1, "haha": 0.1, "hahaha": 0.2,
	"vollpfosten": 0.5, "versager": 0.5, "saftladen": 0.4, "witzfirma": 0.3, "lächerlich": 0.2,
	"pleite": 0.3, "rentner": 0.3, "schickimickis": 0.4, "richtigen job": 0.5,
	"interessiert keinen": 0.4, "bude": 0.2, "🤡": 0.3, "💩": 0.3, "ur": 0.1, "r": 0.1,
}

// categoryTerms are the keywords of each specific category; question,
// praise and other are decided by rules (see classify).
var categoryTerms = map[string]map[string]float64{
	CategoryBooking: {
		"book": 1, "booked": 0.6, "booking": 1, "rebook*": 1.5, "rebooking": 1.5, "umbuch*": 1.5,
		"buchung": 0.8, "gebucht": 0.6, "buchen": 0.8, "reservation": 1, "reservierung": 1,
		"seat": 0.8, "sitzplatz*": 0.6, "upgrade": 1, "upgraden": 1, "misspelled": 1.5,
		"falsch geschrieben": 1.5, "change my flight": 1.5, "connection": 1, "connecting": 1,
		"anschlussflug": 1.5, "transfer": 0.8, "extend my stay": 1.5, "verlängern": 1.2, "add": 0.5, "checked bag": 0.5, "umgebucht": 1.5, "rezeption": 0.8, "reception": 0.8,
		"arrive": 0.5, "ankommen": 0.5,
		"dazubuch*": 1.2, "ersatzflug": 1, "cot": 1, "babybett": 1, "package": 0.6, "wellnesspaket": 1,
		"doesn't exist": 1, "gibt es unsere buchung nicht": 1.5, "nicht weitergeben": 1.5,
		"give away our room": 1.5, "change the date": 1, "cambiar la fecha": 1.5, "reserva": 1,
		"wrong day": 1, "falschen tag": 1.5, "split up": 1, "next to": 0.5, "room": 0.3,
		"zimmer": 0.3, "premium economy": 0.8, "suite": 0.8, "taxi": 1, "arrange": 0.5,
	},
	CategoryBilling: {
		"charged": 1.5, "charge": 1, "billed": 1.5, "bill": 1, "invoice": 1.5, "invoices": 1.5,
		"rechnung": 1.5, "rechnungen": 1.5, "endrechnung": 1.5, "refund": 1, "erstatt*": 1,
		"price": 1, "preis": 1, "fee": 1.2, "fees": 1, "gebühr*": 1, "*gebühr": 1, "*pauschale": 1.2,
		"abgebucht": 1.5, "bucht": 0.5, "paid": 0.8, "pay": 0.6, "bezahlt": 0.8, "deposit": 1.5,
		"anzahlung": 1.5, "cost": 0.8, "kostet": 1, "gekostet": 1, "vat": 1.5, "umsatzsteuer*": 1.5,
		"mahngebühr": 1.5, "minibar": 1.2, "late payment": 1.5, "bank transfer": 1.2, "€": 0.4,
		"euro": 0.4, "$": 0.2, "abzocke": 1, "berechnet": 1.2, "steuer": 0.5, "expenses": 1,
		"reisekosten": 1, "resort fee": 1.5, "resortgebühr": 1.5, "service fee": 1.5,
		"per post": 0.5, "pdf": 0.5, "direct debit": 0.4, "lastschrift": 0.4,
	},
	CategoryCancellation: {
		"cancel": 1.5, "cancelled": 1.2, "canceled": 1.2, "cancellation": 1.5, "cancelling": 1.5,
		"kündig*": 1.5, "gekündigt": 1.5, "kündigung": 1.5, "storn*": 1.5, "absag*": 1.2,
		"annulliert": 1.2, "gestrichen": 1.2, "money back": 1, "geld zurück": 1, "odwołany": 1.5,
		"voucher instead": 0.8, "gutschein": 0.4, "voucher": 0.4, "kündigungsfrist": 1.5,
		"notice": 0.6, "stornobedingungen": 1.5, "odzyskać": 0.5,
	},
	CategoryDeliveryBaggage: {
		"bag": 1.5, "bags": 1.5, "baggage": 1.2, "luggage": 1.2, "suitcase": 1.5, "koffer": 1.5,
		"gepäck": 1.5, "*gepäck*": 1, "belt": 1, "wheelchair": 1.5, "rollstuhl": 1.5,
		"lost and found": 1.5, "fundbüro": 1.5, "left my": 1.2, "vergessen": 0.8, "liegen lassen": 1.2,
		"delivered": 1.2, "delivery": 1.2, "liefer*": 1.2, "zugestellt": 1.2, "courier": 1,
		"kurier": 1, "paketdienst": 1, "tracking": 1, "sendungsverfolgung": 1, "arrived": 0.6,
		"angekommen": 0.6, "sim card": 1, "sent me": 0.6, "nachsendung": 1.2, "post it": 1,
		"valise": 1.5, "maleta": 1.5, "koffer is": 1, "pick up the router": 1, "abholen": 0.8,
		"arrived damaged": 1.5, "beschädigt angekommen": 1.5, "scarf": 1, "jacket": 1, "brille": 1, "charger": 1, "ladekabel": 1, "find a": 0.3,
	},
	CategoryTechnical: {
		"internet": 1.2, "wifi": 1.2, "wi-fi": 1.2, "wlan": 1.2, "router": 0.8, "app": 1,
		"website": 1, "online": 0.5, "error": 1.2, "502": 1, "fehler*": 1, "crash*": 1.2,
		"speed": 1, "mbit": 1, "dsl*": 1.2, "*lampe": 0.6, "signal": 1, "netz": 1, "störung*": 1.2, "outage": 1.2,
		"down": 0.6, "offline": 0.8, "connessione": 1.5, "connexion": 1.5, "coupé": 1,
		"tv box": 1.2, "tv-box": 1.2, "freez*": 1, "reboot*": 1, "restart*": 0.6,
		"neu gestartet": 0.6, "firmware": 1.2, "update": 0.8, "port": 1, "portfreigabe": 1.5,
		"port forwarding": 1.5, "load": 0.6, "lädt": 0.6, "timing out": 1.2, "landline": 1.2,
		"festnetz": 1.2, "crackle": 1, "knistert": 1, "mobile data": 1.2, "mobile daten": 1.2,
		"key cards": 1.2, "schlüsselkarten": 1.2, "charging": 1.2, "laden": 0.6, "ladeklappe": 1.2,
		"infotainment": 1.5, "payment page": 1, "zahlungsseite": 1, "check-in keeps": 1,
		"online check-in": 1, "online-check-in": 1, "phone": 0.6, "telefon": 0.6, "screen": 1,
		"licence error": 1.5, "lizenzfehler": 1.5, "seat map": 1.2, "sitzplan": 1.2, "browser": 1,
		"safari": 1, "credit card": 0.8, "kreditkarte": 0.8, "boarding pass": 0.6, "bordkarte": 0.6,
		"red light": 1, "lampe": 1, "outage map": 1, "störungskarte": 1.2, "glasfaser": 0.5,
		"fibre": 0.5, "status page": 1, "works": 0.3, "funktioniert": 0.6, "non funziona": 1.5,
	},
	CategoryAccount: {
		"account*": 1.2, "konto": 1.2, "*konto": 1.2, "kundenkonto": 1.5, "login": 1.2,
		"log in": 1.2, "log into": 1.2, "password": 1.5, "passwort": 1.5, "miles": 1.2,
		"meilen": 1.2, "status": 0.6, "gold": 0.6, "member": 1, "mitgliedsnummer": 1.2,
		"profile": 0.8, "email address": 1.2, "e-mail-adresse": 1.2, "customer number": 1.5,
		"kundennummer": 1.5, "hacked": 1.2, "gehackt": 1.2, "locked": 1, "gesperrt": 1,
		"my data": 1, "meine daten": 1, "bank account": 1.2, "bankverbindung": 1.5, "loyalty": 0.8,
		"bonuskonten": 1.5, "points": 0.8, "punkte": 0.8, "account holder": 1.5, "portal": 0.8,
		"kundenportal": 1, "delete my account": 1.5, "name": 0.4, "heiße": 1, "changed my name": 1.5,
		"vielfliegerkonto": 1.5, "frequent flyer": 1,
	},
	CategoryServiceComplaint: {
		"rude": 1.5, "unfriendly": 1.5, "unfreundlich": 1.5, "staff": 0.8, "personal": 0.8,
		"mitarbeiter": 0.8, "agent": 0.6, "hotline": 1, "on hold": 1.2, "warteschleife": 0.8,
		"hung up": 1.5, "aufgelegt": 1.5, "waited": 1, "gewartet": 1, "queue": 0.6, "dirty": 1.5,
		"filthy": 1.5, "dreckig": 1.5, "smelled": 1.2, "stinkt": 1.2, "hair": 1, "haare": 1,
		"food": 1, "essen": 1, "essensgutscheine": 1, "breakfast": 0.6, "frühstück": 0.6,
		"cold": 0.8, "kalt": 0.8, "toilet": 1, "cleaned": 0.8, "delay": 1.2, "delayed": 1,
		"verspätung": 1.2, "verspätet": 1.2, "late": 0.6, "technician": 1, "techniker": 1,
		"nobody": 0.6, "niemand": 0.6, "announcement": 1, "communication": 1, "kommunikation": 1,
		"complaint": 1.2, "beschwerde": 1.2, "compensation": 1.2, "entschädigung": 1.2,
		"dealer": 1, "händler": 0.8, "werkstatt*": 1, "shop": 0.8, "never again": 1, "nie wieder": 1,
		"service": 0.6, "loud": 1, "laut": 0.6, "tiny": 1, "winzig": 1, "not ready": 1,
		"calls back": 1.2, "ruft zurück": 1.2, "third time": 1, "fourth": 1, "vierten": 1,
		"dritten": 1, "tarmac": 1, "lounge": 0.6, "seats": 0.6, "sitze": 0.6, "shower": 1,
		"dusche": 1, "check-in takes": 1.2, "check-in hat": 1.2, "room was": 0.8, "zimmer war": 0.8,
		"crew": 0.4, "gate agent": 1, "schalter": 0.6, "desk": 0.5, "appointment": 0.8,
		"termin": 0.8, "hours": 0.4, "stunden": 0.4, "minutes": 0.3, "minuten": 0.3,
		"retard": 1.2, "gecikti": 1.5, "explaining": 1, "erkläre": 1, "wechseln": 0.6,
		"loaner": 1, "ersatzwagen": 1, "phone": 0.3, "told me": 0.8, "erzählt": 0.8,
	},
}

// domainTerms show that a question concerns the brand's service (a
// question about the ski school next door is chatter, one about the
// hotel's parking is a care question).
var domainTerms = []string{
	"fly", "flight", "flights", "flug", "flüge", "flüge*", "plane", "flieger", "luggage", "baggage",
	"*gepäck*", "cabin", "kabine", "hotel", "room", "rooms", "zimmer", "breakfast", "frühstück",
	"parking", "parkplätze", "dogs", "dog", "hund", "hunde", "pets", "animali", "wifi", "wi-fi",
	"wlan", "plan", "tarif*", "router", "roaming", "eu-roaming", "discount", "ermäßigung",
	"rabatt", "check-in", "check-out", "powerbank", "menu", "menü", "passport", "ausweis",
	"lounge", "voucher", "offer", "angebot", "weihnachtsangebot", "mbit", "1000er", "fibre",
	"glasfaser", "ds-lite", "ipv6", "ipv4", "tyres", "winterreifen", "chargers", "ladesäulen",
	"seat", "seats", "parking?", "rate", "basistarif", "included", "enthalten", "e5", "ev",
	"fare", "cancellation", "storno*", "stornobedingungen", "policy", "student", "studenten",
	"guitar", "kg", "tromsø", "wifi?", "a321s", "desayuno", "parking", "kids", "baby",
	"skywings", "nordnetz", "alpenblick", "strecke", "menü?", "usa", "bundle", "zusammen",
}

// generalInfo are the phrasings of a question about the service in
// general ("can I bring…", "is there…", "gibt es…"), which stays a
// question even when it says "my".
var generalInfo = []string{
	"can i bring", "can i take", "can we bring", "is there", "are there", "do you", "does the",
	"do kids", "allowed", "erlaubt", "gibt es", "darf ich", "dürfen", "policy", "included",
	"enthalten", "what's the", "what is the", "difference", "unterschied", "available", "verfügbar",
	"which router", "welchen router", "what size", "welche größe", "what time", "wann öffnet",
	"ab wann", "bis wann ist", "braucht ein", "do we have to", "how strict", "wie streng",
	"anyone flown", "erfahrung mit", "any plans",
}

// praiseTerms show that a positive message is about the service: thanks,
// the crew, the room.
var praiseTerms = []string{
	"thanks", "thank", "danke", "dank", "vielen", "merci", "gracias", "bedankt", "shoutout", "kudos",
	"credit where", "weiter so", "keep it up", "crew", "staff", "personal", "installer", "techniker",
	"technician", "chat", "app", "pilot", "cabin", "kabine", "service", "flight", "flug", "spa",
	"wellnessbereich", "frühstück", "breakfast", "view", "ausblick", "zimmer", "room", "hotel",
	"reception", "rezeption", "landing", "durchsage", "announcement", "upgrade", "upgraded",
	"skywings", "nordnetz", "alpenblick", "verblijf", "vol", "glasfaser", "fibre", "outage",
	"störung", "owner", "flieger", "buffet", "no complaints", "keine beschwerden",
}

// questionStarts are words that open a question even without "?".
var questionStarts = []string{
	"how", "what", "what's", "when", "where", "which", "who", "why", "can", "could", "do",
	"does", "is", "are", "will", "would", "should", "any", "wie", "was", "wann", "wo", "welche",
	"welcher", "welches", "kann", "können", "könnt", "gibt", "darf", "ist", "sind", "habt",
	"hat", "bis", "ab", "muss", "braucht", "quick q", "kurze frage",
}

// personalTerms show a message is about the writer's own booking,
// account or bill rather than a general question.
var personalTerms = []string{
	"my", "mine", "i was", "i have", "i've", "our", "we", "we're", "me", "mein", "meine", "meinen",
	"meinem", "meiner", "meines", "mir", "mich", "ich habe", "wir", "unser", "unsere", "unseren",
	"uns",
}

// stopwords score the language of a message.
var stopwords = map[string][]string{
	LangEN: {
		"the", "and", "is", "are", "was", "were", "to", "of", "in", "on", "for", "with", "my",
		"you", "your", "it", "this", "that", "not", "no", "have", "has", "be", "can", "i", "i'm",
		"we", "our", "at", "from", "what", "how", "do", "does", "did", "didn't", "don't", "still",
		"just", "any", "there", "thanks", "thank", "hi", "hello", "please", "an", "a", "me", "so",
		"but", "if", "or", "all", "get", "got", "when", "where", "who", "why", "they", "been",
		"since", "after", "again", "would", "could", "will", "anyone", "else", "first", "nice",
		"great", "really", "very", "about", "good", "is", "it's", "can't", "won't", "lol", "off",
		"up", "out", "one", "by", "ever", "never", "day", "days", "week", "guys", "q",
	},
	LangDE: {
		"der", "die", "das", "und", "ist", "nicht", "ich", "mein", "meine", "mit", "für", "auf",
		"ein", "eine", "einen", "zu", "im", "in", "den", "dem", "des", "es", "wir", "ihr", "euch",
		"euer", "eure", "sie", "kann", "ich", "habe", "hat", "seit", "noch", "schon", "wieder",
		"bitte", "danke", "hallo", "wie", "was", "wann", "wo", "gibt", "auch", "aber", "oder",
		"nach", "von", "vom", "zum", "zur", "bei", "beim", "kein", "keine", "nur", "mal", "mir",
		"mich", "uns", "unser", "unsere", "war", "waren", "wird", "wurde", "sind", "bin", "hier",
		"jetzt", "heute", "gestern", "morgen", "gut", "sehr", "super", "toll", "einfach", "ja",
		"nein", "doch", "dass", "weil", "wenn", "als", "immer", "guten", "tag", "erster", "so",
		"gar", "nichts", "ganz", "geht", "da", "man", "euren", "ihre", "hätte", "jemand",
	},
	"fr": {"le", "la", "les", "est", "une", "des", "pas", "que", "pour", "vraiment", "c'est", "ma",
		"mon", "je", "est-ce", "merci", "ce", "très", "encore", "bonjour", "depuis", "n'est", "dois-je"},
	"es": {"el", "los", "las", "mi", "que", "una", "por", "puedo", "hola", "gracias", "muy", "y", "nadie",
		"está", "¿puedo", "¿el", "perdieron", "me"},
	"it": {"il", "gli", "la", "non", "che", "sono", "da", "ieri", "cosa", "buongiorno", "al", "con", "di", "le"},
	"nl": {"het", "een", "niet", "mijn", "is", "wat", "ik", "moet", "doen", "bedankt", "gehad", "aangekomen"},
	"pl": {"mój", "został", "jak", "mogę", "się", "nie", "lot"},
	"tr": {"ve", "bir", "bu", "kimse", "saat", "vermedi", "uçuşum"},
	"pt": {"com", "não", "fácil", "na", "dinheiro", "ganhe"},
}
