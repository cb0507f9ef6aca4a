//go:build unix

package main

import "syscall"

// raiseFileLimit raises the soft limit of open files to the hard one (Go
// does so at start on Linux since 1.19; this says so and covers the other
// Unixes) and returns the soft limit now in force.
func raiseFileLimit() (uint64, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	if rl.Cur < rl.Max {
		raised := rl
		raised.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err == nil {
			rl = raised
		}
	}
	return uint64(rl.Cur), nil
}
