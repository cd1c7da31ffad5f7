package printing

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"

	"golang.org/x/image/font/sfnt"

	"vetdesk/fontset"
)

// faceInfo is a TrueType face parsed once per Printer: its tables, metrics
// and a cmap lookup. It measures text and cuts per-document subsets.
type faceInfo struct {
	face       *fontset.Face
	tables     map[string][]byte
	unitsPerEm float64
	numGlyphs  int
	numHM      int
	longLoca   bool

	mu  sync.Mutex
	sf  *sfnt.Font // the face's own parse, for drawing glyphs
	buf sfnt.Buffer
}

var errFont = errors.New("unusable font")

func newFaceInfo(face *fontset.Face) (*faceInfo, error) {
	data := face.Data
	if len(data) < 12 {
		return nil, fmt.Errorf("font %s: short file: %w", face.Name, errFont)
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	fi := &faceInfo{face: face, tables: make(map[string][]byte, n), sf: face.Font()}
	for i := 0; i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(data) {
			return nil, fmt.Errorf("font %s: table directory: %w", face.Name, errFont)
		}
		tag := string(data[rec : rec+4])
		off := int(binary.BigEndian.Uint32(data[rec+8:]))
		length := int(binary.BigEndian.Uint32(data[rec+12:]))
		if off < 0 || length < 0 || off+length > len(data) {
			return nil, fmt.Errorf("font %s: table %q out of range: %w", face.Name, tag, errFont)
		}
		fi.tables[tag] = data[off : off+length]
	}
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "OS/2", "post"} {
		if fi.tables[tag] == nil {
			return nil, fmt.Errorf("font %s: no %s table: %w", face.Name, tag, errFont)
		}
	}
	head, hhea, maxp := fi.tables["head"], fi.tables["hhea"], fi.tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, fmt.Errorf("font %s: short head/hhea/maxp: %w", face.Name, errFont)
	}
	fi.unitsPerEm = float64(binary.BigEndian.Uint16(head[18:]))
	fi.longLoca = binary.BigEndian.Uint16(head[50:]) == 1
	fi.numHM = int(binary.BigEndian.Uint16(hhea[34:]))
	fi.numGlyphs = int(binary.BigEndian.Uint16(maxp[4:]))
	if fi.unitsPerEm == 0 || fi.numHM == 0 || len(fi.tables["hmtx"]) < 4*fi.numHM {
		return nil, fmt.Errorf("font %s: bad metrics: %w", face.Name, errFont)
	}
	return fi, nil
}

// glyph returns the glyph index of r, 0 when the face lacks it.
func (fi *faceInfo) glyph(r rune) uint16 { return fi.face.Glyph(r) }

// advance returns the advance width of r in ems.
func (fi *faceInfo) advance(r rune) float64 {
	return float64(fi.hmetric(fi.glyph(r))[0]) / fi.unitsPerEm
}

// hmetric returns the advance width and left side bearing of glyph g in font
// units, raw.
func (fi *faceInfo) hmetric(g uint16) [2]uint16 {
	hmtx := fi.tables["hmtx"]
	i := int(g)
	if i < fi.numHM {
		return [2]uint16{binary.BigEndian.Uint16(hmtx[4*i:]), binary.BigEndian.Uint16(hmtx[4*i+2:])}
	}
	adv := binary.BigEndian.Uint16(hmtx[4*(fi.numHM-1):])
	off := 4*fi.numHM + 2*(i-fi.numHM)
	var lsb uint16
	if off+2 <= len(hmtx) {
		lsb = binary.BigEndian.Uint16(hmtx[off:])
	}
	return [2]uint16{adv, lsb}
}

// glyphData returns the glyf bytes of g (empty for blank glyphs).
func (fi *faceInfo) glyphData(g uint16) []byte {
	loca, glyf := fi.tables["loca"], fi.tables["glyf"]
	i := int(g)
	var start, end int
	if fi.longLoca {
		if 4*i+8 > len(loca) {
			return nil
		}
		start, end = int(binary.BigEndian.Uint32(loca[4*i:])), int(binary.BigEndian.Uint32(loca[4*i+4:]))
	} else {
		if 2*i+4 > len(loca) {
			return nil
		}
		start, end = 2*int(binary.BigEndian.Uint16(loca[2*i:])), 2*int(binary.BigEndian.Uint16(loca[2*i+2:]))
	}
	if start >= end || end > len(glyf) {
		return nil
	}
	return glyf[start:end]
}

// Composite glyph flags (TrueType glyf table).
const (
	argWords   = 0x0001
	haveScale  = 0x0008
	moreComps  = 0x0020
	haveXY     = 0x0040
	haveTwoBy2 = 0x0080
)

// components returns the offsets of the glyph-index fields of a composite
// glyph and the component glyphs; nil for simple glyphs.
func components(data []byte) (offs []int, gids []uint16) {
	if len(data) < 10 || int16(binary.BigEndian.Uint16(data)) >= 0 {
		return nil, nil
	}
	p := 10
	for p+4 <= len(data) {
		flags := binary.BigEndian.Uint16(data[p:])
		offs = append(offs, p+2)
		gids = append(gids, binary.BigEndian.Uint16(data[p+2:]))
		p += 4
		if flags&argWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&haveScale != 0:
			p += 2
		case flags&haveXY != 0:
			p += 4
		case flags&haveTwoBy2 != 0:
			p += 8
		}
		if flags&moreComps == 0 {
			break
		}
	}
	return offs, gids
}

// subset returns a small TrueType font with only the glyphs of runes (all
// in the Basic Multilingual Plane, all present in the face), renumbered, with
// a format 4 cmap: what fpdf needs, parsed in microseconds instead of the
// tens of milliseconds a full CJK font takes. Output is deterministic.
func (fi *faceInfo) subset(runes []rune) []byte {
	runes = slices.Clone(runes)
	slices.Sort(runes)
	runes = slices.Compact(runes)
	used := map[uint16]bool{0: true}
	var queue []uint16
	for _, r := range runes {
		if g := fi.glyph(r); g != 0 && !used[g] {
			used[g] = true
			queue = append(queue, g)
		}
	}
	for len(queue) > 0 { // close over composite components
		g := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		_, comps := components(fi.glyphData(g))
		for _, c := range comps {
			if !used[c] && int(c) < fi.numGlyphs {
				used[c] = true
				queue = append(queue, c)
			}
		}
	}
	old := make([]uint16, 0, len(used))
	for g := range used {
		old = append(old, g)
	}
	slices.Sort(old)
	newID := make(map[uint16]uint16, len(old))
	for i, g := range old {
		newID[g] = uint16(i)
	}
	n := len(old)
	var glyf, hmtx []byte
	loca := make([]byte, 0, 4*(n+1))
	for _, g := range old {
		loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
		data := fi.glyphData(g)
		start := len(glyf)
		glyf = append(glyf, data...)
		offs, comps := components(data)
		for i, o := range offs {
			binary.BigEndian.PutUint16(glyf[start+o:], newID[comps[i]])
		}
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		m := fi.hmetric(g)
		hmtx = binary.BigEndian.AppendUint16(hmtx, m[0])
		hmtx = binary.BigEndian.AppendUint16(hmtx, m[1])
	}
	loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))

	head := slices.Clone(fi.tables["head"])
	binary.BigEndian.PutUint32(head[8:], 0) // checkSumAdjustment
	binary.BigEndian.PutUint16(head[50:], 1)
	hhea := slices.Clone(fi.tables["hhea"])
	binary.BigEndian.PutUint16(hhea[34:], uint16(n))
	maxp := slices.Clone(fi.tables["maxp"])
	binary.BigEndian.PutUint16(maxp[4:], uint16(n))
	post := make([]byte, 32)
	copy(post, fi.tables["post"])
	binary.BigEndian.PutUint32(post, 0x00030000)

	var pairs [][2]uint16
	for _, r := range runes {
		if g := fi.glyph(r); g != 0 && r <= 0xFFFF {
			pairs = append(pairs, [2]uint16{uint16(r), newID[g]})
		}
	}
	return sfntFile(map[string][]byte{
		"OS/2": fi.tables["OS/2"],
		"cmap": cmap4(pairs),
		"glyf": glyf,
		"head": head,
		"hhea": hhea,
		"hmtx": hmtx,
		"loca": loca,
		"maxp": maxp,
		"name": nameTable("VetdeskSubset"),
		"post": post,
	})
}

// cmap4 builds a cmap table with one (3,1) format 4 subtable mapping each
// code to its glyph, one segment per code plus the final 0xFFFF segment.
func cmap4(pairs [][2]uint16) []byte {
	seg := len(pairs) + 1
	sr, es := 1, 0
	for sr*2 <= seg {
		sr *= 2
		es++
	}
	sr *= 2
	sub := make([]byte, 0, 16+8*seg)
	u16 := func(v uint16) { sub = binary.BigEndian.AppendUint16(sub, v) }
	u16(4)
	u16(uint16(16 + 8*seg))
	u16(0)
	u16(uint16(2 * seg))
	u16(uint16(sr))
	u16(uint16(es))
	u16(uint16(2*seg - sr))
	for _, p := range pairs {
		u16(p[0]) // endCode
	}
	u16(0xFFFF)
	u16(0) // reservedPad
	for _, p := range pairs {
		u16(p[0]) // startCode
	}
	u16(0xFFFF)
	for _, p := range pairs {
		u16(p[1] - p[0]) // idDelta, modulo 65536
	}
	u16(1)
	for range seg {
		u16(0) // idRangeOffset
	}
	out := []byte{0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12}
	return append(out, sub...)
}

// nameTable builds a format 0 name table with family and PostScript names.
func nameTable(name string) []byte {
	utf16 := make([]byte, 0, 2*len(name))
	for _, r := range name {
		utf16 = binary.BigEndian.AppendUint16(utf16, uint16(r))
	}
	ids := []uint16{1, 2, 4, 6}
	values := [][]byte{utf16, {0, 'R', 0, 'e', 0, 'g', 0, 'u', 0, 'l', 0, 'a', 0, 'r'}, utf16, utf16}
	var out, str []byte
	out = binary.BigEndian.AppendUint16(out, 0)
	out = binary.BigEndian.AppendUint16(out, uint16(len(ids)))
	out = binary.BigEndian.AppendUint16(out, uint16(6+12*len(ids)))
	for i, id := range ids {
		for _, v := range []uint16{3, 1, 0x409, id, uint16(len(values[i])), uint16(len(str))} {
			out = binary.BigEndian.AppendUint16(out, v)
		}
		str = append(str, values[i]...)
	}
	return append(out, str...)
}

// sfntFile assembles tables into a TrueType file with sorted table records
// and correct checksums.
func sfntFile(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	slices.Sort(tags)
	n := len(tags)
	sr, es := 1, 0
	for sr*2 <= n {
		sr *= 2
		es++
	}
	out := []byte{0, 1, 0, 0}
	out = binary.BigEndian.AppendUint16(out, uint16(n))
	out = binary.BigEndian.AppendUint16(out, uint16(16*sr))
	out = binary.BigEndian.AppendUint16(out, uint16(es))
	out = binary.BigEndian.AppendUint16(out, uint16(16*(n-sr)))
	off := 12 + 16*n
	var body []byte
	for _, t := range tags {
		data := tables[t]
		out = append(out, t...)
		out = binary.BigEndian.AppendUint32(out, checksum(data))
		out = binary.BigEndian.AppendUint32(out, uint32(off+len(body)))
		out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
		body = append(body, data...)
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
	}
	return append(out, body...)
}

func checksum(data []byte) uint32 {
	var sum uint32
	for i := 0; i < len(data); i += 4 {
		var w [4]byte
		copy(w[:], data[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
