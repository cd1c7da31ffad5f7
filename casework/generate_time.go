package casework

import "time"

// officeHours are the counter's opening hours in the synthetic data, in
// minutes after midnight: acceptances fall in them, as at a real counter.
var officeHours = [][2]int{{8*60 + 30, 11*60 + 30}, {13*60 + 30, 17 * 60}}

// InOfficeHours reports whether t is during the synthetic data's office
// hours on a working day of the catalogue's calendar.
func (g *Generator) InOfficeHours(t time.Time) bool {
	if !g.cat.Calendar.IsWorkingDay(t) {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	for _, h := range officeHours {
		if m >= h[0] && m < h[1] {
			return true
		}
	}
	return false
}

// AcceptedAt returns a moment during office hours of a working day among the
// last days days before the generator's now, not before notBefore's day and
// never after now; a day off moves on to the next working day. When there is
// no such moment (notBefore is today and the counter has not opened yet) it
// returns now.
func (g *Generator) AcceptedAt(days int, notBefore time.Time) time.Time {
	loc := g.now.Location()
	midnight := func(t time.Time) time.Time {
		t = t.In(loc)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	}
	today, first := midnight(g.now), midnight(notBefore)
	day := today.AddDate(0, 0, -g.rng.IntN(max(days, 1)))
	if day.Before(first) {
		day = first
	}
	opening := time.Duration(officeHours[0][0]) * time.Minute
	for d := day; !d.After(today); d = d.AddDate(0, 0, 1) {
		if !g.cat.Calendar.IsWorkingDay(d) {
			continue
		}
		t := g.officeMoment(d)
		if t.After(g.now) { // later today: the counter's first minute instead
			t = d.Add(opening)
		}
		if !t.After(g.now) {
			return t
		}
	}
	return g.now
}

// officeMoment returns a random minute of office hours on day (midnight).
func (g *Generator) officeMoment(day time.Time) time.Time {
	total := 0
	for _, h := range officeHours {
		total += h[1] - h[0]
	}
	m := g.rng.IntN(total)
	for _, h := range officeHours {
		if m < h[1]-h[0] {
			return day.Add(time.Duration(h[0]+m)*time.Minute + time.Duration(g.rng.IntN(60))*time.Second)
		}
		m -= h[1] - h[0]
	}
	return day.Add(time.Duration(officeHours[0][0]) * time.Minute)
}

// stationsIn returns the codes of the police stations in division, or of
// all stations when none is there.
func (g *Generator) stationsIn(division string) []string {
	var in, all []string
	for _, s := range g.cat.PoliceStations {
		all = append(all, s.Code)
		if s.Division == division {
			in = append(in, s.Code)
		}
	}
	if len(in) > 0 {
		return in
	}
	return all
}
