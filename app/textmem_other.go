//go:build !unix

package app

// On systems without mmap the text blocks are ordinary heap memory.
func allocText(blk *textBlock, size int) { blk.b = make([]byte, 0, size) }

func freeText(blk *textBlock) { blk.b = nil }
