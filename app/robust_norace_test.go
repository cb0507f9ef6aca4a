//go:build !race

package app_test

// Sizes of the robustness tests in a normal run: those of issue 3.
const (
	crashOps   = 1000  // ops queued by a console killed with SIGKILL
	proxyOps   = 5000  // ops through the flaky proxy
	replayOps  = 3000  // ops in the outbox drained across hub restarts (several client.OpsWindow)
	backlogMsg = 10000 // messages (20,000 events) in the initial sync
)
