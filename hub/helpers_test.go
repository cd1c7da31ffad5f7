package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/internal/citycat"
	"vetdesk/store"
	"vetdesk/syncapi"
)

func testCatalogue(t testing.TB) *casework.Catalogue { return citycat.MustLoad(t) }

var genNow = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

const office = "371002"

// fixed users, the same on every test hub
var testUsers = []store.User{
	{ID: "u-admin", Login: "admin", Name: "管理员", Role: store.RoleAdmin},
	{ID: "u-clerkA", Login: "clerkA", Name: "王芳", Role: store.RoleClerk, Office: office},
	{ID: "u-clerkB", Login: "clerkB", Name: "李强", Role: store.RoleClerk, Office: office},
	{ID: "u-police", Login: "police", Name: "张警官", Role: store.RoleHandler, Department: "police", Office: office},
}

func actorOf(u store.User) store.Actor {
	return store.Actor{UserID: u.ID, Login: u.Login, Name: u.Name, Role: u.Role, Department: u.Department, Office: u.Office}
}

func newTestHub(t testing.TB, opt Options) *Hub {
	t.Helper()
	opt.Catalogue = testCatalogue(t)
	h, err := Open(t.TempDir(), opt)
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	t.Cleanup(func() { h.Close() })
	for _, u := range testUsers {
		if _, err := h.AddUser(context.Background(), u, "pw"); err != nil {
			t.Fatalf("AddUser(%s) = %v", u.Login, err)
		}
	}
	return h
}

// enrolID enrols an existing device id at h and returns its token.
func enrolID(t testing.TB, h *Hub, id, code, dept string) string {
	t.Helper()
	ctx := context.Background()
	oc, err := h.CreateEnrolCode(ctx, EnrolSpec{Station: "s-" + code, Office: office, Department: dept})
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := h.enrol(ctx, oc, id, code, code)
	if err != nil {
		t.Fatalf("enrol(%s) = %v", code, err)
	}
	return tok
}

// testDesk is a store standing in for a desktop, without a client.
type testDesk struct {
	db     *store.DB
	id     string
	actor  store.Actor
	cursor int64 // feed cursor of pull
}

func newTestDesk(t testing.TB, code string, u store.User) *testDesk {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), code+".db"), store.Options{Catalogue: testCatalogue(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	dev, _ := db.Device(ctx)
	if err := db.SetDevice(ctx, store.Device{ID: dev.ID, Code: code, Office: office}); err != nil {
		t.Fatal(err)
	}
	return &testDesk{db: db, id: dev.ID, actor: actorOf(u)}
}

func (d *testDesk) outbox(t testing.TB) []syncapi.Op {
	t.Helper()
	ops, err := d.db.Outbox(context.Background(), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]syncapi.Op, len(ops))
	for i, o := range ops {
		out[i] = toWire(o)
	}
	return out
}

// dumpCases is a canonical JSON of every case of db.
func dumpCases(t testing.TB, db *store.DB) string {
	t.Helper()
	var ids []string
	if err := db.EachCase(context.Background(), func(c *casework.Case) error { ids = append(ids, c.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	sort.Strings(ids)
	var b strings.Builder
	for _, id := range ids {
		c, err := db.Case(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(c)
		fmt.Fprintf(&b, "%s\n", js)
	}
	return b.String()
}

// reportedEarlier drops 报到 from c's items, as for a veteran who reported on
// an earlier visit: 恢复户口 (which follows 报到) is then the police's to work
// from acceptance on.
func reportedEarlier(cat *casework.Catalogue, c *casework.Case) *casework.Case {
	var items []string
	for _, it := range c.Items {
		if it != "register" {
			items = append(items, it)
		}
	}
	c.SetItems(cat, items)
	return c
}
