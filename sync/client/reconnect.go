package client

import "sync"

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
