package hub

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"switchboard/model"
)

// MetricsPath is where the hub serves its Prometheus metrics.
const MetricsPath = "/metrics"

// Metrics are the hub's Prometheus metrics (the hub's recording methods
// are no-ops on a nil *Metrics), in a registry of their own (not
// the client library's global one, so two hubs in one test process do not
// collide). Labels hold channels, op kinds, outcomes and connector names,
// never a token, a text or a customer's data: the endpoint can be served
// without authentication.
type Metrics struct {
	reg *prometheus.Registry

	ingest        *prometheus.CounterVec   // channel, outcome
	ingestSeconds *prometheus.HistogramVec // channel
	ops           *prometheus.CounterVec   // kind, outcome
	opSeconds     *prometheus.HistogramVec // kind
	sessions      prometheus.Gauge
	fanout        prometheus.Histogram
	delivery      *prometheus.CounterVec // channel, outcome
	connErrors    *prometheus.CounterVec // connector
	connItems     *prometheus.CounterVec // connector

	// appended remembers when recent events were appended, by seq, so a
	// session can tell how long an event waited before it was written.
	appendMu sync.Mutex
	appended [fanoutRing]appendMark

	status *StatusBoard
}

// fanoutRing is how many recent appends are remembered for the fan-out
// lag; a session further behind than that is measured by its last event.
const fanoutRing = 4096

type appendMark struct {
	seq uint64
	at  time.Time
}

// latencyBuckets span 50 µs to ~3 s: a bbolt fsync sits around 1–10 ms.
var latencyBuckets = prometheus.ExponentialBuckets(0.00005, 2.5, 13)

// newMetrics builds the registry; head reports the log's head.
func newMetrics(head func() uint64) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.ingest = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "switchboard_ingest_total",
		Help: "Inbound platform items handled by the hub, by channel and outcome (new, duplicate, amended, invalid, error).",
	}, []string{"channel", "outcome"})
	m.ingestSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "switchboard_ingest_duration_seconds",
		Help:    "Time to fold one inbound item into the log, by channel.",
		Buckets: latencyBuckets,
	}, []string{"channel"})
	m.ops = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "switchboard_ops_total",
		Help: "Agent ops answered, by kind and outcome (ack, a reject code, or error).",
	}, []string{"kind", "outcome"})
	m.opSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "switchboard_op_duration_seconds",
		Help:    "Time to apply one agent op (ledger lookup, rules, durable append), by kind.",
		Buckets: latencyBuckets,
	}, []string{"kind"})
	m.sessions = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "switchboard_sessions_open",
		Help: "Console sessions past hello, now open.",
	})
	m.fanout = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "switchboard_fanout_lag_seconds",
		Help:    "Time from an event's append to its write to a live session.",
		Buckets: latencyBuckets,
	})
	m.delivery = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "switchboard_delivery_total",
		Help: "Reply delivery attempts' outcomes, by channel (sent, manual, failed, retry).",
	}, []string{"channel", "outcome"})
	m.connErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "switchboard_connector_errors_total",
		Help: "Errors of a connector: failed platform calls, failed polls, webhook deliveries the hub could not store.",
	}, []string{"connector"})
	m.connItems = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "switchboard_connector_items_total",
		Help: "Inbound items a connector handed to the hub.",
	}, []string{"connector"})
	m.reg.MustRegister(m.ingest, m.ingestSeconds, m.ops, m.opSeconds, m.sessions, m.fanout, m.delivery, m.connErrors, m.connItems,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if head != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "switchboard_log_head",
			Help: "Sequence number of the newest event in the log.",
		}, func() float64 { return float64(head()) }))
	}
	m.status = newStatusBoard(m)
	return m
}

// Metrics returns the hub's metrics.
func (h *Hub) Metrics() *Metrics { return h.metrics }

// Registry is the registry the metrics live in, for tests and for adding
// collectors of the hub's own packages.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, MaxRequestsInFlight: 4})
}

// Status is the board connectors report to.
func (m *Metrics) Status() *StatusBoard { return m.status }

// ingestDone records one Ingest; call it deferred with the start time and
// pointers to Ingest's results.
func (m *Metrics) ingestDone(in *Inbound, start time.Time, dup *bool, err *error) {
	if m == nil {
		return
	}
	ch := string(in.Channel)
	if !in.Channel.Valid() {
		ch = "invalid" // a peer's free text never becomes a label
	}
	outcome := "new"
	switch {
	case *err != nil && isInvalid(*err):
		outcome = "invalid"
	case *err != nil:
		outcome = "error"
	case *dup:
		outcome = "duplicate"
	case in.Action != model.InboundNew:
		outcome = "amended"
	}
	m.ingest.WithLabelValues(ch, outcome).Inc()
	m.ingestSeconds.WithLabelValues(ch).Observe(time.Since(start).Seconds())
}

// opDone records one ApplyOp answer.
func (m *Metrics) opDone(op *model.Op, start time.Time, a *OpAnswer, err *error) {
	if m == nil {
		return
	}
	kind := string(op.Kind)
	if !knownOpKinds[op.Kind] {
		kind = "unknown" // a peer's free text never becomes a label
	}
	outcome := "ack"
	switch {
	case *err != nil:
		outcome = "error"
	case a.Reject != nil:
		outcome = string(a.Reject.Code)
	}
	m.ops.WithLabelValues(kind, outcome).Inc()
	m.opSeconds.WithLabelValues(kind).Observe(time.Since(start).Seconds())
}

var knownOpKinds = map[model.OpKind]bool{
	model.OpClaim: true, model.OpRelease: true, model.OpReply: true, model.OpNote: true, model.OpSetStatus: true,
	model.OpSetPriority: true, model.OpTag: true, model.OpUntag: true, model.OpLinkIdentity: true, model.OpMerge: true,
	model.OpUnlinkIdentity: true, model.OpDismissLink: true, model.OpMarkPosted: true,
	model.OpSnooze: true, model.OpUnsnooze: true,
}

func isInvalid(err error) bool { return errors.Is(err, ErrInvalid) }

// sessionOpen counts a session as open; call the result when it ends.
func (m *Metrics) sessionOpen() func() {
	if m == nil {
		return func() {}
	}
	m.sessions.Inc()
	return m.sessions.Dec
}

// ObserveFanout records one fan-out lag: how long an event waited between
// its append and its write to a session.
func (m *Metrics) ObserveFanout(d time.Duration) {
	m.fanout.Observe(max(d, 0).Seconds())
}

// markAppended remembers when events were appended (called under the
// hub's lock, in append order).
func (m *Metrics) markAppended(evs []model.Event) {
	if m == nil || len(evs) == 0 {
		return
	}
	now := time.Now()
	m.appendMu.Lock()
	for _, ev := range evs {
		m.appended[ev.Seq%fanoutRing] = appendMark{seq: ev.Seq, at: now}
	}
	m.appendMu.Unlock()
}

// written records the fan-out lag of a page of events just written to a
// live session: the wait of its newest event.
func (m *Metrics) written(evs []model.Event, live bool) {
	if m == nil || !live || len(evs) == 0 {
		return
	}
	seq := evs[len(evs)-1].Seq
	m.appendMu.Lock()
	mark := m.appended[seq%fanoutRing]
	m.appendMu.Unlock()
	if mark.seq == seq && !mark.at.IsZero() {
		m.ObserveFanout(time.Since(mark.at))
	}
}

// deliveryDone records a delivery attempt's outcome.
func (m *Metrics) deliveryDone(ch model.Channel, outcome string) {
	if m == nil || !ch.Valid() {
		return
	}
	m.delivery.WithLabelValues(string(ch), outcome).Inc()
}

func deliveryOutcome(s JobState) string {
	switch s {
	case JobDone:
		return "sent"
	case JobManual:
		return "manual"
	default:
		return "failed"
	}
}
