package printing

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/font/sfnt"

	"vetdesk/casework"
)

// docCase is one document rendered for the tests.
type docCase struct {
	name string
	fn   func(*bytes.Buffer) (Result, error)
	want []string
	not  []string
}

func documents(t testing.TB, p *Printer, cat *casework.Catalogue, c *casework.Case) []docCase {
	t.Helper()
	id := c.Value(casework.FieldIDNumber)
	enlist, _ := parseDate(c.Value(casework.FieldEnlistDate))
	discharge, _ := parseDate(c.Value(casework.FieldDischargeDate))
	sub, err := cat.Subsidy.Compute(enlist, discharge, c.Value(casework.FieldCategory))
	if err != nil {
		t.Fatal(err)
	}
	name := c.Value(casework.FieldName)
	return []docCase{
		{
			name: "receipt",
			fn: func(b *bytes.Buffer) (Result, error) {
				return p.Receipt(b, ReceiptData{Case: c, Cat: cat, Office: testOffice, Clerk: "刘洋", Lookup: "K7Q2M9", Printed: testNow})
			},
			want: []string{"受理回执", c.Number, name, casework.MaskID(id), "军人退役报到登记", "恢复户口登记",
				"退出现役行政介绍信", "已收原件", "刘洋", "0631-5201234", "K7Q2M9", "申请人签收", "2026年3月5日09:30"},
			not: []string{id},
		},
		{
			name: "notice",
			fn: func(b *bytes.Buffer) (Result, error) {
				return p.Notice(b, NoticeData{Case: c, Cat: cat, Office: testOffice, Clerk: "刘洋", Printed: testNow,
					Problems: []NoticeProblem{{Item: "subsidy", Text: "银行账号与开户银行不符"}, {Text: "联系电话无法接通"}}})
			},
			want: []string{"一次性告知书", name, "近期二寸白底免冠彩色照片", "自主就业退役士兵一次性经济补助金发放",
				"银行账号与开户银行不符", "联系电话无法接通", "请将上述材料尽快补正提交,特此告知。", "咨询电话:0631-5201234"},
			not: []string{"材料补正"},
		},
		{
			name: "regform",
			fn: func(b *bytes.Buffer) (Result, error) {
				return p.RegForm(b, RegFormData{Case: c, Cat: cat, Office: testOffice, Printed: testNow})
			},
			want: []string{"威海市“军人退役一件事”办理登记表", name, id, "自主就业", "环翠区", "威海市公安局环翠分局鲸园派出所",
				"基本信息", "服役信息", "社保卡首次申领", "医保关系转移接续", "申请人(签字)", c.Number},
		},
		{
			name: "letter",
			fn: func(b *bytes.Buffer) (Result, error) {
				return p.Letter(b, LetterData{Case: c, Cat: cat, Office: testOffice, Clerk: "刘洋", Number: "威退役落字〔2026〕第0012号",
					ValidDays: 30, Issued: testNow})
			},
			want: []string{"退役军人落户介绍信(存根)", "威海市公安局环翠分局鲸园派出所:", name, id, "自主就业", "骑缝线",
				"有效期30天", "2026年4月4日", "经办人:刘洋", "联系电话:0631-5201234", "(盖章)"},
			not: []string{"补打", "作废"},
		},
		{
			name: "subsidy",
			fn: func(b *bytes.Buffer) (Result, error) {
				return p.SubsidyForm(b, SubsidyData{Case: c, Cat: cat, Office: testOffice, Printed: testNow})
			},
			want: []string{"退役士兵自主就业地方一次性经济补助审核表", name, id, c.Value(casework.FieldBankAccount),
				fmt.Sprintf("%d元", sub.Amount), sub.Years() + "年", cnMoney(sub.Amount), "样例标准", "审核人(签字)", "经办人(签字)"},
		},
	}
}

func TestDocuments(t *testing.T) {
	cat := loadCat(t)
	p := newPrinter(t)
	c := acceptedCase(t, cat, "张䶮", 7)
	c.Materials["photo"].Status = casework.MaterialRequired
	for _, d := range documents(t, p, cat, c) {
		t.Run(d.name, func(t *testing.T) {
			pdf, res := render(t, d.fn)
			qpdfCheck(t, pdf)
			text := pdfText(t, pdf)
			for _, w := range d.want {
				if !strings.Contains(text, strings.ReplaceAll(w, " ", "")) {
					t.Errorf("%s text lacks %q", d.name, w)
				}
			}
			for _, n := range append(d.not, "【") {
				if strings.Contains(text, n) {
					t.Errorf("%s text has %q", d.name, n)
				}
			}
			if len(res.Missing) != 0 || res.Pages < 1 {
				t.Errorf("%s result = %+v, want pages and nothing missing", d.name, res)
			}
			again, _ := render(t, d.fn)
			if !bytes.Equal(pdf, again) {
				t.Errorf("%s: two renders differ (%d vs %d bytes), want identical", d.name, len(pdf), len(again))
			}
		})
	}
}

func TestNoticeCorrection(t *testing.T) {
	cat := loadCat(t)
	p := newPrinter(t)
	c := acceptedCase(t, cat, "张䶮", 7)
	reason := "拟落户地证明为复印件,需提供房产证原件核验"
	// 恢复户口 follows 报到
	if err := c.CompleteTask(cat, "register", nil, testNow.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := c.ReturnTask(cat, "hukou", reason, testNow.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	pdf, _ := render(t, func(b *bytes.Buffer) (Result, error) {
		return p.Notice(b, NoticeData{Case: c, Cat: cat, Office: testOffice, Clerk: "刘洋", Printed: testNow})
	})
	text := pdfText(t, pdf)
	for _, w := range []string{"材料补正一次性告知书", "恢复户口登记", "公安局(户籍派出所)", reason, c.Number} {
		if !strings.Contains(text, w) {
			t.Errorf("correction notice lacks %q", w)
		}
	}
}

func TestLetterReprintVoid(t *testing.T) {
	cat := loadCat(t)
	p := newPrinter(t)
	c := acceptedCase(t, cat, "张䶮", 7)
	pdf, _ := render(t, func(b *bytes.Buffer) (Result, error) {
		return p.Letter(b, LetterData{Case: c, Cat: cat, Office: testOffice, Number: "威退役落字〔2026〕第0012号",
			ValidDays: 30, Issued: testNow, Reprint: true, Void: true})
	})
	qpdfCheck(t, pdf)
	text := pdfText(t, pdf)
	if n := strings.Count(text, "补打"); n != 2 {
		t.Errorf("letter shows 补打 %d times, want 2 (stub and original)", n)
	}
	if n := strings.Count(text, "威退役落字〔2026〕第0012号"); n != 2 {
		t.Errorf("letter shows its number %d times, want 2", n)
	}
	// the watermark is rotated: pdftotext may give its characters in either order
	if !strings.Contains(text, "作废") && !strings.Contains(text, "废作") {
		t.Error("void letter lacks the 作废 watermark")
	}
}

// TestRareCharacters: 䶮 (Ext A) is text from a fallback face; 𠮷 (Ext B)
// is drawn as an image, which pdftotext cannot read.
func TestRareCharacters(t *testing.T) {
	cat := loadCat(t)
	p := newPrinter(t)
	if p.fonts.FaceFor('𠮷') == p.fonts.Primary() {
		t.Skip("no font with 𠮷 installed (fonts-hanazono)")
	}
	c := acceptedCase(t, cat, "李𠮷", 9)
	pdf, res := render(t, func(b *bytes.Buffer) (Result, error) {
		return p.Receipt(b, ReceiptData{Case: c, Cat: cat, Office: testOffice, Clerk: "张䶮", Lookup: "X", Printed: testNow})
	})
	failed := false
	defer func() {
		if failed || t.Failed() {
			png := toPNG(t, pdf, filepath.Join("testdata", "failed"), "rare")
			t.Logf("page rendered to %s", png)
		}
	}()
	qpdfCheck(t, pdf)
	if len(res.Raster) != 1 || res.Raster[0] != 0x20BB7 || len(res.Missing) != 0 {
		t.Errorf("Receipt result = %+v, want Raster [U+20BB7] and nothing missing", res)
	}
	text := pdfText(t, pdf)
	for _, w := range []string{"李", "张䶮"} {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q", w)
		}
	}
	needTool(t, "pdfimages")
	in := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdfimages", "-list", in).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "image") || !strings.Contains(string(out), "smask") {
		t.Errorf("pdfimages -list = %s, want the glyph image with its soft mask", out)
	}
	failed = t.Failed()
}

func TestMissingGlyphIsMarked(t *testing.T) {
	cat := loadCat(t)
	p := newPrinter(t)
	c := acceptedCase(t, cat, "王\U000F0001", 7) // private use: no font has it
	pdf, res := render(t, func(b *bytes.Buffer) (Result, error) {
		return p.RegForm(b, RegFormData{Case: c, Cat: cat, Office: testOffice, Printed: testNow})
	})
	qpdfCheck(t, pdf)
	if len(res.Missing) != 1 || res.Missing[0] != 0xF0001 {
		t.Errorf("RegForm result Missing = %U, want [U+F0001]", res.Missing)
	}
}

func TestWordingOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "receipt.json"), []byte(`{"title": "受理通知单"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := New(Options{TemplateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	cat := loadCat(t)
	c := acceptedCase(t, cat, "张三", 7)
	pdf, _ := render(t, func(b *bytes.Buffer) (Result, error) {
		return p.Receipt(b, ReceiptData{Case: c, Cat: cat, Office: testOffice, Printed: testNow})
	})
	text := pdfText(t, pdf)
	if !strings.Contains(text, "受理通知单") || !strings.Contains(text, "申请办理事项") {
		t.Errorf("overridden receipt text = %q, want new title and default labels", text)
	}
	if err := os.WriteFile(filepath.Join(dir, "notice.json"), []byte(`{"title": "{{.Broken"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{TemplateDir: dir}); err == nil {
		t.Error("New with a malformed template = nil error, want error")
	}
}

// TestOffsetMovesContent guards the offsets of pre-printed stock: a letter
// rendered with offset (3, -2) mm, by Layout or by WithOffset, has its
// text boxes (pdftotext -bbox) moved by exactly that, and its page is
// still A4.
func TestOffsetMovesContent(t *testing.T) {
	cat := loadCat(t)
	c := acceptedCase(t, cat, "张三", 7)
	base := newPrinter(t)
	byLayout, err := New(Options{Layout: Layout{MarginMM: DefaultLayout.MarginMM, OffsetXMM: 3, OffsetYMM: -2}})
	if err != nil {
		t.Fatal(err)
	}
	letter := func(p *Printer) []byte {
		pdf, _ := render(t, func(b *bytes.Buffer) (Result, error) {
			return p.Letter(b, LetterData{Case: c, Cat: cat, Number: "N1", ValidDays: 30, Issued: testNow})
		})
		return pdf
	}
	want := wordBoxes(t, letter(base))
	const mm = 72 / 25.4
	for name, p := range map[string]*Printer{"Layout": byLayout, "WithOffset": base.WithOffset(3, -2)} {
		got := wordBoxes(t, letter(p))
		if len(got) != len(want) || len(got) < 10 {
			t.Fatalf("%s: %d words, want %d (at least 10)", name, len(got), len(want))
		}
		for i := range got {
			dx, dy := got[i].x-want[i].x, got[i].y-want[i].y
			if got[i].text != want[i].text || math.Abs(dx-3*mm) > 0.01 || math.Abs(dy+2*mm) > 0.01 {
				t.Errorf("%s: word %q moved (%.3f, %.3f) mm, want (3, -2)", name, got[i].text, dx/mm, dy/mm)
				break
			}
		}
	}
	if p := base.WithOffset(0, 0); p != base {
		t.Error("WithOffset(0, 0) of an unmoved printer returned a new printer")
	}
}

type wordBox struct {
	text string
	x, y float64 // top left, pt
}

var bboxWordRe = regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="[0-9.]+" yMax="[0-9.]+">([^<]*)</word>`)

// wordBoxes returns the words of page 1 with their boxes (pdftotext -bbox).
func wordBoxes(t *testing.T, pdf []byte) []wordBox {
	t.Helper()
	needTool(t, "pdftotext")
	in := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-bbox", "-f", "1", "-l", "1", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox: %v", err)
	}
	var words []wordBox
	for _, m := range bboxWordRe.FindAllSubmatch(out, -1) {
		x, _ := strconv.ParseFloat(string(m[1]), 64)
		y, _ := strconv.ParseFloat(string(m[2]), 64)
		words = append(words, wordBox{string(m[3]), x, y})
	}
	return words
}

func TestSubsetFont(t *testing.T) {
	p := newPrinter(t)
	runes := []rune("受理回执ABC123,。〔〕")
	font, err := sfnt.Parse(p.prim.subset(runes))
	if err != nil {
		t.Fatalf("subset does not parse: %v", err)
	}
	var buf sfnt.Buffer
	if font.NumGlyphs() > 3*len(runes) { // composite glyphs pull in components
		t.Errorf("subset has %d glyphs, want at most %d", font.NumGlyphs(), 3*len(runes))
	}
	for _, r := range runes {
		if g, err := font.GlyphIndex(&buf, r); err != nil || g == 0 {
			t.Errorf("subset GlyphIndex(%q) = %d, %v, want a glyph", r, g, err)
		}
	}
}

func TestCnMoney(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "零元整"}, {4500, "肆仟伍佰元整"}, {18000, "壹万捌仟元整"}, {10500, "壹万零伍佰元整"},
		{54000, "伍万肆仟元整"}, {100001, "壹拾万零壹元整"}, {2250, "贰仟贰佰伍拾元整"}, {1010, "壹仟零壹拾元整"},
	}
	for _, tt := range tests {
		if got := cnMoney(tt.in); got != tt.want {
			t.Errorf("cnMoney(%d) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestWriteAll writes every document to $VETDESK_PRINT_OUT for a person
// to look at.
func TestWriteAll(t *testing.T) {
	out := os.Getenv("VETDESK_PRINT_OUT")
	if out == "" {
		t.Skip("set VETDESK_PRINT_OUT to a folder to get the PDFs")
	}
	cat := loadCat(t)
	p := newPrinter(t)
	c := acceptedCase(t, cat, "张䶮", 7)
	c.Materials["photo"].Status = casework.MaterialRequired
	for _, d := range documents(t, p, cat, c) {
		path, err := SaveAtomic(out, d.name+".pdf", func(w io.Writer) error {
			var b bytes.Buffer
			if _, err := d.fn(&b); err != nil {
				return err
			}
			_, err := w.Write(b.Bytes())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Log(path)
	}
}

// TestLongReceiptPagesNameTheirCase: a receipt that runs over one page (all
// twelve items and their materials) marks every page with the case number
// and 第 N 页 共 M 页, so a loose second page still belongs to its case.
func TestLongReceiptPagesNameTheirCase(t *testing.T) {
	cat := loadCat(t)
	p := newPrinter(t)
	c := acceptedCase(t, cat, "王小明", 7)
	pdf, res := render(t, func(b *bytes.Buffer) (Result, error) {
		return p.Receipt(b, ReceiptData{Case: c, Cat: cat, Office: testOffice, Clerk: "刘洋", Lookup: "K7Q2M9", Printed: testNow})
	})
	if res.Pages < 2 {
		t.Fatalf("receipt of %d items = %d page(s); this test needs one that runs over a page", len(c.Items), res.Pages)
	}
	needTool(t, "pdftotext")
	dir := t.TempDir()
	in := filepath.Join(dir, "r.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= res.Pages; n++ {
		out, err := exec.Command("pdftotext", "-enc", "UTF-8", "-f", strconv.Itoa(n), "-l", strconv.Itoa(n), in, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(string(out)), "")
		want := fmt.Sprintf("第%d页共%d页", n, res.Pages)
		if !strings.Contains(text, c.Number) || !strings.Contains(text, want) {
			t.Errorf("receipt page %d lacks %q or %q: %q", n, c.Number, want, text)
		}
	}
}
