package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/internal/citycat"
	"vetdesk/internal/opsig"
	"vetdesk/internal/opwire"
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
	if _, err := h.db.ApplyRemote(context.Background(), testUserOps(t)); err != nil {
		t.Fatalf("users: %v", err)
	}
	return h
}

// usersOnce holds the user ops of testUsers (password "pw"), made once so
// that every test hub has the same users with the same signing keys.
var usersOnce struct {
	sync.Once
	db  *store.DB
	ops []store.Op
	err error
}

func testUserOps(t testing.TB) []store.Op {
	t.Helper()
	usersOnce.Do(func() {
		ctx := context.Background()
		dir, err := os.MkdirTemp("", "vetdesk-users")
		if err != nil {
			usersOnce.err = err
			return
		}
		// stamped long before any test clock, so pulling them moves no desk's clock
		early := func() time.Time { return time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC) }
		db, err := store.Open(filepath.Join(dir, "users.db"), store.Options{Now: early})
		if err != nil {
			usersOnce.err = err
			return
		}
		usersOnce.db = db
		for _, u := range testUsers {
			if _, err := db.CreateUser(ctx, hubActor, u, "pw"); err != nil {
				usersOnce.err = err
				return
			}
		}
		usersOnce.ops, _, usersOnce.err = db.OpsAfter(ctx, 0, 1000)
	})
	if usersOnce.err != nil {
		t.Fatalf("test users: %v", usersOnce.err)
	}
	return usersOnce.ops
}

// unlock unlocks the key of the desk's user as src holds it (password
// "pw"), so the desk signs its ops.
func (d *testDesk) unlock(t testing.TB, src *store.DB) {
	t.Helper()
	ctx := context.Background()
	pub, wrapped, err := src.UserKey(ctx, d.actor.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.db.Unlock(d.actor.UserID, pub, wrapped, "pw"); err != nil {
		t.Fatalf("Unlock(%s) = %v", d.actor.Login, err)
	}
	if d.key, err = opsig.Unwrap(wrapped, pub, "pw"); err != nil {
		t.Fatal(err)
	}
	d.unlocked = true
}

// signed returns op signed by the desk's user, for ops a test makes by
// hand.
func (d *testDesk) signed(t testing.TB, op syncapi.Op) syncapi.Op {
	t.Helper()
	sig, err := d.key.Sign(opwire.ToSig(op))
	if err != nil {
		t.Fatal(err)
	}
	op.Sig = sig
	return op
}

// testDesks finds a desk by device id, for enrolID.
var testDesks sync.Map

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
	if d, ok := testDesks.Load(id); ok && !d.(*testDesk).unlocked {
		d.(*testDesk).unlock(t, h.db) // its user logs in
	}
	return tok
}

// testDesk is a store standing in for a desktop, without a client.
type testDesk struct {
	db       *store.DB
	id       string
	actor    store.Actor
	cursor   int64 // feed cursor of pull
	unlocked bool  // its user's key is unlocked
	key      *opsig.Key
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
	d := &testDesk{db: db, id: dev.ID, actor: actorOf(u)}
	testDesks.Store(d.id, d)
	return d
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
