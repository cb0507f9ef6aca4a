package ui

import "testing"

// FirstVisible is the index of the first row the list shows now.
func (c *Console) FirstVisible() int {
	first, _ := c.visible()
	return first
}

// HoldUIPostsHere is HoldUIPosts whose run does the hand-overs on the
// calling goroutine, under the console's lock, and returns when they are
// done (HoldUIPosts's run queues them with fyne.Do): a test times them.
func HoldUIPostsHere(t *testing.T) (waiting func() int, run func()) {
	return holdUIPosts(t, func(c *Console, f func()) { c.Locked(f) })
}
