package hub_test

import (
	"compress/flate"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	"switchboard/model"
	"switchboard/sync/client"
	"switchboard/sync/wire"
)

// dialPeer opens a websocket to the hub without saying hello.
func (h *inputHub) dialPeer(t *testing.T, name string, d websocket.Dialer, hdr http.Header) *peer {
	t.Helper()
	u, err := client.SyncURL(h.ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	d.HandshakeTimeout = 5 * time.Second
	conn, _, err := d.Dial(u, hdr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &peer{t: t, name: name, conn: conn}
}

// A client that says nothing gets a close frame with 1008 after
// HelloWait, not a dropped connection (1006).
func TestNoHelloClosesWith1008(t *testing.T) {
	tm := inputTiming
	tm.HelloWait = 200 * time.Millisecond
	h := startInputHub(t, tm)
	p := h.dialPeer(t, "mute", websocket.Dialer{}, nil)
	if _, err := p.closed(); !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
		t.Fatalf("a silent client's session ended with %v, want close 1008", err)
	}
}

// A flood far past the burst, sent all at once, gets every error it earned
// within the burst, then rate_limited, then a close handshake with 1008;
// the hub reads (and ignores) the rest of the flood so the connection is
// not reset under the close frame.
func TestFloodGetsRateLimitedThenClose1008(t *testing.T) {
	tm := inputTiming
	tm.FrameRate, tm.FrameBurst = 0.01, 200
	h := startInputHub(t, tm)
	bystander := h.join(t, "bystander")
	victim := h.join(t, "victim")
	type result struct {
		fs  []wire.Frame
		err error
	}
	done := make(chan result, 1)
	go func() {
		fs, err := victim.closed()
		done <- result{fs, err}
	}()
	frame := []byte(`{"type":"subscribe"}`)
	for i := range 3000 {
		_ = victim.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if err := victim.conn.WriteMessage(websocket.TextMessage, frame); err != nil {
			t.Logf("write %d failed once the hub had closed: %v", i, err)
			break
		}
	}
	r := <-done
	if !websocket.IsCloseError(r.err, websocket.ClosePolicyViolation) {
		t.Errorf("flood ended with %v, want close 1008", r.err)
	}
	codes := map[string]int{}
	last := ""
	for _, f := range r.fs {
		if e, ok := f.(wire.Error); ok {
			codes[e.Code]++
			last = e.Code
		}
	}
	if codes[wire.CodeUnknownType] != 200 || codes[wire.CodeRateLimited] != 1 || last != wire.CodeRateLimited {
		t.Errorf("errors before the close: %v, last %q; want 200 unknown_type, then one rate_limited", codes, last)
	}
	h.assertServes(t, bystander)
}

// 1,500 bad frames inside the burst are each answered.
func TestEveryBadFrameIsAnswered(t *testing.T) {
	h := startInputHub(t, inputTiming)
	p := h.join(t, "noisy")
	const n = 1500
	got := make(chan int, 1)
	go func() {
		seen := 0
		_ = p.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		for seen < n {
			_, raw, err := p.conn.ReadMessage()
			if err != nil {
				break
			}
			if e, ok := decodeOrNil(raw).(wire.Error); ok && e.Code == wire.CodeBadFrame {
				seen++
			}
		}
		got <- seen
	}()
	for range n {
		if err := p.sendRaw([]byte(`{"type":"op","op_id":`)); err != nil {
			t.Fatal(err)
		}
	}
	if seen := <-got; seen != n {
		t.Fatalf("%d of %d bad frames answered", seen, n)
	}
}

// A bad_op names the op when its op_id is well formed; the op_id is not
// used up: the same id with a valid op is applied.
func TestBadOpCarriesItsOpID(t *testing.T) {
	h := startInputHub(t, inputTiming)
	p := h.join(t, "agent")
	id := uuid.NewString()
	p.sendRaw([]byte(fmt.Sprintf(`{"type":"op","op_id":%q,"kind":"reply","case_id":%q,"text":"  "}`, id, h.cases[0])))
	if e := p.nextError(wire.CodeBadOp); e.OpID != id {
		t.Fatalf("bad_op %+v does not name op %s", e, id)
	}
	op := note(h.cases[0], "fixed")
	op.ID = id
	if a, ok := p.answer(op).(wire.Ack); !ok || a.Seq == 0 {
		t.Fatalf("the corrected op under the same op_id was not applied: %#v", a)
	}
	// An op_id not of the documented form is not echoed back.
	p.sendRaw([]byte(`{"type":"op","op_id":"` + strings.Repeat("x", 100) + `","kind":"note","case_id":"c","text":"t"}`))
	if e := p.nextError(wire.CodeBadOp); e.OpID != "" {
		t.Fatalf("bad_op echoes an op_id of 100 characters: %+v", e)
	}
}

// Every field a peer controls has a bounded, documented form: a 3 MiB
// client_id is refused at hello (it used to be copied into every presence
// frame and log line), and ids in ops and presence too.
func TestPeerFieldsAreBounded(t *testing.T) {
	// Not a test of the hello's deadline: a 3 MiB hello read under -race
	// on a loaded box took more than inputTiming's 2 s.
	tm := inputTiming
	tm.HelloWait = 20 * time.Second
	h := startInputHub(t, tm)
	for _, id := range []string{strings.Repeat("a", 3<<20), strings.Repeat("a", 65), "", "new\nline", "ünï", "a b"} {
		p := h.dialPeer(t, "hello", websocket.Dialer{}, nil)
		p.send(wire.Hello{Protocol: wire.Protocol, ClientID: id})
		fs, err := p.closed()
		if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) || len(fs) != 1 || fs[0].(wire.Error).Code != wire.CodeBadHello {
			t.Errorf("hello with client_id %.20q: %v then %v, want bad_hello and close 1008", id, fs, err)
		}
	}
	p := h.join(t, "ok-id_1.2:3")
	long := strings.Repeat("c", 65)
	for _, frame := range []string{
		`{"type":"op","op_id":"o1","kind":"claim","case_id":"` + long + `"}`,
		`{"type":"op","op_id":"o2","kind":"merge","case_id":"c","other_case_id":"a/b"}`,
		`{"type":"op","op_id":"o3","kind":"reply","case_id":"c","text":"hi","via":"` + long + `"}`,
		`{"type":"op","op_id":"o4","kind":"mark_posted","case_id":"c","message_id":"m\u0000"}`,
		`{"type":"op","op_id":"o5","kind":"claim","case_id":"c","assignee":"` + long + `"}`,
		`{"type":"op","op_id":"o6","kind":"tag","case_id":"c","tag":"a\u0007b"}`,
		`{"type":"op","op_id":"o7","kind":"` + strings.Repeat("k", 1<<20) + `","case_id":"c"}`,
	} {
		p.sendRaw([]byte(frame))
		e := p.nextError(wire.CodeBadOp)
		if e.OpID == "" || len(e.Reason) > 300 {
			t.Errorf("%.60s: bad_op %+.300v, want one naming the op with a short reason", frame, e)
		}
	}
	for _, frame := range []string{
		`{"type":"presence","case_id":"` + long + `","state":"viewing"}`,
		`{"type":"presence","case_id":"c","state":"` + strings.Repeat("s", 1<<20) + `"}`,
		`{"type":"presence","state":"viewing"}`,
	} {
		p.sendRaw([]byte(frame))
		if e := p.nextError(wire.CodeBadFrame); len(e.Reason) > 300 {
			t.Errorf("%.60s: reason of %d bytes", frame, len(e.Reason))
		}
	}
	h.assertServes(t, p)
}

// With permessage-deflate, a small compressed message that inflates past
// MaxFrame closes the session with 1009, and the hub never holds the
// inflated message (gorilla's read limit counts compressed bytes).
func TestInflatedFrameOverLimitCloses1009(t *testing.T) {
	h := startInputHub(t, inputTiming)
	bystander := h.join(t, "bystander")
	p := h.dialPeer(t, "bomb", websocket.Dialer{EnableCompression: true}, nil)
	p.send(wire.Hello{Protocol: wire.Protocol, ClientID: "bomb", Cursor: h.log.Head()})
	p.next("caught_up", func(f wire.Frame) bool { _, ok := f.(wire.CaughtUp); return ok })
	p.conn.EnableWriteCompression(true)
	if err := p.conn.SetCompressionLevel(flate.BestSpeed); err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 32<<20) // ~1.5 MiB compressed, under the read limit
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	w, err := p.conn.NextWriter(websocket.TextMessage)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(zeros)
	_ = w.Close()
	_, err = p.closed()
	runtime.ReadMemStats(&after)
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Errorf("32 MiB inflated ended with %v, want close 1009", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 24<<20 {
		t.Errorf("the hub allocated %d MiB for one frame", grew>>20)
	}
	h.assertServes(t, bystander)
}

// What docs/protocol.md says of protocol 0, a second hello, binary frames
// and a foreign Origin.
func TestProtocolEdges(t *testing.T) {
	h := startInputHub(t, inputTiming)
	t.Run("protocol 0", func(t *testing.T) {
		p := h.dialPeer(t, "p0", websocket.Dialer{}, nil)
		p.sendRaw([]byte(`{"type":"hello","protocol":0,"client_id":"p0"}`))
		fs, err := p.closed()
		if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) || len(fs) != 1 || fs[0].(wire.Error).Code != wire.CodeBadHello {
			t.Errorf("protocol 0: %v then %v, want bad_hello and close 1008", fs, err)
		}
	})
	t.Run("protocol 2", func(t *testing.T) {
		p := h.dialPeer(t, "p2", websocket.Dialer{}, nil)
		p.send(wire.Hello{Protocol: 2, ClientID: "p2"})
		fs, err := p.closed()
		if !websocket.IsCloseError(err, websocket.CloseProtocolError) || len(fs) != 1 || fs[0].(wire.Error).Code != wire.CodeProtocol {
			t.Errorf("protocol 2: %v then %v, want protocol_mismatch and close 1002", fs, err)
		}
	})
	t.Run("second hello", func(t *testing.T) {
		p := h.join(t, "twice")
		p.send(wire.Hello{Protocol: wire.Protocol, ClientID: "twice"})
		p.nextError(wire.CodeUnknownType)
		h.assertServes(t, p)
	})
	t.Run("binary frame", func(t *testing.T) {
		p := h.join(t, "binary")
		b := bytesOf(t, wire.Op{Op: note(h.cases[0], "in binary")})
		if err := p.conn.WriteMessage(websocket.BinaryMessage, b); err != nil {
			t.Fatal(err)
		}
		p.nextError(wire.CodeBadFrame)
		h.assertServes(t, p)
	})
	t.Run("binary hello", func(t *testing.T) {
		p := h.dialPeer(t, "binhello", websocket.Dialer{}, nil)
		if err := p.conn.WriteMessage(websocket.BinaryMessage, bytesOf(t, wire.Hello{Protocol: 1, ClientID: "b"})); err != nil {
			t.Fatal(err)
		}
		fs, err := p.closed()
		if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) || len(fs) != 1 || fs[0].(wire.Error).Code != wire.CodeBadHello {
			t.Errorf("binary hello: %v then %v, want bad_hello and close 1008", fs, err)
		}
	})
	t.Run("foreign origin", func(t *testing.T) {
		u, _ := client.SyncURL(h.ts.URL)
		d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
		conn, resp, err := d.Dial(u, http.Header{"Origin": {"https://evil.example"}})
		if conn != nil {
			conn.Close()
		}
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("a foreign Origin got %v (%v), want 403", resp, err)
		}
	})
}

// mark_posted on a customer's message says what is wrong, not "the reply
// is , not waiting…".
func TestMarkPostedOnInboundMessageSaysWhy(t *testing.T) {
	h := startInputHub(t, inputTiming)
	p := h.join(t, "agent")
	var msgID string
	for _, ev := range readAll(t, h.log) {
		if ev.Message != nil && ev.Message.CaseID == h.cases[0] {
			msgID = ev.Message.ID
		}
	}
	op := model.Op{ID: uuid.NewString(), Kind: model.OpMarkPosted, CaseID: h.cases[0], MessageID: msgID}
	r, ok := p.answer(op).(wire.Reject)
	if !ok || r.Code != model.RejectInvalid || strings.Contains(r.Reason, " , ") || !strings.Contains(r.Reason, "not a reply") {
		t.Fatalf("mark_posted on an inbound message: %+v", r)
	}
}
