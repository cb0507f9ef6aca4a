package facebook

import (
	"container/list"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"switchboard/model"
)

// Messenger webhook events name a person only by PSID. The Messenger
// Platform's User Profile API (GET /{version}/{PSID}?fields=first_name,last_name
// with the page token) has the name; the webhook asks it before passing
// the messages on, within a short time box, and remembers the answers.
const (
	// profileTimeout bounds the lookups of one webhook POST together, and
	// each single lookup: a slow Graph API delays a delivery by at most this.
	profileTimeout  = 2 * time.Second
	profileTTL      = 24 * time.Hour
	profileFailTTL  = 10 * time.Minute // a PSID whose lookup failed is not asked again before
	profilePause    = time.Minute      // no lookups at all after a failure of the API itself
	profileCapacity = 10_000           // PSIDs remembered
	profileParallel = 8                // lookups at once per webhook POST
	maxNameRunes    = 200
)

// noProfileCode is the User Profile API's "No profile available for this
// user." (accounts made with a phone number).
const noProfileCode = 2018218

var errNoName = errors.New("profile without a usable name")

// profiles looks up and caches Messenger users' names. A nil *profiles
// (no page token configured) looks nothing up.
type profiles struct {
	api      graphAPI
	token    string
	log      *slog.Logger
	timeout  time.Duration
	ttl      time.Duration
	failTTL  time.Duration
	pause    time.Duration
	capacity int
	now      func() time.Time

	mu      sync.Mutex
	cache   map[string]*list.Element // PSID → *profileEntry in lru
	lru     *list.List               // most recently used first
	flights map[string]*profileFlight
	paused  time.Time // no lookups before this
}

type profileEntry struct {
	psid    string
	name    string // "" after a failed lookup
	expires time.Time
	warned  bool // a failure for this PSID was logged at warn level
}

// profileFlight is one lookup in progress; callers asking for the same
// PSID meanwhile wait for it instead of asking again.
type profileFlight struct {
	done chan struct{}
	name string
}

func newProfiles(cfg Config, log *slog.Logger) *profiles {
	if cfg.PageAccessToken == "" {
		return nil
	}
	return &profiles{
		api:      newGraphAPI(cfg),
		token:    cfg.PageAccessToken,
		log:      log,
		timeout:  profileTimeout,
		ttl:      profileTTL,
		failTTL:  profileFailTTL,
		pause:    profilePause,
		capacity: profileCapacity,
		now:      time.Now,
		cache:    map[string]*list.Element{},
		lru:      list.New(),
		flights:  map[string]*profileFlight{},
	}
}

// fill gives the Messenger authors in items that have no name the one
// their profile has. It returns within the time box whatever the Graph
// API does; a name it cannot get stays empty, and the PSID, which is the
// handle either way, is what the console shows.
func (p *profiles) fill(ctx context.Context, items []model.Inbound) {
	if p == nil {
		return
	}
	var psids []string
	seen := map[string]bool{}
	for _, in := range items {
		if psid, ok := wantsName(in); ok && !seen[psid] {
			seen[psid] = true
			psids = append(psids, psid)
		}
	}
	if len(psids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	var (
		mu    sync.Mutex
		names = make(map[string]string, len(psids))
		wg    sync.WaitGroup
		slots = make(chan struct{}, profileParallel)
	)
	for _, psid := range psids {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break // the rest go without a name this time
		}
		wg.Go(func() {
			defer func() { <-slots }()
			if name := p.name(ctx, psid); name != "" {
				mu.Lock()
				names[psid] = name
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for i := range items {
		if psid, ok := wantsName(items[i]); ok {
			items[i].Author.DisplayName = names[psid]
		}
	}
}

// wantsName reports the PSID of a person's Messenger message that names
// no author. The page's own messages (echoes) are out, and carry its name.
func wantsName(in model.Inbound) (string, bool) {
	psid, ok := strings.CutPrefix(in.ThreadRef, messengerThreadPrefix)
	if !ok || in.Direction != model.DirectionIn || in.Action == model.InboundDelete ||
		in.Author.DisplayName != "" || in.Author.PlatformID != psid || !digitsRE.MatchString(psid) {
		return "", false
	}
	return psid, true
}

// name returns psid's name from the cache or a lookup, "" when there is
// none (yet). It waits for the lookup until ctx ends; the lookup itself
// runs on to its own time box and caches its answer for the next message.
func (p *profiles) name(ctx context.Context, psid string) string {
	p.mu.Lock()
	now := p.now()
	if el, ok := p.cache[psid]; ok {
		if e := el.Value.(*profileEntry); now.Before(e.expires) {
			p.lru.MoveToFront(el)
			p.mu.Unlock()
			return e.name
		}
	}
	f, ok := p.flights[psid]
	if !ok {
		if now.Before(p.paused) {
			p.mu.Unlock()
			return ""
		}
		f = &profileFlight{done: make(chan struct{})}
		p.flights[psid] = f
		// Detached from ctx: the webhook POST that started the lookup
		// may give up on it, others may be waiting for it.
		go p.fly(context.WithoutCancel(ctx), psid, f)
	}
	p.mu.Unlock()
	select {
	case <-f.done:
		return f.name
	case <-ctx.Done():
		return ""
	}
}

// fly runs one lookup and records its outcome.
func (p *profiles) fly(ctx context.Context, psid string, f *profileFlight) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	name, err := p.lookup(ctx, psid)

	p.mu.Lock()
	now := p.now()
	ttl, pause := p.ttl, false
	if err != nil {
		ttl = p.failTTL
		// A failure of the API or of the page's access to it (timeouts,
		// rate limits, an expired token, a missing permission) would
		// repeat for every PSID: pause all lookups, so messages are not
		// held up by it and the API is not hammered.
		if pause = !aboutPSID(err); pause {
			p.paused = now.Add(p.pause)
		}
	}
	e := p.store(psid, name, now.Add(ttl))
	warn := err != nil && !e.warned
	if err != nil {
		e.warned = true
	} else {
		e.warned = false
	}
	f.name = name
	delete(p.flights, psid)
	p.mu.Unlock()

	if err != nil {
		level := slog.LevelDebug
		if warn {
			level = slog.LevelWarn
		}
		p.log.Log(ctx, level, "facebook: Messenger profile lookup failed; the PSID stands for the name",
			"psid", psid, "err", err, "retry_after", ttl, "lookups_paused", pause)
	}
	close(f.done) // after the log line: whoever waited finds it written
}

// store caches psid's outcome and returns its entry, evicting the least
// recently used beyond capacity. Call with p.mu held.
func (p *profiles) store(psid, name string, expires time.Time) *profileEntry {
	if el, ok := p.cache[psid]; ok {
		e := el.Value.(*profileEntry)
		e.name, e.expires = name, expires
		p.lru.MoveToFront(el)
		return e
	}
	e := &profileEntry{psid: psid, name: name, expires: expires}
	p.cache[psid] = p.lru.PushFront(e)
	for p.lru.Len() > p.capacity {
		old := p.lru.Back()
		p.lru.Remove(old)
		delete(p.cache, old.Value.(*profileEntry).psid)
	}
	return e
}

// lookup asks the User Profile API for psid's name.
func (p *profiles) lookup(ctx context.Context, psid string) (string, error) {
	q := url.Values{"fields": {"first_name,last_name"}, "access_token": {p.token}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.api.base+"/"+url.PathEscape(psid)+"?"+q.Encode(), nil)
	if err != nil {
		return "", redact(err)
	}
	var out struct {
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
	}
	if err := p.api.do(req, &out); err != nil {
		return "", err
	}
	// Without permission to see a profile the API may answer {}.
	name := cleanName(out.FirstName + " " + out.LastName)
	if name == "" {
		return "", errNoName
	}
	return name, nil
}

// aboutPSID reports whether err concerns this person only, not the API
// or the page's access to it.
func aboutPSID(err error) bool {
	if errors.Is(err, errNoName) {
		return true
	}
	var ge *GraphError
	if !errors.As(err, &ge) || ge.Temporary() {
		return false
	}
	// 100: no such object, or not one the page may read.
	return ge.Code == 100 || ge.Code == noProfileCode || ge.Subcode == noProfileCode
}

// cleanName makes a profile name safe to show: valid UTF-8 (the JSON
// decoder marks invalid bytes with U+FFFD; such a name is refused), no
// control or bidi override characters, single spaces, trimmed, at most
// maxNameRunes runes.
func cleanName(s string) string {
	if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
		return ""
	}
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || isBidiControl(r)
	}), " ")
	if utf8.RuneCountInString(s) > maxNameRunes {
		s = strings.TrimSpace(string([]rune(s)[:maxNameRunes]))
	}
	return s
}

// isBidiControl reports the embedding, override and isolate controls,
// which could make a name display as something else.
func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}
