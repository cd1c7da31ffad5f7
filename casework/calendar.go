package casework

import (
	"fmt"
	"time"
)

// Calendar knows which days are working days: Monday to Friday, less public
// holidays, plus the weekend days declared working days (调休上班).
type Calendar struct {
	holidays map[string]string // date -> holiday name
	workdays map[string]bool   // adjusted working days on weekends
	years    map[int]bool      // years the calendar has official data for
	src      []CalendarYear
}

func (c *Calendar) data() []CalendarYear {
	if c == nil {
		return nil
	}
	return c.src
}

// CalendarYear is the data of one year as stored in the catalogue.
type CalendarYear struct {
	Year     int              `json:"year"`
	Source   string           `json:"source"`
	Holidays []CalendarPeriod `json:"holidays"`
	Workdays []string         `json:"workdays"`
}

// CalendarPeriod is a named run of days off, both ends included.
type CalendarPeriod struct {
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
}

const dateLayout = "2006-01-02"

// NewCalendar builds a calendar from yearly data.
func NewCalendar(years []CalendarYear) (*Calendar, error) {
	c := &Calendar{holidays: map[string]string{}, workdays: map[string]bool{}, years: map[int]bool{}, src: years}
	for _, y := range years {
		if c.years[y.Year] {
			return nil, fmt.Errorf("year %d: %w", y.Year, errDuplicate)
		}
		c.years[y.Year] = true
		for _, p := range y.Holidays {
			from, err1 := time.Parse(dateLayout, p.From)
			to, err2 := time.Parse(dateLayout, p.To)
			if err1 != nil || err2 != nil || to.Before(from) || from.Year() != y.Year && to.Year() != y.Year {
				return nil, fmt.Errorf("year %d holiday %q: bad dates %s..%s", y.Year, p.Name, p.From, p.To)
			}
			for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
				c.holidays[d.Format(dateLayout)] = p.Name
			}
		}
		for _, w := range y.Workdays {
			d, err := time.Parse(dateLayout, w)
			if err != nil {
				return nil, fmt.Errorf("year %d workday %q: %w", y.Year, w, err)
			}
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
				return nil, fmt.Errorf("year %d workday %s is not a weekend day", y.Year, w)
			}
			c.workdays[w] = true
		}
	}
	return c, nil
}

// Covers reports whether the calendar has official holiday data for year;
// outside it only weekends are days off.
func (c *Calendar) Covers(year int) bool { return c != nil && c.years[year] }

// Holiday returns the name of the holiday on day, if any.
func (c *Calendar) Holiday(day time.Time) (string, bool) {
	if c == nil {
		return "", false
	}
	n, ok := c.holidays[day.Format(dateLayout)]
	return n, ok
}

// IsWorkingDay reports whether offices are open on day.
func (c *Calendar) IsWorkingDay(day time.Time) bool {
	key := day.Format(dateLayout)
	if c != nil {
		if c.workdays[key] {
			return true
		}
		if _, ok := c.holidays[key]; ok {
			return false
		}
	}
	wd := day.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingDays returns the date n working days after start; the day of
// start itself does not count. The result is a date at local midnight of
// start's location.
func (c *Calendar) AddWorkingDays(start time.Time, n int) time.Time {
	d := dateOf(start)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// Deadline returns the last day of a limit of n days in unit (UnitWorking
// or UnitCalendar) counted from start, whose own day does not count. A
// calendar-day limit whose last day is off work ends on the next working day
// (民法典 第二百零三条: 期间的最后一日是法定休假日的,以法定休假日结束的次日为
// 期间的最后一日), so the holiday data matters for both units.
func (c *Calendar) Deadline(start time.Time, n int, unit string) time.Time {
	if unit != UnitCalendar {
		return c.AddWorkingDays(start, n)
	}
	d := dateOf(start).AddDate(0, 0, n)
	for n > 0 && !c.IsWorkingDay(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// CoversRange reports whether the calendar has official holiday data for
// every year from from to to, so that deadlines between them are exact.
func (c *Calendar) CoversRange(from, to time.Time) bool {
	for y := from.Year(); y <= to.Year(); y++ {
		if !c.Covers(y) {
			return false
		}
	}
	return true
}

// WorkingDaysBetween counts working days after from up to and including to;
// it is negative when to is before from.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	a, b := dateOf(from), dateOf(to)
	sign := 1
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	n := 0
	for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return sign * n
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
