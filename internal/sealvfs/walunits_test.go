package sealvfs

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gmcipher "github.com/emmansun/gmsm/cipher"
	"github.com/emmansun/gmsm/sm4"
	"github.com/ncruces/go-sqlite3/vfs"
)

// TestWALWrittenInWholeFrames guards what makes a sealed save cheap: each
// frame reaches the disk as one write of the whole frame (no partial sector
// read back, changed and written again), a commit is not padded with copies
// of its last frame, and a connection writing alone reads nothing back from
// its WAL.
func TestWALWrittenInWholeFrames(t *testing.T) {
	spy := &spyVFS{VFS: vfs.Find(""), kinds: map[string]int{}}
	vfs.Register("sealvfs-walspy", &sealVFS{VFS: spy})
	t.Cleanup(func() { vfs.Unregister("sealvfs-walspy") })

	path := filepath.Join(t.TempDir(), "vetdesk.db")
	dsn, err := DSN(path, mustKey(t), Param{"_pragma", "journal_mode(wal)"}, Param{"_pragma", "synchronous(full)"},
		Param{"_pragma", "wal_autocheckpoint(0)"})
	if err != nil {
		t.Fatal(err)
	}
	// the sealing VFS over the spy
	db, err := sql.Open("sqlite3", strings.Replace(dsn, "vfs="+Name, "vfs=sealvfs-walspy", 1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	fillPeople(t, db, 5)
	spy.mu.Lock()
	spy.walWrites, spy.walReads = nil, nil
	spy.mu.Unlock()

	const commits = 20
	for i := range commits {
		exec(t, db, `INSERT INTO people(id_number, name, phone, note) VALUES (?, ?, ?, ?)`,
			fmt.Sprintf("3701%014d", i), "某", "13700000000", strings.Repeat("y", 300))
	}
	spy.mu.Lock()
	writes, reads := spy.walWrites, spy.walReads
	spy.mu.Unlock()

	const frame = 4096 + walFrameHead
	for _, w := range writes {
		if w[1] != frame || (w[0]-walHeaderSize)%frame != 0 {
			t.Errorf("WAL write of %d bytes at %d: want whole frames of %d bytes at 32+k·%d", w[1], w[0], frame, frame)
		}
	}
	// The WAL only grows here (no checkpoint): each frame written once.
	for i := 1; i < len(writes); i++ {
		if writes[i][0] <= writes[i-1][0] {
			t.Errorf("WAL write %d at %d after one at %d: a frame written twice", i, writes[i][0], writes[i-1][0])
		}
	}
	if len(writes) < 2*commits {
		t.Errorf("%d WAL writes for %d commits of at least two pages each", len(writes), commits)
	}
	if len(reads) != 0 {
		t.Errorf("%d WAL reads while one connection only wrote (%v)", len(reads), reads)
	}
}

// TestWALFormatIsFrameUnits guards the format of a sealed WAL on disk: the
// 32-byte header and each frame decrypt alone with GB/T 17964 XTS (SM4,
// the unit number with the top bit set as tweak), giving SQLite's WAL:
// its magic, a header checksum that holds, frames chained by their
// checksums up to the last commit, and the rows in their pages. The WAL
// comes from a transaction larger than the page cache, whose spilled
// pages SQLite overwrites in the WAL and whose checksums it rewrites at
// the commit.
func TestWALFormatIsFrameUnits(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vetdesk.db")
	key := mustKey(t)
	db := openSealed(t, path, key, Param{"_pragma", "journal_mode(wal)"}, Param{"_pragma", "synchronous(full)"},
		Param{"_pragma", "wal_autocheckpoint(0)"}, Param{"_pragma", "cache_size(10)"})
	db.SetMaxOpenConns(1)
	if err := EnableChecksums(context.Background(), db, ""); err != nil {
		t.Fatal(err)
	}
	exec(t, db, `PRAGMA wal_checkpoint(TRUNCATE)`)
	fillPeople(t, db, 3)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		for i := 1; i <= 400; i++ {
			if _, err := tx.Exec(`INSERT INTO people(id, id_number, name, phone, note) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT(id) DO UPDATE SET note = excluded.note`,
				100+i, fmt.Sprintf("5101%014d", i), "某", "13700000000", fmt.Sprintf("round %d %s", round, strings.Repeat("z", 300))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// the WAL as it is while the store is open
	sealed, err := os.ReadFile(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(name)) || bytes.Contains(sealed, []byte(idNumber)) {
		t.Fatal("plaintext in the WAL")
	}

	decrypt := func(unit []byte, idx uint64) []byte {
		m, err := gmcipher.NewGBXTSDecrypterWithSector(sm4.NewCipher, key[:16], key[16:], idx|1<<63)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]byte, len(unit))
		m.CryptBlocks(out, unit)
		return out
	}
	if len(sealed) < walHeaderSize {
		t.Fatalf("WAL of %d bytes", len(sealed))
	}
	hdr := decrypt(sealed[:walHeaderSize], 0)
	magic := binary.BigEndian.Uint32(hdr[0:4])
	if magic&^1 != 0x377f0682 {
		t.Fatalf("WAL header decrypts to magic %#x, want 0x377f0682 or 0x377f0683", magic)
	}
	bigEnd := magic&1 != 0
	pageSize := int(binary.BigEndian.Uint32(hdr[8:12]))
	if pageSize != 4096 {
		t.Fatalf("page size %d", pageSize)
	}
	s1, s2 := walChecksum(bigEnd, 0, 0, hdr[:24])
	if s1 != binary.BigEndian.Uint32(hdr[24:28]) || s2 != binary.BigEndian.Uint32(hdr[28:32]) {
		t.Fatal("WAL header checksum does not hold")
	}
	frameSize := walFrameHead + pageSize
	frames, commits, lastCommit := 0, 0, 0
	found := false
	for k := 1; walHeaderSize+k*frameSize <= len(sealed); k++ {
		at := walHeaderSize + (k-1)*frameSize
		f := decrypt(sealed[at:at+frameSize], uint64(k))
		if !bytes.Equal(f[8:16], hdr[16:24]) {
			break // salts of an earlier WAL
		}
		s1, s2 = walChecksum(bigEnd, s1, s2, f[0:8])
		s1, s2 = walChecksum(bigEnd, s1, s2, f[walFrameHead:])
		if s1 != binary.BigEndian.Uint32(f[16:20]) || s2 != binary.BigEndian.Uint32(f[20:24]) {
			break
		}
		frames++
		if binary.BigEndian.Uint32(f[4:8]) != 0 {
			commits++
			lastCommit = frames
		}
		if bytes.Contains(f[walFrameHead:], []byte(idNumber)) {
			found = true
		}
	}
	if lastCommit == 0 || lastCommit != frames {
		t.Errorf("%d frames chained, the last commit at frame %d: every frame up to the end should be committed", frames, lastCommit)
	}
	// fillPeople: create table, create index, 3 inserts; then the big one.
	if commits != 6 {
		t.Errorf("%d commit frames, want 6 (one per transaction, no padding)", commits)
	}
	if !found {
		t.Error("the known row is in no frame's page")
	}

	// and SQLite reads it back, from another connection
	other := openSealed(t, path, key)
	var n int
	if err := other.QueryRow(`SELECT count(*) FROM people WHERE note LIKE 'round 1 %'`).Scan(&n); err != nil || n != 400 {
		t.Errorf("other connection: %d rows of the last round, %v", n, err)
	}
}

// TestWALUnitPaths drives the handle's rarer paths directly: a header
// that waits for its page and is flushed alone by a sync, a page
// overwritten in place, and a truncation inside a frame.
func TestWALUnitPaths(t *testing.T) {
	key := mustKey(t)
	c, err := newSM4XTS(key)
	if err != nil {
		t.Fatal(err)
	}
	// a temporary file of the OS VFS (deleted on close) stands for the WAL
	base, _, err := vfs.Find("").Open("", vfs.OPEN_CREATE|vfs.OPEN_READWRITE|vfs.OPEN_DELETEONCLOSE)
	if err != nil {
		t.Fatal(err)
	}
	f := &sealFile{passFile: passFile{base}, cipher: c, wal: true}
	f.walState.pending, f.walState.commitFrame = -1, -1
	f.walUnit.idx = -1
	defer f.Close()

	const ps = 512
	hdr := make([]byte, walHeaderSize)
	binary.BigEndian.PutUint32(hdr[0:4], 0x377f0682)
	binary.BigEndian.PutUint32(hdr[8:12], ps)
	mustWrite := func(p []byte, off int64) {
		t.Helper()
		if n, err := f.WriteAt(p, off); n != len(p) || err != nil {
			t.Fatalf("write %d at %d: %d, %v", len(p), off, n, err)
		}
	}
	read := func(n int, off int64) []byte {
		t.Helper()
		p := make([]byte, n)
		if m, err := f.walReadAt(p, off); m != n {
			t.Fatalf("read %d at %d: %d, %v", n, off, m, err)
		}
		return p
	}
	fill := func(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }
	mustWrite(hdr, 0)
	frame := int64(walFrameHead + ps)
	// frame 1 whole, header then page
	mustWrite(fill(1, walFrameHead), walHeaderSize)
	mustWrite(fill(2, ps), walHeaderSize+walFrameHead)
	// frame 2: the header alone, then a sync
	mustWrite(fill(3, walFrameHead), walHeaderSize+frame)
	if err := f.Sync(vfs.SYNC_NORMAL); err != nil {
		t.Fatal(err)
	}
	if size, _ := base.Size(); size != walHeaderSize+2*frame {
		t.Errorf("after the sync the file has %d bytes, want %d (the waiting header written with its unit)", size, walHeaderSize+2*frame)
	}
	if got := read(walFrameHead+ps, walHeaderSize+frame); !bytes.Equal(got[:walFrameHead], fill(3, walFrameHead)) || !bytes.Equal(got[walFrameHead:], make([]byte, ps)) {
		t.Error("a header flushed alone: want it followed by zeros")
	}
	// its page arrives later
	mustWrite(fill(4, ps), walHeaderSize+frame+walFrameHead)
	// frame 1's page overwritten in place, its header kept
	mustWrite(fill(5, ps), walHeaderSize+walFrameHead)
	got := read(2*int(frame), walHeaderSize)
	want := append(append(append(fill(1, walFrameHead), fill(5, ps)...), fill(3, walFrameHead)...), fill(4, ps)...)
	if !bytes.Equal(got, want) {
		t.Error("frames 1 and 2 after the in-place overwrite are not what was written")
	}
	// a header rewritten right after its frame was read (SQLite's
	// checksum rewrite at commit)
	read(int(frame), walHeaderSize+frame)
	mustWrite(fill(6, walFrameHead), walHeaderSize+frame)
	if got := read(int(frame), walHeaderSize+frame); !bytes.Equal(got[:walFrameHead], fill(6, walFrameHead)) || !bytes.Equal(got[walFrameHead:], fill(4, ps)) {
		t.Error("rewritten header: the page did not stay")
	}
	// a truncation inside frame 2 keeps it whole; a read past the end is short
	if err := f.Truncate(walHeaderSize + frame + 10); err != nil {
		t.Fatal(err)
	}
	if size, _ := f.Size(); size != walHeaderSize+2*frame {
		t.Errorf("truncated to %d bytes, want %d", size, walHeaderSize+2*frame)
	}
	p := make([]byte, frame)
	if n, err := f.walReadAt(p, walHeaderSize+2*frame); n != 0 || err == nil {
		t.Errorf("read past the end: %d, %v", n, err)
	}
	// a unit cut short on disk (a crash in a write) reads short, not garbage
	if err := base.Truncate(walHeaderSize + frame + 100); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.walReadAt(p, walHeaderSize+frame); n != 0 {
		t.Errorf("a cut frame read %d bytes", n)
	}
}
