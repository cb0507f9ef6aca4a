package ui

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"fyne.io/fyne/v2"
)

// The UI probe measures how long the UI goroutine keeps the agent waiting:
// with SWITCHBOARD_UI_PROBE=FILE set, a goroutine hands the UI goroutine a
// timestamp every 16 ms (one at a time, through fyne.Do) and writes, once a
// second, a line to FILE: how many it got through, the longest and the 99th
// percentile lag (post to run, in ms) and how many lagged more than 100 ms.
// It is for checking the console's smoothness by hand (README Performance);
// unset, nothing runs.
var probeOnce sync.Once

func startUIProbe() {
	path := os.Getenv("SWITCHBOARD_UI_PROBE")
	if path == "" {
		return
	}
	probeOnce.Do(func() {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ui probe:", err)
			return
		}
		go func() {
			var lags []time.Duration
			second := time.Now()
			for {
				t0 := time.Now()
				ran := make(chan time.Duration, 1)
				fyne.Do(func() { ran <- time.Since(t0) })
				lags = append(lags, <-ran)
				if time.Since(second) >= time.Second {
					slices.Sort(lags)
					over := 0
					for _, l := range lags {
						if l > 100*time.Millisecond {
							over++
						}
					}
					fmt.Fprintf(f, "%s n=%d max_ms=%.1f p99_ms=%.1f over100=%d\n", time.Now().UTC().Format("15:04:05.000"),
						len(lags), probeMS(lags[len(lags)-1]), probeMS(lags[len(lags)*99/100]), over)
					lags, second = lags[:0], time.Now()
				}
				time.Sleep(16 * time.Millisecond)
			}
		}()
	})
}

func probeMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
