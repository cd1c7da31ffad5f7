// Package fakeidcard builds fake ID card reader SDKs for tests: shared
// libraries written in C that export the same functions as the 公安部
// general interface (sdtapi), its photo decoders (libwlt's unpack, WltRS's
// GetBmp) and 华视's termb, built with gcc and loaded by the real bindings
// of package idreader. Each holds one fixed test person (General, Huashi).
// Libs.SetPort moves the reader to another port (default 1001);
// Libs.SetNoCard takes the card off it.
package fakeidcard

import (
	"embed"
	"fmt"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

//go:embed csrc
var sources embed.FS

// Libs are the built libraries' paths.
type Libs struct {
	General     string // libsdtapi.so
	WLTUnpack   string // libwlt.so, exporting unpack (beside General)
	WLTGetBmp   string // libwltrs.so, exporting GetBmp
	Huashi      string // libtermb.so, in a folder of its own (it writes zp.bmp beside itself)
	HuashiPhoto string // where the fake termb writes zp.bmp
}

// The people on the fake cards, as idreader should decode them.
var (
	General = Person{Name: "王建䶮", Sex: "男", Ethnicity: "朝鲜族", Birth: "1990-03-07",
		Address: "北京市东城区东华门街道南池子大街12号", IDNumber: "110101199003078515",
		Authority: "北京市公安局东城分局", ValidFrom: "2015-01-01", ValidTo: "2035-01-01"}
	Huashi = Person{Name: "李秀英", Sex: "女", Ethnicity: "满族", Birth: "1992-05-12",
		Address: "山东省威海市环翠区龙山路88号", IDNumber: "371002199205120048",
		Authority: "威海市公安局环翠分局", ValidFrom: "2022-06-01", ValidTo: "长期"}
)

// Person is the text of a fake card.
type Person struct {
	Name, Sex, Ethnicity, Birth, Address, IDNumber, Authority, ValidFrom, ValidTo string
}

// HaveGCC reports whether gcc is on PATH.
func HaveGCC() bool {
	_, err := exec.LookPath("gcc")
	return err == nil
}

// EnvDir names a folder where BuildFor put the fakes already: a test
// binary built for Windows and run under Wine, which has no compiler, uses
// those (Layout).
const EnvDir = "VETDESK_FAKE_IDCARD_DIR"

// Layout is where BuildFor(dir, goos) puts the libraries.
func Layout(dir, goos string) Libs {
	termb := filepath.Join(dir, "termb")
	if goos == "windows" {
		return Libs{General: filepath.Join(dir, "sdtapi.dll"), WLTGetBmp: filepath.Join(dir, "WltRS.dll"),
			Huashi: filepath.Join(termb, "termb.dll"), HuashiPhoto: filepath.Join(termb, "zp.bmp")}
	}
	return Libs{General: filepath.Join(dir, "libsdtapi.so"), WLTUnpack: filepath.Join(dir, "libwlt.so"),
		WLTGetBmp: filepath.Join(dir, "libwltrs.so"), Huashi: filepath.Join(termb, "libtermb.so"), HuashiPhoto: filepath.Join(termb, "zp.bmp")}
}

// Build compiles the fakes for this system into dir with gcc.
func Build(dir string) (Libs, error) { return BuildFor(dir, runtime.GOOS) }

// BuildFor compiles the fakes for goos into dir: with gcc, or for
// "windows" with mingw-w64 (x86_64-w64-mingw32-gcc) into DLLs. On Windows
// the photo decoder beside sdtapi.dll is WltRS.dll (GetBmp); elsewhere it
// is libwlt.so (unpack).
func BuildFor(dir, goos string) (Libs, error) {
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return Libs{}, err
	}
	ents, _ := sources.ReadDir("csrc")
	for _, e := range ents {
		b, _ := sources.ReadFile("csrc/" + e.Name())
		if err := os.WriteFile(filepath.Join(src, e.Name()), b, 0o644); err != nil {
			return Libs{}, err
		}
	}
	l := Layout(dir, goos)
	if err := os.MkdirAll(filepath.Dir(l.Huashi), 0o755); err != nil {
		return Libs{}, err
	}
	cc, flags := "gcc", []string{"-shared", "-fPIC", "-O1"}
	libs := []string{"-ldl"}
	if goos == "windows" {
		cc, flags, libs = "x86_64-w64-mingw32-gcc", []string{"-shared", "-O1", "-static-libgcc"}, nil
	}
	builds := []struct{ c, out, with string }{
		{"sdtapi.c", l.General, ""}, {"wlt_unpack.c", l.WLTUnpack, ""}, {"wltrs.c", l.WLTGetBmp, ""}, {"termb.c", l.Huashi, ""},
	}
	if goos == "windows" {
		// termb.dll needs cvrdep.dll from its own folder, as a vendor's does
		dep := filepath.Join(filepath.Dir(l.Huashi), "cvrdep.dll")
		builds[3].with = dep
		builds = append([]struct{ c, out, with string }{{"cvrdep.c", dep, ""}}, builds...)
	}
	for _, b := range builds {
		if b.out == "" {
			continue
		}
		args := append(append([]string{}, flags...), "-o", b.out, filepath.Join(src, b.c))
		if b.with != "" {
			args = append(args, b.with)
		}
		args = append(args, libs...)
		if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
			return Libs{}, fmt.Errorf("%s %s: %v: %s", cc, b.c, err, out)
		}
	}
	return l, nil
}

// SetPort puts the fake readers on port.
func (l Libs) SetPort(port int) error {
	for _, d := range []string{filepath.Dir(l.General), filepath.Dir(l.Huashi)} {
		if err := os.WriteFile(filepath.Join(d, "port"), []byte(fmt.Sprint(port)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// SetNoCard takes the card off the fake readers (or puts it back).
func (l Libs) SetNoCard(off bool) error {
	for _, d := range []string{filepath.Dir(l.General), filepath.Dir(l.Huashi)} {
		p := filepath.Join(d, "nocard")
		if !off {
			if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
				return err
			}
			continue
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// wlt is the fake card's WLT photo data (fake_wlt in photo.h).
func wlt(i int) uint8 { return uint8((i*31 + 7) % 251) }

// PhotoPixel is the colour of the fake photo at x, y (0, 0 top left).
func PhotoPixel(x, y int) color.RGBA {
	return color.RGBA{R: wlt((x*7 + y) % 1024), G: wlt((y*3 + x) % 1024), B: uint8(x + y), A: 0xff}
}
