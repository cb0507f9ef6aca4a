//go:build !unix

package main

// raiseFileLimit knows no file limit here: the cap stays as asked.
func raiseFileLimit() (uint64, error) { return 0, nil }
