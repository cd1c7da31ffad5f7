package casework

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Input normalisation: what people type with a Chinese IME, paste from
// Excel or receive from other programs, turned into the canonical form that
// validation checks and the store keeps. This file is the one place that
// does it; intake, the search box, roster import and the department API
// all come through Normalize (or NormalizeQuery for the search box).
//
// Handled: full-width ASCII (U+FF01–FF5E, the IME's full-width mode:
// ３７１００３, Ｘ), U+3000 and every other Unicode space, invisible
// characters pasted along (zero-width space, BOM), a lower-case x at the end
// of an ID number, phones with +86, 0086 or 86 in front or written with
// spaces and hyphens, Excel's leading apostrophe ('371002…), and names padded
// with spaces (林　涛).

// Normalize returns v, a value of field f as people and programs write it,
// in its canonical form. Values of unknown type are trimmed of spaces.
func Normalize(f *Field, v string) string {
	if f == nil {
		return NormalizeText(v)
	}
	switch f.Type {
	case TypeIDNumber:
		return NormalizeIDNumber(v)
	case TypePhone:
		return NormalizePhone(v)
	case TypeBank:
		return compact(v, "", true)
	case TypeDate:
		return NormalizeDate(v)
	case TypeNumber:
		return compact(v, "", false)
	case TypeMoney:
		return compact(v, ",，", true)
	case TypeCreditCode:
		return strings.ToUpper(compact(v, "", false))
	case TypePhoto, TypeDerived:
		return v
	case TypeEnum, TypeDivision, TypeBoolean:
		return NormalizeName(v)
	}
	if f.Code == FieldName {
		return NormalizeName(v)
	}
	return NormalizeText(v)
}

// NormalizeValue normalises v as a value of the field with code; a code
// the catalogue does not know gets NormalizeText.
func (c *Catalogue) NormalizeValue(code, v string) string {
	return Normalize(c.Field(code), v)
}

// NormalizeDate returns a date as typed (2024/9/1, 2024.9.1, 2024年9月1日,
// 20240901, full-width or spaced) as YYYY-MM-DD when it is a real date;
// anything else comes back compacted, for validation to refuse.
func NormalizeDate(s string) string {
	s = compact(s, "", false)
	var y, m, d string
	if p := dateRe.FindStringSubmatch(s); p != nil {
		y, m, d = p[1], p[2], p[3]
	} else if len(s) == 8 && allDigits(s) {
		y, m, d = s[:4], s[4:6], s[6:]
	} else {
		return s
	}
	yi, _ := strconv.Atoi(y)
	mi, _ := strconv.Atoi(m)
	di, _ := strconv.Atoi(d)
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if t.Year() != yi || int(t.Month()) != mi || t.Day() != di {
		return s
	}
	return t.Format(dateLayout)
}

var dateRe = regexp.MustCompile(`^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$`)

// NormalizeIDNumber returns an ID number as typed or pasted in its canonical
// form: full-width digits and X folded to ASCII, every space (U+3000
// included) and invisible character removed wherever it stands, a leading
// apostrophe dropped and a trailing x upper-cased. It does not check the
// number (ParseIDNumber does).
func NormalizeIDNumber(s string) string {
	b := []byte(compact(s, "", false))
	if n := len(b); n > 0 && b[n-1] == 'x' {
		b[n-1] = 'X'
	}
	return string(b)
}

// NormalizePhone returns a phone number in its canonical form: full-width
// digits folded, spaces removed, a mobile number stripped of the country
// code (+86, 0086, 86) and of the hyphens and brackets people group it with
// (139-6310-8888), a landline given with the country code written with its
// trunk 0 again. A landline's one hyphen after the area code stays as typed.
func NormalizePhone(s string) string {
	s = compact(s, "", false)
	digits := strings.Map(func(r rune) rune {
		switch r {
		case '-', '(', ')', '（', '）', '—', '－':
			return -1
		}
		return r
	}, s)
	national, intl := cutCountryCode(digits)
	switch {
	case landlineRe.MatchString(s):
		return s
	case isMobile(national):
		return national
	case intl && allDigits(national) && landlineRe.MatchString(national):
		return national // +86 0631 5201234
	case intl && allDigits(national) && len(national) >= 9 && len(national) <= 11 && national[0] != '0':
		return "0" + national // +86 631 5201234: a landline without its trunk 0
	case allDigits(digits):
		return digits // (0631)5201234; a country code before something else is kept
	}
	return s
}

// cutCountryCode strips +86, 0086 or 86 in front of a number; intl reports
// whether one was there. A bare 86 is only taken off a mobile number, since
// a local number may start with it.
func cutCountryCode(s string) (rest string, intl bool) {
	for _, p := range []string{"+86", "0086"} {
		if r, ok := strings.CutPrefix(s, p); ok {
			return r, true
		}
	}
	if r, ok := strings.CutPrefix(s, "86"); ok && isMobile(r) {
		return r, true
	}
	return s, false
}

func isMobile(s string) bool {
	return len(s) == 11 && s[0] == '1' && allDigits(s)
}

// NormalizeName returns a name (or a choice: 男, 自主就业) in its canonical
// form: full-width letters and digits folded, spaces between Chinese
// characters removed (林　涛 → 林涛), other runs of spaces made one ASCII
// space, the dots of minority names written as the 间隔号 ·, and a leading
// apostrophe dropped.
func NormalizeName(s string) string {
	s = NormalizeText(s)
	if !strings.ContainsRune(s, ' ') && !strings.ContainsAny(s, "•・･‧") {
		return s
	}
	r := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	for i, c := range r {
		switch c {
		case '•', '・', '･', '‧':
			c = '·'
		case ' ':
			if i > 0 && i+1 < len(r) && joins(r[i-1]) && joins(r[i+1]) {
				continue
			}
		}
		b.WriteRune(c)
	}
	return b.String()
}

// NormalizeText returns free text in its canonical form: full-width letters
// and digits folded to ASCII (Chinese punctuation stays as it is), every
// run of spaces (U+3000 included) made one ASCII space, invisible characters
// removed, the ends trimmed and a leading apostrophe dropped.
func NormalizeText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case invisible(r):
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if r >= '０' && r <= '９' || r >= 'Ａ' && r <= 'Ｚ' || r >= 'ａ' && r <= 'ｚ' {
			r -= 0xFEE0
		}
		b.WriteRune(r)
	}
	return dropApostrophe(b.String())
}

// NormalizeQuery returns what the clerk typed or pasted into the search box
// in the form the store's search expects: full-width characters folded;
// a number typed in groups (139 6310 8888, 3710 0319…) joined into one term,
// a mobile number stripped of its country code and hyphens; spaces
// between Chinese characters removed (林　涛), other terms kept apart by one
// space.
func NormalizeQuery(s string) string {
	s = NormalizeText(foldWidth(s))
	if phone := NormalizePhone(s); isMobile(phone) {
		return phone
	}
	// digits typed in groups join; hyphens stay, for case numbers (371002-2026)
	if id := NormalizeIDNumber(s); digitsOrX(id) {
		return id
	}
	return NormalizeName(s)
}

// digitsOrX reports whether s is digits, perhaps ending in X, at least one.
func digitsOrX(s string) bool {
	s = strings.TrimSuffix(s, "X")
	return allDigits(s)
}

// compact folds full-width ASCII, removes every space and invisible
// character and the runes of drop, and drops a leading apostrophe. With
// dash, hyphens (ASCII and full-width) go too.
func compact(s, drop string, dash bool) string {
	s = foldWidth(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if invisible(r) || unicode.IsSpace(r) || strings.ContainsRune(drop, r) || dash && (r == '-' || r == '—') {
			continue
		}
		b.WriteRune(r)
	}
	return dropApostrophe(b.String())
}

// foldWidth maps the full-width forms of ASCII (U+FF01–FF5E) to ASCII.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0xFF01 && r <= 0xFF5E {
			return r - 0xFEE0
		}
		return r
	}, s)
}

// dropApostrophe removes the apostrophe Excel users type to keep a number as
// text ('371002…), the curly one autocorrect makes of it, and spaces after.
func dropApostrophe(s string) string {
	if r, _ := utf8.DecodeRuneInString(s); !isApostrophe(r) {
		return s
	}
	return strings.TrimLeftFunc(s, func(r rune) bool { return isApostrophe(r) || unicode.IsSpace(r) })
}

func isApostrophe(r rune) bool { return r == '\'' || r == '‘' || r == '’' }

// invisible reports characters that paste along without showing: zero-width
// spaces and joiners, the byte order mark, soft hyphens.
func invisible(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
		return true
	}
	return false
}

// joins reports characters a space between which is padding: Chinese
// characters and the dot of minority names.
func joins(r rune) bool {
	return unicode.Is(unicode.Han, r) || strings.ContainsRune("·•・･‧", r)
}
