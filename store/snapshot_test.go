package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"vetdesk/casework"
)

// snapshotHub is a hub replica with cases of two offices and a user of
// each, some cases edited after acceptance.
func snapshotHub(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	hub := openTest(t, newFakeClock())
	admin := Actor{UserID: "hub-admin", Role: RoleAdmin}
	for _, u := range []User{{Login: "hubadmin", Role: RoleAdmin}, {Login: "a1", Role: RoleClerk, Office: "371002"}, {Login: "b1", Role: RoleClerk, Office: "371003"}} {
		if _, err := hub.CreateUser(ctx, admin, u, "secret-"+u.Login); err != nil {
			t.Fatalf("CreateUser(%s) = %v", u.Login, err)
		}
	}
	g := newGen(t, 7)
	for i := range 40 {
		office := "371002"
		if i%4 == 3 {
			office = "371003"
		}
		c := g.Draft(caseID(i), office, i%2 == 0)
		mustAccept(t, hub, c)
	}
	for i := 0; i < 40; i += 5 {
		if _, err := hub.UpdateCase(ctx, clerk, caseID(i), func(c *casework.Case) error {
			c.Values[casework.FieldPhone] = "1390000" + caseID(i)[32:]
			return nil
		}); err != nil {
			t.Fatalf("UpdateCase = %v", err)
		}
	}
	return hub
}

// officeSnapshot is snapshotHub and the snapshot of its office 371002.
func officeSnapshot(t *testing.T) (*DB, string) {
	t.Helper()
	hub := snapshotHub(t)
	path := filepath.Join(t.TempDir(), "snap.db")
	if _, err := hub.WriteSnapshot(context.Background(), path, "371002"); err != nil {
		t.Fatal(err)
	}
	return hub, path
}

func userOps(t *testing.T, hub *DB, high int64) []Op {
	t.Helper()
	fops, err := hub.FeedAfter(context.Background(), 0, high, 1<<20, FeedScope{Office: "371002"})
	if err != nil {
		t.Fatal(err)
	}
	var out []Op
	for _, f := range fops {
		if f.Entity == EntityUser {
			out = append(out, f.Op)
		}
	}
	return out
}

func TestSnapshotAdopt(t *testing.T) {
	ctx := context.Background()
	hub := snapshotHub(t)
	path := filepath.Join(t.TempDir(), "snap.db")
	info, err := hub.WriteSnapshot(ctx, path, "371002")
	if err != nil {
		t.Fatalf("WriteSnapshot = %v", err)
	}
	if info.Cases != 30 || info.High == 0 || info.Ops == 0 {
		t.Fatalf("WriteSnapshot = %+v, want 30 cases", info)
	}

	desk := openTest(t, newFakeClock())
	before, _ := desk.Device(ctx)
	local, err := desk.CreateUser(ctx, Actor{}, User{Login: "deskadmin", Role: RoleAdmin}, "desk-pass")
	if err != nil {
		t.Fatalf("CreateUser = %v", err)
	}
	waiting, _ := desk.Outbox(ctx, 100)
	if len(waiting) == 0 {
		t.Fatal("no local op waiting before the snapshot")
	}
	desk.SetSetting(ctx, "ui.theme", "light")
	desk.Audit(ctx, AuditEntry{UserID: local.ID, Login: local.Login, Action: "test", Target: "before", Success: true})

	var reading []string
	rows, err := desk.query(ctx, `SELECT key FROM settings`)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := desk.AdoptSnapshot(ctx, path, userOps(t, hub, info.High), map[string]string{"sync.cursor": "42"})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("AdoptSnapshot returned (%v) while a read held its rows", err)
	case <-time.After(300 * time.Millisecond):
	}
	for rows.Next() {
		var k string
		rows.Scan(&k)
		reading = append(reading, k)
	}
	rows.Close()
	if err := <-done; err != nil {
		t.Fatalf("AdoptSnapshot = %v", err)
	}
	if len(reading) == 0 {
		t.Error("the read running across the adoption saw nothing")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("snapshot file still there: %v", err)
	}

	// Every case of the office, as the hub has it; none of the other.
	n := 0
	err = desk.EachCase(ctx, func(c *casework.Case) error {
		n++
		want, err := hub.Case(ctx, c.ID)
		if err != nil {
			return err
		}
		if c.Office != "371002" {
			t.Errorf("case %s of office %s came along", c.ID, c.Office)
		}
		sameCase(t, c, want)
		return nil
	})
	if err != nil || n != 30 {
		t.Fatalf("EachCase = %d cases, %v; want 30", n, err)
	}
	hits, total, err := desk.Search(ctx, Query{Text: mustCase(t, hub, caseID(4)).Values[casework.FieldName]})
	if err != nil || total == 0 || len(hits) == 0 {
		t.Errorf("Search by name after adoption = %d hits, %v", total, err)
	}

	// The desktop's own state came through.
	if after, _ := desk.Device(ctx); after != before {
		t.Errorf("Device = %+v, want %+v", after, before)
	}
	if v, _ := desk.Setting(ctx, "ui.theme"); v != "light" {
		t.Errorf("setting ui.theme = %q", v)
	}
	if v, _ := desk.Setting(ctx, "sync.cursor"); v != "42" {
		t.Errorf("setting sync.cursor = %q, want 42", v)
	}
	still, _ := desk.Outbox(ctx, 100)
	if len(still) != len(waiting) || still[0].ID != waiting[0].ID || still[0].Fields["login"] != waiting[0].Fields["login"] {
		t.Errorf("Outbox after adoption = %d ops, want the %d waiting before", len(still), len(waiting))
	}
	if _, err := desk.Login(ctx, "deskadmin", "desk-pass"); err != nil {
		t.Errorf("Login of the desktop's own user = %v", err)
	}
	if _, err := desk.Login(ctx, "a1", "secret-a1"); err != nil {
		t.Errorf("Login of the hub's user of the office = %v", err)
	}
	if rep, err := desk.VerifyAudit(ctx); err != nil || !rep.OK || rep.Entries < 2 {
		t.Errorf("VerifyAudit = %+v, %v", rep, err)
	}
	if err := desk.IntegrityCheck(ctx); err != nil {
		t.Errorf("IntegrityCheck = %v", err)
	}
	if got, want := schemaObjects(t, desk), schemaObjects(t, openTest(t, nil)); got != want {
		t.Errorf("schema after adoption:\n%s\nwant as a fresh store:\n%s", got, want)
	}

	// The merge goes on: a later hub edit arrives by the feed and wins, a
	// local edit gets a new op after all of the snapshot's.
	if _, err := hub.UpdateCase(ctx, clerk, caseID(4), func(c *casework.Case) error {
		c.Values[casework.FieldPhone] = "13700001111"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tail, err := hub.FeedAfter(ctx, info.High, 1<<40, 1000, FeedScope{Office: "371002"})
	if err != nil || len(tail) == 0 {
		t.Fatalf("FeedAfter = %d, %v", len(tail), err)
	}
	var ops []Op
	for _, f := range tail {
		ops = append(ops, f.Op)
	}
	if res, err := desk.ApplyRemote(ctx, ops); err != nil || res.Applied != len(ops) {
		t.Fatalf("ApplyRemote after adoption = %+v, %v", res, err)
	}
	sameCase(t, mustCase(t, desk, caseID(4)), mustCase(t, hub, caseID(4)))
	if _, err := desk.UpdateCase(ctx, clerk, caseID(8), func(c *casework.Case) error {
		c.Values[casework.FieldPhone] = "13600002222"
		return nil
	}); err != nil {
		t.Fatalf("local edit after adoption = %v", err)
	}
	if got := mustCase(t, desk, caseID(8)).Values[casework.FieldPhone]; got != "13600002222" {
		t.Errorf("local edit lost: phone %q", got)
	}
}

func mustCase(t *testing.T, db *DB, id string) *casework.Case {
	t.Helper()
	c, err := db.Case(context.Background(), id)
	if err != nil {
		t.Fatalf("Case(%s) = %v", id, err)
	}
	return c
}

func TestSnapshotRefusedWhenDesktopHoldsCases(t *testing.T) {
	ctx := context.Background()
	_, path := officeSnapshot(t)
	desk := openTest(t, newFakeClock())
	mine := newGen(t, 99).Draft(caseID(900), "371002", false)
	mustSave(t, desk, mine)
	if _, err := desk.AdoptSnapshot(ctx, path, nil, map[string]string{"sync.cursor": "9"}); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("AdoptSnapshot on a desktop with a case = %v, want ErrNotEmpty", err)
	}
	n := 0
	desk.EachCase(ctx, func(*casework.Case) error { n++; return nil })
	if n != 1 {
		t.Errorf("desktop holds %d cases after the refusal, want its own 1", n)
	}
	if v, _ := desk.Setting(ctx, "sync.cursor"); v != "" {
		t.Errorf("cursor moved to %q by a refused snapshot", v)
	}
}

func TestSnapshotOfOtherSchemaRefused(t *testing.T) {
	ctx := context.Background()
	hub := snapshotHub(t)
	path := filepath.Join(t.TempDir(), "snap.db")
	if _, err := hub.WriteSnapshot(ctx, path, "371003"); err != nil {
		t.Fatal(err)
	}
	other := openAt(t, path, nil)
	other.sql.Exec(`PRAGMA user_version = 1`)
	other.Close()
	desk := openTest(t, newFakeClock())
	if _, err := desk.AdoptSnapshot(ctx, path, nil, nil); !errors.Is(err, ErrSnapshotSchema) {
		t.Fatalf("AdoptSnapshot of an older schema = %v, want ErrSnapshotSchema", err)
	}
}

// TestSnapshotBusyLeavesFileUntouched: when reads never pause, adoption
// gives up with ErrBusy before touching the snapshot file, which a later
// attempt adopts as it came.
func TestSnapshotBusyLeavesFileUntouched(t *testing.T) {
	ctx := context.Background()
	_, path := officeSnapshot(t)
	before, _ := os.ReadFile(path)
	desk := openTest(t, newFakeClock())
	saved := quiesceWait
	quiesceWait = 200 * time.Millisecond
	defer func() { quiesceWait = saved }()
	rows, err := desk.query(ctx, `SELECT key FROM settings`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.AdoptSnapshot(ctx, path, nil, nil); !errors.Is(err, ErrBusy) {
		t.Fatalf("AdoptSnapshot while a read never ends = %v, want ErrBusy", err)
	}
	rows.Close()
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatal("a busy adoption changed the snapshot file")
	}
	if _, err := desk.AdoptSnapshot(ctx, path, nil, nil); err != nil {
		t.Fatalf("AdoptSnapshot once reads pause = %v", err)
	}
	if n, _ := desk.CaseCount(ctx, "371002"); n != 30 {
		t.Errorf("desktop holds %d cases, want 30", n)
	}
}

// schemaObjects lists the tables, indexes and triggers of db.
func schemaObjects(t *testing.T, db *DB) string {
	t.Helper()
	rows, err := db.sql.Query(`SELECT type || ' ' || name FROM sqlite_schema ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out += s + "\n"
	}
	return out
}

// TestSnapshotAdoptUnderReads: screens keep reading (lists, figures, whole
// cases, nested reads inside a walk) while a snapshot is adopted; no read
// fails and the adoption completes.
func TestSnapshotAdoptUnderReads(t *testing.T) {
	ctx := context.Background()
	_, path := officeSnapshot(t)
	desk := openTest(t, newFakeClock())
	stop := make(chan struct{})
	errs := make(chan error, 100)
	var reads [4]int
	done := make(chan struct{})
	for r := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				var err error
				switch r {
				case 0:
					_, _, err = desk.Search(ctx, Query{Text: "王"})
				case 1:
					_, err = desk.Stats(ctx, "371002", testNow)
				case 2:
					err = desk.EachCase(ctx, func(c *casework.Case) error {
						_, err := desk.Case(ctx, c.ID) // a read nested in a walk
						return err
					})
				case 3:
					_, err = desk.Setting(ctx, "sync.cursor")
				}
				if err != nil {
					errs <- err
					return
				}
				reads[r]++
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	_, err := desk.AdoptSnapshot(ctx, path, nil, map[string]string{"sync.cursor": "7"})
	time.Sleep(50 * time.Millisecond)
	close(stop)
	for range 4 {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Errorf("read during adoption: %v", e)
	}
	if err != nil {
		t.Fatalf("AdoptSnapshot under reads = %v", err)
	}
	if n, _ := desk.CaseCount(ctx, "371002"); n != 30 {
		t.Errorf("desktop holds %d cases, want 30", n)
	}
	t.Logf("reads meanwhile: %v", reads)
}

// TestSnapshotCarriesOnlyItsOfficesPeers: the snapshot of 371002 names no
// device or user that appears only in another office's ops.
func TestSnapshotCarriesOnlyItsOfficesPeers(t *testing.T) {
	ctx := context.Background()
	hub := snapshotHub(t)
	// a counter of 371003 with its own clerk, whose ops reach the hub
	other := openTest(t, newFakeClock())
	dev, err := other.Device(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clerkB := Actor{UserID: "u-clerk-371003", Login: "clerkb", Name: "李强", Role: RoleClerk, Office: "371003"}
	c := newGen(t, 21).Draft("0193c000-0000-7000-8000-000000000001", "371003", true)
	if _, err := other.AcceptCase(ctx, clerkB, testCatalogue(t), c); err != nil {
		t.Fatal(err)
	}
	ops, err := other.Outbox(ctx, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hub.ApplyRemote(ctx, ops); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "snap.db")
	if _, err := hub.WriteSnapshot(ctx, path, "371002"); err != nil {
		t.Fatal(err)
	}
	snap, err := sql.Open("sqlite3", dsn(path, nil, true))
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	peers := map[string]bool{}
	rows, err := snap.Query(`SELECT name FROM peers`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		peers[n] = true
	}
	rows.Close()
	for _, n := range []string{dev.ID, clerkB.UserID} {
		if peers[n] {
			t.Errorf("snapshot of 371002 names %s, a peer of 371003 only", n)
		}
	}
	if !peers[clerk.UserID] {
		t.Errorf("snapshot of 371002 lacks %s, whose ops it holds", clerk.UserID)
	}
	var dangling int
	if err := snap.QueryRow(`SELECT count(*) FROM ops WHERE device_ref NOT IN (SELECT ref FROM peers)
		OR user_ref NOT IN (SELECT ref FROM peers)`).Scan(&dangling); err != nil || dangling != 0 {
		t.Errorf("ops naming a peer the snapshot lacks: %d, %v", dangling, err)
	}
}
