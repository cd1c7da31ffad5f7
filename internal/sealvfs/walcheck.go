package sealvfs

import (
	"encoding/binary"

	"github.com/ncruces/go-sqlite3"
)

// Pages read from a WAL are checked against SQLite's own frame checksums.
//
// go-sqlite3's page checksums cover only the database file, and SQLite
// checks its WAL frame checksums only when it recovers a WAL. Without this,
// a page changed in the WAL of an open store would be read, and
// checkpointed into the database file with a fresh page checksum, unnoticed.
//
// WAL layout (https://sqlite.org/fileformat.html#the_write_ahead_log): a
// 32-byte header (magic, version, page size, checkpoint sequence, salts,
// checksum), then frames of a 24-byte header (page number, database size
// after a commit or 0, salts, checksum) and a page. A frame's checksum runs
// over its header's first 8 bytes and its page, starting from the checksum
// of the previous frame, or of the WAL header for the first frame.
//
// A frame written by this connection in a transaction not yet committed may
// be overwritten in place (a page spilled from the cache twice) before SQLite
// rewrites the checksums at commit, so those frames are not checked by the
// connection that writes them; they are by every other connection.

const (
	walHeaderSize = 32
	walFrameHead  = 24
)

// walState is what a WAL file handle knows of its WAL.
type walState struct {
	pageSize int64 // from the WAL header; 0 while unknown
	bigEnd   bool  // checksums in big-endian words (magic 0x377f0683)
	// pending is the start of the first frame this handle wrote since its
	// last commit, or -1: frames from there on are not checked by this
	// handle.
	pending int64
	// commitFrame is the start of the frame whose commit header this
	// handle wrote last, or -1: that frame's page write is part of the
	// commit.
	commitFrame int64
	frame       []byte                 // a frame on its way from the file
	sums        map[frameKey][2]uint32 // checksums of frames checked
}

func (x *sealFile) frameSize() int64 { return x.walState.pageSize + walFrameHead }

// frameStart returns the start of the frame holding off (off past the
// WAL header).
func (x *sealFile) frameStart(off int64) int64 {
	return walHeaderSize + (off-walHeaderSize)/x.frameSize()*x.frameSize()
}

func parsePageSize(v uint32) int64 {
	if v == 1 {
		return 65536
	}
	return int64(v)
}

// walWrote records a plaintext write to the WAL, before it is encrypted.
func (x *sealFile) walWrote(p []byte, off int64) {
	w := &x.walState
	if off == 0 && len(p) >= walHeaderSize {
		// A new WAL header: a new WAL, no frames of ours pending.
		w.pageSize = parsePageSize(binary.BigEndian.Uint32(p[8:12]))
		w.bigEnd = binary.BigEndian.Uint32(p[0:4])&1 != 0
		w.pending, w.commitFrame = -1, -1
		return
	}
	if w.pageSize == 0 || off < walHeaderSize {
		return
	}
	fs := x.frameStart(off)
	if off == fs && len(p) == walFrameHead && binary.BigEndian.Uint32(p[4:8]) != 0 {
		// A commit frame's header: SQLite writes it once it has
		// written, or as it rewrites, every checksum of the transaction.
		w.pending, w.commitFrame = -1, fs
		return
	}
	if fs == w.commitFrame && off > fs {
		return // the page of the commit frame
	}
	w.commitFrame = -1
	if w.pending < 0 || fs < w.pending {
		w.pending = fs
	}
}

// checkedFrame reports whether a read of n bytes at off is the page of a
// frame this handle checks, and the frame's start.
func (x *sealFile) checkedFrame(n int, off int64) (int64, bool) {
	w := &x.walState
	if w.pageSize == 0 {
		if x.walFlush() != nil || x.walKnowPageSize() != nil {
			return 0, false
		}
	}
	if int64(n) != w.pageSize || off < walHeaderSize+walFrameHead {
		return 0, false
	}
	fs := off - walFrameHead
	if x.frameStart(fs) != fs {
		return 0, false
	}
	if w.pending >= 0 && fs >= w.pending {
		return 0, false // written by this handle, not committed yet
	}
	return fs, true
}

// readFrame reads the frame at fs, header and page in one read, checks it
// against its checksum and copies its page to p.
func (x *sealFile) readFrame(p []byte, fs int64) (int, error) {
	size := walFrameHead + len(p)
	if cap(x.frame) < size {
		x.frame = make([]byte, size)
	}
	frame := x.frame[:size]
	if n, _ := x.walReadAt(frame, fs); n != size {
		// Not a whole frame: leave it to SQLite, as any short read.
		return x.walReadAt(p, fs+walFrameHead)
	}
	head, page := frame[:walFrameHead], frame[walFrameHead:]
	var salts [8]byte
	copy(salts[:], head[8:16])

	// The running checksum before this frame: the previous frame's, or the
	// WAL header's.
	var s1, s2 uint32
	if sum, ok := x.sums[frameKey{fs - x.frameSize(), salts}]; ok && fs > walHeaderSize {
		s1, s2 = sum[0], sum[1]
	} else {
		var prev [8]byte
		prevAt := int64(24)
		if fs > walHeaderSize {
			prevAt = fs - x.frameSize() + 16
		}
		if n, err := x.walReadAt(prev[:], prevAt); n != len(prev) {
			return 0, err
		}
		s1, s2 = binary.BigEndian.Uint32(prev[0:4]), binary.BigEndian.Uint32(prev[4:8])
	}
	s1, s2 = walChecksum(x.walState.bigEnd, s1, s2, head[0:8])
	s1, s2 = walChecksum(x.walState.bigEnd, s1, s2, page)
	if s1 != binary.BigEndian.Uint32(head[16:20]) || s2 != binary.BigEndian.Uint32(head[20:24]) {
		return 0, sqlite3.IOERR_DATA
	}

	// A committed frame of a WAL (its salts) never changes: its checksum can
	// start the check of the next frame without reading this header again.
	if x.sums == nil || len(x.sums) >= maxSums {
		x.sums = make(map[frameKey][2]uint32)
	}
	x.sums[frameKey{fs, salts}] = [2]uint32{s1, s2}
	return copy(p, page), nil
}

// frameKey names a frame of one WAL: a WAL restarted gets new salts.
type frameKey struct {
	start int64
	salts [8]byte
}

// maxSums bounds the checksums a handle keeps (the WAL of a store is
// checkpointed at 1000 pages).
const maxSums = 4096

// walChecksum is walChecksumBytes of SQLite's wal.c.
func walChecksum(bigEnd bool, s1, s2 uint32, b []byte) (uint32, uint32) {
	for ; len(b) >= 8; b = b[8:] {
		var a, c uint32
		if bigEnd {
			a, c = binary.BigEndian.Uint32(b[0:4]), binary.BigEndian.Uint32(b[4:8])
		} else {
			a, c = binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint32(b[4:8])
		}
		s1 += a + s2
		s2 += c + s1
	}
	return s1, s2
}
