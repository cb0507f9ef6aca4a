// Package boltcheck checks a bbolt file before bbolt maps it. bbolt trusts
// its file: a page past the end of a truncated file is touched through the
// memory map and the process dies with SIGBUS or SIGSEGV, which no recover
// catches. This package reads the file with plain reads instead: the two
// meta pages, the freelist and (for files up to a size limit) every page
// reachable from the root, with bounds on every offset. Only a file that
// passes is handed to bbolt, and bbolt's own consistency check then runs on
// it. Open and Guard turn a memory fault that still happens into an error
// (debug.SetPanicOnFault), as a last resort.
//
// Both the hub (hub.db, tokens.db) and the console (console.db) use it; the
// messages that say what to do are theirs.
package boltcheck

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The on-disk layout of bbolt v1.x (go.etcd.io/bbolt/internal/common),
// in the byte order of the machine that wrote it.
const (
	magic       = 0xED0CDAED
	version     = 2
	pageHeader  = 16 // id u64, flags u16, count u16, overflow u32
	elemSize    = 16 // branch: pos, ksize u32, pgid u64; leaf: flags, pos, ksize, vsize u32
	metaSize    = 64 // magic .. checksum
	metaSumLen  = 56 // the checksum covers the meta up to the checksum field
	bucketValue = 16 // root pgid u64, sequence u64; an inline page follows when root is 0

	flagBranch   = 0x01
	flagLeaf     = 0x02
	flagMeta     = 0x04
	flagFreelist = 0x10
	flagBucket   = 0x01 // leaf element: the value is a bucket

	noFreelist = ^uint64(0)
	maxDepth   = 64
)

var order = binary.NativeEndian

// ErrDamaged is wrapped by every *Damage.
var ErrDamaged = errors.New("damaged")

// Damage says what is wrong with a file.
type Damage struct {
	Path   string
	Reason string // e.g. "truncated: 4096 of 16384 bytes"
}

func (d *Damage) Error() string { return fmt.Sprintf("%s is damaged (%s)", d.Path, d.Reason) }

// Unwrap makes errors.Is(err, ErrDamaged) hold.
func (d *Damage) Unwrap() error { return ErrDamaged }

func damaged(path, format string, args ...any) *Damage {
	return &Damage{Path: path, Reason: fmt.Sprintf(format, args...)}
}

// Meta is the newest valid meta page of a file.
type Meta struct {
	PageSize uint32
	Root     uint64 // page of the root bucket
	Freelist uint64 // page of the freelist, noFreelist when not synced
	Pgid     uint64 // high-water mark: pages [0, Pgid) are in use
	Txid     uint64
}

// Info is what Check found.
type Info struct {
	Size  int64 // the file's size; 0 when it is missing or empty
	Empty bool  // missing or zero length: bbolt would start an empty file
	Meta  Meta
	Deep  bool // every reachable page was read and bbolt's Check ran
}

// Options tune Check.
type Options struct {
	// DeepLimit: files with up to this many bytes in use (high-water mark
	// × page size; bbolt grows a file ahead of use) get the full walk and
	// bbolt's Check; larger ones only the meta, root and freelist checks (a
	// walk reads every page). 0 means DefaultDeepLimit; negative, never.
	DeepLimit int64
	// Timeout for the file lock of the read-only open of the deep check.
	Timeout time.Duration
}

// DefaultDeepLimit is the size in use up to which Check reads every page:
// about 0.4 s for 256 MiB here.
const DefaultDeepLimit = 256 << 20

// Check checks the file at path. A missing or empty file is no error
// (Info.Empty). A damaged one gives a *Damage; a file locked by another
// process gives an error wrapping bolt.ErrTimeout.
func Check(path string, opt Options) (Info, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return Info{Empty: true}, nil
	}
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Info{}, err
	}
	if st.Size() == 0 {
		return Info{Empty: true}, nil
	}
	timeout := opt.Timeout
	if timeout == 0 {
		timeout = time.Second
	}
	if err := lockShared(f, timeout); err != nil {
		return Info{}, fmt.Errorf("boltcheck: lock %s: %w", path, err)
	}
	// Stat again under the lock: a writer may have grown the file.
	if st, err = f.Stat(); err != nil {
		return Info{}, err
	}
	info := Info{Size: st.Size()}
	r := &reader{f: f, path: path, size: info.Size}
	m, err := r.meta()
	if err != nil {
		return info, err
	}
	info.Meta = m
	if err := r.structure(); err != nil {
		return info, err
	}
	limit := opt.DeepLimit
	if limit == 0 {
		limit = DefaultDeepLimit
	}
	if limit < 0 || int64(m.Pgid)*int64(m.PageSize) > limit {
		return info, nil
	}
	if err := r.walk(nil, false); err != nil {
		return info, err
	}
	if err := boltCheck(path, opt.Timeout); err != nil {
		return info, err
	}
	info.Deep = true
	return info, nil
}

// boltCheck runs bbolt's tx.Check on a file the walk found sound, so its
// reads stay inside the file.
func boltCheck(path string, timeout time.Duration) (err error) {
	if timeout == 0 {
		timeout = time.Second
	}
	db, err := Open(path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	return Guard(path, func() error {
		return db.View(func(tx *bolt.Tx) error {
			var first error
			n := 0
			for e := range tx.Check() {
				if first == nil {
					first = e
				}
				n++
			}
			if first == nil {
				return nil
			}
			if n > 1 {
				return damaged(path, "bbolt check: %v, and %d more problems", first, n-1)
			}
			return damaged(path, "bbolt check: %v", first)
		})
	})
}

// Guard runs fn with memory faults turned into panics, and any panic into a
// *Damage naming path. A fault inside bbolt means its mapped file lies.
func Guard(path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = damaged(path, "bbolt failed reading it: %v", r)
		}
	}()
	return fn()
}

// Open is bolt.Open under Guard. Call it after Check: it is the last
// resort for what the check cannot see.
func Open(path string, mode os.FileMode, opts *bolt.Options) (db *bolt.DB, err error) {
	err = Guard(path, func() error {
		var oerr error
		db, oerr = bolt.Open(path, mode, opts)
		return oerr
	})
	if err != nil {
		var d *Damage
		if !errors.As(err, &d) && isFormatError(err) {
			err = damaged(path, "%v", err)
		}
		return nil, err
	}
	return db, nil
}

// isFormatError tells bbolt's errors about the file's content from the
// others (lock timeout, permissions).
func isFormatError(err error) bool {
	return errors.Is(err, bolt.ErrInvalid) || errors.Is(err, bolt.ErrChecksum) ||
		errors.Is(err, bolt.ErrVersionMismatch) || errors.Is(err, bolt.ErrInvalidMapping)
}

// reader reads pages with ReadAt, never through a memory map.
type reader struct {
	f    io.ReaderAt
	path string
	size int64
	m    Meta
	ps   int64
	seen map[uint64]bool // pages reached so far, to catch loops and overlaps

	// tolerant: skip unreadable pages instead of failing (Salvage).
	tolerant bool
	skipped  int
	found    []KV
	wanted   bool // the bucket Salvage asked for was found
}

// readMeta parses the meta page at off; ok is false when it is not valid.
func (r *reader) readMeta(off int64) (Meta, error, bool) {
	buf := make([]byte, pageHeader+metaSize)
	if _, err := r.f.ReadAt(buf, off); err != nil {
		return Meta{}, err, false
	}
	hdr, m := buf[:pageHeader], buf[pageHeader:]
	switch {
	case order.Uint16(hdr[8:]) != flagMeta:
		return Meta{}, fmt.Errorf("page type %#x, want meta", order.Uint16(hdr[8:])), false
	case order.Uint32(m[0:]) != magic:
		return Meta{}, errors.New("not a bbolt file (bad magic)"), false
	case order.Uint32(m[4:]) != version:
		return Meta{}, fmt.Errorf("format version %d, want %d", order.Uint32(m[4:]), version), false
	}
	h := fnv.New64a()
	h.Write(m[:metaSumLen])
	if h.Sum64() != order.Uint64(m[metaSumLen:]) {
		return Meta{}, errors.New("meta checksum mismatch"), false
	}
	return Meta{
		PageSize: order.Uint32(m[8:]),
		Root:     order.Uint64(m[16:]),
		Freelist: order.Uint64(m[32:]),
		Pgid:     order.Uint64(m[40:]),
		Txid:     order.Uint64(m[48:]),
	}, nil, true
}

// metas returns the valid meta pages, the one bbolt would use (the
// higher txid) first.
func (r *reader) metas() ([]Meta, error) {
	if r.size < pageHeader+metaSize {
		return nil, damaged(r.path, "truncated: %d bytes, shorter than one page", r.size)
	}
	m0, err0, ok0 := r.readMeta(0)
	var out []Meta
	if ok0 {
		out = append(out, m0)
		off := int64(m0.PageSize)
		if off+pageHeader+metaSize > r.size {
			return nil, damaged(r.path, "truncated: %d bytes, shorter than its two meta pages of %d bytes", r.size, 2*off)
		}
		if m1, _, ok1 := r.readMeta(off); ok1 && m1.PageSize == m0.PageSize {
			out = append(out, m1)
		}
	} else {
		// Page 0 is unreadable, so the page size is unknown: try the
		// sizes bbolt tries.
		for i := 0; i <= 14; i++ {
			off := int64(1024) << i
			if off+pageHeader+metaSize > r.size {
				break
			}
			if m, _, ok := r.readMeta(off); ok && int64(m.PageSize) == off {
				out = append(out, m)
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, damaged(r.path, "no valid meta page: %v", err0)
	}
	if len(out) == 2 && out[1].Txid > out[0].Txid {
		out[0], out[1] = out[1], out[0]
	}
	return out, nil
}

// use makes m the meta the reader follows.
func (r *reader) use(m Meta) error {
	ps := int64(m.PageSize)
	switch {
	case ps < 512 || ps > 1<<24 || ps&(ps-1) != 0:
		return damaged(r.path, "page size %d", ps)
	case m.Pgid < 3 || m.Pgid > uint64(1<<62)/uint64(ps):
		return damaged(r.path, "high-water mark %d pages", m.Pgid)
	case m.Root < 2 || m.Root >= m.Pgid:
		return damaged(r.path, "root page %d outside the file's %d pages", m.Root, m.Pgid)
	case m.Freelist != noFreelist && (m.Freelist < 2 || m.Freelist >= m.Pgid):
		return damaged(r.path, "freelist page %d outside the file's %d pages", m.Freelist, m.Pgid)
	}
	r.m, r.ps = m, ps
	return nil
}

// meta picks the meta page bbolt would use and checks it against the
// file's size.
func (r *reader) meta() (Meta, error) {
	ms, err := r.metas()
	if err != nil {
		return Meta{}, err
	}
	m := ms[0]
	if err := r.use(m); err != nil {
		return m, err
	}
	if need := int64(m.Pgid) * r.ps; need > r.size {
		return m, damaged(r.path, "truncated: %d of %d bytes", r.size, need)
	}
	return m, nil
}

// ReadMeta returns the meta page bbolt would use, checked against the
// file's size, or a *Damage. It reads two pages: cheap enough for every
// open.
func ReadMeta(path string) (Meta, error) {
	f, err := os.Open(path)
	if err != nil {
		return Meta{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Meta{}, err
	}
	r := &reader{f: f, path: path, size: st.Size()}
	m, err := r.meta()
	if err != nil {
		return m, err
	}
	return m, r.structure()
}

// structure checks the freelist page and the root page's header: what
// bbolt reads at open and at the first transaction.
func (r *reader) structure() error {
	r.seen = map[uint64]bool{0: true, 1: true}
	if r.m.Freelist != noFreelist {
		buf, err := r.page(r.m.Freelist, flagFreelist)
		if err != nil {
			return err
		}
		idx, count := 0, uint64(order.Uint16(buf[10:]))
		if count == 0xFFFF {
			if len(buf) < pageHeader+8 {
				return damaged(r.path, "freelist page %d is short", r.m.Freelist)
			}
			idx, count = 1, order.Uint64(buf[pageHeader:])
		}
		if count > uint64(len(buf)-pageHeader)/8-uint64(idx) {
			return damaged(r.path, "freelist page %d lists %d pages, more than it holds", r.m.Freelist, count)
		}
		for i := uint64(0); i < count; i++ {
			id := order.Uint64(buf[pageHeader+8*(uint64(idx)+i):])
			if id < 2 || id >= r.m.Pgid {
				return damaged(r.path, "freelist names page %d outside the file's %d pages", id, r.m.Pgid)
			}
		}
	}
	hdr := make([]byte, pageHeader)
	if _, err := r.f.ReadAt(hdr, int64(r.m.Root)*r.ps); err != nil {
		return damaged(r.path, "root page %d: %v", r.m.Root, err)
	}
	if fl := order.Uint16(hdr[8:]); fl != flagBranch && fl != flagLeaf {
		return damaged(r.path, "root page %d has type %#x, want branch or leaf", r.m.Root, fl)
	}
	return nil
}

// page reads page id with its overflow pages and checks its header. want
// is the page type, or 0 for branch-or-leaf.
func (r *reader) page(id uint64, want uint16) ([]byte, error) {
	if id < 2 || id >= r.m.Pgid {
		return nil, damaged(r.path, "page %d outside the file's %d pages", id, r.m.Pgid)
	}
	hdr := make([]byte, pageHeader)
	if _, err := r.f.ReadAt(hdr, int64(id)*r.ps); err != nil {
		return nil, damaged(r.path, "page %d: %v", id, err)
	}
	if got := order.Uint64(hdr); got != id {
		return nil, damaged(r.path, "page %d is overwritten: its header names page %d", id, got)
	}
	fl := order.Uint16(hdr[8:])
	if (want != 0 && fl != want) || (want == 0 && fl != flagBranch && fl != flagLeaf) {
		return nil, damaged(r.path, "page %d has type %#x", id, fl)
	}
	over := uint64(order.Uint32(hdr[12:]))
	if id+over >= r.m.Pgid {
		return nil, damaged(r.path, "page %d runs %d pages past the file's %d", id, over, r.m.Pgid)
	}
	for p := id; p <= id+over; p++ {
		if r.seen[p] {
			return nil, damaged(r.path, "page %d is reached twice", p)
		}
		r.seen[p] = true
	}
	buf := make([]byte, int64(over+1)*r.ps)
	if _, err := r.f.ReadAt(buf, int64(id)*r.ps); err != nil {
		return nil, damaged(r.path, "page %d: %v", id, err)
	}
	return buf, nil
}

// visit is called for each key/value of a bucket the walk was asked for.
type visit func(k, v []byte)

// walk reads every page reachable from the root bucket. When want is
// set, fn gets the entries of that top-level bucket.
func (r *reader) walk(want []byte, tolerant bool) error {
	r.tolerant = tolerant
	return r.tree(r.m.Root, 0, func(name, v []byte, isBucket bool) error {
		if !isBucket {
			return nil // the root bucket holds only buckets
		}
		var fn visit
		if want != nil && string(name) == string(want) {
			fn = r.want
			r.wanted = true
		} else if tolerant {
			return nil // Salvage reads only the bucket it wants
		}
		return r.bucket(v, 1, fn)
	})
}

type entryFunc func(k, v []byte, isBucket bool) error

// tree walks the B+tree at page id.
func (r *reader) tree(id uint64, depth int, fn entryFunc) error {
	if depth > maxDepth {
		return r.skip(damaged(r.path, "page %d: tree deeper than %d", id, maxDepth))
	}
	buf, err := r.page(id, 0)
	if err != nil {
		return r.skip(err)
	}
	if order.Uint16(buf[8:]) == flagLeaf {
		return r.leaf(buf, fmt.Sprintf("page %d", id), depth, fn)
	}
	count := int(order.Uint16(buf[10:]))
	if count == 0 || pageHeader+count*elemSize > len(buf) {
		return r.skip(damaged(r.path, "branch page %d holds %d elements", id, count))
	}
	for i := range count {
		e := pageHeader + i*elemSize
		pos, ksize := int(order.Uint32(buf[e:])), int(order.Uint32(buf[e+4:]))
		if pos > len(buf) || e+pos+ksize > len(buf) || ksize > len(buf) {
			return r.skip(damaged(r.path, "branch page %d: element %d out of bounds", id, i))
		}
		if err := r.tree(order.Uint64(buf[e+8:]), depth+1, fn); err != nil {
			return err
		}
	}
	return nil
}

// leaf visits the elements of a leaf page (from the file or inline in a
// bucket's value).
func (r *reader) leaf(buf []byte, where string, depth int, fn entryFunc) error {
	count := int(order.Uint16(buf[10:]))
	if pageHeader+count*elemSize > len(buf) {
		return r.skip(damaged(r.path, "leaf %s holds %d elements, more than fit", where, count))
	}
	for i := range count {
		e := pageHeader + i*elemSize
		flags := order.Uint32(buf[e:])
		pos, ksize, vsize := int(order.Uint32(buf[e+4:])), int(order.Uint32(buf[e+8:])), int(order.Uint32(buf[e+12:]))
		if pos > len(buf) || ksize > len(buf) || vsize > len(buf) || e+pos+ksize+vsize > len(buf) {
			return r.skip(damaged(r.path, "leaf %s: element %d out of bounds", where, i))
		}
		k := buf[e+pos : e+pos+ksize]
		v := buf[e+pos+ksize : e+pos+ksize+vsize]
		if err := fn(k, v, flags&flagBucket != 0); err != nil {
			return err
		}
	}
	return nil
}

// bucket walks a bucket given its value in the parent; fn, when set, gets
// its plain entries.
func (r *reader) bucket(v []byte, depth int, fn visit) error {
	if len(v) < bucketValue {
		return r.skip(damaged(r.path, "bucket value of %d bytes", len(v)))
	}
	entry := func(k, v []byte, isBucket bool) error {
		if isBucket {
			return r.bucket(v, depth+1, nil)
		}
		if fn != nil {
			fn(k, v)
		}
		return nil
	}
	if root := order.Uint64(v); root != 0 {
		return r.tree(root, depth, entry)
	}
	inline := v[bucketValue:]
	if len(inline) < pageHeader || order.Uint16(inline[8:]) != flagLeaf {
		return r.skip(damaged(r.path, "inline bucket is not a leaf"))
	}
	return r.leaf(inline, "inline bucket", depth, entry)
}

// skip fails the walk, or in tolerant mode counts the loss and goes on.
func (r *reader) skip(err error) error {
	if r.tolerant {
		r.skipped++
		return nil
	}
	return err
}

// want collects the entries Salvage asked for.
func (r *reader) want(k, v []byte) {
	r.found = append(r.found, KV{Key: append([]byte(nil), k...), Value: append([]byte(nil), v...)})
}

// KV is one entry Salvage read.
type KV struct{ Key, Value []byte }

// Salvage reads the entries of the top-level bucket name from a damaged
// file, as far as they can be read: unreadable pages are skipped and
// counted in lost. It follows the newest meta page, or the other one when
// the newest leads to nothing; it never maps the file.
func Salvage(path string, name []byte) (kvs []KV, lost int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	r := &reader{f: f, path: path, size: st.Size()}
	ms, err := r.metas()
	if err != nil {
		return nil, 0, err
	}
	// The newest tree, when whole, is the answer. Otherwise entries of
	// the tree before the last commit are added: at worst an op the hub
	// answered in that commit is sent again, and the hub answers a repeat
	// with its first answer.
	byKey := map[string]bool{}
	for i, m := range ms {
		if err := r.use(m); err != nil {
			continue
		}
		r.seen = map[uint64]bool{0: true, 1: true}
		r.found, r.skipped, r.wanted = nil, 0, false
		_ = r.walk(name, true) // tolerant: it only counts what it skips
		for _, kv := range r.found {
			if !byKey[string(kv.Key)] {
				byKey[string(kv.Key)] = true
				kvs = append(kvs, kv)
			}
		}
		if i == 0 {
			lost = r.skipped
			if r.wanted && r.skipped == 0 {
				break
			}
		}
	}
	slices.SortFunc(kvs, func(a, b KV) int { return bytes.Compare(a.Key, b.Key) })
	return kvs, lost, nil
}

// OnFault turns memory faults into panics until the function it returns
// runs; deferred, that function recovers a panic and hands it to fn as a
// *Damage naming path. Use it where Guard would need a closure:
//
//	defer boltcheck.OnFault(path, func(d *boltcheck.Damage) { err = d })()
func OnFault(path string, fn func(*Damage)) func() {
	prev := debug.SetPanicOnFault(true)
	return func() {
		debug.SetPanicOnFault(prev)
		if r := recover(); r != nil {
			fn(damaged(path, "bbolt failed reading it: %v", r))
		}
	}
}
