package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestUsersAndLogin(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	db := openTest(t, clk)
	if has, _ := db.HasUsers(ctx); has {
		t.Fatalf("HasUsers(new store) = true, want false")
	}
	if _, err := db.CreateUser(ctx, Actor{}, User{Login: "clerk", Role: RoleClerk}, "pw"); !errors.Is(err, ErrForbidden) {
		t.Errorf("CreateUser(first user not admin) = %v, want ErrForbidden", err)
	}
	admin, err := db.CreateUser(ctx, Actor{}, User{Login: "admin", Name: "管理员", Role: RoleAdmin, Office: "371000"}, "s3cret")
	if err != nil {
		t.Fatalf("CreateUser(first admin) = %v", err)
	}
	if has, _ := db.HasUsers(ctx); !has {
		t.Errorf("HasUsers() after first admin = false")
	}
	adminActor := Actor{UserID: admin.ID, Login: "admin", Role: RoleAdmin}
	u, err := db.CreateUser(ctx, adminActor, User{Login: "li", Name: "李娜", Role: RoleHandler, Department: "police", Office: "371002"}, "pw1")
	if err != nil {
		t.Fatalf("CreateUser(handler) = %v", err)
	}
	if _, err := db.CreateUser(ctx, Actor{UserID: u.ID, Role: RoleHandler}, User{Login: "x", Role: RoleClerk}, "pw"); !errors.Is(err, ErrForbidden) {
		t.Errorf("CreateUser(by handler) = %v, want ErrForbidden", err)
	}
	var phc string
	db.sql.QueryRow(`SELECT password FROM users WHERE id = ?`, u.ID).Scan(&phc)
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(phc, "pw1") {
		t.Errorf("stored password = %q, want an argon2id PHC string", phc)
	}

	tests := []struct {
		login, pw string
		want      error
	}{
		{"li", "pw1", nil},
		{"li", "wrong", ErrBadCredentials},
		{"nobody", "pw1", ErrBadCredentials},
	}
	for _, tt := range tests {
		got, err := db.Login(ctx, tt.login, tt.pw)
		if !errors.Is(err, tt.want) || (err == nil && got.ID != u.ID) {
			t.Errorf("Login(%s, %s) = %v, %v, want %v", tt.login, tt.pw, got.ID, err, tt.want)
		}
	}
	for i := 1; i < MaxFailures; i++ { // one failure above
		if _, err := db.Login(ctx, "li", "wrong"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("Login(wrong #%d) = %v, want ErrBadCredentials", i+1, err)
		}
	}
	if _, err := db.Login(ctx, "li", "pw1"); !errors.Is(err, ErrLocked) {
		t.Fatalf("Login(right, after %d failures) = %v, want ErrLocked", MaxFailures, err)
	}
	clk.Add(LockFor + time.Second)
	if _, err := db.Login(ctx, "li", "pw1"); err != nil {
		t.Errorf("Login(after lock expired) = %v, want success", err)
	}
	if err := db.SetPassword(ctx, adminActor, u.ID, "new"); err != nil {
		t.Fatalf("SetPassword = %v", err)
	}
	if _, err := db.Login(ctx, "li", "pw1"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("Login(old password) = %v, want ErrBadCredentials", err)
	}
	if _, err := db.Login(ctx, "li", "new"); err != nil {
		t.Errorf("Login(new password) = %v", err)
	}
	u.Disabled = true
	if err := db.UpdateUser(ctx, adminActor, u); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Login(ctx, "li", "new"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("Login(disabled) = %v, want ErrBadCredentials", err)
	}
	users, _ := db.Users(ctx)
	if len(users) != 2 || users[1].Login != "li" || !users[1].Disabled {
		t.Errorf("Users() = %+v, want admin and disabled li", users)
	}
	log, _ := db.AuditLog(ctx, 100)
	fails, oks := 0, 0
	for _, e := range log {
		if e.Action == ActionLogin && e.Success {
			oks++
		} else if e.Action == ActionLogin {
			fails++
		}
	}
	if oks != 3 || fails != 9 {
		t.Errorf("audited logins = %d ok %d failed, want 3 and 9", oks, fails)
	}
	// the password hash replicates: another device can log the user in offline
	ops, _, _ := db.OpsAfter(ctx, 0, 1000)
	other := openTest(t, newFakeClock())
	if _, err := other.ApplyRemote(ctx, ops); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Login(ctx, "admin", "s3cret"); err != nil {
		t.Errorf("Login(on another device after sync) = %v", err)
	}
}

func TestAuditChain(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		tamper []string
		bad    int64
		reason string
	}{
		{"intact", nil, 0, ""},
		{"edited", []string{`UPDATE audit SET target = 'case-x' WHERE seq = 3`}, 3, "hash mismatch"},
		{"deleted", []string{`DELETE FROM audit WHERE seq = 4`}, 4, "missing"},
		{"edited and rehashed alone", []string{`UPDATE audit SET success = 1, hash = 'k1:ff' WHERE seq = 2`}, 2, "hash mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t, newFakeClock())
			mustSave(t, db, newGen(t, 1).Draft(caseID(1), "371002", false))
			for i := range 6 {
				e := AuditEntry{UserID: "u1", Login: "clerk1", Action: ActionPrint, Target: caseID(i), Success: i%2 == 0, Detail: "receipt"}
				if err := db.Audit(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.sql.Exec(`UPDATE audit SET detail = 'x'`); err == nil {
				t.Fatalf("UPDATE audit succeeded, want the trigger to refuse")
			}
			if _, err := db.sql.Exec(`DELETE FROM audit`); err == nil {
				t.Fatalf("DELETE FROM audit succeeded, want the trigger to refuse")
			}
			if _, err := db.sql.Exec(`UPDATE ops SET fields = '{}'`); err == nil {
				t.Fatalf("UPDATE ops succeeded, want the trigger to refuse")
			}
			if _, err := db.sql.Exec(`DELETE FROM ops`); err == nil {
				t.Fatalf("DELETE FROM ops succeeded, want the trigger to refuse")
			}
			if len(tt.tamper) > 0 { // someone with the file drops the triggers
				db.sql.Exec(`DROP TRIGGER audit_no_update`)
				db.sql.Exec(`DROP TRIGGER audit_no_delete`)
			}
			for _, s := range tt.tamper {
				if _, err := db.sql.Exec(s); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := db.VerifyAudit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK != (tt.bad == 0) || rep.FirstBad != tt.bad || rep.Reason != tt.reason {
				t.Errorf("VerifyAudit() = %+v, want first bad %d (%s)", rep, tt.bad, tt.reason)
			}
		})
	}
}

func TestRevealAudited(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, newFakeClock())
	c := newGen(t, 9).Draft(caseID(1), "371002", false)
	mustSave(t, db, c)
	v, err := db.RevealValue(ctx, clerk, c.ID, "id_number")
	if err != nil || v != c.Values["id_number"] {
		t.Fatalf("RevealValue(id_number) = %s, %v, want %s", v, err, c.Values["id_number"])
	}
	log, _ := db.AuditLog(ctx, 1)
	if len(log) != 1 || log[0].Action != ActionReveal || log[0].Target != c.ID+"/id_number" || log[0].UserID != clerk.UserID {
		t.Errorf("AuditLog after reveal = %+v, want a reveal entry", log)
	}
}
