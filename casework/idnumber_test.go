package casework

import (
	"errors"
	"reflect"
	"strings"
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
		{"440524190001010010", "", true, ""},            // check digit set below: 1900, the first year accepted
		{"11010519491231002x", "", false, "1949-12-31"}, // lower-case x accepted
		{"371081199001010010", "", true, "1990-01-01"},  // historical 文登市
		{"110105194912310021", ReasonIDChecksum, false, ""},
		{"440524188001010015", ReasonIDChecksum, false, ""},
		{"440524188001010014", ReasonIDBirthEarly, false, ""}, // GB 11643's own example, but nobody born in 1880 is a veteran
		{"110105185001010000", "", false, ""},                 // check digit set below
		{"110105189912310000", "", false, ""},                 // check digit set below
		{"371081201601010000", "", false, ""},                 // check digit set below: 文登市, abolished 2014
		{"371081201401010000", "", false, ""},                 // check digit set below: born in the year it was abolished
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
	// ("" : valid, birth and sex given)
	fix := map[string]struct{ reason, birth string }{
		"440524190001010010": {"", "1900-01-01"},
		"110105185001010000": {ReasonIDBirthEarly, ""}, "110105189912310000": {ReasonIDBirthEarly, ""},
		"371081201601010000": {ReasonIDAreaAbolished, ""}, "371081201401010000": {"", "2014-01-01"},
		"110105194902300000": {ReasonIDDate, ""}, "999999199001010000": {ReasonIDArea, ""},
		"371071199001010000": {ReasonIDArea, ""}, "371002203001010000": {ReasonIDDate, ""},
	}
	for i := range tests {
		if r, ok := fix[tests[i].in]; ok {
			first := tests[i].in[:17]
			tests[i].in = first + string(IDCheckDigit(first))
			tests[i].reason, tests[i].birth = r.reason, r.birth
		}
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

func TestLoadAreaCodesAbolished(t *testing.T) {
	in := "# test\n371081\t文登市\thistorical\t2014\n371003\t文登区\tcurrent\n440524\t潮阳县\thistorical\n"
	areas, err := LoadAreaCodes(strings.NewReader(in))
	if err != nil {
		t.Fatalf("LoadAreaCodes = %v", err)
	}
	want := AreaCodes{"371081": {Name: "文登市", Historical: true, Abolished: 2014}, "371003": {Name: "文登区"}, "440524": {Name: "潮阳县", Historical: true}}
	if !reflect.DeepEqual(areas, want) {
		t.Errorf("LoadAreaCodes = %+v, want %+v", areas, want)
	}
	for _, bad := range []string{"371081\t文登市\thistorical\t20x4\n", "371081\t文登市\thistorical\t1066\n"} {
		if _, err := LoadAreaCodes(strings.NewReader(bad)); err == nil {
			t.Errorf("LoadAreaCodes(%q) = nil error, want a bad year", bad)
		}
	}
	// the embedded list knows the years: 文登市 was abolished in 2014
	if a := loadCity(t).Areas["371081"]; a.Abolished != 2014 {
		t.Errorf("embedded 371081 = %+v, want abolished 2014", a)
	}
}

func FuzzParseIDNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "440524188001010014", "", "x", "371002199001010018", "37108120160101000X", "110105189912310000"} {
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
		if a := testAreas[info.Area]; info.Birth.After(now) || !testAreas.Known(info.Area) || info.Birth.Year() < MinBirthYear ||
			a.Abolished > 0 && info.Birth.Year() > a.Abolished {
			t.Fatalf("ParseIDNumber(%q) accepted birth %v area %s", s, info.Birth, info.Area)
		}
	})
}
