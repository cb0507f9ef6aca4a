package hub_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"switchboard/internal/natstest"
	"switchboard/model"
	"switchboard/sla"
	"switchboard/sync/hub"
)

// atomicClock is a clock several hubs' goroutines read while the test
// moves it.
type atomicClock struct{ at atomic.Pointer[time.Time] }

func (c *atomicClock) Now() time.Time   { return *c.at.Load() }
func (c *atomicClock) set(at time.Time) { c.at.Store(&at) }
func newAtomicClock(at time.Time) *atomicClock {
	c := &atomicClock{}
	c.set(at)
	return c
}

// Two hubs on one stream, each running a triager with a model and a
// service-level evaluator: the team pays one model call per customer
// message and logs one breach per case, from the hub holding the lease;
// when that hub stops, the other takes triage and the evaluator over and
// goes on, still once.
//
// It runs on the in-process server and on a nats-server binary (Debian's
// 2.9.10) when there is one: the leases are KV keys with the bucket's TTL.
func TestJSTriageAndSLAOncePerTeam(t *testing.T) {
	t.Run("in-process", func(t *testing.T) { jsTriageAndSLAOnce(t, natstest.Start(t, t.TempDir()).ClientURL()) })
	t.Run("nats-server", func(t *testing.T) {
		bin := natsServerBin()
		if bin == "" {
			t.Skip("no nats-server binary (apt-get install nats-server, or $SWITCHBOARD_NATS_SERVER): the in-process run covers the leases")
		}
		jsTriageAndSLAOnce(t, startNATSServerProc(t, bin, t.TempDir()))
	})
}

func jsTriageAndSLAOnce(t *testing.T, url string) {
	f := newFakeModel(t, func(n int, msg string, w http.ResponseWriter, r *http.Request) { chatReply(w, modelBag) })
	clk := newAtomicClock(t0)
	rules := sla.Default()
	rules.EvaluateEvery = 50 * time.Millisecond
	type team struct {
		l      *hub.JSLog
		h      *hub.Hub
		cancel context.CancelFunc
		wg     sync.WaitGroup
		dead   bool
	}
	var hubs []*team
	for range 2 {
		x := &team{l: openJS(t, url, t.TempDir(), 1)}
		x.h = hubOn(t, x.l, quietConfig(clk.Now))
		tr := hub.NewTriager(x.h, hub.TriageConfig{Client: f.client(nil)})
		ev := hub.NewSLA(x.h, rules)
		ctx, cancel := context.WithCancel(context.Background())
		x.cancel = cancel
		x.wg.Go(func() { tr.Run(ctx) })
		x.wg.Go(func() { ev.Run(ctx) })
		t.Cleanup(func() {
			cancel()
			x.wg.Wait()
			if !x.dead {
				x.l.Close()
			}
		})
		hubs = append(hubs, x)
	}
	live := func() []*team {
		var out []*team
		for _, x := range hubs {
			if !x.dead {
				out = append(out, x)
			}
		}
		return out
	}

	// Customer messages through either hub: each is triaged by the model
	// once, and each case breaches once (31 minutes without an answer).
	round := func(first, n int, at time.Time) []string {
		var out []string
		for i := first; i < first+n; i++ {
			x := live()[i%len(live())]
			out = append(out, ingest(t, x.h, tweet(fmt.Sprint("th", i), fmt.Sprint("p", i), "ana", "@brand my suitcase is lost, wedding tomorrow", at)))
		}
		return out
	}
	checkOnce := func(what string, ids []string, calls int32, at time.Time) {
		t.Helper()
		x := live()[len(live())-1]
		waitFor(t, what+": every message triaged by the model", func() bool {
			for _, id := range ids {
				c, ok := x.h.Case(id)
				if !ok || c.Triage == nil || c.Triage.Source != "model:gpt-test" {
					return false
				}
			}
			return true
		})
		clk.set(at.Add(31 * time.Minute))
		waitFor(t, what+": every case breached", func() bool {
			for _, id := range ids {
				if c, ok := x.h.Case(id); !ok || c.SLA == nil || c.SLA.State != model.SLABreached {
					return false
				}
			}
			return true
		})
		// Every live hub holds the whole log (another hub's triager and
		// evaluator, were they running, have read all of it).
		if l := live(); len(l) == 2 {
			waitSame(t, l[0].l, l[1].l, x.l.Head())
		}
		if n := f.calls.Load(); n != calls {
			t.Errorf("%s: %d model calls for %d messages so far, want %d", what, n, calls, calls)
		}
		breaches := map[string]int{}
		for _, ev := range readAll(t, x.l) {
			if ev.SLA != nil && ev.SLA.To == model.SLABreached {
				breaches[ev.Case.ID]++
			}
		}
		for _, id := range ids {
			if breaches[id] != 1 {
				t.Errorf("%s: case %s breached %d times in the log, want once", what, id, breaches[id])
			}
		}
	}
	checkOnce("two hubs", round(0, 6, t0), 6, t0)

	// The hub holding the leases dies (its connection dropped, no
	// goodbye): the other takes triage and the evaluator over once the
	// leases expire, and goes on, once.
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	kv, err := js.KeyValue(ctx, "SB_LEASES")
	if err != nil {
		t.Fatal(err)
	}
	holder := map[string]string{}
	for _, name := range []string{"triage", "sla"} {
		e, err := kv.Get(ctx, "l"+base64.RawURLEncoding.EncodeToString([]byte(name)))
		if err != nil {
			t.Fatalf("lease %s: %v", name, err)
		}
		holder[name] = string(e.Value())
	}
	var dead *team
	for _, x := range hubs {
		if x.l.ID() == holder["triage"] {
			dead = x
		}
	}
	if dead == nil || holder["sla"] != holder["triage"] {
		// Both leases are taken at once by the first hub up; were they
		// split, killing one hub still tests one takeover.
		t.Logf("leases: %v", holder)
	}
	if dead == nil {
		t.Fatalf("no hub holds the triage lease: %v", holder)
	}
	dead.dead = true
	dead.l.Kill()
	dead.cancel()
	dead.wg.Wait()
	later := t0.Add(time.Hour)
	clk.set(later)
	checkOnce("after the lease holder died", round(6, 4, later), 10, later)
}
