package sealvfs

import "encoding/binary"

// cksmSize is the reserved bytes of a page with go-sqlite3's page checksum.
const cksmSize = 8

// putCksm writes the page checksum of go-sqlite3's vfs/cksm.go (v0.37.0)
// into the last cksmSize bytes of page.
func putCksm(page []byte) {
	var s1, s2 uint32
	a := page[:len(page)-cksmSize]
	for ; len(a) >= 8; a = a[8:] {
		s1 += binary.LittleEndian.Uint32(a[0:4]) + s2
		s2 += binary.LittleEndian.Uint32(a[4:8]) + s1
	}
	binary.LittleEndian.PutUint32(page[len(page)-8:], s1)
	binary.LittleEndian.PutUint32(page[len(page)-4:], s2)
}

// validPageSize reports whether n is a SQLite page size.
func validPageSize(n int) bool {
	return 512 <= n && n <= 65536 && n&(n-1) == 0
}
