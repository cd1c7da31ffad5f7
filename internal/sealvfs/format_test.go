package sealvfs

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"

	gmcipher "github.com/emmansun/gmsm/cipher"
	"github.com/emmansun/gmsm/sm4"
	"github.com/ncruces/go-sqlite3/util/vfsutil"
	"github.com/ncruces/go-sqlite3/vfs"
)

// TestFileFormatIsGBXTS guards the format on disk: a sealed file decrypted
// sector by sector with gmsm's GB/T 17964 XTS alone (SM4, first half of
// the key for data, second for the tweak, sector number as tweak) is the
// plaintext database; the IEEE P1619 variant does not give it.
func TestFileFormatIsGBXTS(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vetdesk.db")
	key := mustKey(t)
	db := openSealed(t, path, key)
	fillPeople(t, db, 30)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	sealed, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(sealed)%sectorSize != 0 || len(sealed) == 0 {
		t.Fatalf("sealed file has %d bytes, want whole sectors", len(sealed))
	}

	decrypt := func(gb bool) []byte {
		plain := make([]byte, len(sealed))
		for off := 0; off < len(sealed); off += sectorSize {
			num := uint64(off / sectorSize)
			var m interface{ CryptBlocks(dst, src []byte) }
			if gb {
				m, err = gmcipher.NewGBXTSDecrypterWithSector(sm4.NewCipher, key[:16], key[16:], num)
			} else {
				m, err = gmcipher.NewXTSDecrypterWithSector(sm4.NewCipher, key[:16], key[16:], num)
			}
			if err != nil {
				t.Fatal(err)
			}
			m.CryptBlocks(plain[off:off+sectorSize], sealed[off:off+sectorSize])
		}
		return plain
	}

	plain := decrypt(true)
	plainPath := filepath.Join(dir, "decrypted.db")
	if err := os.WriteFile(plainPath, plain, 0o600); err != nil {
		t.Fatal(err)
	}
	checkPeople(t, openPlain(t, plainPath), 30)

	if ieee := decrypt(false); bytes.Equal(ieee[:sectorSize], plain[:sectorSize]) {
		t.Error("IEEE XTS decrypts the first sector like GB/T XTS: the test cannot tell them apart")
	}
}

// spyVFS sits below the sealing VFS and records what reaches the disk:
// bytes written by file kind, known values written, and where each write
// and read of a WAL went (offset, length).
type spyVFS struct {
	vfs.VFS
	mu                  sync.Mutex
	kinds               map[string]int // file kind → bytes written
	leaks               []string
	walWrites, walReads [][2]int64
}

func fileKind(flags vfs.OpenFlag) string {
	for _, k := range []struct {
		flag vfs.OpenFlag
		name string
	}{
		{vfs.OPEN_MAIN_DB, "main db"}, {vfs.OPEN_MAIN_JOURNAL, "main journal"},
		{vfs.OPEN_TEMP_DB, "temp db"}, {vfs.OPEN_TEMP_JOURNAL, "temp journal"},
		{vfs.OPEN_TRANSIENT_DB, "transient db"}, {vfs.OPEN_SUBJOURNAL, "subjournal"},
		{vfs.OPEN_WAL, "wal"}, {vfs.OPEN_SUPER_JOURNAL, "super journal"},
	} {
		if flags&k.flag != 0 {
			return k.name
		}
	}
	return "other"
}

func (s *spyVFS) OpenFilename(name *vfs.Filename, flags vfs.OpenFlag) (vfs.File, vfs.OpenFlag, error) {
	f, flags, err := vfsutil.WrapOpenFilename(s.VFS, name, flags)
	if err != nil {
		return f, flags, err
	}
	return &spyFile{File: f, vfs: s, kind: fileKind(flags)}, flags, nil
}

type spyFile struct {
	vfs.File
	vfs  *spyVFS
	kind string
}

func (f *spyFile) WriteAt(p []byte, off int64) (int, error) {
	f.vfs.mu.Lock()
	f.vfs.kinds[f.kind] += len(p)
	if f.kind == "wal" {
		f.vfs.walWrites = append(f.vfs.walWrites, [2]int64{off, int64(len(p))})
	}
	for _, n := range []string{idNumber, name, phone, "SQLite format 3"} {
		if bytes.Contains(p, []byte(n)) {
			f.vfs.leaks = append(f.vfs.leaks, f.kind+" got "+n)
		}
	}
	f.vfs.mu.Unlock()
	return f.File.WriteAt(p, off)
}

func (f *spyFile) ReadAt(p []byte, off int64) (int, error) {
	if f.kind == "wal" {
		f.vfs.mu.Lock()
		f.vfs.walReads = append(f.vfs.walReads, [2]int64{off, int64(len(p))})
		f.vfs.mu.Unlock()
	}
	return f.File.ReadAt(p, off)
}

func (f *spyFile) Unwrap() vfs.File               { return f.File }
func (f *spyFile) SharedMemory() vfs.SharedMemory { return vfsutil.WrapSharedMemory(f.File) }

// TestNothingWrittenInPlaintext guards the files the folder scan cannot
// see: temporary files (deleted on close, or never linked), statement
// journals and rollback journals. Everything the sealed VFS writes, of any
// kind, holds no known value; the same workload without it does, which
// shows the spy sees them.
func TestNothingWrittenInPlaintext(t *testing.T) {
	sealedSpy := &spyVFS{VFS: vfs.Find(""), kinds: map[string]int{}}
	vfs.Register("sealvfs-spy", &sealVFS{VFS: sealedSpy})
	plainSpy := &spyVFS{VFS: vfs.Find(""), kinds: map[string]int{}}
	vfs.Register("sealvfs-plainspy", plainSpy)
	t.Cleanup(func() {
		vfs.Unregister("sealvfs-spy")
		vfs.Unregister("sealvfs-plainspy")
	})

	for _, tt := range []struct {
		vfsName string
		spy     *spyVFS
	}{{"sealvfs-spy", sealedSpy}, {"sealvfs-plainspy", plainSpy}} {
		t.Run(tt.vfsName, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "vetdesk.db")
			uri := fileURI(path) + "?vfs=" + tt.vfsName + "&hexkey=" + hexKey(mustKey(t)) +
				"&_pragma=temp_store(file)&_pragma=cache_size(-16)&_pragma=journal_mode(delete)"
			db, err := sql.Open("sqlite3", uri)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			fillPeople(t, db, 50)
			// A temp table, a sort too big for the cache, a transaction
			// that fails midway and rolls back (rollback journal).
			// 20,000 rows of about 200 bytes with the known values: more
			// than the sorter's 1 MB in memory, and than temp's cache.
			const many = `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM n WHERE x < 20000)
				SELECT x, (SELECT name || id_number || phone FROM people WHERE id = 1) || x || hex(randomblob(80)) AS v FROM n`
			exec(t, db, `PRAGMA temp.cache_size(-16)`)
			exec(t, db, `CREATE TEMP TABLE scratch AS `+many)
			rows, err := db.Query(many + ` ORDER BY v DESC`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			exec(t, db, `CREATE TABLE uniq(v TEXT UNIQUE)`)
			exec(t, db, `INSERT INTO uniq SELECT name FROM people`)
			if _, err := db.Exec(`BEGIN; UPDATE people SET phone = phone || ''; INSERT INTO uniq SELECT name FROM people; COMMIT`); err == nil {
				t.Fatal("the duplicate insert went through")
			}
			db.Exec(`ROLLBACK`)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}

			tt.spy.mu.Lock()
			defer tt.spy.mu.Unlock()
			for _, kind := range []string{"main db", "main journal", "temp db", "temp journal"} {
				if tt.spy.kinds[kind] == 0 {
					t.Errorf("nothing written to a %s (written: %v): the workload misses a kind", kind, tt.spy.kinds)
				}
			}
			if tt.spy == sealedSpy && len(tt.spy.leaks) > 0 {
				t.Errorf("plaintext written through the sealed VFS: %v", tt.spy.leaks)
			}
			if tt.spy == plainSpy && len(tt.spy.leaks) == 0 {
				t.Errorf("the spy saw no plaintext without sealing (written: %v)", tt.spy.kinds)
			}
			t.Logf("written by kind: %v", tt.spy.kinds)
		})
	}
}

func hexKey(k []byte) string {
	const hexd = "0123456789abcdef"
	b := make([]byte, 0, 2*len(k))
	for _, c := range k {
		b = append(b, hexd[c>>4], hexd[c&15])
	}
	return string(b)
}
