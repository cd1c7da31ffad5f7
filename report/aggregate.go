package report

import (
	"sort"
	"time"

	"vetdesk/casework"
)

// day is a calendar date as days since 1970-01-01, taken in the location of
// the time it came from (as casework's calendar does).
type day int

func dayOf(t time.Time) day {
	y, m, d := t.Date()
	return day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func (d day) time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// excelSerial is the Excel (1900 system) serial number of the date.
func (d day) excelSerial() float64 { return float64(d) + 25569 }

// workdays answers casework.Calendar.WorkingDaysBetween from a table of
// cumulative working days, built once per range of dates, instead of
// walking the calendar day by day for every task.
type workdays struct {
	cal  *casework.Calendar
	base day
	cum  []int32 // cum[i]: working days in (base, base+i]
}

func (w *workdays) cover(d day) {
	if len(w.cum) == 0 {
		w.base, w.cum = d-366, []int32{0}
	}
	if d < w.base {
		end := w.base + day(len(w.cum)-1)
		w.base, w.cum = d-366, []int32{0}
		w.cover(end)
	}
	for last := w.base + day(len(w.cum)-1); last < d; last++ {
		n := w.cum[len(w.cum)-1]
		if w.cal.IsWorkingDay((last + 1).time()) {
			n++
		}
		w.cum = append(w.cum, n)
	}
}

// between counts working days after from up to and including to; negative
// when to is before from.
func (w *workdays) between(from, to day) int {
	w.cover(from)
	w.cover(to)
	return int(w.cum[to-w.base] - w.cum[from-w.base])
}

// counts are the figures of one row of the summary.
type counts struct {
	received, done, open, returned, refused, cancelled, overdue int
	timed, onTime                                               int // done tasks with a due date; of them finished by it
	daysSum                                                     int // working days of done tasks with a start
	daysN                                                       int
	hist                                                        map[int]int // working days -> done tasks (departments only)
}

func (c *counts) addTask(ti taskInfo) {
	c.received++
	switch ti.t.State {
	case casework.TaskDone:
		c.done++
	case casework.TaskReturned:
		c.returned++
	case casework.TaskRefused:
		c.refused++
	case casework.TaskCancelled:
		c.cancelled++
	default:
		c.open++
	}
	if ti.overdue {
		c.overdue++
	}
	if ti.t.State == casework.TaskDone && !ti.t.Due.IsZero() {
		c.timed++
		if ti.onTime {
			c.onTime++
		}
	}
	if ti.days >= 0 {
		c.daysSum += ti.days
		c.daysN++
		if c.hist != nil {
			c.hist[ti.days]++
		}
	}
}

func (c *counts) merge(o *counts) {
	c.received += o.received
	c.done += o.done
	c.open += o.open
	c.returned += o.returned
	c.refused += o.refused
	c.cancelled += o.cancelled
	c.overdue += o.overdue
	c.timed += o.timed
	c.onTime += o.onTime
	c.daysSum += o.daysSum
	c.daysN += o.daysN
	if c.hist != nil {
		for k, v := range o.hist {
			c.hist[k] += v
		}
	}
}

// onTimeRate returns the share of done tasks finished by their due date.
func (c *counts) onTimeRate() (float64, bool) {
	if c.timed == 0 {
		return 0, false
	}
	return float64(c.onTime) / float64(c.timed), true
}

func (c *counts) avgDays() (float64, bool) {
	if c.daysN == 0 {
		return 0, false
	}
	return float64(c.daysSum) / float64(c.daysN), true
}

// percentile returns the nearest-rank q-th percentile of the working days.
func (c *counts) percentile(q float64) (int, bool) {
	if c.daysN == 0 {
		return 0, false
	}
	keys := make([]int, 0, len(c.hist))
	for k := range c.hist {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	rank := int(q*float64(c.daysN) + 0.999999999)
	if rank < 1 {
		rank = 1
	}
	seen := 0
	for _, k := range keys {
		if seen += c.hist[k]; seen >= rank {
			return k, true
		}
	}
	return keys[len(keys)-1], true
}

// taskInfo is what the aggregate worked out about one task.
type taskInfo struct {
	t       *casework.Task
	overdue bool
	late    int // working days past due when overdue
	onTime  bool
	days    int // working days from start to finish of a done task; -1 otherwise
}

type overdueTask struct {
	caseNumber, name, office, item, dept string
	state                                casework.TaskState
	started, due                         day
	late                                 int
	itemPos                              int
}

type month struct {
	accepted, closed, tasksDone, onTime, timed int
}

// aggregate gathers every figure of the report in one pass over the cases.
type aggregate struct {
	cat    *casework.Catalogue
	p      Params
	wd     *workdays
	today  day
	from   day
	to     day
	scope  map[string]bool // offices of the report; nil: every office
	byOff  map[string]map[string]*counts
	byDept map[string]*counts
	months map[int]*month // year*12 + month-1
	itemAt map[string]int

	overdue      []overdueTask
	cases, tasks int
	last         []taskInfo // the tasks of the case just added
}

func newAggregate(cat *casework.Catalogue, p Params) *aggregate {
	a := &aggregate{
		cat:    cat,
		p:      p,
		wd:     &workdays{cal: cat.Calendar},
		today:  dayOf(p.Today),
		from:   -1 << 40,
		to:     1 << 40,
		byOff:  map[string]map[string]*counts{},
		byDept: map[string]*counts{},
		months: map[int]*month{},
		itemAt: map[string]int{},
	}
	if !p.From.IsZero() {
		a.from = dayOf(p.From)
	}
	if !p.To.IsZero() {
		a.to = dayOf(p.To)
	}
	for i, it := range cat.Items {
		a.itemAt[it.Code] = i
	}
	a.scope = scopeOffices(cat, p.Office)
	return a
}

// scopeOffices returns the org units under office, office included; nil
// means every office.
func scopeOffices(cat *casework.Catalogue, office string) map[string]bool {
	if office == "" {
		return nil
	}
	if d := cat.Division(office); d != nil && (d.Kind == "city" || d.Parent == "") {
		return nil
	}
	in := map[string]bool{office: true}
	for changed := true; changed; {
		changed = false
		for _, d := range cat.Divisions {
			if !in[d.Code] && d.Parent != "" && in[d.Parent] {
				in[d.Code], changed = true, true
			}
		}
	}
	return in
}

func (a *aggregate) inScope(c *casework.Case) bool {
	return a.scope == nil || a.scope[c.Office] || c.Station == a.p.Office
}

func (a *aggregate) inPeriod(t time.Time) bool {
	if t.IsZero() {
		return false
	}
	d := dayOf(t)
	return d >= a.from && d <= a.to
}

func (a *aggregate) month(t time.Time) *month {
	k := t.Year()*12 + int(t.Month()) - 1
	m := a.months[k]
	if m == nil {
		m = &month{}
		a.months[k] = m
	}
	return m
}

// add takes one case into the figures and reports whether it belongs to the
// report (then a.last holds what was worked out about its tasks).
func (a *aggregate) add(c *casework.Case) bool {
	if c.State == casework.CaseDraft || c.AcceptedAt.IsZero() || !a.inScope(c) {
		return false
	}
	if a.inPeriod(c.ClosedAt) && c.State == casework.CaseDone {
		a.month(c.ClosedAt).closed++
	}
	for _, t := range c.Tasks {
		if t.State == casework.TaskDone && a.inPeriod(t.Finished) {
			m := a.month(t.Finished)
			m.tasksDone++
			if !t.Due.IsZero() {
				m.timed++
				if dayOf(t.Finished) <= dayOf(t.Due) {
					m.onTime++
				}
			}
		}
	}
	if !a.inPeriod(c.AcceptedAt) {
		return false
	}
	a.month(c.AcceptedAt).accepted++
	a.cases++
	offs := a.byOff[c.Office]
	if offs == nil {
		offs = map[string]*counts{}
		a.byOff[c.Office] = offs
	}
	a.last = a.last[:0]
	for _, t := range c.Tasks {
		ti := a.task(t)
		a.last = append(a.last, ti)
		a.tasks++
		oc := offs[t.Item]
		if oc == nil {
			oc = &counts{}
			offs[t.Item] = oc
		}
		oc.addTask(ti)
		dc := a.byDept[t.Department]
		if dc == nil {
			dc = &counts{hist: map[int]int{}}
			a.byDept[t.Department] = dc
		}
		dc.addTask(ti)
		if ti.overdue {
			pos, ok := a.itemAt[t.Item]
			if !ok {
				pos = len(a.itemAt)
			}
			a.overdue = append(a.overdue, overdueTask{
				caseNumber: c.Number, name: c.Values[casework.FieldName], office: c.Office,
				item: t.Item, dept: t.Department, state: t.State,
				started: dayOf(t.Started), due: dayOf(t.Due), late: ti.late, itemPos: pos,
			})
		}
	}
	return true
}

func (a *aggregate) task(t *casework.Task) taskInfo {
	ti := taskInfo{t: t, days: -1}
	if !t.State.Final() && !t.Due.IsZero() {
		// as casework.Task.DaysLeft: overdue once a working day has passed since the due date
		if left := a.wd.between(a.today, dayOf(t.Due)); left < 0 {
			ti.overdue, ti.late = true, -left
		}
	}
	if t.State == casework.TaskDone && !t.Finished.IsZero() {
		fin := dayOf(t.Finished)
		ti.onTime = t.Due.IsZero() || fin <= dayOf(t.Due)
		if !t.Started.IsZero() {
			ti.days = a.wd.between(dayOf(t.Started), fin)
		}
	}
	return ti
}

// sortedOverdue returns the overdue tasks, the longest overdue first.
func (a *aggregate) sortedOverdue() []overdueTask {
	sort.Slice(a.overdue, func(i, j int) bool {
		x, y := a.overdue[i], a.overdue[j]
		if x.due != y.due {
			return x.due < y.due
		}
		if x.caseNumber != y.caseNumber {
			return x.caseNumber < y.caseNumber
		}
		return x.itemPos < y.itemPos
	})
	return a.overdue
}

// offices returns the offices seen, in catalogue order, unknown ones last.
func (a *aggregate) offices() []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range a.cat.Divisions {
		if _, ok := a.byOff[d.Code]; ok {
			out = append(out, d.Code)
			seen[d.Code] = true
		}
	}
	var rest []string
	for code := range a.byOff {
		if !seen[code] {
			rest = append(rest, code)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// items returns item codes in catalogue order followed by unknown codes
// found in m.
func (a *aggregate) items(m map[string]*counts) []string {
	var out []string
	for _, it := range a.cat.Items {
		if _, ok := m[it.Code]; ok {
			out = append(out, it.Code)
		}
	}
	var rest []string
	for code := range m {
		if _, ok := a.itemAt[code]; !ok {
			rest = append(rest, code)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// departments returns department codes in catalogue order, unknown last.
func (a *aggregate) departments() []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range a.cat.Departments {
		out = append(out, d.Code)
		seen[d.Code] = true
	}
	var rest []string
	for code := range a.byDept {
		if !seen[code] {
			rest = append(rest, code)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// monthRange returns the months of the trend: those of the period, or the
// months seen when the period is open.
func (a *aggregate) monthRange() []int {
	lo, hi := 1<<30, -1
	for k := range a.months {
		lo, hi = min(lo, k), max(hi, k)
	}
	if !a.p.From.IsZero() {
		lo = a.p.From.Year()*12 + int(a.p.From.Month()) - 1
	}
	if !a.p.To.IsZero() {
		hi = a.p.To.Year()*12 + int(a.p.To.Month()) - 1
	}
	if hi < lo {
		return nil
	}
	if hi-lo > 600 {
		lo = hi - 600
	}
	out := make([]int, 0, hi-lo+1)
	for k := lo; k <= hi; k++ {
		out = append(out, k)
	}
	return out
}
