package printing

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"

	"vetdesk/casework"
	"vetdesk/internal/letterseal"
	"vetdesk/internal/opsig"
)

// TestLetterQRScansBack guards the printed signed QR code of the hukou
// letter (#12): the letter rendered to PDF, drawn by pdftoppm at 300 dpi
// (a scanner's or a phone's view of the sheet), is read back by zbarimg to
// exactly the text it was given, and that text verifies against the root
// key. It logs the QR code's size in modules and the module's printed size.
func TestLetterQRScansBack(t *testing.T) {
	needTool(t, "pdftoppm")
	if _, err := exec.LookPath("zbarimg"); err != nil {
		t.Skip("zbarimg not installed (zbar-tools)")
	}
	cat := loadCat(t)
	p := newPrinter(t)
	c := acceptedCase(t, cat, "欧阳振华", 21)
	number := "威退役落字〔2026〕第HC01-0012号"
	root, _ := opsig.NewKey()
	desk, _ := opsig.NewKey()
	cert, err := letterseal.Certify(root, "HC01", "371002", desk.PublicKey(), testNow.AddDate(0, 0, -1), testNow.AddDate(3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	id := c.Value(casework.FieldIDNumber)
	text, err := letterseal.Seal(desk, cert, letterseal.Letter{Number: number, Case: c.Number, Name: c.Value(casework.FieldName),
		MaskedID: casework.MaskID(id), IDDigest: letterseal.IDDigest(id, number),
		Station: "威海市公安局环翠区分局鲸园街道派出所", Issued: testNow, ValidDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	qr, _ := qrcode.New(text, qrcode.Medium)
	modules := len(qr.Bitmap())
	t.Logf("QR text %d characters: version %d, %d modules with the quiet zone, %.2f mm a module at %.0f mm",
		len(text), qr.VersionNumber, modules, LetterQRSide/float64(modules), LetterQRSide)

	pdf, _ := render(t, func(b *bytes.Buffer) (Result, error) {
		return p.Letter(b, LetterData{Case: c, Cat: cat, Office: testOffice, Clerk: "刘洋", Number: number, ValidDays: 30, Issued: testNow, Seal: text})
	})
	dir := t.TempDir()
	if d := os.Getenv("VETDESK_PDF_OUT"); d != "" {
		dir = d
	}
	in := filepath.Join(dir, "letter-qr.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "300", "-gray", "-png", in, filepath.Join(dir, "letter-qr")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	out, err := exec.Command("zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", filepath.Join(dir, "letter-qr-1.png")).Output()
	if err != nil {
		t.Fatalf("zbarimg found no QR code on the printed letter: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != text {
		t.Fatalf("zbarimg read %q, want %q", got, text)
	}
	if _, err := letterseal.Verify(string(out), root.PublicKey(), testNow); err != nil {
		t.Errorf("the scanned text does not verify: %v", err)
	}
	if text := pdfText(t, pdf); !strings.Contains(text, "电子签章") || !strings.Contains(text, "(盖章)") {
		t.Error("letter lacks the QR caption or keeps no seal box")
	}
}
