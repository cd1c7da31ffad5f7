package casework

import (
	"strings"
	"testing"
	"time"
)

// TestGeneratedDataLooksReal guards the demo data against what gave it away:
// acceptances at night or on Sundays, and a police station in another
// division than the settlement address.
func TestGeneratedDataLooksReal(t *testing.T) {
	cat := loadCity(t)
	loc := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 11, 20, 9, 10, 0, 0, loc) // a Friday, just after opening
	g := NewGenerator(cat, 11, now)
	for i := 0; i < 2000; i++ {
		notBefore := now.AddDate(0, 0, -g.rng.IntN(200))
		at := g.AcceptedAt(120, notBefore)
		first := time.Date(notBefore.Year(), notBefore.Month(), notBefore.Day(), 0, 0, 0, 0, loc)
		if !g.InOfficeHours(at) || at.After(now) || at.Before(first) {
			t.Fatalf("AcceptedAt(120, %s) = %s (%s), want office hours of a working day between them and now %s", notBefore, at, at.Weekday(), now)
		}
	}
	for i := 0; i < 300; i++ {
		v := g.Values()
		st := cat.PoliceStation(v["police_station"])
		div := cat.Division(v[FieldDivision])
		if st == nil || div == nil {
			t.Fatalf("Values() police_station %q division %q: not in the catalogue", v["police_station"], v[FieldDivision])
		}
		if st.Division != div.Code || !strings.Contains(v["settle_address"], div.Name) {
			t.Fatalf("Values(): settle address %q (division %s) with police station %s of division %s", v["settle_address"], div.Name, st.Name, st.Division)
		}
	}
}
