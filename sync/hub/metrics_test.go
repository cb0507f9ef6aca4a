package hub_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/connector"
	"switchboard/model"
	"switchboard/sync/hub"
	"switchboard/sync/wire"
)

// scrape reads the hub's /metrics in the Prometheus text format.
func scrape(t *testing.T, h *hub.Hub) string {
	t.Helper()
	ts := httptest.NewServer(h.Metrics().Handler())
	defer ts.Close()
	resp, err := http.Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("metrics: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	return string(body)
}

// sample is the value of one series in a scrape ("name{labels}"), -1 when
// it is missing.
func sample(text, series string) float64 {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

func TestMetricsCountIngestOpsSessionsAndFanout(t *testing.T) {
	h := startInputHub(t, inputTiming) // 3 forum posts ingested
	before := scrape(t, h.hub)
	if v := sample(before, `switchboard_ingest_total{channel="forum",outcome="new"}`); v != 3 {
		t.Fatalf("ingest new = %v, want 3:\n%s", v, before)
	}
	if v := sample(before, `switchboard_sessions_open`); v != 0 {
		t.Fatalf("sessions before any = %v", v)
	}
	p := h.join(t, "metrics-peer")
	h.assertServes(t, p) // a note acked, a message fanned out live
	if r, ok := p.answer(note("no-such-case", "x")).(wire.Reject); !ok || r.Code != model.RejectUnknownCase {
		t.Fatalf("answer to a note on no case: %+v", r)
	}
	// A repeat of the same platform message is a duplicate.
	if _, dup, err := h.hub.Ingest(hub.Inbound{Channel: model.ChannelForum, ThreadRef: "thread-0", PlatformID: "post-1",
		Author: model.Identity{Handle: "guest-thread-0"}, Text: "post 1", Public: true}); err != nil || !dup {
		t.Fatalf("repeat ingest: dup %v err %v", dup, err)
	}
	if _, _, err := h.hub.Ingest(hub.Inbound{Channel: "myspace", ThreadRef: "x", Text: "y"}); err == nil {
		t.Fatal("an item on no channel was taken")
	}

	text := scrape(t, h.hub)
	for series, want := range map[string]float64{
		`switchboard_ingest_total{channel="forum",outcome="new"}`:       4,
		`switchboard_ingest_total{channel="forum",outcome="duplicate"}`: 1,
		`switchboard_ingest_total{channel="invalid",outcome="invalid"}`: 1,
		`switchboard_ops_total{kind="note",outcome="ack"}`:              1,
		`switchboard_ops_total{kind="note",outcome="unknown_case"}`:     1,
		`switchboard_op_duration_seconds_count{kind="note"}`:            2,
		`switchboard_ingest_duration_seconds_count{channel="forum"}`:    5,
		`switchboard_sessions_open`:                                     1,
		`switchboard_log_head`:                                          float64(h.log.Head()),
	} {
		if got := sample(text, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if n := sample(text, `switchboard_fanout_lag_seconds_count`); n < 1 {
		t.Errorf("fan-out lag observed %v times, want ≥ 1 (the live message)", n)
	}
	if sample(text, `go_goroutines`) < 1 || !strings.Contains(text, "process_resident_memory_bytes") {
		t.Errorf("no Go runtime or process metrics")
	}
	// The session is gone from the gauge once it closes.
	p.conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	for sample(scrape(t, h.hub), `switchboard_sessions_open`) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("sessions_open stays above 0 after the console left")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestMetricsCountDeliveryOutcomes(t *testing.T) {
	h, l := deliveryHub(t, t.TempDir())
	defer l.Close()
	caseID, opID := replyOn(t, h, model.ChannelTwitter, "conv-m")
	failCase, failOp := replyOn(t, h, model.ChannelFacebook, "post-m")
	x := &platform{fail: []error{errors.New("connection reset")}}
	fb := &platform{fail: []error{connector.Permanentf("(#200) permissions error")}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		h.RunDelivery(ctx, map[model.Channel]connector.Sender{model.ChannelTwitter: x, model.ChannelFacebook: fb})
		close(done)
	}()
	defer func() { cancel(); <-done }()
	waitDelivery(t, l, caseID, opID, model.DeliverySent)
	waitDelivery(t, l, failCase, failOp, model.DeliveryFailed)
	text := scrape(t, h)
	for series, want := range map[string]float64{
		`switchboard_delivery_total{channel="twitter",outcome="retry"}`:   1,
		`switchboard_delivery_total{channel="twitter",outcome="sent"}`:    1,
		`switchboard_delivery_total{channel="facebook",outcome="failed"}`: 1,
	} {
		if got := sample(text, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
}

func TestStatusBoardReportsConnectors(t *testing.T) {
	h, l := deliveryHub(t, t.TempDir())
	defer l.Close()
	board := h.Metrics().Status()
	x := board.Connector("twitter", "twitter/@SkyWingsAir")
	feed := board.Connector("forum", "forum/autoforum")
	x.Items(2)
	x.Error(fmt.Errorf("GET api.x.example/2/users/1/mentions: 503 Service Unavailable\n%s", strings.Repeat("é", 400)))
	x.Refused()
	feed.Success()

	ts := httptest.NewServer(board.Handler())
	defer ts.Close()
	resp, err := http.Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct{ Connectors []hub.ConnectorStatus }
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if len(got.Connectors) != 2 || got.Connectors[0].Name != "forum/autoforum" || got.Connectors[1].Name != "twitter/@SkyWingsAir" {
		t.Fatalf("connectors %+v", got.Connectors)
	}
	f, s := got.Connectors[0], got.Connectors[1]
	if f.Kind != "forum" || f.LastSuccess.IsZero() || f.Items != 0 || f.Errors != 0 || f.LastError != "" {
		t.Errorf("forum status %+v", f)
	}
	if s.Items != 2 || s.Errors != 1 || s.Refused != 1 || s.LastErrorAt.IsZero() || s.LastSuccess.IsZero() ||
		!strings.HasPrefix(s.LastError, "GET api.x.example/2/users/1/mentions: 503 Service Unavailable é") ||
		strings.Contains(s.LastError, "\n") || len(s.LastError) > 310 {
		t.Errorf("twitter status %+v", s)
	}
	text := scrape(t, h)
	if sample(text, `switchboard_connector_errors_total{connector="twitter/@SkyWingsAir"}`) != 1 ||
		sample(text, `switchboard_connector_items_total{connector="twitter/@SkyWingsAir"}`) != 2 ||
		sample(text, `switchboard_connector_errors_total{connector="forum/autoforum"}`) != 0 {
		t.Errorf("connector metrics:\n%s", text)
	}
}
