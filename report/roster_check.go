package report

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
)

// checkRow turns the raw cells of a row into an entry, with the reasons it
// is refused and the warnings it is accepted with, both in Chinese. Every
// cell is normalised first (casework.Normalize); idNumber tells whether the
// ID number cell holds a number rather than text, asked only of a number
// that does not check.
func (r *rosterReader) checkRow(raw map[string]string, idNumber func() bool) (e RosterEntry, reasons, warns []string) {
	values := map[string]string{}
	bad := func(format string, a ...any) { reasons = append(reasons, fmt.Sprintf(format, a...)) }
	if casework.NormalizeName(raw[casework.FieldName]) == "" {
		bad("姓名未填写")
	}
	id := casework.NormalizeIDNumber(raw[casework.FieldIDNumber])
	var info casework.IDInfo
	idOK := false
	switch {
	case id == "":
		bad("公民身份号码未填写")
	case strings.ContainsAny(id, "Ee") && strings.Contains(id, "+"):
		bad(numberText, raw[casework.FieldIDNumber])
	default:
		var err error
		if info, err = casework.ParseIDNumber(id, r.cat.Areas, r.now); err != nil && idNumber() {
			bad(numberText, raw[casework.FieldIDNumber])
		} else if err != nil {
			var ie *casework.IDError
			if errors.As(err, &ie) && ie.Reason == casework.ReasonIDAreaAbolished {
				bad("公民身份号码“%s”的前6位是%s年已撤销的行政区划,此后出生的人不会取得这个代码,请核对", id, ie.Arg)
			} else if errors.As(err, &ie) {
				bad("公民身份号码“%s”%s", id, idReason[ie.Reason])
			} else {
				bad("公民身份号码“%s”有误", id)
			}
		} else {
			idOK = true
		}
	}
	e.IDNumber = id
	for i := range r.cat.Fields { // catalogue order: the same row always reads the same
		f := &r.cat.Fields[i]
		cell := casework.Normalize(f, raw[f.Code])
		if cell == "" || f.Code == casework.FieldIDNumber {
			continue
		}
		v, ok := r.convert(f, cell)
		if !ok {
			bad("%s", convertText(r, f, cell))
			continue
		}
		values[f.Code] = v
		for _, p := range casework.CheckValue(r.cat, f.Code, v, r.now) {
			msg := problemText(r.cat, f, cell, p)
			if p.Severity == casework.SeverityError {
				reasons = append(reasons, msg)
			} else {
				warns = append(warns, msg)
			}
		}
	}
	if idOK {
		birth := info.Birth.Format("2006-01-02")
		if s := values[casework.FieldSex]; s != "" && s != info.Sex() {
			bad("性别“%s”与公民身份号码不符(号码显示为%s性)", s, info.Sex())
		}
		if b := values[casework.FieldBirthDate]; b != "" && b != birth {
			bad("出生日期%s与公民身份号码不符(号码显示为%s)", b, birth)
		}
		values[casework.FieldSex], values[casework.FieldBirthDate] = info.Sex(), birth
	}
	enlist, discharge := values[casework.FieldEnlistDate], values[casework.FieldDischargeDate]
	if b := values[casework.FieldBirthDate]; enlist != "" && b != "" && enlist <= b {
		bad("入伍时间%s应晚于出生日期%s", enlist, b)
	}
	if enlist != "" && discharge != "" && discharge <= enlist {
		bad("退役时间%s应晚于入伍时间%s", discharge, enlist)
	}
	if discharge != "" && discharge > r.now.Format("2006-01-02") {
		bad("退役时间%s晚于今天", discharge)
	}
	if p, c := r.cat.Placement(values[casework.FieldPlacement]), values[casework.FieldCategory]; p != nil && c != "" && len(p.Categories) > 0 {
		ok := false
		for _, x := range p.Categories {
			ok = ok || x == c
		}
		if !ok {
			bad("安置方式“%s”不适用于%s", p.Name, c)
		}
	}
	if len(reasons) > 0 {
		return e, unique(reasons), unique(warns)
	}
	values[casework.FieldIDNumber] = id
	e.Values = values
	e.Hash = entryHash(id, values)
	return e, nil, unique(warns)
}

// unique drops repeated messages, keeping the order.
func unique(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// convert turns a cell into the value casework expects: dates to
// YYYY-MM-DD, placement and division names to codes, common variants to
// the catalogue's words. ok is false when the cell cannot be understood.
func (r *rosterReader) convert(f *casework.Field, v string) (string, bool) {
	switch {
	case f.Type == casework.TypeDate:
		return parseRosterDate(v)
	case f.Code == casework.FieldPlacement:
		code, ok := r.placements[v]
		return code, ok
	case f.Type == casework.TypeDivision:
		code, ok := r.divisions[v]
		return code, ok
	case f.Code == casework.FieldSex:
		return strings.TrimSuffix(v, "性"), true
	case f.Code == casework.FieldCategory && v == "士官":
		return "军士", true // the word used before the 2024 regulation
	}
	return v, true
}

func convertText(r *rosterReader, f *casework.Field, v string) string {
	switch {
	case f.Type == casework.TypeDate:
		return fmt.Sprintf("%s“%s”不是有效日期(可写作2024-09-01、2024/9/1、2024.09或20240901)", f.Label, v)
	case f.Code == casework.FieldPlacement:
		names := make([]string, len(r.cat.Placements))
		for i, p := range r.cat.Placements {
			names[i] = p.Name
		}
		return fmt.Sprintf("%s“%s”不在目录中(可填:%s)", f.Label, v, strings.Join(names, "、"))
	case f.Type == casework.TypeDivision:
		return fmt.Sprintf("%s“%s”不是本市的区市或功能区", f.Label, v)
	}
	return fmt.Sprintf("%s“%s”填写有误", f.Label, v)
}

// numberText is the message for an ID number Excel stored as a number.
const numberText = "公民身份号码“%s”在Excel中被存成了数字,只保留了前15位,后几位已丢失、无法还原;请向本人或报送单位重新索取号码,把该列设为“文本”格式后重新填写"

var idReason = map[string]string{
	casework.ReasonIDLength:     "不是18位",
	casework.ReasonIDFormat:     "含有数字和末位X以外的字符",
	casework.ReasonIDChecksum:   "校验位不对,请逐位核对",
	casework.ReasonIDDate:       "中的出生日期无效",
	casework.ReasonIDArea:       "的前6位不是有效的行政区划代码",
	casework.ReasonIDBirthEarly: "中的出生日期早于1900年,请核对",
}

// problemText words a casework problem of value v of field f.
func problemText(cat *casework.Catalogue, f *casework.Field, v string, p casework.Problem) string {
	switch p.Reason {
	case casework.ReasonPhoneFormat:
		return fmt.Sprintf("%s“%s”不是有效的手机号码或固定电话", f.Label, v)
	case casework.ReasonPhonePrefix:
		return fmt.Sprintf("%s“%s”号段少见,请核对", f.Label, v)
	case casework.ReasonBankFormat:
		return fmt.Sprintf("%s应为15至19位数字", f.Label)
	case casework.ReasonBankLuhn:
		return fmt.Sprintf("%s校验不通过,请核对", f.Label)
	case casework.ReasonDateFormat:
		return fmt.Sprintf("%s“%s”不是有效日期", f.Label, v)
	case casework.ReasonEnum:
		return fmt.Sprintf("%s“%s”不是可选值(可填:%s)", f.Label, v, strings.Join(cat.Options(f), "、"))
	case casework.ReasonDivision:
		return fmt.Sprintf("%s“%s”不是本市的区市或功能区", f.Label, v)
	case casework.ReasonTooShort:
		return fmt.Sprintf("%s至少应有%s个字", f.Label, p.Arg)
	case casework.ReasonTooLong:
		return fmt.Sprintf("%s不能超过%s个字", f.Label, p.Arg)
	case casework.ReasonNumberFormat:
		return fmt.Sprintf("%s应为整数", f.Label)
	case casework.ReasonMoneyFormat:
		return fmt.Sprintf("%s应为金额(元,最多两位小数)", f.Label)
	case casework.ReasonBooleanFormat:
		return fmt.Sprintf("%s应填“是”或“否”", f.Label)
	case casework.ReasonCreditCode:
		return fmt.Sprintf("%s“%s”不是有效的统一社会信用代码", f.Label, v)
	}
	if s, ok := idReason[p.Reason]; ok {
		return fmt.Sprintf("%s“%s”%s", f.Label, v, s)
	}
	return fmt.Sprintf("%s“%s”填写有误", f.Label, v)
}

var (
	yearMonthRe = regexp.MustCompile(`^(\d{4})[.\-/年](\d{1,2})月?$`)
	fullDateRe  = regexp.MustCompile(`^(\d{4})[.\-/年](\d{1,2})[.\-/月](\d{1,2})日?$`)
)

// parseRosterDate reads the dates rosters hold: Excel serial numbers, and
// text like 2024-09-01, 2024/9/1, 2024.9.1, 2024年9月1日, 20240901, and
// year and month alone (2024.09, 2024年9月, 202409), taken as the 1st.
func parseRosterDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	ymd := func(y, m, d string) (string, bool) {
		yi, _ := strconv.Atoi(y)
		mi, _ := strconv.Atoi(m)
		di, _ := strconv.Atoi(d)
		t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
		if yi < 1900 || t.Year() != yi || int(t.Month()) != mi || t.Day() != di {
			return "", false
		}
		return t.Format("2006-01-02"), true
	}
	if m := fullDateRe.FindStringSubmatch(s); m != nil {
		return ymd(m[1], m[2], m[3])
	}
	if m := yearMonthRe.FindStringSubmatch(s); m != nil {
		return ymd(m[1], m[2], "1")
	}
	if allDigits(s) {
		switch len(s) {
		case 8:
			return ymd(s[:4], s[4:6], s[6:])
		case 6:
			return ymd(s[:4], s[4:], "1")
		}
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil && n >= 1 && n < 100000 {
		t, err := excelize.ExcelDateToTime(n, false)
		if err != nil {
			return "", false
		}
		return t.Format("2006-01-02"), true
	}
	return "", false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
