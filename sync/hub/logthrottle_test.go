package hub

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// 20,000 refusals in a burst write about ten lines and one summary that
// counts the others (issue 9, point 11: they wrote 20,013 lines).
func TestLogThrottle(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	var th LogThrottle
	const n = 20000
	for range n {
		th.Warn(logger, "auth: refused", "remote", "127.0.0.1:1")
	}
	deadline := time.Now().Add(ThrottleSummaryAfter + 5*time.Second)
	for {
		lines, told, summaries := 0, 0, 0
		for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			if !strings.Contains(l, "level=WARN") || !strings.Contains(l, "auth: refused") {
				t.Fatalf("unexpected line %q", l)
			}
			lines++
			if i := strings.Index(l, "suppressed="); i >= 0 {
				var k int
				fmt.Sscanf(l[i:], "suppressed=%d", &k)
				told += k
				summaries++
			} else {
				told++
			}
		}
		if told == n {
			if lines > 30 || summaries == 0 {
				t.Errorf("%d lines (%d summaries) for %d refusals:\n%s", lines, summaries, n, buf.String())
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d refusals told in %d lines:\n%s", told, n, lines, buf.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
