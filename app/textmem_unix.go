//go:build unix

package app

import (
	"runtime"
	"syscall"
)

// textMem is the memory of a text block: mapped outside the Go heap, so
// that the collector's headroom (the heap grows to twice what it keeps
// before a collection) is not paid on the search index's text, the
// console's largest holding (about 100 MB at 300k cases). It is unmapped
// when the block is dropped (freeText) or, for the blocks of a table let
// go (a reset), once the block is unreachable.
func allocText(blk *textBlock, size int) {
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		blk.b = make([]byte, 0, size) // no mapping: the heap will do
		return
	}
	blk.b = mem[:0]
	blk.unmap = runtime.AddCleanup(blk, func(mem []byte) { syscall.Munmap(mem) }, mem)
	blk.mapped = true
}

// freeText unmaps a block no reader can reach any more (compacted under
// the index's write lock).
func freeText(blk *textBlock) {
	if !blk.mapped {
		return
	}
	blk.unmap.Stop()
	mem := blk.b[:cap(blk.b)]
	blk.b, blk.mapped = nil, false
	syscall.Munmap(mem)
}
