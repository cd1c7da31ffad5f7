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

// walCheck checks a page p read at off from the WAL against its frame
// checksum. Reads that are not a whole frame page are not checked.
func (x *sealFile) walCheck(p []byte, off int64) error {
	w := &x.walState
	if w.pageSize == 0 {
		var hdr [walHeaderSize]byte
		if n, _ := x.readPlain(hdr[:], 0); n != walHeaderSize {
			return nil
		}
		w.pageSize = parsePageSize(binary.BigEndian.Uint32(hdr[8:12]))
		w.bigEnd = binary.BigEndian.Uint32(hdr[0:4])&1 != 0
		if w.pageSize == 0 {
			return nil
		}
	}
	if int64(len(p)) != w.pageSize || off < walHeaderSize+walFrameHead {
		return nil
	}
	fs := off - walFrameHead
	if x.frameStart(fs) != fs {
		return nil
	}
	if w.pending >= 0 && fs >= w.pending {
		return nil // written by this handle, not committed yet
	}

	var head [walFrameHead]byte
	if n, err := x.readPlain(head[:], fs); n != walFrameHead {
		return err
	}
	// The running checksum before this frame: the previous frame's, or the
	// WAL header's.
	var prev [8]byte
	prevAt := int64(24)
	if fs > walHeaderSize {
		prevAt = fs - x.frameSize() + 16
	}
	if n, err := x.readPlain(prev[:], prevAt); n != len(prev) {
		return err
	}
	s1 := binary.BigEndian.Uint32(prev[0:4])
	s2 := binary.BigEndian.Uint32(prev[4:8])
	s1, s2 = walChecksum(w.bigEnd, s1, s2, head[0:8])
	s1, s2 = walChecksum(w.bigEnd, s1, s2, p)
	if s1 != binary.BigEndian.Uint32(head[16:20]) || s2 != binary.BigEndian.Uint32(head[20:24]) {
		return sqlite3.IOERR_DATA
	}
	return nil
}

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
