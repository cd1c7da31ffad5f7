package sealvfs

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm4"
	"golang.org/x/crypto/xts"
)

// The benchmarks compare plain ncruces with the sealed VFS, without and
// with page checksums, on the store's WAL settings (synchronous=FULL):
//
//	go test -run '^$' -bench . ./internal/sealvfs/

var benchKinds = []string{"plain", "sealed", "sealed+checksums"}

func benchOpen(b *testing.B, kind string) *sql.DB {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.db")
	params := []Param{{"_pragma", "journal_mode(wal)"}, {"_pragma", "synchronous(full)"}, {"_txlock", "immediate"}}
	var db *sql.DB
	if kind == "plain" {
		var ps []string
		for _, p := range params {
			ps = append(ps, p.Key+"="+escape(p.Value))
		}
		db = openPlain(b, path, ps...)
	} else {
		db = openSealed(b, path, mustKey(b), params...)
	}
	if kind == "sealed+checksums" {
		if err := EnableChecksums(context.Background(), db, ""); err != nil {
			b.Fatal(err)
		}
	}
	db.SetMaxOpenConns(1)
	exec(b, db, `CREATE TABLE cases(id INTEGER PRIMARY KEY, number TEXT UNIQUE, id_number TEXT, name TEXT, phone TEXT, fields TEXT)`)
	return db
}

// reportCPU reports the process's CPU time per op since start.
func reportCPU(b *testing.B, start int64) {
	if start > 0 && b.N > 0 {
		b.ReportMetric(float64(cpuNanos()-start)/float64(b.N), "cpu-ns/op")
	}
}

// fields is a case's form, about 1 KB like the store's.
var fields = strings.Repeat(`{"field":"value 值"}`, 50)

func insertCases(b *testing.B, db *sql.DB, from, n int) {
	b.Helper()
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	stmt, err := tx.Prepare(`INSERT INTO cases(number, id_number, name, phone, fields) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	for i := from; i < from+n; i++ {
		if _, err := stmt.Exec(fmt.Sprintf("C%08d", i), fmt.Sprintf("1101011990%08d", i), name, phone, fields); err != nil {
			b.Fatal(err)
		}
	}
	stmt.Close()
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBulkInsert: per op, a new store gets 2000 cases in one
// transaction and is closed (which checkpoints the WAL into the file).
func BenchmarkBulkInsert(b *testing.B) {
	const cases = 2000
	for _, kind := range benchKinds {
		b.Run(kind, func(b *testing.B) {
			defer reportCPU(b, cpuNanos())
			for b.Loop() {
				db := benchOpen(b, kind)
				insertCases(b, db, 0, cases)
				if err := db.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*cases), "ns/case")
		})
	}
}

// BenchmarkPointRead: one case by number from 20,000, through a cold
// page cache for most pages (cache of 2 MB).
func BenchmarkPointRead(b *testing.B) {
	const cases = 20_000
	for _, kind := range benchKinds {
		b.Run(kind, func(b *testing.B) {
			db := benchOpen(b, kind)
			exec(b, db, `PRAGMA cache_size(-2000)`)
			insertCases(b, db, 0, cases)
			exec(b, db, `PRAGMA wal_checkpoint(TRUNCATE)`)
			stmt, err := db.Prepare(`SELECT id_number, name, fields FROM cases WHERE number = ?`)
			if err != nil {
				b.Fatal(err)
			}
			defer stmt.Close()
			i := 0
			defer reportCPU(b, cpuNanos())
			for b.Loop() {
				var id, n, f string
				i = (i + 7919) % cases
				if err := stmt.QueryRow(fmt.Sprintf("C%08d", i)).Scan(&id, &n, &f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSmallWriteTx: one transaction per op that inserts a case and
// updates another, as an intake save does.
func BenchmarkSmallWriteTx(b *testing.B) {
	for _, kind := range benchKinds {
		b.Run(kind, func(b *testing.B) {
			db := benchOpen(b, kind)
			insertCases(b, db, 0, 5000)
			i := 5000
			defer reportCPU(b, cpuNanos())
			for b.Loop() {
				tx, err := db.Begin()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tx.Exec(`INSERT INTO cases(number, id_number, name, phone, fields) VALUES (?, ?, ?, ?, ?)`,
					fmt.Sprintf("C%08d", i), "110101199003078515", name, phone, fields); err != nil {
					b.Fatal(err)
				}
				if _, err := tx.Exec(`UPDATE cases SET phone = ? WHERE number = ?`, phone, fmt.Sprintf("C%08d", i/2)); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkPageCrypto: encrypting and decrypting one 4 KB page in 512-byte
// sectors, with the VFS's path (gmsm's GB/T XTS, keys expanded once) and
// with x/crypto/xts over gmsm's SM4 (what vfs/xts with an SM4 creator does).
func BenchmarkPageCrypto(b *testing.B) {
	key := mustKey(b)
	page := make([]byte, 4096)
	b.Run("gmsm-gbxts", func(b *testing.B) {
		c, err := newSM4XTS(key)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(page)))
		for b.Loop() {
			for off := 0; off < len(page); off += sectorSize {
				c.encrypt(page[off:off+sectorSize], uint64(off/sectorSize))
				c.decrypt(page[off:off+sectorSize], uint64(off/sectorSize))
			}
		}
	})
	b.Run("xcrypto-xts-sm4", func(b *testing.B) {
		c, err := xts.NewCipher(sm4.NewCipher, key)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(page)))
		for b.Loop() {
			for off := 0; off < len(page); off += sectorSize {
				c.Encrypt(page[off:off+sectorSize], page[off:off+sectorSize], uint64(off/sectorSize))
				c.Decrypt(page[off:off+sectorSize], page[off:off+sectorSize], uint64(off/sectorSize))
			}
		}
	})
}
