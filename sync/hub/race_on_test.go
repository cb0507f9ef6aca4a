//go:build race

package hub_test

// raceEnabled: the race detector slows CPU-bound work several times, so
// latency bounds are checked only without it.
const raceEnabled = true
