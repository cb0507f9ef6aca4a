package twitter

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"switchboard/model"
)

// The brand of the fixtures (testdata/README.md).
const (
	brandID     = "1427000000000000001"
	brandHandle = "HotelAlpenblick"
	secret      = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeSink records what it is given; err, if set, decides each answer.
type fakeSink struct {
	mu      sync.Mutex
	items   []model.Inbound
	err     func(model.Inbound) error
	threads map[string]string // for ThreadOf, when non-nil
}

func (s *fakeSink) Ingest(in model.Inbound) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		if err := s.err(in); err != nil {
			return "", false, err
		}
	}
	s.items = append(s.items, in)
	return "case-" + in.ThreadRef, false, nil
}

func (s *fakeSink) got() []model.Inbound {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]model.Inbound(nil), s.items...)
}

// findingSink is a fakeSink that also answers ThreadOf.
type findingSink struct {
	fakeSink
	refs map[string]string
}

func (s *findingSink) ThreadOf(ch model.Channel, id string) (string, bool) {
	ref, ok := s.refs[id]
	return ref, ok && ch == model.ChannelTwitter
}

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(t time.Time) *clock { return &clock{now: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// logBuf collects log lines for assertions.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func testConfig(base string) Config {
	return Config{
		BaseURL:        base,
		BearerToken:    "app-bearer-token",
		UserToken:      "brand-user-token",
		ConsumerSecret: secret,
		UserID:         brandID,
		BrandHandle:    "@" + brandHandle,
		Logger:         quietLogger(),
	}
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}
