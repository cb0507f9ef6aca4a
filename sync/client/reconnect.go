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
// to a hub that takes ops frames: several frames of a batch each, so the
// hub always has the next batch to apply while the answers to the ones
// before travel back.
const OpsWindow = 600

// useBatches sets the pump up for what the hub's welcome says it takes:
// ops frames of up to max_ops_batch ops, paced below its op budget (with
// the same margin as frames). A hub that says nothing gets op frames.
func (p *pump) useBatches(w wire.Welcome) {
	if w.MaxOpsBatch > 1 {
		p.batch = min(w.MaxOpsBatch, wire.MaxOpsBatch)
	}
	if w.OpRate > 0 && w.OpBurst > 0 {
		burst := max(1, w.OpBurst*9/10)
		p.opLim = rate.NewLimiter(rate.Limit(w.OpRate*0.9), burst)
		p.batch = min(p.batch, burst)
	}
}

// sendQueue sends the ops of queue, in order, while the window has room:
// one op frame each, or ops frames of up to p.batch when the hub takes
// them (an op alone still goes as an op frame). A frame over the frame
// limit goes as two of half the ops. It returns the ops not sent, and
// false when the connection or ctx ended (err: why, if not that).
func (p *pump) sendQueue(ctx context.Context, queue []model.Op, write func(wire.Frame) (bool, error)) ([]model.Op, bool, error) {
	window := Window
	if p.batch > 1 {
		window = OpsWindow
	}
	for len(queue) > 0 {
		p.mu.Lock()
		n := min(len(queue), window-p.pending, max(p.batch, 1))
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

// ackedMany is a Cache that records many acks in one transaction.
type ackedMany interface {
	AckedMany(opIDs []string) error
}

// recordAcks records the ack or acks frame f and the acks already waiting
// behind it (more, see session) together: one cache transaction for the
// lot when the cache can (ackedMany), then tells the pump.
func (c *Client) recordAcks(f wire.Frame, more func(func(wire.Frame) bool) (wire.Frame, bool), p *pump) error {
	var ids []string
	add := func(f wire.Frame) {
		switch a := f.(type) {
		case wire.Ack:
			ids = append(ids, a.OpID)
		case wire.Acks:
			for _, k := range a.Acks {
				ids = append(ids, k.OpID)
			}
		}
	}
	add(f)
	for len(ids) < MaxBatch {
		nf, ok := more(func(f wire.Frame) bool {
			switch f.(type) {
			case wire.Ack, wire.Acks:
				return true
			}
			return false
		})
		if !ok {
			break
		}
		add(nf)
	}
	if am, ok := c.Cache.(ackedMany); ok {
		if err := am.AckedMany(ids); err != nil {
			return fmt.Errorf("record acks: %w", err)
		}
	} else {
		for _, id := range ids {
			if err := c.Cache.Acked(id); err != nil {
				return fmt.Errorf("record ack: %w", err)
			}
		}
	}
	for _, id := range ids {
		p.done(id)
	}
	return nil
}
