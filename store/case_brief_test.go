package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"vetdesk/casework"
)

func TestParseStoredTime(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC),
		time.Date(1999, 1, 2, 23, 59, 59, 123456789, time.UTC),
		time.Date(2026, 2, 28, 0, 0, 0, 1, time.FixedZone("CST", 8*3600)),
	} {
		s := formatTime(tm)
		got, ok := parseStoredTime(s)
		if !ok || !got.Equal(tm) {
			t.Errorf("parseStoredTime(%q) = %v %v, want %v", s, got, ok, tm)
		}
		if !parseTime(s).Equal(tm) {
			t.Errorf("parseTime(%q) = %v, want %v", s, parseTime(s), tm)
		}
	}
	for _, bad := range []string{"", "2026-11-20", "2026-13-20T09:30:00.000000000Z", "2026-11-20T09:30:00.00000000xZ"} {
		if _, ok := parseStoredTime(bad); ok {
			t.Errorf("parseStoredTime(%q) accepted", bad)
		}
	}
	if got := parseTime("2026-11-20T09:30:00+08:00"); !got.Equal(time.Date(2026, 11, 20, 1, 30, 0, 0, time.UTC)) {
		t.Errorf("parseTime(RFC 3339 with zone) = %v", got)
	}
}

// TestEachCaseBrief: the brief cases carry the same number, state, office,
// items, dates, tasks and chosen values as the full ones, and drafts are
// left out.
func TestEachCaseBrief(t *testing.T) {
	db := openTest(t, nil)
	g := newGen(t, 21)
	cat := testCatalogue(t)
	ctx := context.Background()
	for i := 1; i <= 30; i++ {
		c := g.Draft(caseID(i), "371002", i%2 == 0)
		if i%5 == 0 {
			mustSave(t, db, c) // stays a draft
			continue
		}
		mustAccept(t, db, c)
		if i%3 == 0 {
			if _, err := db.UpdateCase(ctx, clerk, c.ID, func(c *casework.Case) error {
				return c.StartTask(cat, c.Tasks[0].Item, testNow.Add(time.Hour))
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	fields := []string{casework.FieldName, casework.FieldIDNumber, casework.FieldPlacement}
	full := map[string]*casework.Case{}
	if err := db.EachCase(ctx, func(c *casework.Case) error {
		if c.State != casework.CaseDraft {
			full[c.ID] = c
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := db.EachCaseBrief(ctx, fields, func(b *casework.Case) error {
		n++
		f := full[b.ID]
		if f == nil {
			t.Fatalf("EachCaseBrief gave %s, a draft or unknown case", b.ID)
		}
		if b.Number != f.Number || b.State != f.State || b.Office != f.Office || !b.AcceptedAt.Equal(f.AcceptedAt) || fmt.Sprint(b.Items) != fmt.Sprint(f.Items) {
			t.Errorf("brief %s = %s %s %s %v, want %s %s %s %v", b.ID, b.Number, b.State, b.Office, b.Items, f.Number, f.State, f.Office, f.Items)
		}
		if len(b.Values) != len(fields) {
			t.Errorf("brief %s values = %v, want only %v", b.ID, b.Values, fields)
		}
		for _, k := range fields {
			if b.Values[k] != f.Values[k] {
				t.Errorf("brief %s %s = %q, want %q", b.ID, k, b.Values[k], f.Values[k])
			}
		}
		if len(b.Tasks) != len(f.Tasks) {
			t.Fatalf("brief %s has %d tasks, want %d", b.ID, len(b.Tasks), len(f.Tasks))
		}
		for i := range b.Tasks {
			bt, ft := b.Tasks[i], f.Tasks[i]
			if bt.Item != ft.Item || bt.State != ft.State || bt.Department != ft.Department || !bt.Due.Equal(ft.Due) || !bt.Started.Equal(ft.Started) {
				t.Errorf("brief %s task %d = %+v, want %+v", b.ID, i, bt, ft)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != len(full) || n != 24 {
		t.Errorf("EachCaseBrief gave %d cases, want %d (30 less 6 drafts)", n, len(full))
	}
	stop := errors.New("stop")
	if err := db.EachCaseBrief(ctx, fields, func(*casework.Case) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("EachCaseBrief(fn fails) = %v, want fn's error", err)
	}
}
