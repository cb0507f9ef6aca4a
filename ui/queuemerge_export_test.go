package ui

import (
	"sync"
	"testing"
)

// FirstVisible is the index of the first row the list shows now.
func (c *Console) FirstVisible() int {
	first, _ := c.visible()
	return first
}

// HoldUIPostsHere is HoldUIPosts whose run does the hand-overs on the
// calling goroutine, under the console's lock, and returns when they are
// done (HoldUIPosts's run queues them with fyne.Do): a test times them.
func HoldUIPostsHere(t *testing.T) (waiting func() int, run func()) {
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
			cs[i].Locked(f)
		}
	}
	return waiting, run
}
