package fontset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

type tableRecord struct {
	tag    [4]byte
	offset uint32
	length uint32
}

var errTruncated = errors.New("truncated font data")

// ExtractFace returns face number face of the TrueType collection src
// (.ttc) as a standalone sfnt, its tables copied verbatim with recomputed
// offsets, padding and checksums.
func ExtractFace(src []byte, face int) ([]byte, error) {
	if len(src) < 12 {
		return nil, errTruncated
	}
	if string(src[0:4]) != "ttcf" {
		return nil, fmt.Errorf("not a TrueType collection: tag %q", src[0:4])
	}
	numFonts := int(binary.BigEndian.Uint32(src[8:12]))
	if face < 0 || face >= numFonts {
		return nil, fmt.Errorf("face index out of range: collection has %d faces", numFonts)
	}
	if len(src) < 12+4*numFonts {
		return nil, errTruncated
	}
	base := int(binary.BigEndian.Uint32(src[12+4*face:]))
	if base < 0 || base+12 > len(src) {
		return nil, errTruncated
	}
	sfntVersion := binary.BigEndian.Uint32(src[base:])
	numTables := int(binary.BigEndian.Uint16(src[base+4:]))
	if base+12+16*numTables > len(src) {
		return nil, errTruncated
	}

	tables := make([]tableRecord, numTables)
	for i := range tables {
		r := src[base+12+16*i:]
		var t tableRecord
		copy(t.tag[:], r[0:4])
		t.offset = binary.BigEndian.Uint32(r[8:12])
		t.length = binary.BigEndian.Uint32(r[12:16])
		if uint64(t.offset)+uint64(t.length) > uint64(len(src)) {
			return nil, fmt.Errorf("table %q: %w", t.tag[:], errTruncated)
		}
		tables[i] = t
	}
	// The table directory must be sorted by tag.
	sort.Slice(tables, func(i, j int) bool {
		return string(tables[i].tag[:]) < string(tables[j].tag[:])
	})

	// Offset table.
	size := 12 + 16*numTables
	for _, t := range tables {
		size += pad4(int(t.length))
	}
	dst := make([]byte, size)
	binary.BigEndian.PutUint32(dst[0:], sfntVersion)
	binary.BigEndian.PutUint16(dst[4:], uint16(numTables))
	entrySelector := 0
	for 1<<(entrySelector+1) <= numTables {
		entrySelector++
	}
	searchRange := (1 << entrySelector) * 16
	binary.BigEndian.PutUint16(dst[6:], uint16(searchRange))
	binary.BigEndian.PutUint16(dst[8:], uint16(entrySelector))
	binary.BigEndian.PutUint16(dst[10:], uint16(numTables*16-searchRange))

	// Table data, each table starting on a 4-byte boundary and zero padded.
	headOff := -1
	off := 12 + 16*numTables
	for i, t := range tables {
		data := dst[off : off+int(t.length)]
		copy(data, src[t.offset:t.offset+t.length])
		if string(t.tag[:]) == "head" {
			if t.length < 12 {
				return nil, fmt.Errorf("head table: %w", errTruncated)
			}
			headOff = off
			// checkSumAdjustment is zero while checksums are computed.
			binary.BigEndian.PutUint32(data[8:], 0)
		}
		rec := dst[12+16*i:]
		copy(rec[0:4], t.tag[:])
		binary.BigEndian.PutUint32(rec[4:], checksum(dst[off:off+pad4(int(t.length))]))
		binary.BigEndian.PutUint32(rec[8:], uint32(off))
		binary.BigEndian.PutUint32(rec[12:], t.length)
		off += pad4(int(t.length))
	}
	if headOff < 0 {
		return nil, errors.New("font has no head table")
	}
	binary.BigEndian.PutUint32(dst[headOff+8:], 0xB1B0AFBA-checksum(dst))
	return dst, nil
}

func pad4(n int) int { return (n + 3) &^ 3 }

// checksum is the sfnt table checksum: the sum of big-endian uint32 words,
// with the data zero padded to a multiple of four bytes.
func checksum(b []byte) uint32 {
	var sum uint32
	for len(b) >= 4 {
		sum += binary.BigEndian.Uint32(b)
		b = b[4:]
	}
	if len(b) > 0 {
		var last [4]byte
		copy(last[:], b)
		sum += binary.BigEndian.Uint32(last[:])
	}
	return sum
}
