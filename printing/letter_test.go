package printing

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestLetterFields guards the 落户介绍信's fields for the 派出所: 民族, 人员
// 类别, 退役证件号 and 落户类型 on both halves, and the 户主 with the 与户主
// 关系 only where the case must name them (投靠). VETDESK_PDF_OUT=DIR keeps
// the PDFs for a look.
func TestLetterFields(t *testing.T) {
	cat := loadCat(t)
	p := newPrinter(t)
	tests := []struct {
		name, settle string
		head         bool
	}{
		{"投靠父母", "投靠父母", true},
		{"投靠配偶", "投靠配偶", true},
		{"回原籍", "回入伍前户籍地", false},
		{"集体户", "人才集体户", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := acceptedCase(t, cat, "王海", 21)
			c.Values["settle_type"] = tt.settle
			c.Values["ethnicity"] = "朝鲜族"
			c.Values["discharge_cert_no"] = "退字第2026001号"
			c.Values["household_head"] = "王建国"
			c.Values["head_relation"] = "子"
			pdf, _ := render(t, func(b *bytes.Buffer) (Result, error) {
				return p.Letter(b, LetterData{Case: c, Cat: cat, Office: testOffice, Clerk: "刘洋", Number: "威退役落字〔2026〕第0013号", ValidDays: 30, Issued: testNow})
			})
			if dir := os.Getenv("VETDESK_PDF_OUT"); dir != "" {
				os.WriteFile(filepath.Join(dir, "letter-"+tt.name+".pdf"), pdf, 0o600)
			}
			text := regexp.MustCompile(`\s+`).ReplaceAllString(pdfText(t, pdf), "")
			for _, w := range []string{"朝鲜族", "人员类别" + c.Value("personnel_category"), "退役证件号退字第2026001号", tt.settle} {
				if n := strings.Count(text, w); n < 2 {
					t.Errorf("letter has %q %d times, want it on stub and original", w, n)
				}
			}
			if got := strings.Contains(text, "户主王建国") && strings.Contains(text, "与户主关系:子"); got != tt.head {
				t.Errorf("letter names 户主 and 与户主关系 = %v, want %v", got, tt.head)
			}
		})
	}
}

// TestReceiptAndNoticeEndWithSeal guards that the 受理回执 and the 一次性告知书
// end with the office, the date and a seal box, as public 受理 and 补正 forms
// do: the caption, the office name and the date come after the body text.
func TestReceiptAndNoticeEndWithSeal(t *testing.T) {
	cat := loadCat(t)
	p := newPrinter(t)
	c := acceptedCase(t, cat, "王海", 21)
	c.Materials["admin_letter"].Status = "required" // one missing, so the notice lists it
	docs := []struct {
		name, after, caption, date string
		fn                         func(b *bytes.Buffer) (Result, error)
	}{
		{"receipt", "将一次性告知", "(受理专用章)", p.dateCN(c.AcceptedAt), func(b *bytes.Buffer) (Result, error) {
			return p.Receipt(b, ReceiptData{Case: c, Cat: cat, Office: testOffice, Clerk: "刘洋", Lookup: "K7Q2", Printed: testNow})
		}},
		{"notice", "特此告知", "(盖章)", p.dateCN(testNow), func(b *bytes.Buffer) (Result, error) {
			return p.Notice(b, NoticeData{Case: c, Cat: cat, Office: testOffice, Clerk: "刘洋", Printed: testNow})
		}},
	}
	for _, d := range docs {
		pdf, _ := render(t, d.fn)
		if dir := os.Getenv("VETDESK_PDF_OUT"); dir != "" {
			os.WriteFile(filepath.Join(dir, d.name+".pdf"), pdf, 0o600)
		}
		text := regexp.MustCompile(`\s+`).ReplaceAllString(pdfText(t, pdf), "")
		body := strings.Index(text, d.after)
		office := strings.LastIndex(text, testOffice.Name)
		caption := strings.Index(text, d.caption)
		date := strings.LastIndex(text, d.date)
		if body < 0 || office < body || caption < body || date < body {
			t.Errorf("%s: body at %d, office %d, seal caption %d, date %d: want the office, the seal box and the date after the body", d.name, body, office, caption, date)
		}
	}
}
