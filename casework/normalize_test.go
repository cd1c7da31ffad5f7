package casework

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	cat := loadCity(t)
	tests := []struct {
		field, in, want string
	}{
		// ID numbers: the IME's full-width mode, wholly or for the last digits
		{FieldIDNumber, "３７１００３１９９００１０１００１Ｘ", "37100319900101001X"},
		{FieldIDNumber, "3710031990010100１ｘ", "37100319900101001X"},
		{FieldIDNumber, "\u3000371003199001010010\u3000", "371003199001010010"},
		{FieldIDNumber, "371003 19900101 001x", "37100319900101001X"},
		{FieldIDNumber, "'371003199001010010", "371003199001010010"},
		{FieldIDNumber, "’371003199001010010", "371003199001010010"},
		{FieldIDNumber, "\ufeff371003199001010010\u200b", "371003199001010010"},
		{FieldIDNumber, "\u00a0371003199001010010\t", "371003199001010010"},
		// phones
		{FieldPhone, "+8613963108888", "13963108888"},
		{FieldPhone, "+86 139 6310 8888", "13963108888"},
		{FieldPhone, "0086-13963108888", "13963108888"},
		{FieldPhone, "8613963108888", "13963108888"},
		{FieldPhone, "139-6310-8888", "13963108888"},
		{FieldPhone, "１３９ ６３１０ ８８８８", "13963108888"},
		{FieldPhone, "＋８６１３９６３１０８８８８", "13963108888"},
		{FieldPhone, "'13963108888", "13963108888"},
		{FieldPhone, "0631-5201234", "0631-5201234"},
		{FieldPhone, "０６３１－５２０１２３４", "0631-5201234"},
		{FieldPhone, "(0631)5201234", "06315201234"},
		{FieldPhone, "+86 631 5201234", "06315201234"},
		{FieldPhone, "8631520123", "8631520123"}, // a bare 86 is taken only off a mobile
		{FieldPhone, "+86 0631 5201234", "06315201234"},
		{FieldPhone, "+8600860", "+8600860"}, // found by FuzzNormalize: a country code before no number stays
		// names
		{FieldName, "林　涛", "林涛"},
		{FieldName, " 林 涛 ", "林涛"},
		{FieldName, "\u3000\u3000王小明\u3000", "王小明"},
		{FieldName, "买买提 • 艾力", "买买提·艾力"},
		{FieldName, "John  Smith", "John Smith"},
		{FieldName, "'林涛", "林涛"},
		// enum, date, bank, money, credit code, free text
		{FieldSex, "男\u3000", "男"},
		{FieldBirthDate, "１９９０－０１－０１", "1990-01-01"},
		{FieldBirthDate, " 1990-01-01 ", "1990-01-01"},
		{FieldBirthDate, "1990/1/2", "1990-01-02"},
		{FieldBirthDate, "1990.01.02", "1990-01-02"},
		{FieldBirthDate, "1990年1月2日", "1990-01-02"},
		{FieldBirthDate, "１９９０年１月２日", "1990-01-02"},
		{FieldBirthDate, "19900102", "1990-01-02"},
		{FieldBirthDate, "1990-02-30", "1990-02-30"}, // not a date: left for validation to refuse
		{FieldBirthDate, "199001", "199001"},
		{"bank_account", "6222 0202 0011 2233 441", "6222020200112233441"},
		{"bank_account", "6222-0202-0011-2233-441", "6222020200112233441"},
		{"home_address", "威海市\u3000文登区　天福路１２号（东门）", "威海市 文登区 天福路12号（东门）"},
	}
	for _, tt := range tests {
		t.Run(tt.field+"/"+tt.in, func(t *testing.T) {
			if cat.Field(tt.field) == nil {
				t.Fatalf("catalogue has no field %s", tt.field)
			}
			if got := cat.NormalizeValue(tt.field, tt.in); got != tt.want {
				t.Errorf("NormalizeValue(%s, %q) = %q, want %q", tt.field, tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"３７１００３１９９０", "3710031990"},
		{"3710 0319 9001", "371003199001"},
		{"+86 139 6310 8888", "13963108888"},
		{"１３９６３１０８８８８", "13963108888"},
		{"37100319900101001x", "37100319900101001X"},
		{"林　涛", "林涛"},
		{"林涛 8888", "林涛 8888"},
		{"林涛\u30008888", "林涛 8888"},
		{"371002-2026-HC01-000123", "371002-2026-HC01-000123"},
		{"371002-2026", "371002-2026"}, // a case number's parts: hyphens stay
		{"2026-HC01-0001", "2026-HC01-0001"},
		{"139-6310-8888", "13963108888"},
		{"0631-5201234", "0631-5201234"},
		{"３７１００２－２０２６－ＨＣ０１－０００１２３", "371002-2026-HC01-000123"},
		{"  ", ""},
	}
	for _, tt := range tests {
		if got := NormalizeQuery(tt.in); got != tt.want {
			t.Errorf("NormalizeQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestValidateNormalises guards that validation judges the normalised value:
// a full-width or padded ID number and a +86 phone are not refused.
func TestValidateNormalises(t *testing.T) {
	cat := loadCity(t)
	id := "37100319900101001"
	id += string(IDCheckDigit(id))
	wide := foldBack(id)
	for _, v := range []string{wide, "\u3000" + id + "\u3000", "'" + id} {
		if probs := CheckValue(cat, FieldIDNumber, v, testNow); len(probs) > 0 {
			t.Errorf("CheckValue(id, %q) = %+v, want none", v, probs)
		}
	}
	if probs := CheckValue(cat, FieldPhone, "+8613963108888", testNow); len(probs) > 0 {
		t.Errorf("CheckValue(phone, +8613963108888) = %+v, want none", probs)
	}
	if probs := CheckValue(cat, FieldName, "林　涛", testNow); len(probs) > 0 {
		t.Errorf("CheckValue(name, 林　涛) = %+v, want none", probs)
	}
}

// foldBack writes ASCII digits and letters full-width, as the IME does.
func foldBack(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' {
			return r + 0xFEE0
		}
		return r
	}, s)
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"３７１００３１９９００１０１００１Ｘ", "+86 139 6310 8888", "林　涛", "'371003199001010010",
		"0631-5201234", "买买提 • 艾力", "''\u3000'x", "\ufeff", "", "８６１３９６３１０８８８８", "\xff\xfe"} {
		f.Add(s)
	}
	kinds := map[string]func(string) string{
		"id": NormalizeIDNumber, "phone": NormalizePhone, "name": NormalizeName, "text": NormalizeText, "query": NormalizeQuery,
		"date": NormalizeDate,
	}
	f.Fuzz(func(t *testing.T, s string) {
		for kind, norm := range kinds {
			got := norm(s)
			if again := norm(got); again != got {
				t.Fatalf("%s: normalising %q twice: %q then %q", kind, s, got, again)
			}
			if utf8.ValidString(s) && !utf8.ValidString(got) {
				t.Fatalf("%s(%q) = %q: not UTF-8", kind, s, got)
			}
			if strings.ContainsFunc(got, func(r rune) bool { return r == '\u3000' || r >= '０' && r <= '９' || invisible(r) }) {
				t.Fatalf("%s(%q) = %q still holds full-width digits, U+3000 or invisible characters", kind, s, got)
			}
			if got != strings.TrimSpace(got) {
				t.Fatalf("%s(%q) = %q: not trimmed", kind, s, got)
			}
			if kind == "id" && strings.ContainsFunc(got, unicode.IsSpace) {
				t.Fatalf("id(%q) = %q holds a space", s, got)
			}
		}
		// a number the parser accepts was normalised to ASCII first
		if id := NormalizeIDNumber(s); len(id) == 18 {
			if _, err := ParseIDNumber(id, testAreas, testNow); err == nil && !digitsOrX(id) {
				t.Fatalf("ParseIDNumber(%q) accepted a non-digit number", id)
			}
		}
	})
}

func TestPlacementsFor(t *testing.T) {
	cat := loadCity(t)
	names := func(ps []*PlacementType) string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return strings.Join(out, ",")
	}
	tests := map[string]string{
		"义务兵": "自主就业,安排工作,供养",
		"军官":  "退休,转业,逐月领取退役金,复员",
		"":    "退休,转业,逐月领取退役金,复员,自主就业,安排工作,供养",
	}
	for cat_, want := range tests {
		if got := names(cat.PlacementsFor(cat_)); got != want {
			t.Errorf("PlacementsFor(%q) = %s, want %s", cat_, got, want)
		}
	}
}

// TestNormalizeDate guards the four ways #15 names for typing a date (and a
// few more): each comes out as
// 2023-09-01; impossible and partial dates stay as typed for validation.
func TestNormalizeDate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2023-09-01", "2023-09-01"},
		{"20230901", "2023-09-01"},
		{"2023.9.1", "2023-09-01"},
		{"2023-9-1", "2023-09-01"},
		{"2023/9/1", "2023-09-01"},
		{"2023年9月1日", "2023-09-01"},
		{"2023年09月01日", "2023-09-01"},
		{"２０２３．９．１", "2023-09-01"},
		{" 2023 - 9 - 1 ", "2023-09-01"},
		{"2023-02-30", "2023-02-30"},
		{"20230230", "20230230"},
		{"2023年9月", "2023年9月"},
		{"2023-9", "2023-9"},
		{"23.9.1", "23.9.1"},
		{"", ""},
	} {
		if got := NormalizeDate(tc.in); got != tc.want {
			t.Errorf("NormalizeDate(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := Normalize(&Field{Type: TypeDate}, tc.in); got != tc.want {
			t.Errorf("Normalize(date, %q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
