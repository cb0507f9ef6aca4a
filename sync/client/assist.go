package client

import (
	"context"
	"errors"
	"sync"
	"time"

	"switchboard/sync/wire"
)

// ErrNotConnected is an assist request made while no session with the
// hub is open (or its writer did not take the request in time).
var ErrNotConnected = errors.New("not connected to the hub")

// assistHandoff bounds the wait for the session's writer to take a
// request: a writer busy longer than this is as good as offline (the
// console then asks over HTTP, or answers itself).
const assistHandoff = 500 * time.Millisecond

// assistState is a Client's assist requests: the writer takes them from
// out while a session is open; answers find their waiter by request id.
type assistState struct {
	out     chan wire.AssistRequest // unbuffered: taken only by a running writer
	mu      sync.Mutex
	waiting map[string]chan wire.AssistAnswer
}

// assistStates keeps each Client's state beside it (the Client struct
// is shared with the rest of the sync client).
var assistStates sync.Map // *Client → *assistState

func (c *Client) assistState() *assistState {
	if s, ok := assistStates.Load(c); ok {
		return s.(*assistState)
	}
	s, _ := assistStates.LoadOrStore(c, &assistState{out: make(chan wire.AssistRequest), waiting: map[string]chan wire.AssistAnswer{}})
	return s.(*assistState)
}

// assistQueue is what the session's writer takes requests from.
func (c *Client) assistQueue() <-chan wire.AssistRequest { return c.assistState().out }

// Assist asks the hub for drafts or a thread summary (req.Kind) and
// waits for its answer until ctx ends. Without an open session it fails
// at once with ErrNotConnected, so the caller can answer offline.
func (c *Client) Assist(ctx context.Context, req wire.AssistRequest) (wire.AssistAnswer, error) {
	s := c.assistState()
	ch := make(chan wire.AssistAnswer, 1)
	s.mu.Lock()
	s.waiting[req.RequestID] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.waiting, req.RequestID)
		s.mu.Unlock()
	}()
	handoff := time.NewTimer(assistHandoff)
	defer handoff.Stop()
	select {
	case s.out <- req:
	case <-handoff.C:
		return wire.AssistAnswer{}, ErrNotConnected
	case <-ctx.Done():
		return wire.AssistAnswer{}, ctx.Err()
	}
	select {
	case a := <-ch:
		return a, nil
	case <-ctx.Done():
		return wire.AssistAnswer{}, ctx.Err()
	}
}

// assistAnswered hands an answer to its waiter (none: it gave up).
func (c *Client) assistAnswered(a wire.AssistAnswer) {
	s := c.assistState()
	s.mu.Lock()
	ch := s.waiting[a.RequestID]
	s.mu.Unlock()
	if ch != nil {
		select {
		case ch <- a:
		default:
		}
	}
}
