package hub

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// dropMapped tells the kernel the hub no longer needs the pages of the
// file at path it has read through its mapping (bbolt's mmap): after the
// start-up read of the case index they are never read again, but stay
// mapped (and counted in the process's resident memory) until the kernel
// needs the room. MADV_DONTNEED on a shared file mapping only unmaps
// them: they stay in the page cache, the file is not changed, and a
// later read maps them again. Errors are ignored: it is only advice.
func dropMapped(path string) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[len(fields)-1] != abs {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), syscall.MADV_DONTNEED)
	}
}
