package syncclient_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"vetdesk/casework"
	"vetdesk/hub"
	"vetdesk/store"
)

// cable is a transport that can be unplugged.
type cable struct {
	next http.RoundTripper
	down atomic.Bool
}

func (c *cable) RoundTrip(r *http.Request) (*http.Response, error) {
	if c.down.Load() {
		return nil, errors.New("cable unplugged")
	}
	return c.next.RoundTrip(r)
}

// TestOfflineLoginSignedOpsAccepted: a desk syncs its users, loses the
// hub, and a clerk logs in offline (the password unlocks their signing
// key) and accepts a case; a user created before keys logs in offline too
// (a key is made for them). Back online, the ops are pushed through the
// client, verified by the hub and taken, the earlier user's key with them.
func TestOfflineLoginSignedOpsAccepted(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{})
	// a user as an older hub made them: no key in their record
	old := store.User{ID: "u-old", Login: "oldclerk", Name: "老用户", Role: store.RoleClerk, Office: office}
	scratch, err := store.Open(t.TempDir()+"/scratch.db", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer scratch.Close()
	for _, u := range []store.User{{ID: "u-a", Login: "a", Role: store.RoleAdmin}, old} {
		if _, err := scratch.CreateUser(ctx, store.Actor{UserID: "u-a", Role: store.RoleAdmin}, u, "pw-old"); err != nil {
			t.Fatal(err)
		}
	}
	made, _, _ := scratch.OpsAfter(ctx, 0, 10)
	var userOps []store.Op
	for _, op := range made {
		if op.EntityID == old.ID {
			delete(op.Fields, "sign_pub")
			delete(op.Fields, "sign_key")
			userOps = append(userOps, op)
		}
	}
	if _, err := e.hub.Replica().ApplyRemote(ctx, userOps); err != nil {
		t.Fatal(err)
	}

	net := &cable{}
	d := e.desk("A", deskOpt{office: office, wrap: wrapInto(&net.next, net)}) // nobody logged in yet
	d.sync(t)
	net.down.Store(true)
	g := casework.NewGenerator(e.cat, 31, genNow)
	var ids []string
	for i, login := range []string{"clerkA", "oldclerk"} {
		pw := "pw-" + login
		if login == "oldclerk" {
			pw = "pw-old"
		}
		u, err := d.db.Login(ctx, login, pw)
		if err != nil {
			t.Fatalf("Login(%s) offline = %v", login, err)
		}
		c := g.Draft("0199c000-0000-7000-8000-00000000000"+string(rune('1'+i)), office, true)
		a := store.Actor{UserID: u.ID, Login: u.Login, Name: u.Name, Role: u.Role, Office: u.Office}
		if _, err := d.db.AcceptCase(ctx, a, e.cat, c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if err := d.cl.Once(ctx); err == nil {
		t.Fatal("Once() with the cable unplugged succeeded")
	}
	net.down.Store(false)
	d.sync(t)
	if st := d.cl.Status(); st.SetAside != 0 || st.Outbox != 0 {
		aside, _ := d.db.SetAsideOps(ctx)
		t.Fatalf("Status() = %+v, set aside %+v; want every op taken", st, aside)
	}
	for i, id := range ids {
		c, err := e.hub.Replica().Case(ctx, id)
		if err != nil || c.State != casework.CaseAccepted && c.State != casework.CaseInProgress {
			t.Errorf("hub case %d = %v, %v; want accepted", i, c, err)
		}
	}
	pub, _, _ := d.db.UserKey(ctx, old.ID)
	if u, err := e.hub.UserByLogin(ctx, "oldclerk"); err != nil || u.SignPub == "" || u.SignPub != pub {
		t.Errorf("hub oldclerk sign_pub = %q, %v; want the key made at the desk %q", u.SignPub, err, pub)
	}
}
