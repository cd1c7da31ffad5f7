package store

import (
	"context"
	"testing"

	"vetdesk/casework"
	"vetdesk/internal/opsig"
)

// signedBy reports whether op carries a signature by the key pub.
func signedBy(t testing.TB, op Op, pub string) bool {
	t.Helper()
	k, err := opsig.ParsePublic(pub)
	if err != nil {
		t.Fatalf("ParsePublic(%q) = %v", pub, err)
	}
	return k.Verify(toSig(op), op.Sig)
}

// TestLoginUnlocksSigningKey: a user made with a password has a key pair;
// after their login, offline, every op made for them carries their
// signature; ops made for a user who has not logged in carry none.
func TestLoginUnlocksSigningKey(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, newFakeClock())
	admin, err := db.CreateUser(ctx, Actor{}, User{Login: "admin", Role: RoleAdmin}, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	clerk, err := db.CreateUser(ctx, Actor{UserID: admin.ID, Role: RoleAdmin}, User{Login: "wang", Role: RoleClerk, Office: "371002"}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	pub, wrapped, err := db.UserKey(ctx, clerk.ID)
	if err != nil || pub == "" || wrapped == "" {
		t.Fatalf("UserKey = %q, %q, %v; want a key pair", pub, wrapped, err)
	}
	if _, err := db.Login(ctx, "wang", "pw"); err != nil {
		t.Fatal(err)
	}
	g := newGen(t, 1)
	c := g.Draft("01990000-0000-7000-8000-000000000001", "371002", true)
	if err := db.SaveCase(ctx, Actor{UserID: clerk.ID, Login: "wang", Role: RoleClerk}, c); err != nil {
		t.Fatal(err)
	}
	c2 := g.Draft("01990000-0000-7000-8000-000000000002", "371002", true)
	if err := db.SaveCase(ctx, Actor{UserID: admin.ID, Login: "admin", Role: RoleAdmin}, c2); err != nil {
		t.Fatal(err)
	}
	ops, err := db.Outbox(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		switch {
		case op.Entity == EntityUser:
		case op.User == clerk.ID && !signedBy(t, op, pub):
			t.Errorf("clerk's op %s %s: signature %x does not verify", op.Entity, op.EntityID, op.Sig)
		case op.User == admin.ID && op.Sig != nil:
			t.Errorf("op of the admin, not logged in, carries signature %x", op.Sig)
		}
	}
	db.Lock(clerk.ID)
	if err := db.SaveCase(ctx, Actor{UserID: clerk.ID, Login: "wang", Role: RoleClerk}, g.Draft("01990000-0000-7000-8000-000000000003", "371002", true)); err != nil {
		t.Fatal(err)
	}
	ops, _ = db.Outbox(ctx, 1000)
	if last := ops[len(ops)-1]; last.Sig != nil {
		t.Errorf("op after Lock carries signature %x", last.Sig)
	}
}

// TestEarlierUserGetsKeyAtLogin: a user created before keys has none; at
// their login a key pair is made and registered by a user op signed with
// it, and their ops made before signatures and still queued are signed.
func TestEarlierUserGetsKeyAtLogin(t *testing.T) {
	ctx := context.Background()
	src := openTest(t, newFakeClock())
	admin, _ := src.CreateUser(ctx, Actor{}, User{Login: "admin", Role: RoleAdmin}, "s3cret")
	old, err := src.CreateUser(ctx, Actor{UserID: admin.ID, Role: RoleAdmin}, User{Login: "lao", Role: RoleClerk}, "pw-old")
	if err != nil {
		t.Fatal(err)
	}
	made, _, _ := src.OpsAfter(ctx, 0, 10)
	var userOps []Op
	for _, op := range made {
		if op.EntityID == old.ID {
			delete(op.Fields, "sign_pub")
			delete(op.Fields, "sign_key")
			userOps = append(userOps, op)
		}
	}
	db := openTest(t, newFakeClock())
	if _, err := db.ApplyRemote(ctx, userOps); err != nil {
		t.Fatal(err)
	}
	c := newGen(t, 2).Draft("01990000-0000-7000-8000-000000000011", "", true)
	if err := db.SaveCase(ctx, Actor{UserID: old.ID, Login: "lao", Role: RoleClerk}, c); err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.Exec(`UPDATE outbox SET sig = x''`); err != nil { // as migration 4 marks them
		t.Fatal(err)
	}
	if _, err := db.Login(ctx, "lao", "pw-old"); err != nil {
		t.Fatalf("Login = %v", err)
	}
	pub, wrapped, _ := db.UserKey(ctx, old.ID)
	if pub == "" {
		t.Fatal("no key after login")
	}
	if _, err := opsig.Unwrap(wrapped, pub, "pw-old"); err != nil {
		t.Errorf("Unwrap(new key, password) = %v", err)
	}
	ops, _ := db.Outbox(ctx, 1000)
	sawKey := false
	for _, op := range ops {
		if !signedBy(t, op, pub) {
			t.Errorf("op %s %s: not signed by the new key", op.Entity, op.EntityID)
		}
		if op.Entity == EntityUser && op.EntityID == old.ID && op.Fields["sign_pub"] == pub {
			sawKey = true
		}
	}
	if !sawKey {
		t.Error("no user op registering the new key in the outbox")
	}
}

// TestSetPasswordKeepsOrRenewsKey: a user changing their own password
// keeps their key pair, wrapped anew; an admin's reset makes a new pair.
// Either way only the new password opens the key.
func TestSetPasswordKeepsOrRenewsKey(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, newFakeClock())
	admin, _ := db.CreateUser(ctx, Actor{}, User{Login: "admin", Role: RoleAdmin}, "s3cret")
	u, _ := db.CreateUser(ctx, Actor{UserID: admin.ID, Role: RoleAdmin}, User{Login: "wang", Role: RoleClerk}, "pw1")
	pub1, _, _ := db.UserKey(ctx, u.ID)
	if _, err := db.Login(ctx, "wang", "pw1"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetPassword(ctx, Actor{UserID: u.ID, Login: "wang", Role: RoleClerk}, u.ID, "pw2"); err != nil {
		t.Fatal(err)
	}
	pub2, w2, _ := db.UserKey(ctx, u.ID)
	if pub2 != pub1 {
		t.Errorf("own password change: key %s, want kept %s", pub2, pub1)
	}
	if _, err := opsig.Unwrap(w2, pub2, "pw1"); err == nil {
		t.Error("old password still opens the key")
	}
	if err := db.SetPassword(ctx, Actor{UserID: admin.ID, Login: "admin", Role: RoleAdmin}, u.ID, "pw3"); err != nil {
		t.Fatal(err)
	}
	pub3, w3, _ := db.UserKey(ctx, u.ID)
	if pub3 == pub2 {
		t.Error("admin reset kept the key pair, want a new one")
	}
	if _, err := opsig.Unwrap(w3, pub3, "pw3"); err != nil {
		t.Errorf("Unwrap(reset key, new password) = %v", err)
	}
	if _, err := db.Login(ctx, "wang", "pw3"); err != nil {
		t.Errorf("Login after reset = %v", err)
	}
}

// BenchmarkSaveIntakeSigned saves one new intake into a small store with
// and without the clerk's key unlocked: the difference is what signing
// its ops costs (the store's size does not change it).
func BenchmarkSaveIntakeSigned(b *testing.B) {
	for _, signed := range []bool{false, true} {
		name := "unsigned"
		if signed {
			name = "signed"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			db := openTest(b, newFakeClock())
			admin, _ := db.CreateUser(ctx, Actor{}, User{Login: "admin", Role: RoleAdmin}, "s3cret")
			u, _ := db.CreateUser(ctx, Actor{UserID: admin.ID, Role: RoleAdmin}, User{Login: "wang", Role: RoleClerk}, "pw")
			if signed {
				if _, err := db.Login(ctx, "wang", "pw"); err != nil {
					b.Fatal(err)
				}
			}
			g := newGen(b, 9)
			cases := make([]*casework.Case, b.N)
			for i := range cases {
				cases[i] = g.Draft("", "371002", true)
			}
			a := Actor{UserID: u.ID, Login: "wang", Role: RoleClerk}
			ops0, _ := db.Outbox(ctx, 1<<30)
			b.ResetTimer()
			for i := range b.N {
				if err := db.SaveCase(ctx, a, cases[i]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			ops, _ := db.Outbox(ctx, 1<<30)
			b.ReportMetric(float64(len(ops)-len(ops0))/float64(b.N), "ops/intake")
		})
	}
}
