package counter

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"vetdesk/casework"
	"vetdesk/store"
)

// TestFindPrintsMaskedMatches guards `vetdesk find`: a case is found by its
// number, a fragment of the number across its parts, its name, an ID
// fragment and its phone's ending; each match is one line starting with the
// case number; the ID number and phone are masked as in the window; -n
// keeps the first N; a clerk sees only their office; and every lookup is
// audited with its query and counts.
func TestFindPrintsMaskedMatches(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	admin := store.Actor{UserID: "u0", Login: "admin", Role: "admin", Office: "371002"}
	var cases []*casework.Case
	for i, office := range []string{"371002", "371002", "371003"} {
		c := casework.NewGenerator(r.cat, uint64(40+i), now).Draft(fmt.Sprintf("c-find-%d", i), office, true)
		if _, err := r.st.AcceptCase(ctx, admin, r.cat, c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	c := cases[0]
	name, id, phone := c.Value(casework.FieldName), c.Value(casework.FieldIDNumber), c.Value(casework.FieldPhone)
	find := func(a store.Actor, query string, limit int) (lines []string, shown, total int) {
		t.Helper()
		var out bytes.Buffer
		shown, total, err := Find(ctx, r.st, a, query, limit, &out)
		if err != nil {
			t.Fatalf("Find(%q, %d) = %v", query, limit, err)
		}
		if s := out.String(); s != "" {
			lines = strings.Split(strings.TrimSuffix(s, "\n"), "\n")
		}
		if len(lines) != shown {
			t.Errorf("Find(%q): %d lines, said %d", query, len(lines), shown)
		}
		return lines, shown, total
	}
	wide := func(s string) string { // as typed in the IME's full-width mode
		return strings.Map(func(r rune) rune {
			if r >= '!' && r <= '~' {
				return r + 0xFEE0
			}
			return r
		}, s)
	}
	for _, q := range []string{c.Number, c.Number[7:], strings.ToLower(c.Number[12:]), name, id[6:14], phone[len(phone)-4:],
		wide(id), "+86 " + phone, wide(c.Number[7:])} {
		lines, _, _ := find(admin, q, 0)
		var line string
		for _, l := range lines {
			if strings.HasPrefix(l, c.Number+"\t") {
				line = l
			}
		}
		if line == "" {
			t.Errorf("Find(%q) = %q, want a line starting with %s", q, lines, c.Number)
			continue
		}
		want := strings.Join([]string{c.Number, name, casework.MaskID(id), casework.MaskPhone(phone), "accepted"}, "\t")
		if !strings.HasPrefix(line, want+"\t") {
			t.Errorf("Find(%q) line = %q, want it to start %q", q, line, want)
		}
		for _, l := range lines {
			if strings.Contains(l, id) || strings.Contains(l, phone) {
				t.Errorf("Find(%q) line %q holds a full ID number or phone", q, l)
			}
		}
	}

	year := fmt.Sprintf("-%d-", now.Year()) // in every case number, in no name, ID or phone
	if lines, shown, total := find(admin, year, 0); shown != 3 || total != 3 {
		t.Errorf("admin Find(%q) = %d of %d lines %q, want all 3", year, shown, total, lines)
	}
	if lines, shown, total := find(admin, year, 2); shown != 2 || total != 3 {
		t.Errorf("admin Find(%q, -n 2) = %d of %d %q, want 2 of 3", year, shown, total, lines)
	}
	lines, shown, total := find(r.a, year, 0)
	if shown != 2 || total != 2 {
		t.Errorf("clerk of 371002 Find(%q) = %d of %d %q, want the office's 2", year, shown, total, lines)
	}
	for _, l := range lines {
		if strings.HasPrefix(l, cases[2].Number) {
			t.Errorf("clerk of 371002 sees %q of office 371003", l)
		}
	}

	log, err := r.st.AuditLog(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range log {
		if e.Action == ActionFind {
			got = append(got, e.Login+" "+e.Target+" "+e.Detail)
		}
	}
	want := r.a.Login + " " + year + " matches=2 shown=2 office=371002"
	if len(got) != 12 || !strings.Contains(strings.Join(got, "\n"), want) {
		t.Errorf("find audit entries = %q, want 12 with %q", got, want)
	}
	if _, _, err := Find(ctx, r.st, admin, "  ", 0, &bytes.Buffer{}); err == nil {
		t.Error("Find(blank query) succeeded")
	}
}
