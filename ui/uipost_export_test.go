package ui

import (
	"sync"
	"testing"
)

// HoldUIPosts makes the console's hand-overs to the UI goroutine (uiPost)
// wait in a list, as on a UI goroutine that lags behind the core: waiting
// counts them, run hands them over in order. Undone at the test's end.
func HoldUIPosts(t *testing.T) (waiting func() int, run func()) {
	return holdUIPosts(t, func(c *Console, f func()) { c.do(f) })
}

// holdUIPosts is HoldUIPosts with run handing each one over with hand.
func holdUIPosts(t *testing.T, hand func(c *Console, f func())) (waiting func() int, run func()) {
	var mu sync.Mutex
	var held []func()
	var posted []*Console
	old := uiPost
	uiPost = func(c *Console, f func()) {
		mu.Lock()
		defer mu.Unlock()
		held, posted = append(held, f), append(posted, c)
	}
	t.Cleanup(func() { uiPost = old })
	waiting = func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(held)
	}
	run = func() {
		mu.Lock()
		fs, cs := held, posted
		held, posted = nil, nil
		mu.Unlock()
		for i, f := range fs {
			hand(cs[i], f)
		}
	}
	return waiting, run
}
