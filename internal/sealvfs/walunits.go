package sealvfs

import (
	"encoding/binary"
	"io"
	"slices"

	"github.com/ncruces/go-sqlite3"
)

// A WAL is encrypted in units that follow its own layout, not in 512-byte
// sectors: unit 0 is the 32-byte WAL header, unit k (k ≥ 1) is frame k, its
// 24-byte header and its page (24+page size bytes, a length XTS covers with
// ciphertext stealing). The tweak is the unit number with the top bit set,
// so that no unit of a WAL shares a tweak with a sector of a database.
//
// Why: frames start at 32+k·(24+page size), never on a 512-byte boundary.
// Sealed in sectors, each frame SQLite writes (its header, then its page)
// became three read-modify-writes of partial sectors under a lock of the
// wal-index, and each frame read two locked partial reads: about 1,900
// system calls for one saved intake (strace), which made a sealed save
// 2-3× slower than a plain one. In units, a frame is one write and one
// read, and no lock is needed: SQLite never reads a frame while another
// connection writes it (a reader sees frames up to its snapshot's last
// one, a writer writes beyond it or after a restart no reader uses).
//
// SQLite writes a frame as two calls, the header and then the page. The
// header waits in the handle (walUnit) for its page; the unit is written
// whole once both are there. Anything else that reaches the handle first
// (a read, a sync, a size, a truncation, a write of another unit, the
// close) writes the waiting part with the rest of its unit as it is on
// disk, or zeros where the unit is beyond the end of the file: what SQLite
// wrote is never held back from a reader or a sync. Writes of part of a
// unit that is not waiting (SQLite overwrites a frame's page in place when
// a transaction spills a page twice, and later rewrites the headers of
// such frames after reading each frame whole) read the unit, change the
// part and write the unit whole.
//
// A WAL written by the first sealed versions (in 512-byte sectors) does
// not decrypt in units: SQLite finds no valid WAL header and ignores it, as
// an empty WAL. Those versions were never released.

const walTweakBit = 1 << 63

// walUnit is the unit of a WAL handle that is waiting for the rest of its
// bytes, or the unit this handle read last.
type walUnit struct {
	idx   int64 // unit number, or -1
	start int64 // offset of the unit in the file
	buf   []byte
	// lo and hi bound what SQLite wrote of a unit that is not whole.
	lo, hi int
	whole  bool // buf holds all of the unit
	dirty  bool // buf holds bytes not yet written
	// fresh tells that the last call on this handle read this unit: its
	// content is still what the file holds.
	fresh bool
}

// walUnitAt returns the unit that holds off: its number, start and size.
// The page size must be known for offsets past the WAL header.
func (x *sealFile) walUnitAt(off int64) (idx, start int64, size int) {
	if off < walHeaderSize {
		return 0, 0, walHeaderSize
	}
	fsz := x.frameSize()
	k := (off - walHeaderSize) / fsz
	return k + 1, walHeaderSize + k*fsz, int(fsz)
}

// walKnowPageSize learns the page size from the WAL header when the handle
// does not know it yet.
func (x *sealFile) walKnowPageSize() error {
	w := &x.walState
	if w.pageSize != 0 {
		return nil
	}
	var hdr [walHeaderSize]byte
	if n, err := x.walReadUnits(hdr[:], 0); n != walHeaderSize {
		if err == nil || err == io.EOF {
			err = sqlite3.IOERR_SHORT_READ
		}
		return err
	}
	ps := parsePageSize(binary.BigEndian.Uint32(hdr[8:12]))
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		// Not a WAL header: SQLite would not read frames of it.
		return sqlite3.IOERR_READ
	}
	w.pageSize = ps
	w.bigEnd = binary.BigEndian.Uint32(hdr[0:4])&1 != 0
	return nil
}

// walReadAt reads p at off from a WAL, unit by unit.
func (x *sealFile) walReadAt(p []byte, off int64) (int, error) {
	if err := x.walFlush(); err != nil {
		return 0, err
	}
	if off+int64(len(p)) > walHeaderSize {
		if err := x.walKnowPageSize(); err != nil {
			return 0, err
		}
	}
	return x.walReadUnits(p, off)
}

// walReadUnits reads the units that hold p at off in one read, decrypts
// them and copies p out. A unit cut short by the end of the file cannot be
// decrypted: the read stops before it, short, as at the end of the file.
func (x *sealFile) walReadUnits(p []byte, off int64) (n int, err error) {
	x.walUnit.fresh = false
	if len(p) == 0 {
		return 0, nil
	}
	firstIdx, first, _ := x.walUnitAt(off)
	lastIdx, last, lastSize := x.walUnitAt(off + int64(len(p)) - 1)
	size := int(last + int64(lastSize) - first)
	if cap(x.buf) < size {
		x.buf = make([]byte, size)
	}
	run := x.buf[:size]
	m, err := x.File.ReadAt(run, first)
	pos := first
	for idx := firstIdx; idx <= lastIdx; idx++ {
		_, us, usz := x.walUnitAt(pos)
		rel := int(us - first)
		if rel+usz > m {
			if err == nil {
				err = io.EOF
			}
			return n, err
		}
		unit := run[rel : rel+usz]
		x.cipher.decrypt(unit, uint64(idx)|walTweakBit)
		lo := max(off, us) - us
		n += copy(p[n:], unit[lo:])
		pos = us + int64(usz)
		if idx == lastIdx && !x.walUnit.dirty {
			// Kept: SQLite may rewrite part of the frame it just read.
			u := &x.walUnit
			u.idx, u.start, u.whole, u.dirty, u.fresh = idx, us, true, false, true
			u.buf = append(u.buf[:0], unit...)
		}
	}
	return n, nil
}

// walWriteAt writes p at off to a WAL, unit by unit.
func (x *sealFile) walWriteAt(p []byte, off int64) (int, error) {
	u := &x.walUnit
	fresh := u.fresh
	u.fresh = false
	if !fresh && !u.dirty {
		u.idx = -1 // what this handle read before may have changed since
	}
	if off+int64(len(p)) > walHeaderSize {
		if err := x.walKnowPageSize(); err != nil {
			return 0, err
		}
	}
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		idx, us, size := x.walUnitAt(pos)
		a := int(pos - us)
		part := p[n : n+min(size-a, len(p)-n)]
		if err := x.walWritePart(idx, us, size, a, part); err != nil {
			return n, err
		}
		n += len(part)
	}
	return n, nil
}

// walWritePart writes part at a of the unit idx, which starts at us and
// holds size bytes.
func (x *sealFile) walWritePart(idx, us int64, size, a int, part []byte) error {
	u := &x.walUnit
	if u.idx != idx {
		if err := x.walFlush(); err != nil {
			return err
		}
		u.idx, u.start = idx, us
		u.buf = slices.Grow(u.buf[:0], size)[:size]
		clear(u.buf)
		u.whole, u.dirty = false, false
		u.lo, u.hi = a, a
		if a != 0 {
			// Part of a unit from its middle: SQLite overwrites the page
			// of a frame in place. The rest of the unit is on disk.
			if err := x.walFill(); err != nil {
				return err
			}
		}
	}
	copy(u.buf[a:], part)
	u.dirty = true
	if !u.whole {
		if a > u.hi || a+len(part) < u.lo {
			// Not adjacent to what is waiting: complete the unit from
			// the disk, outside what SQLite wrote.
			if err := x.walFill(); err != nil {
				return err
			}
			copy(u.buf[a:], part)
		} else {
			u.lo, u.hi = min(u.lo, a), max(u.hi, a+len(part))
			u.whole = u.lo == 0 && u.hi == size
		}
	}
	if u.whole {
		return x.walWriteUnit()
	}
	return nil // the header waits for its page
}

// walFill completes the waiting unit with what the file holds outside the
// bytes SQLite wrote (zeros where the unit is beyond the end of the file).
func (x *sealFile) walFill() error {
	u := &x.walUnit
	size := len(u.buf)
	if cap(x.buf) < size {
		x.buf = make([]byte, size)
	}
	disk := x.buf[:size]
	m, err := x.File.ReadAt(disk, u.start)
	switch {
	case m == size:
		x.cipher.decrypt(disk, uint64(u.idx)|walTweakBit)
		copy(u.buf[:u.lo], disk[:u.lo])
		copy(u.buf[u.hi:], disk[u.hi:])
	case err != nil && err != io.EOF:
		return err
	default:
		// Beyond the end, or cut short by a crash: zeros.
		clear(u.buf[:u.lo])
		clear(u.buf[u.hi:])
	}
	u.whole = true
	return nil
}

// walWriteUnit encrypts the unit in place and writes it whole. The
// handle keeps no unit after: the next write of this handle starts from
// the disk (walWriteAt drops what it did not just read).
func (x *sealFile) walWriteUnit() error {
	u := &x.walUnit
	x.cipher.encrypt(u.buf, uint64(u.idx)|walTweakBit)
	u.idx, u.dirty = -1, false
	if m, err := x.File.WriteAt(u.buf, u.start); m != len(u.buf) {
		if err == nil {
			err = io.ErrShortWrite
		}
		return err
	}
	return nil
}

// walFlush writes a waiting unit, completed from the disk.
func (x *sealFile) walFlush() error {
	u := &x.walUnit
	if u.idx < 0 || !u.dirty {
		return nil
	}
	if !u.whole {
		if err := x.walFill(); err != nil {
			return err
		}
	}
	return x.walWriteUnit()
}

// walTruncSize rounds a truncation of a WAL up to a whole unit.
func (x *sealFile) walTruncSize(size int64) (int64, error) {
	u := &x.walUnit
	if err := x.walFlush(); err != nil {
		return 0, err
	}
	u.idx = -1
	if size <= 0 {
		return 0, nil
	}
	if size <= walHeaderSize {
		return walHeaderSize, nil
	}
	if err := x.walKnowPageSize(); err != nil {
		return 0, err
	}
	_, us, usz := x.walUnitAt(size - 1)
	return us + int64(usz), nil
}
