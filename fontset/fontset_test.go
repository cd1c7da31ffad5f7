// Test set-up: the fallback tests need real CJK fallback fonts; install them
// with
//
//	apt-get install -y fonts-hanazono
//
// (HanaMinA.ttf and HanaMinB.ttf). Without any fallback font that covers CJK
// Extension A/B those assertions are skipped; the primary-face tests always run.
package fontset

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"vetdesk/assets"
)

func TestPrimaryHas(t *testing.T) {
	f := New(nil).Primary()
	tests := []struct {
		r    rune
		want bool
	}{
		{'A', true},
		{'7', true},
		{' ', true},
		{'张', true},
		{'三', true},
		{'堃', true},
		{'喆', true},
		{'镕', true},
		{'，', true},
		{'\u4DAE', false},     // 䶮, CJK Ext A
		{'\U00020BB7', false}, // 𠮷, CJK Ext B
	}
	for _, tt := range tests {
		if got := f.Has(tt.r); got != tt.want {
			t.Errorf("Has(%q) = %v, want %v", tt.r, got, tt.want)
		}
	}
}

// runsString renders runs as "text|face text|face".
func runsString(runs []Run) string {
	var parts []string
	for _, r := range runs {
		parts = append(parts, r.Text+"|"+r.Face.Name)
	}
	return strings.Join(parts, " ")
}

func TestRunsPrimaryOnly(t *testing.T) {
	s := New(nil, t.TempDir()) // the empty dir is irrelevant: nothing is missing
	tests := []struct {
		text string
		want string
	}{
		{"", ""},
		{"张三", "张三|" + PrimaryName},
		{"Zhang San 12", "Zhang San 12|" + PrimaryName},
		{"北京市朝阳区建国路88号, 100022", "北京市朝阳区建国路88号, 100022|" + PrimaryName},
		{"（张堃喆）\n镕", "（张堃喆）\n镕|" + PrimaryName},
	}
	for _, tt := range tests {
		if got := runsString(s.Runs(tt.text)); got != tt.want {
			t.Errorf("Runs(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	if s.scanned {
		t.Errorf("Runs of primary-only text scanned for fallback fonts, want no scan")
	}
}

// fallbackSet returns the default-search set, skipping the test when no
// fallback font covers both CJK Ext A and Ext B.
func fallbackSet(t *testing.T) *Set {
	t.Helper()
	s := New(nil)
	for _, r := range []rune{'\u4DAE', '\U00020BB7'} {
		if s.FaceFor(r) == s.Primary() {
			t.Skipf("no fallback TrueType font with %q (U+%04X) found; apt-get install -y fonts-hanazono", r, r)
		}
	}
	return s
}

func TestFaceForFallback(t *testing.T) {
	s := fallbackSet(t)
	for _, r := range []rune{'\u4DAE', '\U00020BB7', '\U00020001'} {
		f := s.FaceFor(r)
		if f == s.Primary() {
			continue // not every fallback font has every Ext B character
		}
		if !f.Has(r) {
			t.Errorf("FaceFor(%q) = %s, which lacks it, want a face with the glyph", r, f.Name)
		}
		if len(f.Data) == 0 {
			t.Errorf("FaceFor(%q).Data = empty, want the font file", r)
		}
	}
	for _, r := range "A1张" {
		if got := s.FaceFor(r); got != s.Primary() {
			t.Errorf("FaceFor(%q) = %s, want %s", r, got.Name, PrimaryName)
		}
	}
}

func TestRunsFallback(t *testing.T) {
	s := fallbackSet(t)
	tests := []struct {
		text     string
		primary  string // runes that must be in primary runs
		fallback string // runes that must be in fallback runs
	}{
		{"张䶮𠮷三", "张三", "䶮𠮷"},
		{"王䶮", "王", "䶮"},
		{"𠮷野家 12号", "野家12号", "𠮷"},
		{"A䶮B", "AB", "䶮"},
	}
	for _, tt := range tests {
		runs := s.Runs(tt.text)
		var joined strings.Builder
		for i, run := range runs {
			joined.WriteString(run.Text)
			if run.Text == "" {
				t.Errorf("Runs(%q)[%d] = empty run, want non-empty", tt.text, i)
			}
			if i > 0 && runs[i-1].Face == run.Face {
				t.Errorf("Runs(%q) = %s, want adjacent runs in different faces", tt.text, runsString(runs))
			}
			for _, r := range run.Text {
				if !run.Face.Has(r) {
					t.Errorf("Runs(%q): %q in face %s = no glyph, want a face that has it", tt.text, r, run.Face.Name)
				}
				isPrimary := run.Face == s.Primary()
				if strings.ContainsRune(tt.primary, r) && !isPrimary {
					t.Errorf("Runs(%q): %q in face %s, want %s", tt.text, r, run.Face.Name, PrimaryName)
				}
				if strings.ContainsRune(tt.fallback, r) && isPrimary {
					t.Errorf("Runs(%q): %q in face %s, want a fallback face", tt.text, r, run.Face.Name)
				}
			}
		}
		if joined.String() != tt.text {
			t.Errorf("Runs(%q) joined = %q, want %q", tt.text, joined.String(), tt.text)
		}
	}
}

func TestRunsStickyPunctuation(t *testing.T) {
	s := fallbackSet(t)
	ext := s.FaceFor('\u4DAE')
	if !ext.Has(' ') || !ext.Has('，') {
		t.Skipf("fallback face %s lacks ' ' or '，'", ext.Name)
	}
	tests := []struct {
		text string
		want string
	}{
		{"䶮 䶮", "䶮 䶮|" + ext.Name},
		{"张，䶮，张", "张，|" + PrimaryName + " 䶮，|" + ext.Name + " 张|" + PrimaryName},
		{" 䶮", " 䶮|" + ext.Name},
		{"䶮\u200d䶮", "䶮\u200d䶮|" + ext.Name},
	}
	for _, tt := range tests {
		if got := runsString(s.Runs(tt.text)); got != tt.want {
			t.Errorf("Runs(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestHanazonoOrder(t *testing.T) {
	dir := "/usr/share/fonts/truetype/hanazono"
	if _, err := os.Stat(filepath.Join(dir, "HanaMinA.ttf")); err != nil {
		t.Skip("fonts-hanazono not installed; apt-get install -y fonts-hanazono")
	}
	s := New(nil, dir)
	tests := []struct {
		r    rune
		want string
	}{
		{'\u4DAE', "HanaMinA"},
		{'\U00020BB7', "HanaMinA"}, // 𠮷: Ext B, but HanaMinA has it and comes first
		{'\U00020001', "HanaMinB"}, // Ext B, not in HanaMinA
	}
	for _, tt := range tests {
		if got := s.FaceFor(tt.r).Name; got != tt.want {
			t.Errorf("FaceFor(%q) = %s, want %s", tt.r, got, tt.want)
		}
	}
}

func TestScanOrder(t *testing.T) {
	user, env := t.TempDir(), t.TempDir()
	touch := func(dir, name string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	touch(user, "Zeta.ttf")
	touch(user, "sub/Alpha.TTF")
	touch(user, "Collection.ttc")
	touch(user, "Cff.otf")
	touch(env, "BabelStoneHan.ttf")
	touch(env, "HanaMinA.ttf")
	touch(env, "Zeta.ttf") // shadowed by the user directory
	t.Setenv("VETDESK_FONT_DIR", env)

	var got []string
	for _, c := range scan(searchDirs([]string{user})) {
		if strings.HasPrefix(c.path, user) || strings.HasPrefix(c.path, env) {
			got = append(got, faceName(c.path))
		}
	}
	want := []string{"HanaMinA", "BabelStoneHan", "Zeta", "Alpha"} // WalkDir is lexical: "Zeta.ttf" < "sub"

	if !slices.Equal(got, want) {
		t.Errorf("scan(%s, $VETDESK_FONT_DIR) = %v, want %v", user, got, want)
	}
}

func TestRejectNonTrueType(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"otto", []byte("OTTO\x00\x00\x00\x00\x00\x00\x00\x00"), errCFF},
		{"ttc", []byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x01"), errCollection},
		{"noglyf", []byte("\x00\x01\x00\x00\x00\x01\x00\x10\x00\x00\x00\x00CFF \x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), errNoGlyf},
		{"junk", []byte("hello world!"), errNotSfnt},
	}
	for _, tt := range tests {
		if got := checkTrueType(tt.data); got != tt.want {
			t.Errorf("checkTrueType(%s) = %v, want %v", tt.name, got, tt.want)
		}
		if _, err := NewFace(tt.name, tt.data); err == nil {
			t.Errorf("NewFace(%s) = nil error, want error", tt.name)
		}
	}
}

func BenchmarkRuns(b *testing.B) {
	s := Default()
	const text = "张䶮 北京市朝阳区建国路88号 电话:13800138000" // 30 characters
	if n := len([]rune(text)); n != 30 {
		b.Fatalf("len(text) = %d runes, want 30", n)
	}
	s.Runs(text) // warm the caches and run fallback discovery once
	b.ReportAllocs()
	for b.Loop() {
		s.Runs(text)
	}
}

// TestWindowsFallbackOrder: on a Windows PC without hanazono, SimSun-ExtB
// (CJK Ext B), then Microsoft YaHei and SimSun (collections, CJK Ext A) are
// tried before any other font of C:\Windows\Fonts.
func TestWindowsFallbackOrder(t *testing.T) {
	fonts := t.TempDir()
	for _, name := range []string{"arial.ttf", "msyh.ttc", "mingliub.ttc", "simsun.ttc", "SimSun-ExtB.ttf", "simsunb.ttf", "times.ttf"} {
		if err := os.WriteFile(filepath.Join(fonts, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, c := range scan([]string{fonts}) {
		got = append(got, faceName(c.path))
	}
	want := []string{"simsunb", "msyh", "simsun", "SimSun-ExtB", "arial", "times"} // other collections skipped
	if !slices.Equal(got, want) {
		t.Errorf("scan(C:\\Windows\\Fonts) = %v, want %v", got, want)
	}
}

// collection wraps a single TrueType font into a one-face collection, as
// Windows ships msyh.ttc: table offsets count from the file's start.
func collection(t *testing.T, ttf []byte) []byte {
	t.Helper()
	out := append([]byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x10"), ttf...)
	n := int(binary.BigEndian.Uint16(ttf[4:]))
	for i := 0; i < n; i++ {
		rec := out[16+12+16*i:]
		binary.BigEndian.PutUint32(rec[8:], binary.BigEndian.Uint32(rec[8:])+16)
	}
	return out
}

// TestCollectionFace: Microsoft YaHei as Windows 10 and 11 ship it (a
// collection) gives its first face as a font fpdf and Fyne can use.
func TestCollectionFace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "msyh.ttc")
	if err := os.WriteFile(path, collection(t, assets.FontCJK), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := probeFace(path)
	if err != nil {
		t.Fatalf("probeFace(msyh.ttc) = %v", err)
	}
	if err := checkTrueType(f.Data); err != nil {
		t.Errorf("the extracted face is not a single TrueType font: %v", err)
	}
	if f.Name != "msyh" || !f.Has('退') || f.Has('\U00020BB7') {
		t.Errorf("face %s: has 退 %v, has 𠮷 %v; want msyh with the collection's glyphs", f.Name, f.Has('退'), f.Has('\U00020BB7'))
	}
}
