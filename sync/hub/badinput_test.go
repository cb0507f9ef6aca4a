package hub_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	"switchboard/model"
	"switchboard/sync/client"
	"switchboard/sync/hub"
	"switchboard/sync/wire"
)

// inputHub is a real hub Server on a bbolt log, served on loopback, with a
// few cases; it can be restarted from its data dir.
type inputHub struct {
	dir    string
	timing hub.Timing
	log    *hub.BoltLog
	hub    *hub.Hub
	srv    *hub.Server
	ts     *httptest.Server
	cases  []string
	posted int
}

var inputTiming = hub.Timing{HelloWait: 2 * time.Second, WriteWait: 2 * time.Second, PongWait: time.Minute, PingEvery: 30 * time.Second}

func startInputHub(t *testing.T, tm hub.Timing) *inputHub {
	t.Helper()
	h := &inputHub{dir: t.TempDir(), timing: tm}
	h.start(t)
	for i := range 3 {
		h.cases = append(h.cases, h.post(t, fmt.Sprintf("thread-%d", i)))
	}
	t.Cleanup(h.stop)
	return h
}

func (h *inputHub) start(t *testing.T) {
	t.Helper()
	l, err := hub.OpenBoltLog(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	hb, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	h.log, h.hub = l, hb
	h.srv = hub.NewServer(hb, h.timing)
	h.ts = httptest.NewUnstartedServer(h.srv.Handler())
	h.ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	h.ts.Start()
}

func (h *inputHub) stop() {
	if h.ts == nil {
		return
	}
	h.ts.Close()
	h.srv.Close()
	h.log.Close()
	h.ts = nil
}

// restart brings the hub back from its data dir, on a new port.
func (h *inputHub) restart(t *testing.T) {
	t.Helper()
	h.stop()
	h.start(t)
}

// post ingests a customer message in thread and returns its case.
func (h *inputHub) post(t *testing.T, thread string) string {
	t.Helper()
	h.posted++
	id, _, err := h.hub.Ingest(hub.Inbound{
		Channel: model.ChannelForum, ThreadRef: thread, PlatformID: fmt.Sprintf("post-%d", h.posted),
		Author: model.Identity{Handle: "guest-" + thread}, Text: fmt.Sprintf("post %d", h.posted), Public: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// peer is a websocket session driven frame by frame.
type peer struct {
	t    *testing.T
	name string
	conn *websocket.Conn
}

// join opens a session that is caught up with the hub's log.
func (h *inputHub) join(t *testing.T, name string) *peer {
	t.Helper()
	u, err := client.SyncURL(h.ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, _, err := d.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	p := &peer{t: t, name: name, conn: conn}
	p.send(wire.Hello{Protocol: wire.Protocol, ClientID: name, Cursor: h.log.Head()})
	p.next("welcome", func(f wire.Frame) bool { _, ok := f.(wire.Welcome); return ok })
	p.next("caught_up", func(f wire.Frame) bool { _, ok := f.(wire.CaughtUp); return ok })
	return p
}

func (p *peer) sendRaw(b []byte) error {
	_ = p.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return p.conn.WriteMessage(websocket.TextMessage, b)
}

func (p *peer) send(f wire.Frame) {
	p.t.Helper()
	b, err := wire.Encode(f)
	if err != nil {
		p.t.Fatal(err)
	}
	if err := p.sendRaw(b); err != nil {
		p.t.Fatalf("%s: send %s: %v", p.name, f.Type(), err)
	}
}

// next reads frames until match accepts one, skipping the others (live
// events, presence); the session must stay open meanwhile.
func (p *peer) next(what string, match func(wire.Frame) bool) wire.Frame {
	p.t.Helper()
	_ = p.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, raw, err := p.conn.ReadMessage()
		if err != nil {
			p.t.Fatalf("%s: waiting for %s: %v", p.name, what, err)
		}
		f, err := wire.Decode(raw)
		if err != nil {
			p.t.Fatalf("%s: hub sent %s: %v", p.name, raw, err)
		}
		if match(f) {
			return f
		}
	}
}

func (p *peer) nextError(code string) wire.Error {
	p.t.Helper()
	return p.next("error "+code, func(f wire.Frame) bool {
		e, ok := f.(wire.Error)
		if ok && e.Code != code {
			p.t.Fatalf("%s: error %+v, want code %s", p.name, e, code)
		}
		return ok
	}).(wire.Error)
}

// answer sends op and returns the hub's ack or reject.
func (p *peer) answer(op model.Op) wire.Frame {
	p.t.Helper()
	p.send(wire.Op{Op: op})
	return p.next("answer to "+op.ID, func(f wire.Frame) bool {
		switch f := f.(type) {
		case wire.Ack:
			return f.OpID == op.ID
		case wire.Reject:
			return f.OpID == op.ID
		case wire.Error:
			p.t.Fatalf("%s: error %+v while waiting for the answer to %s", p.name, f, op.ID)
		}
		return false
	})
}

// closed reads until the hub ends the session; it returns the frames
// before the end and the close error.
func (p *peer) closed() ([]wire.Frame, error) {
	p.t.Helper()
	_ = p.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var fs []wire.Frame
	for {
		_, raw, err := p.conn.ReadMessage()
		if err != nil {
			return fs, err
		}
		f, derr := wire.Decode(raw)
		if derr != nil {
			p.t.Fatalf("%s: hub sent %s: %v", p.name, raw, derr)
		}
		fs = append(fs, f)
	}
}

func note(caseID, text string) model.Op {
	return model.Op{ID: uuid.NewString(), Kind: model.OpNote, CaseID: caseID, Text: text, Created: time.Now().UTC()}
}

// assertServes checks a session still works: its op is acked after its
// events, and a message arriving at the hub reaches it live.
func (h *inputHub) assertServes(t *testing.T, p *peer) {
	t.Helper()
	op := note(h.cases[0], "still here, "+p.name)
	if a, ok := p.answer(op).(wire.Ack); !ok || a.Seq == 0 {
		t.Fatalf("%s: answer to a valid note = %#v, want an ack with a seq", p.name, a)
	}
	h.post(t, "thread-live")
	want := fmt.Sprintf("post %d", h.posted)
	p.next("the live message "+want, func(f wire.Frame) bool {
		evs, ok := f.(wire.Events)
		for _, ev := range evs.Events {
			if ok && ev.Message != nil && ev.Message.Text == want {
				return true
			}
		}
		return false
	})
}

func bytesOf(t *testing.T, f wire.Frame) []byte {
	t.Helper()
	b, err := wire.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Each bad input gets its error frame or its close code; the session that
// sent a refused frame goes on when the error allows it, and a session
// beside it keeps receiving live events and having its ops acked.
func TestBadInputIsAnsweredAndOthersGoOn(t *testing.T) {
	h := startInputHub(t, inputTiming)
	unknownCase := note("no-such-case", "hello?")
	emptyReply := model.Op{ID: uuid.NewString(), Kind: model.OpReply, CaseID: h.cases[1], Text: "   "}
	emptyReplyFrame := fmt.Sprintf(`{"type":"op","op_id":%q,"kind":"reply","case_id":%q,"text":"   "}`, emptyReply.ID, emptyReply.CaseID)

	tests := []struct {
		name string
		send func(t *testing.T, p *peer)
		// want checks the victim's answer; close is the close code that
		// ends its session, 0 when it stays usable.
		want  func(t *testing.T, p *peer)
		close int
	}{
		{name: "malformed JSON",
			send: func(t *testing.T, p *peer) { p.sendRaw([]byte(`{"type":"op","op_id":`)) },
			want: func(t *testing.T, p *peer) { p.nextError(wire.CodeBadFrame) }},
		{name: "not JSON",
			send: func(t *testing.T, p *peer) { p.sendRaw([]byte("\x00\xffGET / HTTP/1.1")) },
			want: func(t *testing.T, p *peer) { p.nextError(wire.CodeBadFrame) }},
		{name: "field of the wrong type",
			send: func(t *testing.T, p *peer) { p.sendRaw([]byte(`{"type":"op","op_id":7,"kind":"note"}`)) },
			want: func(t *testing.T, p *peer) { p.nextError(wire.CodeBadFrame) }},
		{name: "unknown type",
			send: func(t *testing.T, p *peer) { p.sendRaw([]byte(`{"type":"subscribe","topic":"cases"}`)) },
			want: func(t *testing.T, p *peer) { p.nextError(wire.CodeUnknownType) }},
		{name: "hub-only frame from a client",
			send: func(t *testing.T, p *peer) { p.sendRaw(bytesOf(t, wire.Ack{OpID: "x", Seq: 1})) },
			want: func(t *testing.T, p *peer) { p.nextError(wire.CodeUnknownType) }},
		{name: "op for an unknown case",
			send: func(t *testing.T, p *peer) { p.send(wire.Op{Op: unknownCase}) },
			want: func(t *testing.T, p *peer) {
				r, ok := p.next("reject", func(f wire.Frame) bool { _, ok := f.(wire.Reject); return ok }).(wire.Reject)
				if !ok || r.OpID != unknownCase.ID || r.Code != model.RejectUnknownCase || r.Reason == "" {
					t.Errorf("answer = %+v, want reject %s of %s", r, model.RejectUnknownCase, unknownCase.ID)
				}
			}},
		{name: "invalid op: empty reply",
			send: func(t *testing.T, p *peer) { p.sendRaw([]byte(emptyReplyFrame)) },
			want: func(t *testing.T, p *peer) {
				if e := p.nextError(wire.CodeBadOp); !strings.Contains(e.Reason, "empty text") {
					t.Errorf("bad_op reason %q does not say what is wrong", e.Reason)
				}
			}},
		{name: "invalid op: unknown kind",
			send: func(t *testing.T, p *peer) {
				p.sendRaw([]byte(`{"type":"op","op_id":"k1","kind":"delete_everything","case_id":"c"}`))
			},
			want: func(t *testing.T, p *peer) { p.nextError(wire.CodeBadOp) }},
		{name: "oversized message in fragments",
			send: func(t *testing.T, p *peer) {
				// gorilla sends a long message as continuation frames; the
				// hub counts them all against MaxFrame.
				big := make([]byte, wire.MaxFrame+1)
				for i := range big {
					big[i] = 'a'
				}
				_ = p.sendRaw(big) // may fail once the hub has closed
			},
			close: websocket.CloseMessageTooBig},
		{name: "oversized frame header",
			send: func(t *testing.T, p *peer) {
				// One text frame announcing MaxFrame+1 bytes: refused on
				// the header, before any payload is read.
				hdr := []byte{0x81, 0x80 | 127}
				hdr = binary.BigEndian.AppendUint64(hdr, wire.MaxFrame+1)
				hdr = append(hdr, 1, 2, 3, 4) // mask key
				if _, err := p.conn.NetConn().Write(hdr); err != nil {
					t.Fatal(err)
				}
			},
			close: websocket.CloseMessageTooBig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bystander := h.join(t, "bystander")
			victim := h.join(t, "victim")
			head := h.log.Head()
			tc.send(t, victim)
			if tc.close == 0 {
				tc.want(t, victim)
			} else if _, err := victim.closed(); !websocket.IsCloseError(err, tc.close) {
				t.Errorf("victim's session ended with %v, want close %d", err, tc.close)
			}
			if got := h.log.Head(); got != head {
				t.Errorf("the bad input logged %d events", got-head)
			}
			if tc.close == 0 {
				h.assertServes(t, victim)
			}
			h.assertServes(t, bystander)
		})
	}
}

// A flood of frames beyond the burst gets rate_limited and close 1008;
// a session beside it goes on.
func TestFloodIsRateLimited(t *testing.T) {
	tm := inputTiming
	tm.FrameRate, tm.FrameBurst = 0.01, 5 // five frames, then one per 100 s
	h := startInputHub(t, tm)
	bystander := h.join(t, "bystander")
	victim := h.join(t, "victim")
	for i := range 50 {
		if err := victim.sendRaw([]byte(`{"type":"subscribe"}`)); err != nil {
			t.Logf("write %d failed once the hub had closed: %v", i, err)
			break
		}
	}
	fs, err := victim.closed()
	if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
		t.Errorf("flood ended with %v, want close %d", err, websocket.ClosePolicyViolation)
	}
	var codes []string
	for _, f := range fs {
		if e, ok := f.(wire.Error); ok {
			codes = append(codes, e.Code)
		}
	}
	want := []string{wire.CodeUnknownType, wire.CodeUnknownType, wire.CodeUnknownType, wire.CodeUnknownType, wire.CodeUnknownType, wire.CodeRateLimited}
	if strings.Join(codes, " ") != strings.Join(want, " ") {
		t.Errorf("errors before the close = %v, want %v", codes, want)
	}
	h.assertServes(t, bystander)
}

// A repeated op_id is answered with the first answer — the same ack seq,
// the same reject with the same current case — also when the repeat
// carries another op, and also after the hub restarted from its data dir.
func TestRepeatedOpGetsFirstAnswerAcrossRestart(t *testing.T) {
	h := startInputHub(t, inputTiming)
	p := h.join(t, "agent")
	applied := note(h.cases[0], "first and only")
	stale := model.Op{ID: uuid.NewString(), Kind: model.OpSetStatus, CaseID: h.cases[0], Status: model.StatusSolved, BaseVersion: 1}
	unknown := note("no-such-case", "lost")
	ops := []model.Op{applied, stale, unknown}

	first := make([][]byte, len(ops))
	for i, op := range ops {
		first[i] = bytesOf(t, p.answer(op))
	}
	if a, err := wire.Decode(first[0]); err != nil || a.(wire.Ack).Seq == 0 {
		t.Fatalf("first answer to the note: %s", first[0])
	}
	r, _ := wire.Decode(first[1])
	if rej, ok := r.(wire.Reject); !ok || rej.Code != model.RejectStale || rej.Current == nil || rej.Current.Version != 2 {
		t.Fatalf("first answer to the stale status change: %s", first[1])
	}
	head := h.log.Head()

	again := func(when string, p *peer) {
		t.Helper()
		for i, op := range ops {
			if got := bytesOf(t, p.answer(op)); string(got) != string(first[i]) {
				t.Errorf("%s: repeat of %s %s answered\n%s\nfirst answer\n%s", when, op.Kind, op.ID, got, first[i])
			}
		}
		// The same op_id with other content is still the first op.
		claim := model.Op{ID: applied.ID, Kind: model.OpClaim, CaseID: h.cases[1]}
		if got := bytesOf(t, p.answer(claim)); string(got) != string(first[0]) {
			t.Errorf("%s: another op under a used op_id answered %s, want the first answer %s", when, got, first[0])
		}
		if c, _ := h.hub.Case(h.cases[1]); c.Assignee != "" {
			t.Errorf("%s: the op under a used op_id was applied: case assigned to %q", when, c.Assignee)
		}
		if got := h.log.Head(); got != head {
			t.Errorf("%s: repeats logged %d events", when, got-head)
		}
	}
	again("same session", p)
	again("new session", h.join(t, "agent-2"))

	h.restart(t)
	again("after restart", h.join(t, "agent-3"))

	notes := 0
	for _, ev := range readAll(t, h.log) {
		if ev.Message != nil && ev.Message.ID == applied.ID {
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("the note is %d times in the log, want once", notes)
	}
	var ledger hub.OpAnswer
	if a, ok, err := h.log.FindOp(stale.ID); err != nil || !ok || a.Reject == nil {
		t.Errorf("ledger entry of the stale op: %+v %v %v", a, ok, err)
	} else {
		ledger = a
	}
	if raw, _ := json.Marshal(ledger.Current); !strings.Contains(string(raw), h.cases[0]) {
		t.Errorf("ledger keeps no current case for the reject: %s", raw)
	}
}
