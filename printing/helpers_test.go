package printing

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vetdesk/assets"
	"vetdesk/casework"
)

var testNow = time.Date(2026, 3, 5, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

var testOffice = OfficeInfo{Name: "环翠区退役军人服务中心", Address: "威海市环翠区青岛中路1号", Phone: "0631-5201234"}

func loadCat(t testing.TB) *casework.Catalogue {
	t.Helper()
	cat, err := casework.LoadFrom(assets.CatalogueFS, assets.CityCatalogue, assets.AreaCodesFile)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// acceptedCase returns an accepted case of a self-employed veteran named
// name who applies for every eligible item.
func acceptedCase(t testing.TB, cat *casework.Catalogue, name string, seed uint64) *casework.Case {
	t.Helper()
	g := casework.NewGenerator(cat, seed, testNow)
	for i := 0; i < 200; i++ {
		c := g.Draft("id-test", "371002", true)
		if c.Placement() != "self_employ" {
			continue
		}
		c.Values[casework.FieldName] = name
		c.Values[casework.FieldPoliceStation] = "HC01"
		if _, err := c.Accept(cat, "3710022026030500012", testNow); err != nil {
			t.Fatalf("Accept: %v", err)
		}
		return c
	}
	t.Fatal("generator made no self-employed veteran")
	return nil
}

func newPrinter(t testing.TB) *Printer {
	t.Helper()
	p, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed (poppler-utils/qpdf)", name)
	}
}

// pdfText returns the text pdftotext extracts from pdf, with spaces
// and newlines removed so wrapped lines join again.
func pdfText(t testing.TB, pdf []byte) string {
	t.Helper()
	needTool(t, "pdftotext")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.NewReplacer(" ", "", "\n", "", "\f", "").Replace(string(out))
}

func qpdfCheck(t testing.TB, pdf []byte) {
	t.Helper()
	needTool(t, "qpdf")
	in := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("qpdf", "--check", in).CombinedOutput(); err != nil {
		t.Errorf("qpdf --check: %v\n%s", err, out)
	}
}

// toPNG renders page 1 of pdf at 100 dpi into dir/name-1.png.
func toPNG(t testing.TB, pdf []byte, dir, name string) string {
	t.Helper()
	needTool(t, "pdftoppm")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, name+".pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "100", "-png", in, filepath.Join(dir, name)).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	return filepath.Join(dir, name+"-1.png")
}

func render(t testing.TB, f func(*bytes.Buffer) (Result, error)) ([]byte, Result) {
	t.Helper()
	var b bytes.Buffer
	res, err := f(&b)
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), res
}
