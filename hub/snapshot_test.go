package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/syncapi"
)

// TestKeepSnapshots: the keeper builds the snapshot of an office with
// enough cases before any desktop asks, and a request takes that one
// instead of building again; an office below the threshold gets none.
func TestKeepSnapshots(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{SnapshotMinCases: 3})
	cat := testCatalogue(t)
	g := casework.NewGenerator(cat, 4, genNow)
	var cases []*casework.Case
	for i := range 5 {
		o := office
		if i == 4 {
			o = "371003"
		}
		c := g.Draft(fmt.Sprintf("0198a000-0000-7000-8000-%012d", i), o, true)
		c.Accept(cat, fmt.Sprintf("%s-2026-KS01-%06d", o, i+1), genNow)
		cases = append(cases, c)
	}
	if err := h.db.ImportCases(ctx, actorOf(testUsers[0]), cases); err != nil {
		t.Fatal(err)
	}
	kctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { h.KeepSnapshots(kctx); close(done) }()
	var kept *snapshot
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && kept == nil; time.Sleep(20 * time.Millisecond) {
		h.snaps.mu.Lock()
		kept = h.snaps.byOffice[office]
		h.snaps.mu.Unlock()
	}
	stop()
	<-done
	if kept == nil {
		t.Fatal("keeper built no snapshot of the office in 20 s")
	}
	if kept.Man.Cases != 4 {
		t.Errorf("kept snapshot holds %d cases, want 4", kept.Man.Cases)
	}
	h.snaps.mu.Lock()
	other := h.snaps.byOffice["371003"]
	h.snaps.mu.Unlock()
	if other != nil {
		t.Error("keeper built a snapshot of an office below the threshold")
	}

	d := newTestDesk(t, "KS01", testUsers[1])
	tok := enrolID(t, h, d.id, "KS01", "")
	req := httptest.NewRequest(http.MethodGet, syncapi.PathSnapshot, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rw := httptest.NewRecorder()
	h.Handler().ServeHTTP(rw, req)
	if rw.Code != http.StatusOK {
		t.Fatalf("GET %s = %d %s", syncapi.PathSnapshot, rw.Code, rw.Body)
	}
	h.snaps.mu.Lock()
	served := h.snaps.byOffice[office]
	h.snaps.mu.Unlock()
	if served == nil || served.Man.ID != kept.Man.ID || !served.Built.Equal(kept.Built) {
		t.Error("the request built a new snapshot instead of taking the kept one")
	}
	if _, err := os.Stat(kept.path); err != nil {
		t.Errorf("kept snapshot file: %v", err)
	}
	log, _ := h.db.AuditLog(ctx, 50)
	seen := map[string]bool{}
	for _, e := range log {
		if e.UserID == "device:"+d.id {
			seen[e.Action] = true
		}
	}
	if !seen["enrol"] || !seen["snapshot"] {
		t.Errorf("hub audit of the device = %v, want its enrolment and its snapshot", seen)
	}
	if rep, err := h.db.VerifyAudit(ctx); err != nil || !rep.OK {
		t.Errorf("hub audit chain = %+v, %v", rep, err)
	}
}

// TestSnapshotScope: a department device is refused a snapshot, and a
// device cannot fetch the file of another office's snapshot by its id.
func TestSnapshotScope(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{SnapshotMinCases: 1})
	cat := testCatalogue(t)
	c := casework.NewGenerator(cat, 5, genNow).Draft("0198b000-0000-7000-8000-000000000001", "371003", true)
	c.Accept(cat, "371003-2026-KS02-000001", genNow)
	if err := h.db.ImportCases(ctx, actorOf(testUsers[0]), []*casework.Case{c}); err != nil {
		t.Fatal(err)
	}
	theirs, err := h.snapshotOf(ctx, "371003", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	get := func(tok, path string) int {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rw := httptest.NewRecorder()
		h.Handler().ServeHTTP(rw, req)
		return rw.Code
	}
	station := enrolID(t, h, newTestDesk(t, "KS03", testUsers[1]).id, "KS03", "")
	police := enrolID(t, h, newTestDesk(t, "KS04", testUsers[3]).id, "KS04", "police")
	if code := get(station, syncapi.PathSnapshotFile+theirs.Man.ID); code != http.StatusNotFound {
		t.Errorf("station of %s fetching 371003's snapshot = %d, want 404", office, code)
	}
	if code := get(police, syncapi.PathSnapshot); code != http.StatusNotFound {
		t.Errorf("department device asking for a snapshot = %d, want 404", code)
	}
	if code := get("nonsense", syncapi.PathSnapshot); code != http.StatusUnauthorized {
		t.Errorf("unknown credential asking for a snapshot = %d, want 401", code)
	}
}

// TestSnapshotsSurviveARestart: a restarted hub serves the snapshot an
// earlier run built, unless the replica's feed no longer reaches its
// sequence (a restored replica), when it is deleted.
func TestSnapshotsSurviveARestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cat := testCatalogue(t)
	h, err := Open(dir, Options{Catalogue: cat, SnapshotMinCases: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range testUsers {
		h.AddUser(ctx, u, "pw")
	}
	c := casework.NewGenerator(cat, 6, genNow).Draft("0198c000-0000-7000-8000-000000000001", office, true)
	c.Accept(cat, office+"-2026-KS05-000001", genNow)
	if err := h.db.ImportCases(ctx, actorOf(testUsers[0]), []*casework.Case{c}); err != nil {
		t.Fatal(err)
	}
	first, err := h.snapshotOf(ctx, office, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	h.Close()

	if h, err = Open(dir, Options{Catalogue: cat, SnapshotMinCases: 1}); err != nil {
		t.Fatal(err)
	}
	again, err := h.snapshotOf(ctx, office, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if again.Man.ID != first.Man.ID || again.path != first.path {
		t.Errorf("after a restart the snapshot is %s, want the earlier %s", again.Man.ID, first.Man.ID)
	}
	h.Close()

	// A record claiming a sequence the replica never reached is void.
	rec := first.path[:len(first.path)-len(".db")] + ".json"
	raw, _ := os.ReadFile(rec)
	var s snapshot
	json.Unmarshal(raw, &s)
	s.Man.High = 1 << 40
	raw, _ = json.Marshal(s)
	os.WriteFile(rec, raw, 0o600)
	if h, err = Open(dir, Options{Catalogue: cat, SnapshotMinCases: 1}); err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if h.snaps.byOffice[office] != nil {
		t.Error("a snapshot beyond the replica's feed was taken up")
	}
	if _, err := os.Stat(first.path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("void snapshot file kept: %v", err)
	}
}

// TestStaleSnapshotServedWhileKeeperRefreshes: with the keeper running, a
// request for a snapshot past its age, of an office where a case came
// since, gets the old one at once (the feed covers the rest) and the
// keeper builds a new one.
func TestStaleSnapshotServedWhileKeeperRefreshes(t *testing.T) {
	ctx := context.Background()
	clock := genNow
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	h := newTestHub(t, Options{SnapshotMinCases: 1, SnapshotMaxAge: time.Hour, Now: now})
	cat := testCatalogue(t)
	c := casework.NewGenerator(cat, 8, genNow).Draft("0198d000-0000-7000-8000-000000000001", office, true)
	c.Accept(cat, office+"-2026-KS06-000001", genNow)
	if err := h.db.ImportCases(ctx, actorOf(testUsers[0]), []*casework.Case{c}); err != nil {
		t.Fatal(err)
	}
	kctx, stop := context.WithCancel(ctx)
	kept := make(chan struct{})
	go func() { h.KeepSnapshots(kctx); close(kept) }()
	defer func() { stop(); <-kept }()
	current := func() *snapshot {
		h.snaps.mu.Lock()
		defer h.snaps.mu.Unlock()
		return h.snaps.byOffice[office]
	}
	waitFor := func(cond func() bool) bool {
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if cond() {
				return true
			}
		}
		return false
	}
	if !waitFor(func() bool { return current() != nil }) {
		t.Fatal("keeper built nothing")
	}
	old := current()
	c2 := casework.NewGenerator(cat, 9, genNow).Draft("0198d000-0000-7000-8000-000000000002", office, true)
	c2.Accept(cat, office+"-2026-KS06-000002", genNow)
	if err := h.db.ImportCases(ctx, actorOf(testUsers[0]), []*casework.Case{c2}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	clock = clock.Add(2 * time.Hour)
	mu.Unlock()
	tok := enrolID(t, h, newTestDesk(t, "KS07", testUsers[1]).id, "KS07", "")
	req := httptest.NewRequest(http.MethodGet, syncapi.PathSnapshot, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rw := httptest.NewRecorder()
	h.Handler().ServeHTTP(rw, req)
	var man syncapi.SnapshotManifest
	json.Unmarshal(rw.Body.Bytes(), &man)
	if rw.Code != http.StatusOK || man.ID != old.Man.ID {
		t.Fatalf("stale request = %d %s, want the old snapshot %s at once", rw.Code, man.ID, old.Man.ID)
	}
	if !waitFor(func() bool { s := current(); return s != nil && s.Built.After(old.Built) }) {
		t.Error("keeper did not refresh the stale snapshot after the request")
	}
}

// TestOldSnapshotKeptWhileNothingChanged: past its age a snapshot is built
// again only when an op of its office came since.
func TestOldSnapshotKeptWhileNothingChanged(t *testing.T) {
	ctx := context.Background()
	clock := genNow
	h := newTestHub(t, Options{SnapshotMinCases: 1, Now: func() time.Time { return clock }})
	cat := testCatalogue(t)
	g := casework.NewGenerator(cat, 10, genNow)
	add := func(i int) {
		c := g.Draft(fmt.Sprintf("0198e000-0000-7000-8000-%012d", i), office, true)
		c.Accept(cat, fmt.Sprintf("%s-2026-KS08-%06d", office, i+1), genNow)
		if err := h.db.ImportCases(ctx, actorOf(testUsers[0]), []*casework.Case{c}); err != nil {
			t.Fatal(err)
		}
	}
	add(0)
	first, err := h.snapshotOf(ctx, office, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(2 * time.Hour)
	again, _ := h.snapshotOf(ctx, office, time.Hour)
	if again.Man.ID != first.Man.ID || !again.Built.Equal(first.Built) {
		t.Error("an old snapshot of an office where nothing changed was built again")
	}
	add(1)
	third, _ := h.snapshotOf(ctx, office, time.Hour)
	if third.Man.Cases != 2 || third.Man.High <= first.Man.High {
		t.Errorf("after a new case the snapshot holds %d cases up to %d, want 2 cases past %d", third.Man.Cases, third.Man.High, first.Man.High)
	}
}

// TestSnapshotBuildOutlivesTheRequest: a desk that stops waiting for the
// manifest (its request cancelled, as a client's timeout does while a
// large office's first snapshot is built) does not cut the build: the
// snapshot is there for its next round.
func TestSnapshotBuildOutlivesTheRequest(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{SnapshotMinCases: 3})
	cat := testCatalogue(t)
	g := casework.NewGenerator(cat, 5, genNow)
	var cases []*casework.Case
	for i := range 4 {
		c := g.Draft(fmt.Sprintf("0198a001-0000-7000-8000-%012d", i), office, true)
		c.Accept(cat, fmt.Sprintf("%s-2026-SO01-%06d", office, i+1), genNow)
		cases = append(cases, c)
	}
	if err := h.db.ImportCases(ctx, actorOf(testUsers[0]), cases); err != nil {
		t.Fatal(err)
	}
	d := newTestDesk(t, "SO01", testUsers[1])
	tok := enrolID(t, h, d.id, "SO01", "")
	dev, err := h.deviceByToken(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	req := httptest.NewRequest(http.MethodGet, syncapi.PathSnapshot, nil).WithContext(gone)
	h.handleSnapshot(httptest.NewRecorder(), req, dev)
	h.snaps.mu.Lock()
	built := h.snaps.byOffice[office]
	h.snaps.mu.Unlock()
	if built == nil {
		t.Fatal("the cancelled request left no snapshot of the office")
	}
	if built.Man.Cases != 4 {
		t.Errorf("snapshot holds %d cases, want 4", built.Man.Cases)
	}
	if _, err := os.Stat(built.path); err != nil {
		t.Errorf("snapshot file: %v", err)
	}
}
