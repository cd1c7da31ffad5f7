package printing

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"vetdesk/casework"
)

// SubsidyData is what the 一次性经济补助审核表 shows.
type SubsidyData struct {
	Case    *casework.Case
	Cat     *casework.Catalogue
	Office  OfficeInfo
	Printed time.Time // 填报日期 and the PDF's date
}

// errServiceDates is returned when the case's service dates cannot be read.
var errServiceDates = errors.New("enlist or discharge date missing or malformed")

// SubsidyForm writes the 《退役士兵自主就业地方一次性经济补助审核表》: the
// service length, years counted, rate and amount computed by the catalogue's
// subsidy rule (with its label, and 样例标准 while the rate is a sample), the
// bank and full account number, and opinion and signature rows for the
// applicant, the 经办人 and the 审核人.
func (p *Printer) SubsidyForm(w io.Writer, d SubsidyData) (Result, error) {
	if d.Case == nil || d.Cat == nil {
		return Result{}, fmt.Errorf("printing: subsidy form: %w", errNoCase)
	}
	cat, cs := d.Cat, d.Case
	enlist, ok1 := parseDate(cs.Value(casework.FieldEnlistDate))
	discharge, ok2 := parseDate(cs.Value(casework.FieldDischargeDate))
	if !ok1 || !ok2 {
		return Result{}, fmt.Errorf("printing: subsidy form: %w", errServiceDates)
	}
	rule := cat.Subsidy
	sub, err := rule.Compute(enlist, discharge, cs.Value(casework.FieldCategory))
	if err != nil {
		return Result{}, fmt.Errorf("printing: subsidy form: %w", err)
	}
	c := p.newCanvas()
	wd := p.words["subsidy"]
	W := c.width()
	y := c.top + 7
	c.centre(y, wd.s("title"), 17, true)
	if rule.Sample {
		flag := wd.s("sample_flag")
		fw := c.measure(flag, 11) + 4
		c.rect(c.right-fw, y-5.5, fw, 7.5, 0.5)
		c.text(c.right-fw+2, y, flag, 11, true)
	}
	y += 14
	c.text(c.left, y, wd.f("office", map[string]any{"Office": d.Office.Name}), 10.5, false)
	dt := wd.f("date", map[string]any{"Date": p.dateCN(d.Printed)})
	c.text(c.left+(W-c.measure(dt, 10.5))/2+20, y, dt, 10.5, false)
	unit := wd.s("unit_yuan")
	c.text(c.right-c.measure(unit, 10.5), y, unit, 10.5, false)
	y += 2.5

	const size = 11
	l, v := 0.16*W, 0.34*W
	t := &table{c: c, x: c.left, y: y, cols: []float64{l, v, l, v}, size: size}
	lab := func(key string) cell {
		return cell{text: wd.s(key), shade: true, align: alignCenter, fit: true, minH: 10}
	}
	val := func(s string) cell { return cell{text: s, minH: 10} }
	wide := func(s string) cell { return cell{text: s, span: 3, minH: 10} }
	t.row(lab("name"), val(cs.Value(casework.FieldName)), lab("sex"), val(cs.Value(casework.FieldSex)))
	t.row(lab("id_number"), val(cs.Value(casework.FieldIDNumber)), lab("category"), val(cs.Value(casework.FieldCategory)))
	t.row(lab("enlist"), val(p.dateCN(enlist)), lab("discharge"), val(p.dateCN(discharge)))
	t.row(lab("division"), val(p.fieldValue(cat, cs, casework.FieldDivision)), lab("phone"), val(cs.Value(casework.FieldPhone)))
	t.row(lab("service"), val(wd.f("service_value", map[string]any{"Y": sub.Months / 12, "M": sub.Months % 12, "Days": sub.ExtraDays})),
		lab("years"), val(wd.f("years_value", map[string]any{"Years": sub.Years()})))
	t.row(lab("rate"), val(wd.f("rate_value", map[string]any{"Rate": sub.RatePerYear})),
		lab("percent"), val(strconv.Itoa(sub.Percent)+"%"))
	t.row(lab("amount"), cell{text: wd.f("amount_value", map[string]any{"Amount": sub.Amount, "Words": cnMoney(sub.Amount)}), span: 3, bold: true, minH: 10})
	ruleText := rule.Label
	if rule.RemainderSource != "" {
		ruleText += "\n" + wd.f("remainder_rule", map[string]any{"Source": rule.RemainderSource})
	}
	if rule.Sample {
		ruleText += "\n" + wd.s("sample_note")
	}
	t.row(lab("rule"), wide(ruleText))
	t.row(lab("bank_name"), wide(cs.Value("bank_name")))
	t.row(lab("bank_account"), wide(cs.Value(casework.FieldBankAccount)))

	opinion := func(labelKey, textKey, signKey string, seal bool) {
		t.row(cell{text: wd.s(labelKey), shade: true, align: alignCenter, fit: true}, cell{span: 3, minH: 34, custom: func(x, y, w, h float64) {
			c.para(x+2, y+2, w-4, wd.s(textKey), size, false)
			base := y + h - 5
			sign := wd.s(signKey)
			c.text(x+w*0.38, base, sign, size, false)
			c.line(x+w*0.38+c.measure(sign, size), base+1, x+w*0.72, base+1, 0.25)
			date := p.words["common"].s("blank_date")
			c.text(x+w-4-c.measure(date, size), base, date, size, false)
			if seal {
				s := wd.s("seal")
				c.text(x+w-4-c.measure(s, size), base-7, s, size, false)
			}
		}})
	}
	opinion("applicant_opinion", "applicant_text", "sign_applicant", false)
	opinion("handler_opinion", "handler_text", "sign_handler", false)
	opinion("reviewer_opinion", "reviewer_text", "sign_reviewer", true)
	c.numberPages(p.words["common"], cs.Number)
	return p.render(w, c, docInfo{title: wd.s("title") + " " + cs.Number, when: d.Printed})
}
