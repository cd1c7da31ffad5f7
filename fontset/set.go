package fontset

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode"

	"vetdesk/assets"
)

// Run is a maximal piece of text drawn with a single face.
type Run struct {
	Face *Face
	Text string
}

// Set is a primary face plus an ordered list of fallback faces that are
// discovered and opened only when the primary face lacks a character.
type Set struct {
	primary *Face
	dirs    []string

	mu      sync.Mutex
	scanned bool
	cands   []*candidate
	byRune  map[rune]*Face // resolved runes the primary face lacks
}

// candidate is a fallback font file found by name; it is opened on first use.
type candidate struct {
	path   string
	probed bool
	face   *Face // nil if the file could not be used
	err    error
}

// PrimaryName is the Name of the embedded primary face.
const PrimaryName = "wqy-microhei"

var embedded = sync.OnceValues(func() (*Face, error) {
	return NewFace(PrimaryName, assets.FontCJK)
})

var defaultSet = sync.OnceValue(func() *Set { return New(nil) })

// Default returns the process-wide set: the embedded WenQuanYi Micro Hei as
// primary face, with fallbacks from $VETDESK_FONT_DIR and the system font
// folders discovered on first need.
func Default() *Set { return defaultSet() }

// New returns a set with the given primary face (nil means the embedded
// WenQuanYi Micro Hei). Fallback fonts are searched, in order, in
// fallbackDirs, in the directories listed in $VETDESK_FONT_DIR and in the
// system font folders; fonts known to be good for rare Han characters are
// tried before the others. Nothing is scanned or opened until a character is
// missing from the primary face.
//
// New panics if primary is nil and the embedded font is unusable, which
// would be a build defect.
func New(primary *Face, fallbackDirs ...string) *Set {
	if primary == nil {
		f, err := embedded()
		if err != nil {
			panic(fmt.Sprintf("fontset: embedded font: %v", err))
		}
		primary = f
	}
	return &Set{
		primary: primary,
		dirs:    slices.Clone(fallbackDirs),
		byRune:  make(map[rune]*Face),
	}
}

// Primary returns the primary face.
func (s *Set) Primary() *Face { return s.primary }

// FaceFor returns the face that draws r: the primary face if it has a glyph
// for r, else the first fallback face that has one, else the primary face.
func (s *Set) FaceFor(r rune) *Face {
	if s.primary.Has(r) || invisible(r) {
		return s.primary
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.byRune[r]; ok {
		return f
	}
	f := s.fallback(r)
	if f == nil {
		f = s.primary
	}
	s.byRune[r] = f
	return f
}

// fallback returns the first usable candidate with a glyph for r, or nil.
// s.mu must be held.
func (s *Set) fallback(r rune) *Face {
	if !s.scanned {
		s.cands = scan(searchDirs(s.dirs))
		s.scanned = true
	}
	for _, c := range s.cands {
		if !c.probed {
			c.probed = true
			c.face, c.err = probeFace(c.path)
		}
		if c.face == nil || !c.face.Has(r) {
			continue
		}
		if err := c.face.load(); err != nil {
			c.face, c.err = nil, err
			continue
		}
		return c.face
	}
	return nil
}

// Runs splits text into maximal runs that are each drawn with one face,
// chosen per character as by FaceFor. Whitespace and punctuation stay in
// the surrounding run when its face has them (leading ones join the first
// run), and control and format characters never start a new run.
// Concatenating the Text of the runs gives text back.
func (s *Set) Runs(text string) []Run {
	var (
		runs    []Run
		cur     *Face
		start   int
		leading = true // only non-decisive runes seen so far
	)
	for i, r := range text {
		var f *Face
		switch {
		case cur != nil && invisible(r):
			f = cur
		case cur != nil && neutral(r) && cur.Has(r):
			f = cur
		default:
			f = s.FaceFor(r)
		}
		decisive := !invisible(r) && !neutral(r)
		if f != cur && cur != nil && leading && decisive && len(runs) == 0 && hasAll(f, text[start:i]) {
			cur = f // leading spaces and punctuation join the first real run
		}
		if f != cur {
			if cur != nil {
				runs = append(runs, Run{Face: cur, Text: text[start:i]})
			}
			cur, start = f, i
		}
		if decisive {
			leading = false
		}
	}
	if cur != nil {
		runs = append(runs, Run{Face: cur, Text: text[start:]})
	}
	return runs
}

// neutral reports whether r is whitespace or punctuation, which sticks to
// the surrounding run.
func neutral(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }

// invisible reports whether r is a control, format or variation-selector
// character: no font is searched for it and it never splits a run.
func invisible(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r)
}

func hasAll(f *Face, s string) bool {
	for _, r := range s {
		if !invisible(r) && !f.Has(r) {
			return false
		}
	}
	return true
}

// preferred lists fonts known to cover rare Han characters, best first,
// as lower-case file names without extension.
var preferred = []string{
	"hanamina",              // fonts-hanazono: BMP incl. CJK Ext A
	"hanaminb",              // fonts-hanazono: SIP, CJK Ext B and later
	"droidsansfallbackfull", // fonts-droid-fallback
	"droidsansfallback",
	"babelstonehan",
	"simsunb", // Windows: SimSun-ExtB, CJK Ext B
	"msyh",    // Windows: Microsoft YaHei (msyh.ttc; Windows 7 had msyh.ttf), BMP and CJK Ext A
	"simsun",  // Windows: SimSun (simsun.ttc), BMP and CJK Ext A
}

// collections are the font collections (.ttc) that are used, by lower-case
// name without extension: Windows 10 and 11 ship Microsoft YaHei and SimSun
// only as collections. Their first face is extracted into a single font
// when probed (about 15-20 MB each); other collections are skipped.
var collections = map[string]bool{"msyh": true, "simsun": true}

// usableFile reports whether scan lists the font file at path.
func usableFile(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ttf":
		return true
	case ".ttc":
		return collections[strings.ToLower(faceName(path))]
	}
	return false
}

func rank(path string) int {
	if i := slices.Index(preferred, strings.ToLower(faceName(path))); i >= 0 {
		return i
	}
	return len(preferred)
}

// searchDirs returns the fallback directories in search order.
func searchDirs(dirs []string) []string {
	out := slices.Clone(dirs)
	if env := os.Getenv("VETDESK_FONT_DIR"); env != "" {
		out = append(out, filepath.SplitList(env)...)
	}
	return append(out, systemFontDirs()...)
}

func systemFontDirs() []string {
	home, _ := os.UserHomeDir()
	inHome := func(elem ...string) string {
		if home == "" {
			return ""
		}
		return filepath.Join(append([]string{home}, elem...)...)
	}
	switch runtime.GOOS {
	case "windows":
		windir := os.Getenv("WINDIR")
		if windir == "" {
			windir = `C:\Windows`
		}
		dirs := []string{filepath.Join(windir, "Fonts")}
		if local := os.Getenv("LOCALAPPDATA"); local != "" {
			dirs = append(dirs, filepath.Join(local, "Microsoft", "Windows", "Fonts"))
		}
		return dirs
	case "darwin", "ios":
		return []string{inHome("Library", "Fonts"), "/Library/Fonts", "/System/Library/Fonts"}
	default:
		return []string{
			"/usr/share/fonts",
			"/usr/local/share/fonts",
			inHome(".local", "share", "fonts"),
			inHome(".fonts"),
		}
	}
}

// scan lists the .ttf files (and the known collections) under dirs by name
// only, without opening them.
// Symbolic links are resolved so that a font is listed once, under its real
// name; of several files with the same name the first found wins. Preferred
// fonts come first, otherwise directory order is kept.
func scan(dirs []string) []*candidate {
	var cands []*candidate
	seenPath := make(map[string]bool)
	seenName := make(map[string]bool)
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			dir = real // WalkDir does not follow a symlinked root
		}
		// Unreadable or missing directories are skipped silently.
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if d != nil && d.IsDir() && path != dir {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() || !usableFile(path) {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				real, err := filepath.EvalSymlinks(path)
				if err != nil || !usableFile(real) {
					return nil
				}
				if fi, err := os.Stat(real); err != nil || !fi.Mode().IsRegular() {
					return nil
				}
				path = real
			} else if !d.Type().IsRegular() {
				return nil
			}
			name := strings.ToLower(faceName(path))
			if seenPath[path] || seenName[name] {
				return nil
			}
			seenPath[path], seenName[name] = true, true
			cands = append(cands, &candidate{path: path})
			return nil
		})
	}
	slices.SortStableFunc(cands, func(a, b *candidate) int { return rank(a.path) - rank(b.path) })
	return cands
}

// faceName is the file name of path without its extension.
func faceName(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}
