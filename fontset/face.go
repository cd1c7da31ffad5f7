package fontset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/image/font/sfnt"
)

// Face is one single-file TrueType font.
type Face struct {
	// Name is a short identifier for the face, usable as a font family
	// name in fpdf or a resource name in Fyne: "wqy-microhei" for the
	// embedded primary face, the file name without extension for faces
	// found on disk (e.g. "HanaMinA").
	Name string
	// Path is the file the face was read from; empty for embedded faces.
	Path string
	// Data is the complete font file, ready for
	// fpdf.AddUTF8FontFromBytes or fyne.NewStaticResource. Faces handed
	// out by Set.FaceFor and Set.Runs always have Data.
	Data []byte

	mu    sync.Mutex
	font  *sfnt.Font
	buf   sfnt.Buffer
	cache map[rune]uint16
}

// NewFace parses data as a single-file TrueType font. Collections and
// CFF-flavoured OpenType fonts are rejected.
func NewFace(name string, data []byte) (*Face, error) {
	if err := checkTrueType(data); err != nil {
		return nil, fmt.Errorf("font %s: %w", name, err)
	}
	f, err := sfnt.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("font %s: parse: %w", name, err)
	}
	return &Face{Name: name, Data: data, font: f, cache: make(map[rune]uint16)}, nil
}

// LoadFace reads and parses the TrueType font file at path.
func LoadFace(path string) (*Face, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load font: %w", err)
	}
	f, err := NewFace(faceName(path), data)
	if err != nil {
		return nil, err
	}
	f.Path = path
	return f, nil
}

// Has reports whether the face maps r to a glyph other than .notdef.
// Results are cached.
func (f *Face) Has(r rune) bool { return f.Glyph(r) != 0 }

// Glyph returns the glyph index of r, 0 (.notdef) when the face lacks it.
// Results are cached.
func (f *Face) Glyph(r rune) uint16 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if g, ok := f.cache[r]; ok {
		return g
	}
	gi, err := f.font.GlyphIndex(&f.buf, r)
	if err != nil {
		gi = 0
	}
	f.cache[r] = uint16(gi)
	return uint16(gi)
}

// Font returns the parsed font, for drawing glyphs. It is safe for
// concurrent use with a sfnt.Buffer per caller.
func (f *Face) Font() *sfnt.Font { return f.font }

// probeFace opens the font file at path just far enough to answer Has: the
// sfnt tables are parsed, but the file is not kept in memory or open.
func probeFace(path string) (*Face, error) {
	if strings.EqualFold(filepath.Ext(path), ".ttc") {
		return loadCollectionFace(path)
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("probe font: %w", err)
	}
	defer file.Close()
	if err := checkTrueTypeReader(file); err != nil {
		return nil, fmt.Errorf("probe font %s: %w", path, err)
	}
	src := &lazyFile{path: path, f: file}
	font, err := sfnt.ParseReaderAt(src)
	src.detach()
	if err != nil {
		return nil, fmt.Errorf("probe font %s: parse: %w", path, err)
	}
	return &Face{Name: faceName(path), Path: path, font: font, cache: make(map[rune]uint16)}, nil
}

// loadCollectionFace reads the first face of the collection at path into
// a single font, kept in memory as Data.
func loadCollectionFace(path string) (*Face, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("probe font: %w", err)
	}
	data, err := ExtractFace(src, 0)
	if err != nil {
		return nil, fmt.Errorf("probe font %s: %w", path, err)
	}
	f, err := NewFace(faceName(path), data)
	if err != nil {
		return nil, err
	}
	f.Path = path
	return f, nil
}

// load reads the whole file of a probed face into Data.
func (f *Face) load() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Data != nil {
		return nil
	}
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return fmt.Errorf("load font: %w", err)
	}
	if err := checkTrueType(data); err != nil {
		return fmt.Errorf("load font %s: %w", f.Path, err)
	}
	font, err := sfnt.Parse(data)
	if err != nil {
		return fmt.Errorf("load font %s: parse: %w", f.Path, err)
	}
	f.Data, f.font = data, font
	return nil
}

var (
	errCollection = errors.New("font collection (.ttc) not supported")
	errCFF        = errors.New("CFF-flavoured OpenType font not supported, need TrueType outlines")
	errNoGlyf     = errors.New("font has no glyf table, need TrueType outlines")
	errNotSfnt    = errors.New("not an sfnt font")
)

// checkTrueType checks that data is a single TrueType-flavoured sfnt with
// glyf and loca tables, which is what fpdf can embed.
func checkTrueType(data []byte) error {
	return checkTrueTypeReader(bytesReaderAt(data))
}

func checkTrueTypeReader(r io.ReaderAt) error {
	var hdr [12]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return fmt.Errorf("read sfnt header: %w", err)
	}
	switch string(hdr[:4]) {
	case "\x00\x01\x00\x00", "true":
	case "OTTO":
		return errCFF
	case "ttcf":
		return errCollection
	default:
		return errNotSfnt
	}
	n := int(binary.BigEndian.Uint16(hdr[4:]))
	dir := make([]byte, 16*n)
	if _, err := r.ReadAt(dir, 12); err != nil {
		return fmt.Errorf("read sfnt table directory: %w", err)
	}
	var glyf, loca bool
	for i := 0; i < n; i++ {
		switch string(dir[16*i : 16*i+4]) {
		case "glyf":
			glyf = true
		case "loca":
			loca = true
		}
	}
	if !glyf || !loca {
		return errNoGlyf
	}
	return nil
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// lazyFile is an io.ReaderAt over a font file that does not hold a file
// descriptor: after detach, every ReadAt opens and closes the file. sfnt
// reads from its source after parsing only for some cmap lookups, and Has
// caches those, so this is rare; it keeps hundreds of probed system fonts
// from pinning memory or descriptors.
type lazyFile struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

func (l *lazyFile) ReadAt(p []byte, off int64) (int, error) {
	l.mu.Lock()
	f := l.f
	l.mu.Unlock()
	if f != nil {
		return f.ReadAt(p, off)
	}
	f, err := os.Open(l.path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return f.ReadAt(p, off)
}

func (l *lazyFile) detach() {
	l.mu.Lock()
	l.f = nil
	l.mu.Unlock()
}
