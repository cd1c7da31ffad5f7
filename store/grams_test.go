package store

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"vetdesk/casework"
)

// pendingCases counts the cases whose postings wait for the merger.
func pendingCases(t testing.TB, db *DB) int {
	t.Helper()
	var n int
	if err := db.sql.QueryRow(`SELECT count(*) FROM grams_pending`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkPostings fails t unless grams holds exactly the postings caseGrams
// gives every case from its row, with pending cases allowed to miss theirs
// (a pending case's postings may be there in part: from before its last
// change) but never to hold one it no longer has.
func checkPostings(t *testing.T, db *DB) {
	t.Helper()
	type posting struct {
		gram string
		rid  int64
	}
	want, pending := map[posting]bool{}, map[int64]bool{}
	rows, err := db.sql.Query(`SELECT c.rid, c.number, c.name, c.id_number, c.phone, p.case_rid IS NOT NULL
		FROM cases c LEFT JOIN grams_pending p ON p.case_rid = c.rid`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var rid int64
		var number, name, idNum, phone string
		var isPending bool
		rows.Scan(&rid, &number, &name, &idNum, &phone, &isPending)
		pending[rid] = isPending
		for g := range caseGrams(name, idNum, phone, number) {
			want[posting{g, rid}] = true
		}
	}
	rows.Close()
	got := map[posting]bool{}
	rows, err = db.sql.Query(`SELECT gram, case_rid FROM grams`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var g string
		var rid int64
		rows.Scan(&g, &rid)
		got[posting{g, rid}] = true
		if !want[posting{g, rid}] {
			t.Errorf("posting %q of case %d is not one of its grams", g, rid)
		}
	}
	rows.Close()
	for p := range want {
		if !got[p] && !pending[p.rid] {
			t.Errorf("posting %q of case %d is missing and the case is not pending", p.gram, p.rid)
		}
	}
}

// searchIDs returns the IDs a search of text finds.
func searchIDs(t *testing.T, db *DB, text string) []string {
	t.Helper()
	rs, _, err := db.Search(context.Background(), Query{Text: text, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// TestPostingsMergedLater: a save notes its case pending instead of
// writing its postings; the search finds the case all the same; a merge
// adds exactly its postings; a change of a merged case removes the
// postings it no longer has at once and finds the case by its new values.
func TestPostingsMergedLater(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, nil)
	db.stopMerger()
	cases := searchCorpus(t, db, 40)
	if n := pendingCases(t, db); n != len(cases) {
		t.Fatalf("%d cases pending after saving %d, want all", n, len(cases))
	}
	var postings int
	db.sql.QueryRow(`SELECT count(*) FROM grams`).Scan(&postings)
	if postings != 0 {
		t.Errorf("%d postings written by the saves, want none until the merge", postings)
	}
	checkPostings(t, db)
	c := cases[7]
	name := c.Values[casework.FieldName]
	if got := searchIDs(t, db, name); !slices.Contains(got, c.ID) {
		t.Fatalf("pending: search %q = %v, want %s among them", name, got, c.ID)
	}

	if err := db.MergeGrams(ctx); err != nil {
		t.Fatal(err)
	}
	if n := pendingCases(t, db); n != 0 {
		t.Fatalf("%d cases pending after MergeGrams", n)
	}
	checkPostings(t, db)
	if got := searchIDs(t, db, name); !slices.Contains(got, c.ID) {
		t.Fatalf("merged: search %q = %v, want %s among them", name, got, c.ID)
	}

	// a merged case renamed: the old name's postings go with the save
	if _, err := db.UpdateCase(ctx, clerk, c.ID, func(k *casework.Case) error {
		k.Values[casework.FieldName] = "欧阳修远"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n := pendingCases(t, db); n != 1 {
		t.Errorf("%d cases pending after one change, want 1", n)
	}
	checkPostings(t, db)
	if got := searchIDs(t, db, "阳修"); !slices.Contains(got, c.ID) {
		t.Errorf("search of the new name = %v, want %s", got, c.ID)
	}
	if got := searchIDs(t, db, name); slices.Contains(got, c.ID) {
		t.Errorf("search of the old name %q still finds %s", name, c.ID)
	}
	// renamed again while pending
	if _, err := db.UpdateCase(ctx, clerk, c.ID, func(k *casework.Case) error {
		k.Values[casework.FieldName] = "司马光"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	checkPostings(t, db)
	if err := db.MergeGrams(ctx); err != nil {
		t.Fatal(err)
	}
	checkPostings(t, db)
	if got := searchIDs(t, db, "欧阳"); slices.Contains(got, c.ID) {
		t.Errorf("search of the name before finds %s after the merge", c.ID)
	}
	if got := searchIDs(t, db, "司马光"); len(got) != 1 || got[0] != c.ID {
		t.Errorf("search 司马光 = %v, want [%s]", got, c.ID)
	}
}

// TestPostingsMergerRuns: the background merger merges what a save left
// once the store is idle, and at the next open what a closed store left.
func TestPostingsMergerRuns(t *testing.T) {
	path := t.TempDir() + "/vetdesk.db"
	db := openAt(t, path, nil)
	db.stopMerger()
	searchCorpus(t, db, 20)
	if n := pendingCases(t, db); n == 0 {
		t.Fatal("nothing pending: the test says nothing")
	}
	db.Close()

	db = openAt(t, path, nil) // merges at open what the last run left
	defer db.Close()
	waitMerged(t, db)
	checkPostings(t, db)

	g := casework.NewGenerator(testCatalogue(t), 3, testNow)
	if err := db.SaveCase(context.Background(), clerk, g.Draft("", "371002", true)); err != nil {
		t.Fatal(err)
	}
	waitMerged(t, db) // after mergeIdle without a save
	checkPostings(t, db)
}

// waitMerged waits for the merger to leave no case pending (a liveness
// check: the bound is a minute, far beyond mergeIdle).
func waitMerged(t *testing.T, db *DB) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); pendingCases(t, db) > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d cases still pending after a minute", pendingCases(t, db))
		}
	}
}

// TestMergerCheckpointsWhenIdle: once no save has come for mergeIdle and
// the postings are merged, the merger checkpoints the WAL, so the database
// file alone, read without its WAL, holds the saved case (the next saves
// then start a new WAL and none of them runs the automatic checkpoint).
func TestMergerCheckpointsWhenIdle(t *testing.T) {
	path := t.TempDir() + "/vetdesk.db"
	db := openAt(t, path, nil)
	g := casework.NewGenerator(testCatalogue(t), 5, testNow)
	c := g.Draft("", "371002", true)
	// the schema in the database file, the save in the WAL
	if _, err := db.sql.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveCase(context.Background(), clerk, c); err != nil {
		t.Fatal(err)
	}
	// the database file alone, as a checkpoint left it
	inFile := func() bool {
		t.Helper()
		cp := t.TempDir() + "/file-only.db"
		if err := copyFile(path, cp); err != nil {
			t.Fatal(err)
		}
		sdb, err := sql.Open("sqlite3", dsn(cp, nil, false))
		if err != nil {
			t.Fatal(err)
		}
		defer sdb.Close()
		var n int
		if err := sdb.QueryRow(`SELECT count(*) FROM cases WHERE id = ?`, c.ID).Scan(&n); err != nil {
			t.Fatalf("read the database file alone: %v", err)
		}
		return n == 1
	}
	if inFile() {
		t.Fatal("the saved case is in the database file before any checkpoint: the test says nothing")
	}
	waitMerged(t, db)
	for deadline := time.Now().Add(time.Minute); !inFile(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the store is idle and merged, but its WAL is not checkpointed after a minute")
		}
	}
}
