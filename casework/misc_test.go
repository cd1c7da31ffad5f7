package casework

import (
	"errors"
	"fmt"
	"testing"
)

func TestSubsidy(t *testing.T) {
	rule := SubsidyRule{RatePerYear: 4500, Remainder: []RemainderStep{{UpToMonths: 6, HalfYears: 1}, {UpToMonths: 12, HalfYears: 2}}, CategoryPercent: map[string]int{"军官": 150}}
	tests := []struct {
		enlist, discharge, category string
		years                       string
		amount                      int64
	}{
		{"2022-09-10", "2024-09-10", "义务兵", "2", 9000},
		{"2022-09-10", "2024-09-11", "义务兵", "2.5", 11250}, // one day over: part year under 6 months
		{"2018-09-01", "2026-12-01", "军士", "8.5", 38250},  // 3 months over
		{"2018-09-01", "2027-03-01", "军士", "8.5", 38250},  // exactly 6 months over is half a year
		{"2018-09-01", "2027-03-02", "军士", "9", 40500},    // 6 months and a day counts a full year
		{"2018-09-01", "2027-08-31", "军士", "9", 40500},    // 11 months 30 days
		{"2010-03-31", "2022-04-30", "军官", "12.5", 84375}, // 31st anchoring; 150%
		{"2022-01-31", "2022-02-28", "义务兵", "0.5", 2250},  // less than a month
	}
	for _, tt := range tests {
		s, err := rule.Compute(day(tt.enlist), day(tt.discharge), tt.category)
		if err != nil {
			t.Fatalf("Compute(%s..%s) = %v", tt.enlist, tt.discharge, err)
		}
		if s.Years() != tt.years || s.Amount != tt.amount {
			t.Errorf("Compute(%s..%s, %s) = %s years %d yuan, want %s years %d", tt.enlist, tt.discharge, tt.category, s.Years(), s.Amount, tt.years, tt.amount)
		}
	}
	if _, err := rule.Compute(day("2024-01-01"), day("2023-01-01"), ""); !errors.Is(err, ErrServiceDates) {
		t.Errorf("Compute(backwards) = %v, want ErrServiceDates", err)
	}
	cat := loadCity(t)
	if cat.Subsidy.RatePerYear != 4500 || !cat.Subsidy.Sample {
		t.Errorf("city subsidy = %+v, want the labelled Shandong 2013 sample", cat.Subsidy)
	}
	if len(cat.Subsidy.CategoryPercent) != 0 {
		t.Errorf("city subsidy CategoryPercent = %v, want none (no Shandong text scales the local subsidy)", cat.Subsidy.CategoryPercent)
	}
}

// TestSubsidyHalfYears guards the part-year rule of the 2011 条例 §20: a
// part year of up to exactly 6 months counts half a year, one over 6 months a
// full year. It runs the city catalogue's rule, the default rule (a rule file
// without "remainder") and the rule of older catalogues (below_months).
func TestSubsidyHalfYears(t *testing.T) {
	city := loadCity(t).Subsidy
	deflt := SubsidyRule{RatePerYear: 4500}
	legacy := SubsidyRule{RatePerYear: 4500, Remainder: []RemainderStep{{BelowMonths: 6, HalfYears: 1}, {BelowMonths: 12, HalfYears: 2}}}
	tests := []struct {
		months       int
		years        string
		amount       int64
		legacyYears  string
		legacyAmount int64
	}{
		{5, "0.5", 2250, "0.5", 2250},
		{6, "0.5", 2250, "1", 4500},
		{7, "1", 4500, "1", 4500},
		{17, "1.5", 6750, "1.5", 6750},
		{18, "1.5", 6750, "2", 9000},
		{19, "2", 9000, "2", 9000},
	}
	for _, tt := range tests {
		enlist := day("2024-03-10")
		discharge := enlist.AddDate(0, tt.months, 0)
		for _, r := range []struct {
			name string
			rule SubsidyRule
		}{{"city", city}, {"default", deflt}} {
			s, err := r.rule.Compute(enlist, discharge, "义务兵")
			if err != nil || s.Months != tt.months || s.Years() != tt.years || s.Amount != tt.amount {
				t.Errorf("%s Compute(%d months) = %d months %s years %d yuan %v, want %s years %d", r.name, tt.months, s.Months, s.Years(), s.Amount, err, tt.years, tt.amount)
			}
		}
		s, err := legacy.Compute(enlist, discharge, "义务兵")
		if err != nil || s.Years() != tt.legacyYears || s.Amount != tt.legacyAmount {
			t.Errorf("legacy Compute(%d months) = %s years %d yuan %v, want %s years %d", tt.months, s.Years(), s.Amount, err, tt.legacyYears, tt.legacyAmount)
		}
	}
	if city.RemainderSource == "" {
		t.Error("city subsidy has no remainder_source naming the text of its part-year rule")
	}
	bad := []SubsidyRule{
		{RatePerYear: 1, Remainder: []RemainderStep{{UpToMonths: 6, BelowMonths: 6, HalfYears: 1}, {UpToMonths: 12, HalfYears: 2}}},
		{RatePerYear: 1, Remainder: []RemainderStep{{HalfYears: 1}, {UpToMonths: 12, HalfYears: 2}}},
		{RatePerYear: 1, Remainder: []RemainderStep{{UpToMonths: 6, HalfYears: 1}}},
	}
	for i, r := range bad {
		if err := r.check(nil); err == nil {
			t.Errorf("check(bad rule %d) = nil, want an error", i)
		}
	}
}

func TestCaseNumbers(t *testing.T) {
	s, err := FormatCaseNumber("371002", 2026, "HC01", 123)
	if err != nil || s != "371002-2026-HC01-000123" {
		t.Fatalf("FormatCaseNumber = %q %v", s, err)
	}
	n, err := ParseCaseNumber(s)
	if err != nil || n.String() != s || n.Device != "HC01" || n.Seq != 123 {
		t.Fatalf("ParseCaseNumber(%q) = %+v %v", s, n, err)
	}
	for _, bad := range [][4]any{{"37100", 2026, "HC01", 1}, {"371002", 2026, "hc01", 1}, {"371002", 2026, "HC01", 0}, {"371002", 2026, "TOOLONG1", 1}} {
		if _, err := FormatCaseNumber(bad[0].(string), bad[1].(int), bad[2].(string), bad[3].(int)); !errors.Is(err, ErrBadNumber) {
			t.Errorf("FormatCaseNumber(%v) = %v, want ErrBadNumber", bad, err)
		}
	}
	// two devices offline never collide: the device code is part of the number
	seen := map[string]bool{}
	for _, dev := range []string{"HC01", "HC02"} {
		for seq := 1; seq <= 1000; seq++ {
			s, _ := FormatCaseNumber("371002", 2026, dev, seq)
			if seen[s] {
				t.Fatalf("collision %s", s)
			}
			seen[s] = true
		}
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ got, want string }{
		{MaskID("11010519491231002X"), "110105********002X"},
		{MaskPhone("13812345678"), "138****5678"},
		{MaskBank("6222 0202 0011 2233 441"), "***************3441"},
		{MaskName("张三丰"), "张**"},
		{MaskPhone("123"), "***"},
		{Mask(SensitiveFull, "五级"), "******"},
		{Mask(SensitiveNone, "x"), "x"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d = %q, want %q", i, tt.got, tt.want)
		}
	}
}

func TestGenerator(t *testing.T) {
	cat := loadCity(t)
	g := NewGenerator(cat, 1, testNow)
	rare := 0
	for i := 0; i < 500; i++ {
		c := g.Draft(fmt.Sprint(i), "371002", i%2 == 0)
		if probs := Validate(cat, c, testNow); HasErrors(probs) {
			t.Fatalf("generated case %d has errors: %+v (values %v)", i, probs, c.Values)
		}
		for _, r := range c.Values[FieldName] {
			for _, x := range rareGiven {
				if string(r) == x {
					rare++
				}
			}
		}
	}
	if rare == 0 {
		t.Error("500 generated names hold no rare character")
	}
	a := NewGenerator(cat, 5, testNow).Values()
	b := NewGenerator(cat, 5, testNow).Values()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Error("same seed gave different veterans")
	}
}

func TestGeneratedCreditCode(t *testing.T) {
	g := NewGenerator(loadCity(t), 11, testNow)
	for i := 0; i < 100; i++ {
		if c := g.CreditCode(); !CreditCodeValid(c) {
			t.Fatalf("CreditCode() = %s, not valid", c)
		}
	}
}
