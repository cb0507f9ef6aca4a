package app

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"
)

// The search index holds its text lower-cased; a snippet shows it as it
// was written. A document's caps say where the written text differs from
// the held one, in order of offset: per difference one uvarint of the
// offset's distance from the previous difference's (the first: from the
// start), shifted left by one, with the low bit 0 for an ASCII capital
// (the held letter less 'a'-'A') and 1 for a rune written otherwise,
// whose code follows as a second uvarint and replaces the held rune at the
// offset. The case fields' caps count from the document's start, the
// messages' from the messages' start, so either part is kept or replaced
// alone. It costs about a byte per capital letter.

// capsWriter appends the differences of a text to b; last is the offset
// of the previous one.
type capsWriter struct {
	b    []byte
	last int
}

func (w *capsWriter) upper(off int) {
	w.b = binary.AppendUvarint(w.b, uint64(off-w.last)<<1)
	w.last = off
}

func (w *capsWriter) rune(off int, r rune) {
	w.b = binary.AppendUvarint(w.b, uint64(off-w.last)<<1|1)
	w.b = binary.AppendUvarint(w.b, uint64(r))
	w.last = off
}

// capsEach calls f with every difference of caps (the rune is 0 for an
// ASCII capital) until it returns false.
func capsEach(caps []byte, f func(off int, r rune) bool) {
	off := 0
	for len(caps) > 0 {
		v, n := binary.Uvarint(caps)
		if n <= 0 {
			return
		}
		caps = caps[n:]
		off += int(v >> 1)
		var r rune
		if v&1 != 0 {
			x, n := binary.Uvarint(caps)
			if n <= 0 {
				return
			}
			caps, r = caps[n:], rune(x)
		}
		if !f(off, r) {
			return
		}
	}
}

// capsLast is the offset of the last difference of caps (0: none).
func capsLast(caps []byte) int {
	last := 0
	capsEach(caps, func(off int, _ rune) bool { last = off; return true })
	return last
}

// capsShift appends to dst (whose last difference is at last) the
// differences of src moved by shift, those before 0 left out.
func capsShift(dst []byte, last int, src []byte, shift int) ([]byte, int) {
	w := capsWriter{b: dst, last: last}
	capsEach(src, func(off int, r rune) bool {
		if off += shift; off >= 0 {
			if r == 0 {
				w.upper(off)
			} else {
				w.rune(off, r)
			}
		}
		return true
	})
	return w.b, w.last
}

// asWritten is held[from:to] as written, where caps are the differences
// of held, and the offsets i and j of held in the result.
func asWritten(held, caps []byte, from, to, i, j int) (string, int, int) {
	var out strings.Builder
	out.Grow(to - from + 8)
	pos := from
	ri, rj := i-from, j-from
	capsEach(caps, func(off int, r rune) bool {
		if off >= to {
			return false
		}
		if off < from {
			return true
		}
		out.Write(held[pos:off])
		pos = off
		if r == 0 {
			out.WriteByte(held[off] - ('a' - 'A'))
			pos++
			return true
		}
		_, n := utf8.DecodeRune(held[off:])
		w, _ := out.WriteRune(r)
		pos += n
		if d := w - n; d != 0 {
			if off < i {
				ri += d
			}
			if off < j {
				rj += d
			}
		}
		return true
	})
	out.Write(held[pos:to])
	return out.String(), ri, rj
}
