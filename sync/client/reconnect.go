package client

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/time/rate"

	"switchboard/model"
	"switchboard/sync/wire"
)

// wakes holds each Client's wake channel: a send cuts the backoff wait
// before the next connection attempt short.
var wakes sync.Map // *Client → chan struct{}

// Reconnect cuts the wait before the next connection attempt short: the
// agent's "Reconnect now". Called while connected, it makes the next wait
// after a lost connection end at once.
func (c *Client) Reconnect() {
	select {
	case c.wakeCh() <- struct{}{}:
	default:
	}
}

func (c *Client) wakeCh() chan struct{} {
	if v, ok := wakes.Load(c); ok {
		return v.(chan struct{})
	}
	v, _ := wakes.LoadOrStore(c, make(chan struct{}, 1))
	return v.(chan struct{})
}

// OpsWindow is how many ops may be in flight, unanswered, on a connection
// to a hub that takes ops frames and announces its op budget: many frames
// of a batch each, so that the hub applies and commits the next batches,
// and the console writes the answers before, while answers travel back.
// With 600 (three frames) a drain waited on the round trip: 10,000 ops at
// 50 ms took 17 round trips of three frames, each a small cache commit.
// The window goes past OpsWindowUnannounced (the window for a hub that
// says nothing of its budget) only within the hub's op burst (with the
// pacing's margin), what it takes at once, and the ops in flight stay
// within MaxInFlightBytes of frames (long replies: fewer ops).
const (
	OpsWindow            = 4000
	OpsWindowUnannounced = 600
	MaxInFlightBytes     = wire.MaxFrame
)

// useBatches sets the pump up for what the hub's welcome says it takes:
// ops frames of up to max_ops_batch ops, paced below its op budget (with
// the same margin as frames), and a window of ops in flight within that
// budget. A hub that says nothing gets op frames.
func (p *pump) useBatches(w wire.Welcome) {
	p.window = Window
	if w.MaxOpsBatch > 1 {
		p.batch = min(w.MaxOpsBatch, wire.MaxOpsBatch)
		p.window = OpsWindowUnannounced
	}
	if w.OpRate > 0 && w.OpBurst > 0 {
		burst := max(1, w.OpBurst*9/10)
		p.opLim = rate.NewLimiter(rate.Limit(w.OpRate*0.9), burst)
		p.batch = min(p.batch, burst)
		if p.batch > 1 {
			p.window = max(OpsWindowUnannounced, min(OpsWindow, burst))
		}
	}
}

// sendQueue sends the ops of queue, in order, while the window has room:
// one op frame each, or ops frames of up to p.batch when the hub takes
// them (an op alone still goes as an op frame). A frame over the frame
// limit goes as two of half the ops. It returns the ops not sent, and
// false when the connection or ctx ended (err: why, if not that).
func (p *pump) sendQueue(ctx context.Context, queue []model.Op, write func(wire.Frame) (bool, error)) ([]model.Op, bool, error) {
	window := p.window
	for len(queue) > 0 {
		p.mu.Lock()
		n := min(len(queue), window-p.pending, max(p.batch, 1))
		if p.pending > 0 && p.pendingBytes >= MaxInFlightBytes {
			n = 0
		}
		p.mu.Unlock()
		if n <= 0 {
			break
		}
		for {
			if p.opLim != nil && p.opLim.WaitN(ctx, n) != nil {
				return queue, false, nil
			}
			p.mark(queue[:n], true)
			var f wire.Frame = wire.Op{Op: queue[0]}
			if n > 1 {
				f = wire.Ops{Ops: queue[:n]}
			}
			ok, err := write(f)
			if n > 1 && errors.Is(err, wire.ErrTooLarge) {
				p.mark(queue[:n], false)
				n /= 2
				continue
			}
			if !ok {
				return queue, false, err
			}
			p.weigh(queue[:n], p.wrote)
			break
		}
		queue = queue[n:]
	}
	return queue, true, nil
}

// mark counts ops as in flight on this connection, or (sent false) takes
// back a count made for a frame that was not written.
func (p *pump) mark(ops []model.Op, sent bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, op := range ops {
		if sent {
			p.sent[op.ID] = true
			p.pending++
		} else if p.sent[op.ID] {
			delete(p.sent, op.ID)
			p.pending--
		}
	}
}

// weigh counts the bytes of the frame that carried ops (each its share)
// as in flight until they are answered.
func (p *pump) weigh(ops []model.Op, frame int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bytes == nil {
		p.bytes = map[string]int{}
	}
	for i, op := range ops {
		b := frame / len(ops)
		if i == 0 {
			b += frame % len(ops)
		}
		if p.sent[op.ID] {
			p.bytes[op.ID] = b
			p.pendingBytes += b
		}
	}
}

// ackedMany is a Cache that records many acks in one transaction.
type ackedMany interface {
	AckedMany(opIDs []string) error
}

// gathered is what gather took: pages of events and the ids of acked ops.
type gathered struct {
	evs  []model.Event
	head uint64
	acks []string
}

// gather takes the events or ack frame f and the events and ack frames
// already waiting behind it (more, see session), in order, up to MaxBatch
// events and MaxBatch acks. An acked op leaves the pump's window at once,
// before its ack is on disk: the hub has answered it, and an ack lost with
// the console is an op sent again, which the hub answers from its ledger.
func (c *Client) gather(f wire.Frame, more func(func(wire.Frame) bool) (wire.Frame, bool), p *pump) gathered {
	var g gathered
	add := func(f wire.Frame) {
		switch a := f.(type) {
		case wire.Events:
			g.evs = append(g.evs, a.Events...)
			g.head = max(g.head, a.Head)
		case wire.Ack:
			g.acks = append(g.acks, a.OpID)
			p.done(a.OpID)
		case wire.Acks:
			for _, k := range a.Acks {
				g.acks = append(g.acks, k.OpID)
				p.done(k.OpID)
			}
		}
	}
	add(f)
	for {
		nf, ok := more(func(f wire.Frame) bool {
			switch f.(type) {
			case wire.Events:
				return len(g.evs) < MaxBatch
			case wire.Ack, wire.Acks:
				return len(g.acks) < MaxBatch
			}
			return false
		})
		if !ok {
			return g
		}
		add(nf)
	}
}

// recordAcks records acks in one cache transaction when the cache can
// (ackedMany); the pump has counted them answered (gather).
func (c *Client) recordAcks(ids []string) error {
	if am, ok := c.Cache.(ackedMany); ok {
		if err := am.AckedMany(ids); err != nil {
			return fmt.Errorf("record acks: %w", err)
		}
		return nil
	}
	for _, id := range ids {
		if err := c.Cache.Acked(id); err != nil {
			return fmt.Errorf("record ack: %w", err)
		}
	}
	return nil
}
