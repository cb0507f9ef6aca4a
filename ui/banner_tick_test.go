package ui_test

import (
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/sync/client"
	"switchboard/ui"
)

// offlineCore is the core, offline, with the next retry the test sets.
type offlineCore struct {
	*app.Core
	mu   sync.Mutex
	next time.Time
}

func (o *offlineCore) Status() client.Status {
	o.mu.Lock()
	defer o.mu.Unlock()
	return client.Status{State: client.StateOffline, NextRetry: o.next, Err: "dial tcp 127.0.0.1:8750: connect: connection refused"}
}

// The banner's "Next try in" counts down with the status bar's: it was
// set only when the core reported a change, so offline it said 15 s while
// the status bar said 10 (seen in the window). Each tick sets both.
func TestOfflineBannerCountsDownWithTheStatusBar(t *testing.T) {
	test.NewTempApp(t)
	o := &offlineCore{Core: fixture(t), next: time.Now().Add(30 * time.Second)}
	c := ui.New(o)
	c.Wait()
	w := test.NewWindow(c.Content())
	w.Resize(fyne.NewSize(1400, 860))
	t.Cleanup(func() { w.Close(); c.Wait() })
	secs := func(re *regexp.Regexp, s string) int {
		m := re.FindStringSubmatch(s)
		if m == nil {
			return -1
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	inBanner, inBar := regexp.MustCompile(`Next try in (\d+) s`), regexp.MustCompile(`retrying in (\d+) s`)
	eventually(t, c, "the banner with the next try", func() bool {
		return c.Banner().Visible() && secs(inBanner, c.Banner().Line()) > 20
	})
	o.mu.Lock()
	o.next = time.Now().Add(5*time.Second + 400*time.Millisecond) // the client's next attempt, with no change posted
	o.mu.Unlock()
	c.Locked(c.Tick)
	c.Locked(func() {
		bar, banner := secs(inBar, c.StatusBar().Text()), secs(inBanner, c.Banner().Line())
		if bar < 0 || bar > 6 || banner != bar {
			t.Errorf("after a tick: status %q, banner %q", c.StatusBar().Text(), c.Banner().Line())
		}
	})
}
