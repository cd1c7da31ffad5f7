package printing

import (
	"errors"
	"strings"
	"time"

	"vetdesk/casework"
)

// errNoCase is returned when a document's data lacks its case or catalogue.
var errNoCase = errors.New("data needs a case and a catalogue")

const dateLayout = "2006-01-02"

// parseDate reads a form date (YYYY-MM-DD).
func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse(dateLayout, strings.TrimSpace(s))
	return t, err == nil
}

// StationName is the addressee of a police station: bureau and station,
// with 派出所 appended when the catalogue name lacks it.
func StationName(st *casework.PoliceStation) string {
	if st == nil {
		return ""
	}
	name := st.Name
	if !strings.HasSuffix(name, "派出所") {
		name += "派出所"
	}
	return st.Bureau + name
}

// displayValue returns the value of field f as printed in full: codes
// become names, dates are written out, photos say whether one was taken.
func (p *Printer) displayValue(cat *casework.Catalogue, c *casework.Case, f *casework.Field) string {
	v := strings.TrimSpace(c.Values[f.Code])
	w := p.words["regform"]
	switch {
	case f.Type == casework.TypePhoto:
		if v == "" {
			return w.s("photo_none")
		}
		return w.s("photo_taken")
	case f.Type == casework.TypeDerived && f.Code == casework.FieldServiceYears:
		e, ok1 := parseDate(c.Values[casework.FieldEnlistDate])
		d, ok2 := parseDate(c.Values[casework.FieldDischargeDate])
		if ok1 && ok2 {
			if m, _, err := casework.ServiceLength(e, d); err == nil {
				return w.f("service_length", map[string]any{"Y": m / 12, "M": m % 12})
			}
		}
		return v
	case v == "":
		return ""
	case f.Type == casework.TypeDate:
		if t, ok := parseDate(v); ok {
			return p.dateCN(t)
		}
	case f.Type == casework.TypeDivision || f.OptionsFrom == casework.OptionsDivisions:
		if d := cat.Division(v); d != nil {
			return d.Name
		}
	case f.OptionsFrom == casework.OptionsPlacements:
		if pl := cat.Placement(v); pl != nil {
			return pl.Name
		}
	case f.OptionsFrom == casework.OptionsPoliceStations:
		if st := cat.PoliceStation(v); st != nil {
			return StationName(st)
		}
	}
	return v
}

// fieldValue is displayValue by field code; empty when the catalogue lacks
// the field.
func (p *Printer) fieldValue(cat *casework.Catalogue, c *casework.Case, code string) string {
	f := cat.Field(code)
	if f == nil {
		return c.Values[code]
	}
	return p.displayValue(cat, c, f)
}

// itemName returns the catalogue name of an item, or its code.
func itemName(cat *casework.Catalogue, code string) string {
	if it := cat.Item(code); it != nil {
		return it.Name
	}
	return code
}

// deptName returns a department's name, or its code.
func deptName(cat *casework.Catalogue, code string) string {
	if d := cat.Department(code); d != nil {
		return d.Name
	}
	return code
}

// deptShort returns a department's name without its parenthesised note:
// 公安局(户籍派出所) → 公安局.
func deptShort(cat *casework.Catalogue, code string) string {
	name := deptName(cat, code)
	if i := strings.IndexAny(name, "(("); i > 0 {
		return name[:i]
	}
	return name
}

var cnDigits = []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// cnNum writes 1..99 in Chinese numerals for headings (一、十二、).
func cnNum(n int) string {
	switch {
	case n < 10:
		return cnDigits[n]
	case n < 20:
		if n == 10 {
			return "十"
		}
		return "十" + cnDigits[n%10]
	case n < 100:
		s := cnDigits[n/10] + "十"
		if n%10 != 0 {
			s += cnDigits[n%10]
		}
		return s
	}
	return ""
}

// cnMoney writes a whole amount of yuan in financial capitals
// (18000 → 壹万捌仟元整), as banks and finance offices require.
func cnMoney(yuan int64) string {
	if yuan <= 0 {
		return "零元整"
	}
	var groups []int64
	for n := yuan; n > 0; n /= 10000 {
		groups = append(groups, n%10000)
	}
	units := []string{"", "万", "亿", "万亿"}
	var b strings.Builder
	gap := false
	for g := len(groups) - 1; g >= 0; g-- {
		part := groups[g]
		if part == 0 {
			gap = b.Len() > 0
			continue
		}
		if b.Len() > 0 && (gap || part < 1000) {
			b.WriteString("零")
		}
		b.WriteString(fourDigits(part))
		b.WriteString(units[min(g, len(units)-1)])
		gap = false
	}
	return b.String() + "元整"
}

func fourDigits(part int64) string {
	digits := []string{"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"}
	units := []string{"", "拾", "佰", "仟"}
	var b strings.Builder
	zero := false
	for i, div := 3, int64(1000); i >= 0; i, div = i-1, div/10 {
		d := part / div % 10
		if d == 0 {
			zero = b.Len() > 0
			continue
		}
		if zero {
			b.WriteString("零")
			zero = false
		}
		b.WriteString(digits[d] + units[i])
	}
	return b.String()
}
