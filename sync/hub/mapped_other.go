//go:build !linux

package hub

// dropMapped is a no-op where the hub does not know how to give the
// kernel back a file mapping's pages (see mapped_linux.go).
func dropMapped(string) {}
