package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"testing"

	"vetdesk/casework"
)

func TestCaseRoundTrip(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	db := openTest(t, clk)
	cat := testCatalogue(t)
	c := newGen(t, 7).Draft(caseID(1), "371002", true)
	if len(c.Items) < 8 {
		t.Fatalf("Draft(all) has %d items, want a full case", len(c.Items))
	}
	c.Materials[firstKey(c.Materials)].Attachments = []string{"ab", "cd"}
	c.Materials[firstKey(c.Materials)].Note = "复印件不清晰"
	mustSave(t, db, c)
	got, err := db.Case(ctx, c.ID)
	if err != nil {
		t.Fatalf("Case(%s) = %v", c.ID, err)
	}
	sameCase(t, got, c)

	clk.Add(60e9)
	mustAccept(t, db, c)
	if c.Number != "371002-2026-HC01-000001" {
		t.Errorf("AcceptCase number = %s, want 371002-2026-HC01-000001", c.Number)
	}
	got, err = db.Case(ctx, c.ID)
	if err != nil {
		t.Fatalf("Case(%s) = %v", c.ID, err)
	}
	sameCase(t, got, c)
	byNum, err := db.CaseByNumber(ctx, c.Number)
	if err != nil || byNum.ID != c.ID {
		t.Errorf("CaseByNumber(%s) = %v, %v, want %s", c.Number, byNum, err, c.ID)
	}

	clk.Add(60e9)
	item := c.Tasks[0].Item
	upd, err := db.UpdateCase(ctx, clerk, c.ID, func(c *casework.Case) error {
		return c.CompleteTask(cat, item, map[string]string{"note": "ok"}, clk.Now())
	})
	if err != nil {
		t.Fatalf("UpdateCase(complete %s) = %v", item, err)
	}
	got, _ = db.Case(ctx, c.ID)
	sameCase(t, got, upd)
	if got.Task(item).State != casework.TaskDone {
		t.Errorf("task %s state = %s, want done", item, got.Task(item).State)
	}
	if _, err := db.Case(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Case(nope) = %v, want ErrNotFound", err)
	}
	if _, err := db.UpdateCase(ctx, clerk, "nope", func(*casework.Case) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateCase(nope) = %v, want ErrNotFound", err)
	}

	hist, err := db.History(ctx, c.ID)
	if err != nil {
		t.Fatalf("History(%s) = %v", c.ID, err)
	}
	var sawAccept, sawMasked bool
	for _, e := range hist {
		if e.Action == "accept" && e.Detail == c.Number {
			sawAccept = true
		}
		for _, ch := range e.Changes {
			if ch.Field == "v:id_number" {
				sawMasked = ch.New == casework.MaskID(c.Values["id_number"])
			}
		}
	}
	if !sawAccept || !sawMasked {
		t.Errorf("History(%s): accept event %v, masked ID %v, want both", c.ID, sawAccept, sawMasked)
	}
}

func firstKey[V any](m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys[0]
}

func TestSaveWritesOnlyChangedFields(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	db := openTest(t, clk)
	c := newGen(t, 3).Draft(caseID(2), "371002", true)
	mustSave(t, db, c)
	first, _ := db.Outbox(ctx, 1000)
	if want := 1 + len(c.Materials); len(first) != want {
		t.Errorf("ops after first save = %d, want %d (case + each material)", len(first), want)
	}
	mustSave(t, db, c)
	again, _ := db.Outbox(ctx, 1000)
	if len(again) != len(first) {
		t.Errorf("ops after unchanged save = %d, want %d", len(again), len(first))
	}
	clk.Add(1e9)
	c.Values[casework.FieldPhone] = "13912345678"
	code := firstKey(c.Materials)
	c.Materials[code].Status = casework.MaterialShared
	delete(c.Values, "post")
	mustSave(t, db, c)
	ops, _ := db.Outbox(ctx, 1000)
	newOps := ops[len(first):]
	if len(newOps) != 2 {
		t.Fatalf("ops after edit = %d, want 2: %+v", len(newOps), newOps)
	}
	tests := []struct {
		entity string
		fields map[string]string
	}{
		{EntityCase, map[string]string{"v:phone": "13912345678", "v:post": "", "updated_at": formatTime(clk.Now())}},
		{EntityMaterial, map[string]string{"status": string(casework.MaterialShared)}},
	}
	for i, tt := range tests {
		op := newOps[i]
		if op.Entity != tt.entity || len(op.Fields) != len(tt.fields) {
			t.Errorf("op %d = %s %v, want %s %v", i, op.Entity, op.Fields, tt.entity, tt.fields)
			continue
		}
		for f, v := range tt.fields {
			if op.Fields[f] != v {
				t.Errorf("op %d field %s = %q, want %q", i, f, op.Fields[f], v)
			}
		}
	}
	got, _ := db.Case(ctx, c.ID)
	if _, ok := got.Values["post"]; ok {
		t.Errorf("Case().Values[post] still set after clearing")
	}
}

func TestSequencesNeverReused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	db := openAt(t, path, nil)
	for want := 1; want <= 3; want++ {
		if n, err := db.NextSequence(ctx, "letter", 2026); n != want || err != nil {
			t.Fatalf("NextSequence(letter, 2026) = %d, %v, want %d", n, err, want)
		}
	}
	if n, _ := db.NextSequence(ctx, "letter", 2027); n != 1 {
		t.Errorf("NextSequence(letter, 2027) = %d, want 1", n)
	}
	// a failed acceptance takes no number
	bad := newGen(t, 5).Draft(caseID(9), "371002", true)
	delete(bad.Values, casework.FieldName)
	if _, err := db.AcceptCase(ctx, clerk, testCatalogue(t), bad); !errors.Is(err, casework.ErrNotValid) {
		t.Fatalf("AcceptCase(no name) = %v, want ErrNotValid", err)
	}
	if bad.State != casework.CaseDraft || bad.Number != "" {
		t.Errorf("AcceptCase(no name) left state %s number %q, want draft and none", bad.State, bad.Number)
	}
	db.Close()
	db = openAt(t, path, nil)
	if n, _ := db.NextSequence(ctx, "letter", 2026); n != 4 {
		t.Errorf("NextSequence(letter, 2026) after reopen = %d, want 4", n)
	}
	c := newGen(t, 6).Draft(caseID(10), "371002", true)
	mustAccept(t, db, c)
	if cn, _ := casework.ParseCaseNumber(c.Number); cn.Seq != 1 {
		t.Errorf("first accepted number = %s, want sequence 1", c.Number)
	}
}

func TestAcceptNeedsDeviceCode(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "n.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := newGen(t, 5).Draft(caseID(1), "371002", true)
	if _, err := db.AcceptCase(context.Background(), clerk, testCatalogue(t), c); !errors.Is(err, ErrNoDeviceCode) {
		t.Errorf("AcceptCase(no device code) = %v, want ErrNoDeviceCode", err)
	}
}

func TestImportAndEachCase(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, nil)
	g := newGen(t, 11)
	var cases []*casework.Case
	for i := range 1203 {
		cases = append(cases, g.Draft(caseID(i+1), "371002", false))
	}
	if err := db.ImportCases(ctx, clerk, cases); err != nil {
		t.Fatalf("ImportCases(1203) = %v", err)
	}
	seen := 0
	err := db.EachCase(ctx, func(c *casework.Case) error {
		if seen%400 == 0 {
			sameCase(t, c, cases[seen])
		}
		seen++
		return nil
	})
	if err != nil || seen != len(cases) {
		t.Errorf("EachCase = %d cases, %v, want %d", seen, err, len(cases))
	}
}

// TestAcceptSkipsNumbersHeld: when the store already holds a case number
// of this device beyond its sequence (a restored backup, then sync), the
// next acceptance takes the number after it.
func TestAcceptSkipsNumbersHeld(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, newFakeClock())
	g := newGen(t, 31)
	held := g.Draft(caseID(1), "371002", false)
	held.Number = fmt.Sprintf("371002-%d-HC01-000041", testNow.Year())
	held.State = casework.CaseAccepted
	if err := db.ImportCases(ctx, clerk, []*casework.Case{held}); err != nil {
		t.Fatal(err)
	}
	c := g.Draft(caseID(2), "371002", false)
	mustAccept(t, db, c)
	if want := fmt.Sprintf("371002-%d-HC01-000042", testNow.Year()); c.Number != want {
		t.Errorf("accepted as %s, want %s", c.Number, want)
	}
	if n, _ := db.NextSequence(ctx, CaseSequence, testNow.Year()); n != 43 {
		t.Errorf("sequence after = %d, want 43", n)
	}
}
