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

// Build compiles the fakes into dir.
func Build(dir string) (Libs, error) {
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
	termbDir := filepath.Join(dir, "termb")
	if err := os.MkdirAll(termbDir, 0o755); err != nil {
		return Libs{}, err
	}
	l := Libs{
		General:   filepath.Join(dir, "libsdtapi.so"),
		WLTUnpack: filepath.Join(dir, "libwlt.so"),
		WLTGetBmp: filepath.Join(dir, "libwltrs.so"),
		Huashi:    filepath.Join(termbDir, "libtermb.so"),
	}
	l.HuashiPhoto = filepath.Join(termbDir, "zp.bmp")
	for _, b := range []struct{ c, out string }{
		{"sdtapi.c", l.General}, {"wlt_unpack.c", l.WLTUnpack}, {"wltrs.c", l.WLTGetBmp}, {"termb.c", l.Huashi},
	} {
		cmd := exec.Command("gcc", "-shared", "-fPIC", "-O1", "-o", b.out, filepath.Join(src, b.c), "-ldl")
		if out, err := cmd.CombinedOutput(); err != nil {
			return Libs{}, fmt.Errorf("gcc %s: %v: %s", b.c, err, out)
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
