package printing

import (
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
	"time"
	"unicode"

	"vetdesk/assets"
	"vetdesk/fontset"
)

// Layout places the page on the paper: a margin, and an offset that moves
// everything right and down (negative: left and up) to meet pre-printed
// stock. All in millimetres.
type Layout struct {
	MarginMM  float64
	OffsetXMM float64
	OffsetYMM float64
}

// DefaultLayout is used when Options.Layout is zero.
var DefaultLayout = Layout{MarginMM: 18}

// Options configure a Printer. The zero value is usable.
type Options struct {
	Layout Layout
	// Templates holds the wording files (receipt.json, …) at its root;
	// nil means the embedded assets.Templates.
	Templates fs.FS
	// TemplateDir, when set, is a folder whose wording files override,
	// key by key, those of Templates, so a city can change wording
	// without a rebuild.
	TemplateDir string
	// Fonts supplies faces; nil means fontset.Default().
	Fonts *fontset.Set
}

// OfficeInfo is the issuing office as printed on documents.
type OfficeInfo struct {
	Name    string
	Address string
	Phone   string
}

// Result tells what rendering a document did besides writing it.
type Result struct {
	Pages int
	// Raster lists the characters above U+FFFF that were drawn as images
	// (see the package documentation), each once, in order.
	Raster []rune
	// Missing lists the characters no available font has; each was drawn
	// as a crossed box so the clerk sees that something is missing.
	Missing []rune
}

// Printer renders the counter's documents. The primary font is parsed once
// per Printer, fallback faces when first needed; a Printer is safe for
// concurrent use.
type Printer struct {
	layout Layout
	fonts  *fontset.Set
	words  map[string]wording
	prim   *faceInfo

	mu    sync.Mutex
	infos map[*fontset.Face]*faceInfo
	bad   map[*fontset.Face]bool
	pngs  map[glyphKey][]byte

	// capture, when set, is handed each document's canvas as it is
	// rendered (PageImages).
	capture func(*canvas)
}

// New returns a Printer with the given options.
func New(opts Options) (*Printer, error) {
	p := &Printer{
		layout: opts.Layout,
		fonts:  opts.Fonts,
		infos:  make(map[*fontset.Face]*faceInfo),
		bad:    make(map[*fontset.Face]bool),
		pngs:   make(map[glyphKey][]byte),
	}
	if p.layout == (Layout{}) {
		p.layout = DefaultLayout
	}
	if p.fonts == nil {
		p.fonts = fontset.Default()
	}
	src := opts.Templates
	if src == nil {
		sub, err := fs.Sub(assets.Templates, "templates")
		if err != nil {
			return nil, fmt.Errorf("printing: %w", err)
		}
		src = sub
	}
	var over fs.FS
	if opts.TemplateDir != "" {
		over = os.DirFS(opts.TemplateDir)
	}
	words, err := loadWordings(src, over)
	if err != nil {
		return nil, err
	}
	p.words = words
	prim, err := newFaceInfo(p.fonts.Primary())
	if err != nil {
		return nil, fmt.Errorf("printing: %w", err)
	}
	p.prim = prim
	p.infos[p.fonts.Primary()] = prim
	return p, nil
}

// info returns the parsed face, or nil when it cannot be used.
func (p *Printer) info(f *fontset.Face) *faceInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	if fi, ok := p.infos[f]; ok {
		return fi
	}
	if p.bad[f] {
		return nil
	}
	fi, err := newFaceInfo(f)
	if err != nil {
		p.bad[f] = true
		return nil
	}
	p.infos[f] = fi
	return fi
}

// skipRune reports runes that take no room and are not drawn.
func skipRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r)
}

// shape splits s into segments: text runs per face, runes above U+FFFF as
// images, and runes no face has as markers.
func (p *Printer) shape(s string) []seg {
	var out []seg
	addText := func(fi *faceInfo, r rune) {
		w := fi.advance(r)
		if n := len(out); n > 0 && out[n-1].kind == segText && out[n-1].fi == fi {
			out[n-1].text += string(r)
			out[n-1].width += w
			return
		}
		out = append(out, seg{kind: segText, fi: fi, text: string(r), width: w})
	}
	for _, run := range p.fonts.Runs(s) {
		fi := p.info(run.Face)
		for _, r := range run.Text {
			switch {
			case skipRune(r):
			case fi != nil && fi.glyph(r) != 0 && r <= 0xFFFF:
				addText(fi, r)
			case fi != nil && fi.glyph(r) != 0:
				out = append(out, seg{kind: segImage, fi: fi, text: string(r), width: fi.advance(r)})
			case unicode.IsSpace(r):
				addText(p.prim, ' ')
			default:
				out = append(out, seg{kind: segMissing, text: string(r), width: 1})
			}
		}
	}
	return out
}

// runeWidth returns the advance of r in ems as it will be drawn.
func (p *Printer) runeWidth(r rune) float64 {
	if p.prim.glyph(r) != 0 {
		return p.prim.advance(r)
	}
	var w float64
	for _, sg := range p.shape(string(r)) {
		w += sg.width
	}
	return w
}

// dateCN formats t with the wording's date pattern (2026年3月5日).
func (p *Printer) dateCN(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return p.words["common"].f("date", map[string]any{"Y": t.Year(), "M": int(t.Month()), "D": t.Day()})
}

// dateTimeCN formats t with date, hour and minute.
func (p *Printer) dateTimeCN(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return p.words["common"].f("datetime", map[string]any{"Y": t.Year(), "M": int(t.Month()), "D": t.Day(),
		"h": fmt.Sprintf("%02d", t.Hour()), "m": fmt.Sprintf("%02d", t.Minute())})
}

// uniq returns the distinct runes of rs in first-seen order.
func uniq(rs []rune) []rune {
	var out []rune
	for _, r := range rs {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// Layout returns the layout p places pages with.
func (p *Printer) Layout() Layout { return p.layout }

// WithOffset returns a Printer like p whose pages are moved by x mm right
// and y mm down (negative: left and up), for a printer whose stock or feed
// is off. It shares p's fonts and wording; its glyph caches are its own.
func (p *Printer) WithOffset(xMM, yMM float64) *Printer {
	l := p.layout
	l.OffsetXMM, l.OffsetYMM = xMM, yMM
	if l == p.layout {
		return p
	}
	return p.clone(l)
}

// clone returns a Printer with layout l sharing p's fonts and wording.
func (p *Printer) clone(l Layout) *Printer {
	q := &Printer{
		layout: l,
		fonts:  p.fonts,
		words:  p.words,
		prim:   p.prim,
		infos:  map[*fontset.Face]*faceInfo{p.fonts.Primary(): p.prim},
		bad:    make(map[*fontset.Face]bool),
		pngs:   make(map[glyphKey][]byte),
	}
	return q
}
