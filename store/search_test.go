package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"vetdesk/casework"
)

func TestSearch(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	db := openTest(t, clk)
	g := newGen(t, 31)
	people := []struct{ name, id, phone, office string }{
		{"王伟", "371002199001011234", "13811112222", "371002"},
		{"王伟强", "371003199202023456", "13933334444", "371003"},
		{"李娜", "37108219950303567X", "13755556666", "371002"},
		{"欧阳娜娜", "371083199804048899", "0631-7777888", "371002"}, // a landline keeps its hyphen
	}
	var cases []*casework.Case
	for i, p := range people {
		c := g.Draft(caseID(i+1), p.office, true)
		c.Values[casework.FieldName], c.Values[casework.FieldIDNumber], c.Values[casework.FieldPhone] = p.name, p.id, p.phone
		mustSave(t, db, c)
		clk.Add(time.Minute)
		cases = append(cases, c)
	}
	// accept the first and third with valid generated identities
	for _, i := range []int{0, 2} {
		c := cases[i]
		v := g.Values()
		c.Values[casework.FieldBirthDate], c.Values[casework.FieldSex] = v[casework.FieldBirthDate], v[casework.FieldSex]
		c.Values[casework.FieldIDNumber] = v[casework.FieldIDNumber]
		people[i].id = v[casework.FieldIDNumber]
		c.SetItems(testCatalogue(t), c.Items)
		for _, m := range c.Materials {
			if m.Status == casework.MaterialRequired {
				m.Status = casework.MaterialOriginal
			}
		}
		mustAccept(t, db, c)
	}
	ids := func(rs []CaseSummary) string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return strings.Join(out, ",")
	}
	day := testNow.Truncate(24 * time.Hour)
	tests := []struct {
		name string
		q    Query
		want string // names, most recently updated first
	}{
		{"two-char name", Query{Text: "王伟"}, "王伟,王伟强"},
		{"three-char name", Query{Text: "王伟强"}, "王伟强"},
		{"one char", Query{Text: "娜"}, "李娜,欧阳娜娜"},
		{"given-name bigram", Query{Text: "娜娜"}, "欧阳娜娜"},
		{"four-char name", Query{Text: "欧阳娜娜"}, "欧阳娜娜"},
		{"phone tail", Query{Text: "4444"}, "王伟强"},
		{"id fragment", Query{Text: people[3].id[6:14]}, "欧阳娜娜"},
		{"id with X, lower case", Query{Text: strings.ToLower(people[2].id[10:])}, "李娜"},
		{"case number", Query{Text: cases[2].Number}, "李娜"},
		{"case number tail", Query{Text: cases[2].Number[len(cases[2].Number)-6:]}, "李娜"},
		{"case number fragment across its parts", Query{Text: cases[2].Number[7:]}, "李娜"},
		{"case number fragment, lower case", Query{Text: strings.ToLower(cases[2].Number[12:])}, "李娜"},
		{"name and phone", Query{Text: "王伟 2222"}, "王伟"},
		{"landline with its hyphen", Query{Text: "0631-777"}, "欧阳娜娜"},
		{"no match", Query{Text: "赵"}, ""},
		{"state filter", Query{States: []casework.CaseState{casework.CaseAccepted}}, "李娜,王伟"},
		{"office filter", Query{Text: "娜", Office: "371002"}, "李娜,欧阳娜娜"},
		{"office filter 2", Query{Office: "371003"}, "王伟强"},
		{"item filter", Query{Text: "王伟", Item: cases[1].Items[0]}, "王伟,王伟强"},
		{"accepted range", Query{From: day, To: day.Add(48 * time.Hour)}, "李娜,王伟"},
		{"accepted range before", Query{To: day}, ""},
		{"paging", Query{Limit: 1, Offset: 1}, "王伟"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, total, err := db.Search(ctx, tt.q)
			if err != nil {
				t.Fatalf("Search(%+v) = %v", tt.q, err)
			}
			if got := ids(rs); got != tt.want {
				t.Errorf("Search(%q) = %s, want %s", tt.q.Text, got, tt.want)
			}
			if tt.q.Limit == 0 && total != len(rs) {
				t.Errorf("Search(%q) total = %d, want %d", tt.q.Text, total, len(rs))
			}
		})
	}
	rs, total, _ := db.Search(ctx, Query{Limit: 2})
	if total != 4 || len(rs) != 2 {
		t.Errorf("Search(limit 2) = %d rows total %d, want 2 of 4", len(rs), total)
	}
	for _, r := range rs {
		for _, p := range people {
			if r.Name == p.name && (r.MaskedID != casework.MaskID(p.id) || r.MaskedPhone != casework.MaskPhone(p.phone) || strings.Contains(r.MaskedID, p.id[6:14])) {
				t.Errorf("Search row %s = %s %s, want masked %s %s", r.Name, r.MaskedID, r.MaskedPhone, casework.MaskID(p.id), casework.MaskPhone(p.phone))
			}
		}
	}

	dups, err := db.FindDuplicates(ctx, people[0].id, "371002")
	if err != nil || len(dups) != 1 || dups[0].ID != cases[0].ID {
		t.Errorf("FindDuplicates(accepted) = %+v, %v, want case 1", dups, err)
	}
	if dups, _ := db.FindDuplicates(ctx, people[3].id, "371002"); len(dups) != 0 {
		t.Errorf("FindDuplicates(draft) = %d, want 0", len(dups))
	}
	if dups, _ := db.FindDuplicates(ctx, people[0].id, "371003"); len(dups) != 0 {
		t.Errorf("FindDuplicates(other office) = %d, want 0", len(dups))
	}
	if _, err := db.UpdateCase(ctx, clerk, cases[0].ID, func(c *casework.Case) error { return c.Withdraw("申请人撤回", clk.Now()) }); err != nil {
		t.Fatal(err)
	}
	if dups, _ := db.FindDuplicates(ctx, people[0].id, "371002"); len(dups) != 0 {
		t.Errorf("FindDuplicates(withdrawn) = %d, want 0", len(dups))
	}

	// renaming moves the case in the index
	if _, err := db.UpdateCase(ctx, clerk, cases[1].ID, func(c *casework.Case) error { c.Values[casework.FieldName] = "赵强"; return nil }); err != nil {
		t.Fatal(err)
	}
	if rs, _, _ := db.Search(ctx, Query{Text: "王伟"}); ids(rs) != "王伟" {
		t.Errorf("Search(王伟) after rename = %s, want 王伟", ids(rs))
	}
	if rs, _, _ := db.Search(ctx, Query{Text: "赵"}); ids(rs) != "赵强" {
		t.Errorf("Search(赵) after rename = %s, want 赵强", ids(rs))
	}

	tasks, err := db.Tasks(ctx, TaskQuery{States: []casework.TaskState{casework.TaskPending}})
	if err != nil || len(tasks) == 0 {
		t.Fatalf("Tasks(pending) = %d, %v, want some", len(tasks), err)
	}
	for _, tr := range tasks {
		if tr.CaseID != cases[2].ID || tr.Task.Due.IsZero() && testCatalogue(t).Item(tr.Task.Item).TaskLimit() != nil || strings.Contains(tr.MaskedID, "19950303") {
			t.Errorf("Tasks row = %+v, want pending tasks of 李娜 with due dates and masked ID", tr)
		}
	}
	dept := tasks[0].Task.Department
	if dt, _ := db.Tasks(ctx, TaskQuery{Department: dept}); len(dt) == 0 || dt[0].Task.Department != dept {
		t.Errorf("Tasks(department %s) = %+v", dept, dt)
	}
	st, err := db.Stats(ctx, "371002", clk.Now())
	if err != nil || st.AcceptedToday != 2 || st.Drafts != 1 || st.Open != 1 {
		t.Errorf("Stats(371002) = %+v, %v, want 2 accepted today (one since withdrawn), 1 draft, 1 open", st, err)
	}
	st, _ = db.Stats(ctx, "", clk.Now().AddDate(0, 3, 0))
	if st.Overdue == 0 {
		t.Errorf("Stats(three months on).Overdue = 0, want the pending tasks")
	}
}

// TestSearchDraftsOldestFirst: the drafts list can be read oldest first,
// each with who started it, and narrowed to one ID number (#19.7, #19.6).
func TestSearchDraftsOldestFirst(t *testing.T) {
	clk := newFakeClock()
	db := openTest(t, clk)
	ctx := context.Background()
	cat := testCatalogue(t)
	g := casework.NewGenerator(cat, 3, testNow)
	var ids []string
	for i := 0; i < 3; i++ {
		c := g.Draft(fmt.Sprintf("draft-%d", i), "371002", false)
		c.CreatedAt = clk.Now()
		if err := db.SaveCase(ctx, clerk, c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
		clk.Add(time.Hour)
	}
	// the oldest draft is edited last: newest-updated order puts it first
	old, _ := db.Case(ctx, ids[0])
	old.Values[casework.FieldPhone] = "13800000009"
	if err := db.SaveCase(ctx, clerk, old); err != nil {
		t.Fatal(err)
	}
	drafts := []casework.CaseState{casework.CaseDraft}
	rows, total, err := db.Search(ctx, Query{States: drafts, OldestFirst: true})
	if err != nil || total != 3 {
		t.Fatalf("Search drafts = %d %v", total, err)
	}
	for i, r := range rows {
		if r.ID != ids[i] {
			t.Errorf("oldest first: row %d is %s, want %s", i, r.ID, ids[i])
		}
		if r.CreatedBy != clerk.UserID {
			t.Errorf("row %d created by %q, want %q", i, r.CreatedBy, clerk.UserID)
		}
	}
	if rows, _, _ := db.Search(ctx, Query{States: drafts}); len(rows) == 0 || rows[0].ID != ids[0] {
		t.Errorf("default order does not put the last updated first")
	}
	rows, _, _ = db.Search(ctx, Query{IDNumber: strings.ToLower(old.Value(casework.FieldIDNumber))})
	if len(rows) != 1 || rows[0].ID != ids[0] {
		t.Errorf("by ID number: %+v", rows)
	}
}
