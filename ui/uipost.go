package ui

import "sync"

// uiPost hands f to the UI goroutine (Console.do). Tests replace it to play
// a UI goroutine that lags behind the core.
var uiPost = func(c *Console, f func()) { c.do(f) }

// latest is a producer's newest result for the UI goroutine, handed over
// one at a time. fyne.Do queues without bound: the queue worker and the
// extras posted one closure per change (up to ten a second), each holding
// the whole queue, and a UI goroutine slower than that (a busy software-
// rendered window) let them pile up — 1.1 GB of resident memory after ten
// minutes of the demo hub, a live heap of queue pages waiting in the
// closures. Now a producer replaces the result the UI has not taken yet
// and posts only when no post is waiting, so at most one result is
// waiting and one being shown.
type latest[T any] struct {
	mu     sync.Mutex
	val    T
	has    bool
	posted bool
}

// put makes v the result to show; merge (if set) folds a result not yet
// shown into v. apply runs on the UI goroutine with the newest result.
func (l *latest[T]) put(c *Console, v T, merge func(old, v T) T, apply func(T)) {
	l.mu.Lock()
	if l.has && merge != nil {
		v = merge(l.val, v)
	}
	l.val, l.has = v, true
	if l.posted {
		l.mu.Unlock()
		return
	}
	l.posted = true
	l.mu.Unlock()
	uiPost(c, func() {
		l.mu.Lock()
		v, has := l.val, l.has
		var zero T
		l.val, l.has, l.posted = zero, false, false
		l.mu.Unlock()
		if has {
			apply(v)
		}
	})
}
