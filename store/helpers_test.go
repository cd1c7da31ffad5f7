package store

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/internal/citycat"
)

func testCatalogue(t testing.TB) *casework.Catalogue { return citycat.MustLoad(t) }

var testNow = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// fakeClock is a wall clock tests move by hand, also backwards.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: testNow} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var clerk = Actor{UserID: "u-clerk", Login: "clerk1", Name: "王芳", Role: RoleClerk, Office: "371002"}

func openTest(t testing.TB, clk *fakeClock) *DB {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "vetdesk.db"), clk)
}

func openAt(t testing.TB, path string, clk *fakeClock) *DB {
	t.Helper()
	opt := Options{}
	if clk != nil {
		opt.Now = clk.Now
	}
	db, err := Open(path, opt)
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.SetDevice(context.Background(), Device{Code: "HC01", Office: "371002"}); err != nil {
		t.Fatalf("SetDevice = %v", err)
	}
	return db
}

func newGen(t testing.TB, seed uint64) *casework.Generator {
	return casework.NewGenerator(testCatalogue(t), seed, testNow)
}

// caseJSON is a canonical form of a case for comparisons: empty values
// dropped, times in UTC.
func caseJSON(t testing.TB, c *casework.Case) string {
	t.Helper()
	cp := *c
	cp.Values = map[string]string{}
	for k, v := range c.Values {
		if v != "" {
			cp.Values[k] = v
		}
	}
	b, err := json.MarshalIndent(&cp, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sameCase(t testing.TB, got, want *casework.Case) {
	t.Helper()
	g, w := caseJSON(t, got), caseJSON(t, want)
	if g != w {
		t.Errorf("Case(%s) differs from saved:\n got %s\nwant %s", want.ID, g, w)
	}
	if !reflect.DeepEqual(got.Items, want.Items) || len(got.Materials) != len(want.Materials) || len(got.Tasks) != len(want.Tasks) {
		t.Errorf("Case(%s) items/materials/tasks = %v/%d/%d, want %v/%d/%d", want.ID, got.Items, len(got.Materials), len(got.Tasks),
			want.Items, len(want.Materials), len(want.Tasks))
	}
}

func mustSave(t testing.TB, db *DB, c *casework.Case) {
	t.Helper()
	if err := db.SaveCase(context.Background(), clerk, c); err != nil {
		t.Fatalf("SaveCase(%s) = %v", c.ID, err)
	}
}

func mustAccept(t testing.TB, db *DB, c *casework.Case) {
	t.Helper()
	probs, err := db.AcceptCase(context.Background(), clerk, testCatalogue(t), c)
	if err != nil {
		t.Fatalf("AcceptCase(%s) = %v (%v)", c.ID, err, probs)
	}
}

func caseID(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }
