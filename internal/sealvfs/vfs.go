// This file is adapted from vfs/xts/xts.go and vfs/xts/api.go of
// github.com/ncruces/go-sqlite3 v0.37.0, MIT License,
// Copyright (c) 2023 Nuno Cruces; the full notice is in LICENSE-ncruces.
// Changes: whole sectors are read and written in one call each; SM4-XTS of GB/T 17964 (gmsm) instead of AES-XTS of x/crypto, only
// 32-byte hex keys, no text-key KDF, a missing, malformed or wrong key is an
// error with its own code, the key cannot be changed once set, and pages read
// from a WAL are checked against their frame checksums (walcheck.go).

package sealvfs

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"io"

	gmcipher "github.com/emmansun/gmsm/cipher"
	"github.com/emmansun/gmsm/sm4"
	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/util/vfsutil"
	"github.com/ncruces/go-sqlite3/vfs"
)

func init() {
	vfs.Register(Name, &sealVFS{VFS: vfs.Find("")})
}

// sectorSize is the unit of encryption: the smallest SQLite page. The sector
// number is the XTS tweak.
const sectorSize = 512

// Ensure sectorSize is a power of two.
var _ [0]struct{} = [sectorSize & (sectorSize - 1)]struct{}{}

// The VFS can answer SQLite only with result codes (go-sqlite3 keeps a Go
// error of a VFS only until the next VFS call, and only for CANTOPEN and
// IOERR), so each key error has its own code, which KeyError turns back into
// the sentinel.
const (
	codeNoKey    = sqlite3.AUTH
	codeBadKey   = sqlite3.IOERR_BADKEY
	codeWrongKey = sqlite3.NOTADB
)

// magic starts every plaintext SQLite database.
var magic = []byte("SQLite format 3\x00")

// sm4XTS holds the two expanded SM4 keys of one file. Its blocks are
// read-only after creation, so files of one database may share it.
type sm4XTS struct {
	key, tweakKey []byte
	data, tweak   cipher.Block
}

func newSM4XTS(key []byte) (*sm4XTS, error) {
	if len(key) != KeySize {
		return nil, ErrBadKey
	}
	k := bytes.Clone(key)
	c := &sm4XTS{key: k[:16], tweakKey: k[16:]}
	var err error
	if c.data, err = sm4.NewCipher(c.key); err != nil {
		return nil, err
	}
	if c.tweak, err = sm4.NewCipher(c.tweakKey); err != nil {
		return nil, err
	}
	return c, nil
}

// block hands gmsm the blocks expanded once in newSM4XTS, so a sector costs
// no key schedule.
func (c *sm4XTS) block(k []byte) (cipher.Block, error) {
	switch {
	case len(k) == 16 && &k[0] == &c.key[0]:
		return c.data, nil
	case len(k) == 16 && &k[0] == &c.tweakKey[0]:
		return c.tweak, nil
	}
	return sm4.NewCipher(k)
}

func (c *sm4XTS) encrypt(sector []byte, num uint64) {
	m, err := gmcipher.NewGBXTSEncrypterWithSector(c.block, c.key, c.tweakKey, num)
	if err != nil {
		panic(err) // unreachable: the keys were checked in newSM4XTS
	}
	m.CryptBlocks(sector, sector)
}

func (c *sm4XTS) decrypt(sector []byte, num uint64) {
	m, err := gmcipher.NewGBXTSDecrypterWithSector(c.block, c.key, c.tweakKey, num)
	if err != nil {
		panic(err) // unreachable: the keys were checked in newSM4XTS
	}
	m.CryptBlocks(sector, sector)
}

type sealVFS struct {
	vfs.VFS
}

func (s *sealVFS) Open(name string, flags vfs.OpenFlag) (vfs.File, vfs.OpenFlag, error) {
	// SQLite calls OpenFilename instead.
	if name == "" {
		return s.OpenFilename(nil, flags)
	}
	return nil, flags, sqlite3.CANTOPEN
}

func (s *sealVFS) OpenFilename(name *vfs.Filename, flags vfs.OpenFlag) (file vfs.File, _ vfs.OpenFlag, err error) {
	file, flags, err = vfsutil.WrapOpenFilename(s.VFS, name, flags)

	// Encrypt everything except super journals (they hold only file names)
	// and memory files.
	if err != nil || flags&(vfs.OPEN_SUPER_JOURNAL|vfs.OPEN_MEMORY) != 0 {
		return file, flags, err
	}

	var c *sm4XTS
	var shm vfs.SharedMemory
	if f, ok := vfsutil.UnwrapFile[*sealFile](name.DatabaseFile()); ok {
		// A journal or WAL of an open database: the database's key.
		c, shm = f.cipher, f.shm
		if c == nil {
			file.Close()
			return nil, flags, codeNoKey
		}
	} else {
		mainDB := flags&vfs.OPEN_MAIN_DB != 0
		if mainDB {
			shm = vfsutil.WrapSharedMemory(file)
		}
		var key []byte
		if params := name.URIParameters(); name == nil {
			// Temporary files get a random key.
			key = make([]byte, KeySize)
			rand.Read(key)
		} else if t, ok := params["hexkey"]; ok {
			if key, err = hex.DecodeString(t[0]); err != nil || len(key) != KeySize {
				file.Close()
				return nil, flags, codeBadKey
			}
		} else if params.Has("key") || params.Has("textkey") {
			// Keys of vfs/xts this VFS does not take.
			file.Close()
			return nil, flags, codeBadKey
		} else if mainDB {
			// The key may still come as PRAGMA hexkey.
			return &sealFile{passFile: passFile{file}, shm: shm, mainDB: true}, flags, nil
		} else {
			file.Close()
			return nil, flags, codeNoKey
		}
		if c, err = newSM4XTS(key); err != nil {
			file.Close()
			return nil, flags, codeBadKey
		}
		return &sealFile{passFile: passFile{file}, cipher: c, shm: shm, mainDB: mainDB}, flags, nil
	}
	f := &sealFile{passFile: passFile{file}, cipher: c, shm: shm, wal: flags&vfs.OPEN_WAL != 0}
	f.walState.pending, f.walState.commitFrame = -1, -1
	f.walUnit.idx = -1
	return f, flags, nil
}

func roundDown(i int64) int64 {
	return i &^ (sectorSize - 1)
}

func roundUp[T int | int64](i T) T {
	return (i + (sectorSize - 1)) &^ (sectorSize - 1)
}

type sealFile struct {
	passFile
	cipher *sm4XTS
	shm    vfs.SharedMemory
	mainDB bool
	wal    bool
	walState
	sector [sectorSize]byte
	buf    []byte // whole sectors on their way to the file
	// headed tells that this handle of a main database has read or
	// written its header; until then unsummed holds the offsets and
	// sizes of the pages it wrote (see fixSums).
	headed   bool
	unsummed map[int64]int
	// walMode tells that the header of this main database says WAL mode
	// (file format version 2), as last read or written.
	walMode bool
	walUnit walUnit // WAL files only
}

// Pragma takes PRAGMA hexkey, once, on a database opened without a key.
func (x *sealFile) Pragma(name, value string) (string, error) {
	switch name {
	case "hexkey":
	case "key", "textkey":
		return "", vfs.SystemError(ErrBadKey, sqlite3.ERROR)
	default:
		return vfsutil.WrapPragma(x.File, name, value)
	}
	if x.cipher != nil {
		return "", vfs.SystemError(ErrKeySet, sqlite3.ERROR)
	}
	key, err := hex.DecodeString(value)
	if err != nil {
		return "", vfs.SystemError(ErrBadKey, sqlite3.ERROR)
	}
	c, err := newSM4XTS(key)
	if err != nil {
		return "", vfs.SystemError(err, sqlite3.ERROR)
	}
	x.cipher = c
	return "ok", nil
}

func (x *sealFile) ReadAt(p []byte, off int64) (n int, err error) {
	if x.cipher == nil {
		// Only a main database can miss its key.
		if off == 0 && len(p) == 100 {
			// SQLite reads the header when it opens the connection:
			// pretend the file is empty so the key may come as a PRAGMA.
			return 0, io.EOF
		}
		return 0, codeNoKey
	}
	if x.wal {
		if fs, ok := x.checkedFrame(len(p), off); ok {
			return x.readFrame(p, fs)
		}
		return x.walReadAt(p, off)
	}
	n, err = x.readPlain(p, off)
	if x.mainDB && off == 0 && n >= 100 {
		x.headed = true // readPlain checked the magic
	}
	return n, err
}

// readPlain reads and decrypts p at off.
func (x *sealFile) readPlain(p []byte, off int64) (n int, err error) {
	pos, end := off, off+int64(len(p))
	for pos < end {
		sec := roundDown(pos)
		if pos != sec || end-sec < sectorSize {
			// A sector only partially covered by this read
			// may be concurrently rewritten by another connection.
			m, err := x.readSector(sec, true)
			if m != sectorSize {
				return n, err
			}
			if err := x.decrypt(x.sector[:], sec); err != nil {
				return 0, err
			}
			t := copy(p[n:], x.sector[pos-sec:])
			n += t
			pos += int64(t)
			continue
		}

		// Whole sectors: one read, decrypted in place.
		run := p[n : n+int(roundDown(end)-pos)]
		m, err := x.File.ReadAt(run, pos)
		if m != len(run) {
			m = int(roundDown(int64(m)))
		}
		for i := 0; i < m; i += sectorSize {
			if err := x.decrypt(run[i:i+sectorSize], pos+int64(i)); err != nil {
				return 0, err
			}
		}
		n += m
		if m != len(run) {
			return n, err
		}
		pos += int64(m)
	}
	return n, nil
}

// decrypt decrypts the sector at file offset off in place, and checks that
// page 1 of a database starts with the magic.
func (x *sealFile) decrypt(sector []byte, off int64) error {
	x.cipher.decrypt(sector, uint64(off/sectorSize))
	if off == 0 && x.mainDB {
		if !bytes.HasPrefix(sector, magic) {
			// This is the wrong key, or not a sealed database.
			return codeWrongKey
		}
		x.walMode = sector[18] == 2
	}
	return nil
}

func (x *sealFile) WriteAt(p []byte, off int64) (n int, err error) {
	if x.cipher == nil {
		return 0, codeNoKey
	}
	if x.wal {
		x.walWrote(p, off)
		return x.walWriteAt(p, off)
	}
	if x.mainDB && off == 0 && len(p) >= 100 {
		x.walMode = p[18] == 2
	}
	if x.mainDB && !x.headed {
		if off == 0 && len(p) >= 100 && bytes.HasPrefix(p, magic) {
			if n, err = x.writeAt(p, off); err != nil {
				return n, err
			}
			return n, x.fixSums(p[20])
		}
		if validPageSize(len(p)) && off%int64(len(p)) == 0 {
			if x.unsummed == nil {
				x.unsummed = make(map[int64]int)
			}
			x.unsummed[off] = len(p)
		}
	}
	return x.writeAt(p, off)
}

// fixSums gives the pages written before the header their page checksums,
// once the header is written and says they have them (reserve bytes 8).
//
// go-sqlite3's checksum layer, above this VFS, learns that a file has
// page checksums from its header only. A new file (a VACUUM INTO target,
// a new attached file) gets its header when page 1 is written, at the
// commit of its first transaction; pages spilled from a full page cache
// before that (a file larger than cache_size) reach the file without
// checksum and fail every later read with SQLITE_IOERR_DATA (#12).
func (x *sealFile) fixSums(reserve byte) error {
	x.headed = true
	pages := x.unsummed
	x.unsummed = nil
	if reserve != cksmSize {
		return nil
	}
	var page []byte
	for off, size := range pages {
		if cap(page) < size {
			page = make([]byte, size)
		}
		page = page[:size]
		if n, err := x.readPlain(page, off); n != size {
			if err == nil || err == io.EOF {
				continue // truncated since
			}
			return err
		}
		putCksm(page)
		if _, err := x.writeAt(page, off); err != nil {
			return err
		}
	}
	return nil
}

// writeAt encrypts p and writes it at off.
func (x *sealFile) writeAt(p []byte, off int64) (n int, err error) {
	pos, end := off, off+int64(len(p))
	for pos < end {
		sec := roundDown(pos)
		if pos != sec || end-sec < sectorSize {
			// Partial sector write: read-update-write.
			// We're the single writer, so our read needs no locking.
			m, err := x.readSector(sec, false)
			if m == sectorSize {
				x.cipher.decrypt(x.sector[:], uint64(sec/sectorSize))
			} else if err != io.EOF {
				return n, err
			} else {
				// Writing past the EOF: either a new sector, or the final
				// sector was only partially written, which cannot be
				// decrypted and is as good as corrupt. Either way, zero pad
				// the file to the next sector.
				clear(x.sector[:])
			}
			t := copy(x.sector[pos-sec:], p[n:])
			x.cipher.encrypt(x.sector[:], uint64(sec/sectorSize))
			if m, err := x.writeSector(sec, true); m != sectorSize {
				return n, err
			}
			n += t
			pos += int64(t)
			continue
		}

		// Whole sectors: encrypted into a buffer of the file (p belongs to
		// SQLite's page cache), one write.
		size := int(roundDown(end) - pos)
		if cap(x.buf) < size {
			x.buf = make([]byte, size)
		}
		run := x.buf[:size]
		copy(run, p[n:])
		for i := 0; i < size; i += sectorSize {
			x.cipher.encrypt(run[i:i+sectorSize], uint64((pos+int64(i))/sectorSize))
		}
		m, err := x.File.WriteAt(run, pos)
		if m != size {
			return n + int(roundDown(int64(m))), err
		}
		n += size
		pos += int64(size)
	}
	return n, nil
}

func (x *sealFile) readSector(off int64, partial bool) (int, error) {
	if partial && x.shm != nil {
		if err := x.shm.IOLock(vfs.LOCK_SHARED, off); err != nil {
			return 0, err
		}
		defer x.shm.IOLock(vfs.LOCK_NONE, off)
	}
	return x.File.ReadAt(x.sector[:], off)
}

func (x *sealFile) writeSector(off int64, partial bool) (int, error) {
	if partial && x.shm != nil {
		if err := x.shm.IOLock(vfs.LOCK_EXCLUSIVE, off); err != nil {
			return 0, err
		}
		defer x.shm.IOLock(vfs.LOCK_NONE, off)
	}
	return x.File.WriteAt(x.sector[:], off)
}

func (x *sealFile) DeviceCharacteristics() vfs.DeviceCharacteristic {
	var _ [0]struct{} = [sectorSize - 512]struct{}{} // Ensure sectorSize is 512.
	safe := vfs.DeviceCharacteristic(0)
	if x.wal || x.mainDB && x.walMode {
		// Powersafe overwrite, when the disk has it: a write never
		// rewrites bytes outside itself. A WAL is written in whole
		// frames (walunits.go), and SQLite writes a database in WAL mode
		// in whole pages, whole sectors here. SQLite asks the database
		// file, and then does not pad each commit of the WAL to a
		// sector with copies of its last frame. A database in rollback
		// mode does not claim it: its journal is written in partial
		// sectors, read, changed and written back whole.
		safe = vfs.IOCAP_POWERSAFE_OVERWRITE
	}
	return x.File.DeviceCharacteristics() & (safe |
		// These flags are safe:
		vfs.IOCAP_ATOMIC512 |
		vfs.IOCAP_IMMUTABLE |
		vfs.IOCAP_SEQUENTIAL |
		vfs.IOCAP_SUBPAGE_READ |
		vfs.IOCAP_BATCH_ATOMIC |
		vfs.IOCAP_UNDELETABLE_WHEN_OPEN)
}

func (x *sealFile) SectorSize() int {
	return lcm(x.File.SectorSize(), sectorSize)
}

func lcm(m, n int) int {
	if m <= 0 || n <= 0 {
		return max(m, n)
	}
	a, b := m, n
	for b != 0 {
		a, b = b, a%b
	}
	return m / a * n
}

func (x *sealFile) Truncate(size int64) error {
	if x.wal {
		size, err := x.walTruncSize(size)
		if err != nil {
			return err
		}
		return x.File.Truncate(size)
	}
	return x.File.Truncate(roundUp(size))
}

func (x *sealFile) Sync(flags vfs.SyncFlag) error {
	if x.wal {
		if err := x.walFlush(); err != nil {
			return err
		}
	}
	return x.File.Sync(flags)
}

func (x *sealFile) Size() (int64, error) {
	if x.wal {
		if err := x.walFlush(); err != nil {
			return 0, err
		}
	}
	return x.File.Size()
}

func (x *sealFile) Close() error {
	var err error
	if x.wal {
		err = x.walFlush()
	}
	if cerr := x.File.Close(); err == nil {
		err = cerr
	}
	return err
}

func (x *sealFile) ChunkSize(size int) {
	vfsutil.WrapChunkSize(x.File, roundUp(size))
}

func (x *sealFile) SizeHint(size int64) error {
	return vfsutil.WrapSizeHint(x.File, roundUp(size))
}
