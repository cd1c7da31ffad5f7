package casework

import (
	"errors"
	"testing"
	"time"
)

func TestParseIDNumber(t *testing.T) {
	tests := []struct {
		in     string
		reason string // empty: valid
		male   bool
		birth  string
	}{
		{"11010519491231002X", "", false, "1949-12-31"},
		{"440524188001010014", "", true, "1880-01-01"},
		{"11010519491231002x", "", false, "1949-12-31"}, // lower-case x accepted
		{"371081199001010010", "", true, "1990-01-01"},  // historical 文登市
		{"110105194912310021", ReasonIDChecksum, false, ""},
		{"440524188001010015", ReasonIDChecksum, false, ""},
		{"11010519491231002", ReasonIDLength, false, ""},
		{"1101051949123100212", ReasonIDLength, false, ""},
		{"11010519491231002Y", ReasonIDFormat, false, ""},
		{"1101051949123A002X", ReasonIDFormat, false, ""},
		{"", ReasonIDLength, false, ""},
		{"110105194902300000", "", false, ""}, // check digit set below
		{"999999199001010000", "", false, ""}, // check digit set below
		{"371071199001010000", "", false, ""}, // check digit set below
		{"371002203001010000", "", false, ""}, // check digit set below
	}
	// rows whose check digit is computed so that only the named rule fails
	fix := map[int]string{11: ReasonIDDate, 12: ReasonIDArea, 13: ReasonIDArea, 14: ReasonIDDate}
	for i, r := range fix {
		first := tests[i].in[:17]
		tests[i].in = first + string(IDCheckDigit(first))
		tests[i].reason = r
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			info, err := ParseIDNumber(NormalizeIDNumber(tt.in), testAreas, testNow)
			if tt.reason != "" {
				var ie *IDError
				if !errors.As(err, &ie) || ie.Reason != tt.reason {
					t.Fatalf("ParseIDNumber(%q) = %v, want reason %s", tt.in, err, tt.reason)
				}
				if !errors.Is(err, ErrIDNumber) {
					t.Fatalf("errors.Is(%v, ErrIDNumber) = false, want true", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseIDNumber(%q) = %v, want valid", tt.in, err)
			}
			if got := info.Birth.Format("2006-01-02"); got != tt.birth {
				t.Errorf("ParseIDNumber(%q).Birth = %s, want %s", tt.in, got, tt.birth)
			}
			if info.Male != tt.male {
				t.Errorf("ParseIDNumber(%q).Male = %v, want %v", tt.in, info.Male, tt.male)
			}
		})
	}
}

func TestIDAgreesWithForm(t *testing.T) {
	cat := loadCity(t)
	g := NewGenerator(cat, 7, testNow)
	c := g.Draft("c1", "371002", true)
	if probs := Validate(cat, c, testNow); HasErrors(probs) {
		t.Fatalf("Validate(generated) = %+v, want no errors", probs)
	}
	info, err := ParseIDNumber(c.Values[FieldIDNumber], cat.Areas, testNow)
	if err != nil {
		t.Fatal(err)
	}
	other := map[string]string{"男": "女", "女": "男"}[info.Sex()]
	c.Values[FieldSex] = other
	c.Values[FieldBirthDate] = info.Birth.AddDate(0, 0, 1).Format("2006-01-02")
	probs := Validate(cat, c, testNow)
	want := map[string]string{FieldSex: ReasonIDSexMismatch, FieldBirthDate: ReasonIDBirthMismatch}
	for field, reason := range want {
		if !hasProblem(probs, field, reason) {
			t.Errorf("Validate(mismatched %s) = %+v, want %s", field, probs, reason)
		}
	}
}

func hasProblem(probs []Problem, field, reason string) bool {
	for _, p := range probs {
		if p.Field == field && p.Reason == reason {
			return true
		}
	}
	return false
}

func TestLuhnAndCreditCode(t *testing.T) {
	if !LuhnValid("6222020200112233441"[:18] + string(LuhnDigit("6222020200112233441"[:18]))) {
		t.Error("LuhnDigit did not make a valid number")
	}
	if LuhnValid("79927398710") || !LuhnValid("79927398713") {
		t.Error("LuhnValid disagrees with the textbook vector 79927398713")
	}
	if !CreditCodeValid("91350100M000100Y43") {
		t.Error("CreditCodeValid(91350100M000100Y43) = false, want true")
	}
	if CreditCodeValid("91350100M000100Y44") || CreditCodeValid("91350100M000100I43") {
		t.Error("CreditCodeValid accepted a bad code")
	}
}

func FuzzParseIDNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "440524188001010014", "", "x", "371002199001010018"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		info, err := ParseIDNumber(s, testAreas, now)
		if err != nil {
			var ie *IDError
			if !errors.As(err, &ie) {
				t.Fatalf("ParseIDNumber(%q) error %T, want *IDError", s, err)
			}
			return
		}
		// a valid number must round-trip through its own parts
		first := info.Area + info.Birth.Format("20060102") + s[14:17]
		if got := first + string(IDCheckDigit(first)); got != NormalizeIDNumber(s) && got != s {
			t.Fatalf("ParseIDNumber(%q) accepted, rebuilt %q", s, got)
		}
		if info.Birth.After(now) || !testAreas.Known(info.Area) {
			t.Fatalf("ParseIDNumber(%q) accepted birth %v area %s", s, info.Birth, info.Area)
		}
	})
}
