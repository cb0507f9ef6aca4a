package hub

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Default rate of a LogThrottle.
const (
	throttlePerSecond = 10
	throttleBurst     = 10
	// ThrottleSummaryAfter is how long after the first line it held back
	// a LogThrottle writes its summary.
	ThrottleSummaryAfter = time.Second
)

// LogThrottle writes at most ten lines a second (a burst of ten) of one
// kind of log line, such as a refused request: a peer that sends 20,000
// bad tokens must not write 20,000 lines. The lines it holds back are
// counted and reported in one summary line, "MSG (similar lines
// suppressed)" with suppressed=K, a second after the first of them. The
// zero value is ready to use.
type LogThrottle struct {
	once sync.Once
	lim  *rate.Limiter

	mu         sync.Mutex
	suppressed int
	pending    bool // a summary is scheduled
}

// Warn logs msg at level WARN unless the throttle holds it back.
func (t *LogThrottle) Warn(logger *slog.Logger, msg string, args ...any) {
	t.log(logger, slog.LevelWarn, msg, args...)
}

// Error logs msg at level ERROR unless the throttle holds it back.
func (t *LogThrottle) Error(logger *slog.Logger, msg string, args ...any) {
	t.log(logger, slog.LevelError, msg, args...)
}

func (t *LogThrottle) log(logger *slog.Logger, level slog.Level, msg string, args ...any) {
	t.once.Do(func() { t.lim = rate.NewLimiter(throttlePerSecond, throttleBurst) })
	if t.lim.Allow() {
		logger.Log(context.Background(), level, msg, args...)
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.suppressed++
	if t.pending {
		return
	}
	t.pending = true
	time.AfterFunc(ThrottleSummaryAfter, func() {
		t.mu.Lock()
		n := t.suppressed
		t.suppressed, t.pending = 0, false
		t.mu.Unlock()
		logger.Log(context.Background(), level, msg+" (similar lines suppressed)", "suppressed", n)
	})
}
