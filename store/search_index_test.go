package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"vetdesk/casework"
)

// legacyWhere is Query.where as it was before the search drove each term
// from its rarest gram and found case-number fragments through the number
// grams (#12): all of a term's grams INTERSECTed, and a term with a hyphen
// also scanned in the numbers' index. It is the reference the new search
// must agree with.
func legacyWhere(q Query) (string, []any) {
	conds := []string{"c.state <> ''"}
	var args []any
	indexed := false
	for _, term := range strings.Fields(strings.ToUpper(q.Text)) {
		if _, err := casework.ParseCaseNumber(term); err == nil {
			conds = append(conds, "c.number = ?")
			args = append(args, term)
			continue
		}
		match := "(instr(c.name, ?) > 0 OR instr(c.id_number, ?) > 0 OR instr(c.phone, ?) > 0 OR instr(c.number, ?) > 0)"
		if grams := termGrams(term); len(grams) > 0 {
			sub := make([]string, len(grams))
			for i, g := range grams {
				sub[i] = "SELECT case_rid FROM grams WHERE gram = ?"
				args = append(args, g)
			}
			cand := strings.Join(sub, " INTERSECT ")
			if strings.Contains(term, "-") {
				cand += " UNION SELECT rid FROM cases INDEXED BY cases_number WHERE number <> '' AND instr(number, ?) > 0"
				args = append(args, term)
			}
			// the cases whose postings wait for the merger (grams.go): with
			// none pending, the search before #12
			cand += " UNION SELECT case_rid FROM grams_pending"
			conds = append(conds, "c.rid IN ("+cand+")")
			indexed = true
		}
		conds = append(conds, match)
		args = append(args, term, term, term, term)
	}
	if len(q.States) > 0 {
		ph := make([]string, len(q.States))
		for i, s := range q.States {
			ph[i] = "?"
			args = append(args, string(s))
		}
		conds = append(conds, "c.state IN ("+strings.Join(ph, ",")+")")
	}
	if q.Office != "" {
		if indexed {
			conds = append(conds, "+c.office = ?")
		} else {
			conds = append(conds, "c.office = ?")
		}
		args = append(args, q.Office)
	}
	return strings.Join(conds, " AND "), args
}

// legacySearch returns the IDs of the cases legacyWhere selects, in the
// search's order, and their count.
func legacySearch(t *testing.T, db *DB, q Query) []string {
	t.Helper()
	where, args := legacyWhere(q)
	order := ` ORDER BY c.updated_at DESC, c.rid DESC`
	if q.OldestFirst {
		order = ` ORDER BY c.created_at, c.rid`
	}
	rows, err := db.sql.Query(`SELECT c.id FROM cases c WHERE `+where+order, args...)
	if err != nil {
		t.Fatalf("legacy search %q: %v", q.Text, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// searchCorpus writes n generated cases over three offices, two in three
// accepted with numbers of devices whose codes have two to six characters
// and of two years, every seventh with a landline, and returns them.
func searchCorpus(t *testing.T, db *DB, n int) []*casework.Case {
	t.Helper()
	cat := testCatalogue(t)
	g := casework.NewGenerator(cat, 77, testNow)
	offices := []string{"371002", "371003", "371082"}
	devices := []string{"BM01", "HC", "X9Y8Z7", "A10", "20260"}
	var cases []*casework.Case
	for i := range n {
		c := g.Draft(caseID(i+1), offices[i%len(offices)], i%4 != 0)
		at := testNow.Add(-time.Duration(n-i) * time.Minute)
		if i%5 == 0 {
			at = testNow.Add(-time.Duration(n-i/2) * time.Minute) // ties and a different order than the rids
		}
		c.CreatedAt, c.UpdatedAt = at, at
		if i%7 == 0 {
			c.Values[casework.FieldPhone] = fmt.Sprintf("0631-%07d", 5200000+i*37)
		}
		if i%3 != 2 {
			num, err := casework.FormatCaseNumber(c.Office, 2025+i%2, devices[i%len(devices)], 1+i*13%997)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Accept(cat, num, at); err != nil {
				c.State = casework.CaseDraft
			}
		}
		cases = append(cases, c)
	}
	if err := db.ImportCases(context.Background(), clerk, cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

// searchTexts draws the query texts of every kind the counter types from
// the cases: names and parts of them, ID and phone fragments, case numbers
// whole and in fragments across their parts (from any position, so some
// span the office and the year), in lower case, two terms at once, and
// terms that match nothing: the fixed ones and n drawn at random.
func searchTexts(cases []*casework.Case, rng *rand.Rand, n int) []string {
	sub := func(s string, min int) string {
		if len(s) < min {
			return s
		}
		n := min + rng.IntN(len(s)-min+1)
		i := rng.IntN(len(s) - n + 1)
		return s[i : i+n]
	}
	fixed := []string{"", "王", "李", "张", "0631", "0631-52", "-000", "2025-", "6-BM", "20260-", "02-2026", "X9Y8Z7-0", "AB-12", "1-0", "赵钱孙", "99999999"}
	var texts []string
	for _, c := range cases {
		name := []rune(c.Values[casework.FieldName])
		id, phone := c.Values[casework.FieldIDNumber], c.Values[casework.FieldPhone]
		texts = append(texts, string(name), string(name[:1]), string(name[max(0, len(name)-2):]), sub(id, 4), sub(phone, 4))
		if len(id) >= 14 {
			texts = append(texts, id[6:14])
		}
		if len(phone) >= 4 {
			texts = append(texts, phone[len(phone)-4:])
		}
		if c.Number != "" {
			texts = append(texts, c.Number, c.Number[len(c.Number)-6:], sub(c.Number, 3), sub(c.Number, 6), sub(c.Number, 9),
				strings.ToLower(c.Number[12:]), c.Number[12:]+" "+string(name[:1]))
		}
	}
	rng.Shuffle(len(texts), func(i, j int) { texts[i], texts[j] = texts[j], texts[i] })
	return append(fixed, texts[:min(n, len(texts))]...)
}

// TestSearchMatchesLegacy: for every kind of query text the search returns
// the cases, in the order and with the total, of the search before #12, with
// the usual posting sizes and with every posting counted as large (so the
// numbers' scan and other gram orders are taken).
func TestSearchMatchesLegacy(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, nil)
	db.stopMerger() // the test merges the postings itself
	cases := searchCorpus(t, db, 300)
	texts := searchTexts(cases, rand.New(rand.NewPCG(5, 6)), 600)
	filters := []Query{
		{},
		{Office: "371003"},
		{States: []casework.CaseState{casework.CaseAccepted}},
		{OldestFirst: true},
	}
	for _, run := range []struct {
		merged bool
		limit  int
	}{{false, postingCap}, {true, postingCap}, {true, 3}} {
		t.Run(fmt.Sprintf("merged=%v/postingCap=%d", run.merged, run.limit), func(t *testing.T) {
			if run.merged {
				if err := db.MergeGrams(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if n := pendingCases(t, db); run.merged != (n == 0) {
				t.Fatalf("%d cases pending: the run does not test what it says", n)
			}
			defer func(c int) { postingCap = c }(postingCap)
			postingCap = run.limit
			compared, nonEmpty := 0, 0
			for i, text := range texts {
				q := filters[i%len(filters)]
				q.Text = text
				want := legacySearch(t, db, q)
				q.Limit = 1000
				rs, total, err := db.Search(ctx, q)
				if err != nil {
					t.Fatalf("Search(%q) = %v", text, err)
				}
				var got []string
				for _, r := range rs {
					got = append(got, r.ID)
				}
				if !slices.Equal(got, want) || total != len(want) {
					t.Errorf("Search(%q, %+v) = %d cases, first %v (total %d), want %d, first %v", text, q, len(got), got[:min(5, len(got))], total, len(want), want[:min(5, len(want))])
				}
				// a page further on
				q.Limit, q.Offset = 2, 1
				rs, total, err = db.Search(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				got = got[:0]
				for _, r := range rs {
					got = append(got, r.ID)
				}
				if end := min(len(want), 3); !slices.Equal(got, want[min(1, end):end]) || total != len(want) {
					t.Errorf("Search(%+v) page = %v (total %d), want %v", q, got, total, want[min(1, end):end])
				}
				// a page past the end still counts
				q.Offset = len(want) + 1
				rs, total, err = db.Search(ctx, q)
				if err != nil || len(rs) != 0 || total != len(want) {
					t.Errorf("Search(%+v) past the end = %d rows, total %d, %v, want 0, %d", q, len(rs), total, err, len(want))
				}
				compared++
				if len(want) > 0 {
					nonEmpty++
				}
			}
			if nonEmpty < compared/2 {
				t.Errorf("only %d of %d queries match anything: the comparison says little", nonEmpty, compared)
			}
		})
	}
}

// TestSearchMigrations: a store of schema 4, whose grams have no number
// grams and whose case rows do not say who started them, gets the grams of
// its cases' numbers from migration 5, the same caseGrams gives, and finds a
// number fragment across its parts; migration 6 copies each case's
// created_by from its fields into its row, which the search shows.
func TestSearchMigrations(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/v4.db"
	db := openAt(t, path, nil)
	cases := searchCorpus(t, db, 60)
	if err := db.MergeGrams(ctx); err != nil {
		t.Fatal(err)
	}
	// back to what a program of schema 4 wrote
	for _, q := range []string{`DELETE FROM grams WHERE gram LIKE '#%'`, `DROP INDEX cases_state`, `DROP TABLE grams_pending`,
		`ALTER TABLE cases DROP COLUMN created_by`, `PRAGMA user_version = 4`} {
		if _, err := db.sql.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	db = openAt(t, path, nil)
	defer db.Close()
	var version int
	db.sql.QueryRow(`PRAGMA user_version`).Scan(&version)
	if version != SchemaVersion() || version < 6 {
		t.Fatalf("user_version = %d, want %d", version, SchemaVersion())
	}
	if err := db.MergeGrams(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	rows, err := db.sql.Query(`SELECT c.id, g.gram FROM grams g JOIN cases c ON c.rid = g.case_rid`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, gram string
		rows.Scan(&id, &gram)
		got[id+" "+gram] = true
	}
	rows.Close()
	want := map[string]bool{}
	numbered := 0
	for _, c := range cases {
		cur, err := db.Case(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Number != "" {
			numbered++
		}
		for g := range caseGrams(cur.Values[casework.FieldName], strings.ToUpper(cur.Values[casework.FieldIDNumber]), cur.Values[casework.FieldPhone], cur.Number) {
			want[c.ID+" "+g] = true
		}
	}
	if numbered == 0 {
		t.Fatal("no case has a number: the test says nothing")
	}
	for k := range want {
		if !got[k] {
			t.Errorf("after the migration, gram %q is missing", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("after the migration, gram %q is extra", k)
		}
	}
	var c *casework.Case
	for _, x := range cases {
		if x.Number != "" {
			c = x
			break
		}
	}
	frag := c.Number[9:20] // the year's end, the device, the sequence's start
	rs, _, err := db.Search(ctx, Query{Text: frag})
	if err != nil || !slices.ContainsFunc(rs, func(s CaseSummary) bool { return s.ID == c.ID }) {
		t.Errorf("Search(%q) after the migration = %v, %v, want case %s", frag, rs, err, c.ID)
	}

	var rows6, filled int
	if err := db.sql.QueryRow(`SELECT count(*), count(*) FILTER (WHERE created_by = ?) FROM cases`, clerk.UserID).Scan(&rows6, &filled); err != nil {
		t.Fatal(err)
	}
	if rows6 != len(cases) || filled != len(cases) {
		t.Errorf("after the migration %d of %d case rows say who started them, want all %d", filled, rows6, len(cases))
	}
	rs, total, err := db.Search(ctx, Query{Limit: 100})
	if err != nil || total != len(cases) {
		t.Fatalf("Search(all) = %d, %v", total, err)
	}
	for _, r := range rs {
		if r.CreatedBy != clerk.UserID {
			t.Errorf("case %s created by %q after the migration, want %q", r.ID, r.CreatedBy, clerk.UserID)
		}
	}
}

// TestSearchStmtsBounded: searches of more shapes than maxSearchStmts keep
// at most that many statements prepared, and the ones past it still find
// what the old search finds.
func TestSearchStmtsBounded(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, nil)
	cases := searchCorpus(t, db, 40)
	name := []rune(cases[1].Values[casework.FieldName])
	for k := 1; k <= maxSearchStmts+16; k++ {
		q := Query{Text: strings.TrimSpace(strings.Repeat(string(name[:1])+" ", k)), Limit: 100}
		rs, total, err := db.Search(ctx, q)
		if err != nil {
			t.Fatalf("Search(%d terms) = %v", k, err)
		}
		want := legacySearch(t, db, q)
		if len(rs) != len(want) || total != len(want) || len(want) == 0 {
			t.Errorf("Search(%d terms) = %d rows, total %d, want %d (and some)", k, len(rs), total, len(want))
		}
	}
	db.smu.Lock()
	n := 0
	for k := range db.stmts {
		if strings.HasPrefix(k, searchMark) {
			n++
		}
	}
	db.smu.Unlock()
	if n != maxSearchStmts {
		t.Errorf("%d search statements prepared, want the bound %d", n, maxSearchStmts)
	}
}
