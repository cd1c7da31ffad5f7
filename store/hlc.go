package store

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// HLC is a hybrid logical clock stamp: wall time in Unix milliseconds and a
// logical counter that orders stamps within one millisecond, or while the
// wall clock stands still or runs backwards.
type HLC struct {
	Wall    int64 // unix ms
	Logical uint32
}

// String formats the stamp fixed-width, so strings sort like stamps:
// 13 digits of milliseconds, "-", 10 digits of counter.
func (h HLC) String() string { return fmt.Sprintf("%013d-%010d", h.Wall, h.Logical) }

// ParseHLC parses the form String makes.
func ParseHLC(s string) (HLC, error) {
	if len(s) != 24 || s[13] != '-' {
		return HLC{}, fmt.Errorf("parse hlc %q: bad form", s)
	}
	w, err := strconv.ParseInt(s[:13], 10, 64)
	if err != nil {
		return HLC{}, fmt.Errorf("parse hlc %q: %w", s, err)
	}
	l, err := strconv.ParseUint(s[14:], 10, 32)
	if err != nil {
		return HLC{}, fmt.Errorf("parse hlc %q: %w", s, err)
	}
	return HLC{Wall: w, Logical: uint32(l)}, nil
}

// Compare returns -1, 0 or +1 as h is before, equal to or after o.
func (h HLC) Compare(o HLC) int {
	switch {
	case h.Wall < o.Wall:
		return -1
	case h.Wall > o.Wall:
		return 1
	case h.Logical < o.Logical:
		return -1
	case h.Logical > o.Logical:
		return 1
	}
	return 0
}

// Time returns the wall part as a time.
func (h HLC) Time() time.Time { return time.UnixMilli(h.Wall).UTC() }

// IsZero reports whether h is the zero stamp.
func (h HLC) IsZero() bool { return h == HLC{} }

func maxHLC(a, b HLC) HLC {
	if a.Compare(b) >= 0 {
		return a
	}
	return b
}

// DefaultMaxDrift is how far ahead of its own wall clock a clock may be
// carried by the stamps it receives, and (on the hub) how far ahead of the
// hub's time a pushed stamp may be. Five minutes is well above what NTP or
// a hand-set counter PC drifts in a day, and well below what lets a bad
// stamp outlive the next edit for long.
const DefaultMaxDrift = 5 * time.Minute

// clock issues HLC stamps. It never goes backwards while it stays within
// its bound: it never runs more than drift ahead of the wall clock, so a
// stamp from a machine whose clock says 2099 cannot carry it (and through
// it every later op) into 2099.
type clock struct {
	now   func() time.Time
	drift time.Duration // 0 means DefaultMaxDrift
	last  HLC
}

// limit returns the highest wall (Unix ms) the clock may reach at wall
// time pt.
func (c *clock) limit(pt int64) int64 {
	d := c.drift
	if d <= 0 {
		d = DefaultMaxDrift
	}
	if pt > math.MaxInt64-d.Milliseconds() {
		return math.MaxInt64
	}
	return pt + d.Milliseconds()
}

// rein brings a clock that stands beyond its bound back to the wall clock:
// it followed a stamp before the bound existed, or the machine's clock was
// set back from the future. Stamps issued before stay as they are; the
// hub refuses the ones beyond its bound and repairs those it took
// (Hub.RepairClock).
func (c *clock) rein(pt int64) {
	if c.last.Wall > c.limit(pt) {
		c.last = HLC{Wall: pt}
	}
}

// tick returns a stamp for a local event.
func (c *clock) tick() HLC {
	pt := c.now().UnixMilli()
	c.rein(pt)
	if pt > c.last.Wall {
		c.last = HLC{Wall: pt}
	} else {
		c.bump()
	}
	return c.last
}

// observe merges a stamp received from another device, following it no
// further than the clock's bound.
func (c *clock) observe(r HLC) {
	pt := c.now().UnixMilli()
	c.rein(pt)
	if lim := c.limit(pt); r.Wall > lim {
		r = HLC{Wall: lim}
	}
	switch {
	case pt > c.last.Wall && pt > r.Wall:
		c.last = HLC{Wall: pt}
	case r.Wall > c.last.Wall:
		c.last = r
		c.bump()
	case r.Wall == c.last.Wall:
		c.last.Logical = max(c.last.Logical, r.Logical)
		c.bump()
	default:
		c.bump()
	}
}

// bump moves the clock one step: the counter, or the next millisecond when
// the counter is full. The largest stamp stays where it is rather than
// wrap around to a negative wall (tick and observe rein it in first).
func (c *clock) bump() {
	switch {
	case c.last.Logical < math.MaxUint32:
		c.last.Logical++
	case c.last.Wall < math.MaxInt64:
		c.last = HLC{Wall: c.last.Wall + 1}
	}
}
