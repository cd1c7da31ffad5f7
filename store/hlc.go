package store

import (
	"fmt"
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

// clock issues HLC stamps. It never goes backwards, whatever the wall
// clock does.
type clock struct {
	now  func() time.Time
	last HLC
}

// tick returns a stamp for a local event.
func (c *clock) tick() HLC {
	pt := c.now().UnixMilli()
	if pt > c.last.Wall {
		c.last = HLC{Wall: pt}
	} else {
		c.bump()
	}
	return c.last
}

// observe merges a stamp received from another device.
func (c *clock) observe(r HLC) {
	pt := c.now().UnixMilli()
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

func (c *clock) bump() {
	if c.last.Logical == ^uint32(0) {
		c.last = HLC{Wall: c.last.Wall + 1}
		return
	}
	c.last.Logical++
}
