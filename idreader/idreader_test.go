package idreader

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"vetdesk/internal/fakeidcard"
)

// fakes builds the fake SDKs (C, gcc) into a temporary folder, or takes
// those built already where fakeidcard.EnvDir says (a Windows test binary
// under Wine: internal/winetest).
func fakes(t *testing.T) fakeidcard.Libs {
	t.Helper()
	if dir := os.Getenv(fakeidcard.EnvDir); dir != "" {
		l := fakeidcard.Layout(dir, runtime.GOOS)
		t.Cleanup(func() { l.SetPort(1001); l.SetNoCard(false) })
		return l
	}
	if !fakeidcard.HaveGCC() {
		t.Skip("gcc is missing: the fake reader libraries cannot be built (make installs it)")
	}
	l, err := fakeidcard.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func checkPerson(t *testing.T, c Card, p fakeidcard.Person) {
	t.Helper()
	got := fakeidcard.Person{Name: c.Name, Sex: c.Sex, Ethnicity: c.Ethnicity, Birth: c.Birth, Address: c.Address,
		IDNumber: c.IDNumber, Authority: c.Authority, ValidFrom: c.ValidFrom, ValidTo: c.ValidTo}
	if got != p {
		t.Errorf("Read() = %+v, want %+v", got, p)
	}
}

// checkPhoto checks the PNG is the fake card's photo, upright.
func checkPhoto(t *testing.T, c Card) {
	t.Helper()
	if c.PhotoErr != nil || c.Photo == nil {
		t.Fatalf("Read() photo = %d bytes, %v; want a photo", len(c.Photo), c.PhotoErr)
	}
	img, err := png.Decode(bytes.NewReader(c.Photo))
	if err != nil {
		t.Fatalf("photo is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 102 || b.Dy() != 126 {
		t.Fatalf("photo is %v, want 102×126", b)
	}
	for _, pt := range [][2]int{{0, 0}, {101, 0}, {0, 125}, {50, 60}, {101, 125}} {
		r, g, b, _ := img.At(pt[0], pt[1]).RGBA()
		want := fakeidcard.PhotoPixel(pt[0], pt[1])
		if uint8(r>>8) != want.R || uint8(g>>8) != want.G || uint8(b>>8) != want.B {
			t.Errorf("photo at %v = %d,%d,%d, want %v", pt, r>>8, g>>8, b>>8, want)
		}
	}
}

func TestGeneralReadsCardThroughLibrary(t *testing.T) {
	l := fakes(t)
	for _, tt := range []struct {
		name, photoLib string
	}{
		{"photo decoder beside the sdk (libwlt unpack, WltRS GetBmp on Windows)", ""},
		{"WltRS GetBmp", l.WLTGetBmp},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Read(context.Background(), Config{SDK: SDKGeneral, Library: l.General, PhotoLibrary: tt.photoLib, Port: 1001})
			if err != nil {
				t.Fatalf("Read() error %v", err)
			}
			checkPerson(t, c, fakeidcard.General)
			checkPhoto(t, c)
			if got, want := c.Validity(), "2015.01.01-2035.01.01"; got != want {
				t.Errorf("Validity() = %q, want %q", got, want)
			}
		})
	}
}

func TestHuashiReadsCardThroughLibrary(t *testing.T) {
	l := fakes(t)
	// a photo left from an earlier card must not pass for this one
	if err := os.WriteFile(l.HuashiPhoto, []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Read(context.Background(), Config{SDK: SDKHuashi, Library: l.Huashi})
	if err != nil {
		t.Fatalf("Read() error %v", err)
	}
	checkPerson(t, c, fakeidcard.Huashi)
	checkPhoto(t, c)
}

func TestGeneralWithoutPhotoLibraryStillReadsText(t *testing.T) {
	l := fakes(t)
	c, err := Read(context.Background(), Config{SDK: SDKGeneral, Library: l.General, PhotoLibrary: filepath.Join(os.TempDir(), "vetdesk-no-such-folder", "none.so")})
	if err != nil {
		t.Fatalf("Read() error %v", err)
	}
	checkPerson(t, c, fakeidcard.General)
	if c.Photo != nil || !errors.Is(c.PhotoErr, ErrLibrary) {
		t.Errorf("Read() photo = %d bytes, %v; want none, ErrLibrary", len(c.Photo), c.PhotoErr)
	}
}

func TestReadErrors(t *testing.T) {
	l := fakes(t)
	// a path that is not there (t.TempDir's cleanup fails under Wine)
	missing := filepath.Join(os.TempDir(), "vetdesk-no-such-folder", "libnone.so")
	tests := []struct {
		name   string
		cfg    Config
		noCard bool
		port   int
		want   error
	}{
		{"no sdk chosen", Config{Library: l.General}, false, 0, ErrNotConfigured},
		{"no library given", Config{SDK: SDKGeneral}, false, 0, ErrNotConfigured},
		{"library missing", Config{SDK: SDKGeneral, Library: missing}, false, 0, ErrLibrary},
		{"library of another sdk", Config{SDK: SDKHuashi, Library: l.General}, false, 0, ErrLibrary},
		{"general: reader on another port", Config{SDK: SDKGeneral, Library: l.General, Port: 1002}, false, 0, ErrNoReader},
		{"huashi: serial port without reader", Config{SDK: SDKHuashi, Library: l.Huashi, Port: 3}, false, 0, ErrNoReader},
		{"general: no card", Config{SDK: SDKGeneral, Library: l.General}, true, 0, ErrNoCard},
		{"huashi: no card", Config{SDK: SDKHuashi, Library: l.Huashi}, true, 0, ErrNoCard},
		{"general: automatic port finds 1007", Config{SDK: SDKGeneral, Library: l.General}, false, 1007, nil},
		{"huashi: automatic port finds 1016", Config{SDK: SDKHuashi, Library: l.Huashi}, false, 1016, nil},
		{"general: automatic port misses serial", Config{SDK: SDKGeneral, Library: l.General}, false, 2, ErrNoReader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := tt.port
			if port == 0 {
				port = 1001
			}
			if err := l.SetPort(port); err != nil {
				t.Fatal(err)
			}
			if err := l.SetNoCard(tt.noCard); err != nil {
				t.Fatal(err)
			}
			_, err := Read(context.Background(), tt.cfg)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Read(%+v) error %v, want %v", tt.cfg, err, tt.want)
			}
		})
	}
}

func TestDecodeBaseMessage(t *testing.T) {
	enc := func(s string, width int) []byte {
		var b []byte
		for _, r := range s {
			b = append(b, byte(r), byte(r>>8))
		}
		for len(b) < width {
			b = append(b, ' ', 0)
		}
		return b
	}
	var msg []byte
	for _, f := range []struct {
		s string
		w int
	}{{"林　涛", 30}, {"2", 2}, {"3", 4}, {"20010203", 16}, {"山东省", 70}, {"37100220010203002x", 36}, {"某公安局", 30}, {"20190101", 16}, {"长期", 16}} {
		msg = append(msg, enc(f.s, f.w)...)
	}
	msg = append(msg, make([]byte, 36)...)
	var c Card
	if err := decodeBase(msg, &c); err != nil {
		t.Fatal(err)
	}
	want := Card{Name: "林　涛", Sex: "女", Ethnicity: "回族", Birth: "2001-02-03", Address: "山东省", IDNumber: "37100220010203002X",
		Authority: "某公安局", ValidFrom: "2019-01-01", ValidTo: "长期"}
	if c.Name != want.Name || c.Sex != want.Sex || c.Ethnicity != want.Ethnicity || c.Birth != want.Birth || c.IDNumber != want.IDNumber || c.ValidTo != want.ValidTo || c.ValidFrom != want.ValidFrom {
		t.Errorf("decodeBase() = %+v, want %+v", c, want)
	}
	if err := decodeBase(msg[:100], &c); !errors.Is(err, ErrRead) {
		t.Errorf("decodeBase(short) error %v, want ErrRead", err)
	}
}

func TestCodes(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"01", "汉族"}, {"1", "汉族"}, {"10", "朝鲜族"}, {"56", "基诺族"}, {"97", "其他"}, {"汉", "汉族"}, {"满族", "满族"},
		{"蒙古", "蒙古族"}, {"穿青人", "穿青人"},
	} {
		if got := Ethnicity(tt.in); got != tt.want {
			t.Errorf("Ethnicity(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct{ in, want string }{{"1", "男"}, {"2", "女"}, {"男", "男"}, {"0", ""}, {"9", ""}} {
		if got := Sex(tt.in); got != tt.want {
			t.Errorf("Sex(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct {
		in, want string
		bad      bool
	}{{"19900307", "1990-03-07", false}, {"1990.03.07", "1990-03-07", false}, {"", "", false}, {"19901307", "", true}, {"1990", "", true}} {
		got, err := Date(tt.in)
		if got != tt.want || (err != nil) != tt.bad {
			t.Errorf("Date(%q) = %q, %v; want %q (error %v)", tt.in, got, err, tt.want, tt.bad)
		}
	}
}

func TestLocalText(t *testing.T) {
	for _, tt := range []struct {
		in   []byte
		want string
	}{
		{[]byte("\xc0\xee\xd0\xe3\xd3\xa2\x00junk"), "李秀英"}, // GBK, cut at NUL
		{[]byte("\xc5\xae"), "女"},                           // GBK that is also valid UTF-8 (Ů)
		{[]byte("李秀英 "), "李秀英"},                             // UTF-8 from a Linux build
		{[]byte("371002199205120048"), "371002199205120048"},
	} {
		if got := local(tt.in); got != tt.want {
			t.Errorf("local(% x) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParsePort(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
		bad  bool
	}{{"", 0, false}, {"1001", 1001, false}, {" 1016 ", 1016, false}, {"3", 3, false}, {"1017", 0, true}, {"17", 0, true}, {"usb", 0, true}} {
		got, err := ParsePort(tt.in)
		if got != tt.want || (err != nil) != tt.bad {
			t.Errorf("ParsePort(%q) = %d, %v; want %d (error %v)", tt.in, got, err, tt.want, tt.bad)
		}
	}
}

// TestLibraryStaysLoaded: a library is loaded once and kept, whichever way
// its path is written (vendor SDKs do not survive being unloaded).
func TestLibraryStaysLoaded(t *testing.T) {
	l := fakes(t)
	a, err := openLibrary(l.General)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := Read(context.Background(), Config{SDK: SDKGeneral, Library: l.General}); err != nil {
			t.Fatal(err)
		}
	}
	rel, err := filepath.Rel(mustGetwd(t), l.General)
	if err != nil {
		t.Skip("no relative path to the library")
	}
	b, err := openLibrary(rel)
	if err != nil || b != a {
		t.Errorf("openLibrary(%s) = %p, %v; want the library loaded first, %p", rel, b, err, a)
	}
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}
