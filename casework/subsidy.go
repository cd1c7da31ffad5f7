package casework

import (
	"errors"
	"fmt"
	"time"
)

// SubsidyRule configures the one-time economic subsidy of item 2 (自主就业地方
// 一次性经济补助). The rate is provincial and changes: it is data.
type SubsidyRule struct {
	Label  string `json:"label"`  // shown on the form, e.g. "山东省2013年标准(样例)"
	Sample bool   `json:"sample"` // true while the rate is not confirmed for this city
	// RatePerYear is the amount per year of service, in yuan.
	RatePerYear int64 `json:"rate_per_year"`
	// Remainder says how a part year counts, checked in order; a remainder
	// of zero counts nothing. Empty means DefaultRemainder, the rule of the
	// 2011 退役士兵安置条例 §20.
	Remainder []RemainderStep `json:"remainder,omitempty"`
	// RemainderSource names the text the part-year rule comes from; it is
	// printed on the 审核表.
	RemainderSource string `json:"remainder_source,omitempty"`
	// CategoryPercent scales the amount by personnel category (军士: 100);
	// a category not listed gets 100.
	CategoryPercent map[string]int `json:"category_percent,omitempty"`
}

// RemainderStep is one band of the part-year rounding. Exactly one bound is
// set. UpToMonths holds for a remainder of at most that many months: whole
// months below it, or exactly it with no day over ("不满6个月的按6个月").
// BelowMonths holds for fewer whole months than it, extra days ignored (the
// rule of catalogues before weihai-2023.9-r2, kept so they still load).
type RemainderStep struct {
	UpToMonths  int `json:"up_to_months,omitempty"`
	BelowMonths int `json:"below_months,omitempty"`
	HalfYears   int `json:"half_years"`
}

// DefaultRemainder is the part-year rule of the 退役士兵安置条例 (2011) §20:
// "服现役年限不满6个月的按照6个月计算,超过6个月不满1年的按照1年计算", so a
// part year of up to exactly 6 months is half a year and anything over it a
// full year. The 2024 退役军人安置条例 leaves the standard to the province.
var DefaultRemainder = []RemainderStep{{UpToMonths: 6, HalfYears: 1}, {UpToMonths: 12, HalfYears: 2}}

// holds reports whether a remainder of months and extra days falls in the step.
func (s RemainderStep) holds(months, days int) bool {
	if s.UpToMonths > 0 {
		return months < s.UpToMonths || months == s.UpToMonths && days == 0
	}
	return months < s.BelowMonths
}

func (s RemainderStep) bound() int { return s.UpToMonths + s.BelowMonths }

// Steps returns the part-year rule in force: Remainder, or DefaultRemainder.
func (r SubsidyRule) Steps() []RemainderStep {
	if len(r.Remainder) == 0 {
		return DefaultRemainder
	}
	return r.Remainder
}

// Subsidy is a computed subsidy.
type Subsidy struct {
	Months      int   // whole months of service
	ExtraDays   int   // days beyond the whole months
	HalfYears   int   // half-years counted
	Amount      int64 // yuan, rounded to the yuan
	RatePerYear int64
	Percent     int
}

// Years returns the counted years as a decimal string ("8.5").
func (s Subsidy) Years() string {
	if s.HalfYears%2 == 0 {
		return fmt.Sprintf("%d", s.HalfYears/2)
	}
	return fmt.Sprintf("%d.5", s.HalfYears/2)
}

// ErrServiceDates is returned when discharge is not after enlistment.
var ErrServiceDates = errors.New("discharge date not after enlistment date")

func (r SubsidyRule) check(c *Catalogue) error {
	if r.RatePerYear <= 0 {
		return fmt.Errorf("rate_per_year must be positive, got %d", r.RatePerYear)
	}
	last := 0
	for _, s := range r.Steps() {
		if (s.UpToMonths > 0) == (s.BelowMonths > 0) {
			return fmt.Errorf("each remainder step needs exactly one of up_to_months and below_months")
		}
		if s.bound() <= last || s.bound() > 12 || s.HalfYears < 0 || s.HalfYears > 2 {
			return fmt.Errorf("remainder steps must rise within 1..12 months and count 0..2 half-years")
		}
		last = s.bound()
	}
	if last != 12 {
		return fmt.Errorf("remainder steps must end at below_months 12")
	}
	for cat, p := range r.CategoryPercent {
		if p <= 0 || p > 1000 {
			return fmt.Errorf("category %q percent %d out of range", cat, p)
		}
	}
	return nil
}

// ServiceLength returns the whole months and extra days from enlist to
// discharge.
func ServiceLength(enlist, discharge time.Time) (months, days int, err error) {
	if !discharge.After(enlist) {
		return 0, 0, ErrServiceDates
	}
	y1, m1, d1 := enlist.Date()
	y2, m2, d2 := discharge.Date()
	months = (y2-y1)*12 + int(m2-m1)
	if d2 < d1 {
		months--
	}
	start := time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC)
	end := time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC)
	// AddDate normalises 31 January + 1 month to 3 March; such overflow
	// means the month is whole, not that days are left over.
	if anchor := start.AddDate(0, months, 0); end.After(anchor) {
		days = int(end.Sub(anchor).Hours() / 24)
	}
	return months, days, nil
}

// Compute returns the subsidy for a service from enlist to discharge by a
// member of category (军官, 军士, 义务兵).
func (r SubsidyRule) Compute(enlist, discharge time.Time, category string) (Subsidy, error) {
	months, days, err := ServiceLength(enlist, discharge)
	if err != nil {
		return Subsidy{}, err
	}
	s := Subsidy{Months: months, ExtraDays: days, RatePerYear: r.RatePerYear, Percent: 100}
	s.HalfYears = months / 12 * 2
	rem := months % 12
	if rem > 0 || days > 0 {
		for _, step := range r.Steps() {
			if step.holds(rem, days) {
				s.HalfYears += step.HalfYears
				break
			}
		}
	}
	if p, ok := r.CategoryPercent[category]; ok {
		s.Percent = p
	}
	// amount = rate * halfYears/2 * percent/100, rounded half up to the yuan
	num := r.RatePerYear * int64(s.HalfYears) * int64(s.Percent)
	s.Amount = (num + 100) / 200
	return s, nil
}
