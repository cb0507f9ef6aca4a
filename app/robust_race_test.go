//go:build race

package app_test

// Sizes of the robustness tests under the race detector, which makes the
// console and hub several times slower; the paths exercised are the same
// (every kill, restart and cut still happens), with fewer ops.
const (
	crashOps   = 400
	proxyOps   = 800
	replayOps  = 1500 // above client.OpsWindow: the drain has a middle
	backlogMsg = 5000
)
