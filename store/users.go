package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/argon2"
)

// Roles.
const (
	RoleClerk      = "clerk"
	RoleHandler    = "handler" // department handler; User.Department says which
	RoleSupervisor = "supervisor"
	RoleAdmin      = "admin"
)

// User is a person who logs in, scoped to an org unit (Office).
type User struct {
	ID, Login, Name, Role, Department, Office string
	Disabled                                  bool
	// SignPub is the public half of the user's signing key (sign.go); ""
	// for a user created before keys who has not logged in since.
	SignPub string
}

// Lock-out: after MaxFailures failed logins in a row a user is locked for
// LockFor.
const (
	MaxFailures = 5
	LockFor     = 15 * time.Minute
)

// argon2id parameters (RFC 9106 second recommendation, lighter memory).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
)

// hashPassword returns a PHC string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (base64 without padding).
func hashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkPassword verifies password against a PHC string made by
// hashPassword (with whatever parameters it names).
func checkPassword(phc, password string) bool {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

var validRoles = map[string]bool{RoleClerk: true, RoleHandler: true, RoleSupervisor: true, RoleAdmin: true}

// HasUsers reports whether any user exists; when none does, the first run
// creates the admin.
func (db *DB) HasUsers(ctx context.Context) (bool, error) {
	var n int
	if err := db.queryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return false, fmt.Errorf("has users: %w", err)
	}
	return n > 0, nil
}

// CreateUser adds a user with password. Only an admin may, except for the
// very first user, who must be an admin. Audited.
func (db *DB) CreateUser(ctx context.Context, a Actor, u User, password string) (User, error) {
	if !validRoles[u.Role] || u.Login == "" || password == "" {
		return User{}, fmt.Errorf("create user %q: role %q, empty login or password: %w", u.Login, u.Role, ErrBadOp)
	}
	has, err := db.HasUsers(ctx)
	if err != nil {
		return User{}, err
	}
	switch {
	case !has && u.Role != RoleAdmin:
		return User{}, fmt.Errorf("create user %q: the first user must be an admin (role %q given): add an admin first (--role admin), then the other users: %w", u.Login, u.Role, ErrForbidden)
	case has && a.Role != RoleAdmin:
		return User{}, fmt.Errorf("create user %q as %q: only an admin adds users: %w", u.Login, a.Role, ErrForbidden)
	}
	phc, err := hashPassword(password)
	if err != nil {
		return User{}, fmt.Errorf("create user %q: %w", u.Login, err)
	}
	if u.ID == "" {
		u.ID = uuid.NewString()
	}
	err = db.write(ctx, func(w *wtx) error {
		var n int
		if err := w.queryRow(`SELECT count(*) FROM users WHERE login = ? AND disabled = 0`, u.Login).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("create user %q: login taken: %w", u.Login, ErrBadOp)
		}
		fields := userFields(u)
		fields["password"] = phc
		_, kf, err := keyFields(password)
		if err != nil {
			return err
		}
		maps.Copy(fields, kf)
		op, err := w.newLocal(a.UserID, EntityUser, "", u.ID, fields)
		if err != nil {
			return err
		}
		if _, err := w.apply([]Op{op}, true); err != nil {
			return err
		}
		return w.audit(AuditEntry{UserID: a.UserID, Login: a.Login, Action: ActionUserCreate, Target: u.ID, Success: true, Detail: u.Login + " " + u.Role})
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

func userFields(u User) map[string]string {
	d := ""
	if u.Disabled {
		d = "1"
	}
	return map[string]string{"login": u.Login, "name": u.Name, "role": u.Role, "department": u.Department, "office": u.Office, "disabled": d}
}

// UpdateUser changes a user's login, name, role, department, office or
// disabled flag (admins only; audited). The password is kept. The op holds
// only the fields that change, so a move or a disabling travels alone.
func (db *DB) UpdateUser(ctx context.Context, a Actor, u User) error {
	if a.Role != RoleAdmin {
		return fmt.Errorf("update user %s as %q: only an admin changes users: %w", u.ID, a.Role, ErrForbidden)
	}
	if !validRoles[u.Role] {
		return fmt.Errorf("update user %s: role %q: %w", u.ID, u.Role, ErrBadOp)
	}
	return db.write(ctx, func(w *wtx) error {
		var old User
		err := w.queryRow(`SELECT id, login, name, role, department, office, disabled FROM users WHERE id = ?`, u.ID).
			Scan(&old.ID, &old.Login, &old.Name, &old.Role, &old.Department, &old.Office, &old.Disabled)
		if err != nil {
			return fmt.Errorf("update user %s: %w", u.ID, notFound(err))
		}
		before, after := userFields(old), userFields(u)
		changed := map[string]string{}
		for k, v := range after {
			if before[k] != v {
				changed[k] = v
			}
		}
		if len(changed) == 0 {
			return nil
		}
		op, err := w.newLocal(a.UserID, EntityUser, "", u.ID, changed)
		if err != nil {
			return err
		}
		if _, err := w.apply([]Op{op}, true); err != nil {
			return err
		}
		return w.audit(AuditEntry{UserID: a.UserID, Login: a.Login, Action: ActionUserUpdate, Target: u.ID, Success: true})
	})
}

// Users lists every user by login.
func (db *DB) Users(ctx context.Context) ([]User, error) {
	rows, err := db.query(ctx, `SELECT id, login, name, role, department, office, disabled, sign_pub FROM users WHERE login <> ''
		ORDER BY login, id`)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		if err := rows.Scan(&u.ID, &u.Login, &u.Name, &u.Role, &u.Department, &u.Office, &u.Disabled, &u.SignPub); err != nil {
			return nil, fmt.Errorf("users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetPassword sets a user's password: an admin for anyone, a user for
// themself. It also lifts a lock-out. Audited. The user's signing key is
// wrapped again under the new password when this store holds it unlocked
// (the user changing their own); otherwise (an admin's reset) the user
// gets a new key pair, and ops signed with the old one and not yet on the
// hub are refused there.
func (db *DB) SetPassword(ctx context.Context, a Actor, userID, password string) error {
	if a.Role != RoleAdmin && a.UserID != userID {
		return fmt.Errorf("set password %s as %q: only an admin sets another user's password (anyone may set their own): %w", userID, a.Role, ErrForbidden)
	}
	if password == "" {
		return fmt.Errorf("set password %s: empty: %w", userID, ErrBadOp)
	}
	phc, err := hashPassword(password)
	if err != nil {
		return fmt.Errorf("set password %s: %w", userID, err)
	}
	fields := map[string]string{"password": phc}
	db.kmu.Lock()
	k := db.signers[userID]
	db.kmu.Unlock()
	if k != nil && a.UserID == userID {
		wrapped, err := k.Wrap(password)
		if err != nil {
			return fmt.Errorf("set password %s: %w", userID, err)
		}
		fields["sign_pub"], fields["sign_key"] = k.Public(), wrapped
	} else {
		_, kf, err := keyFields(password)
		if err != nil {
			return fmt.Errorf("set password %s: %w", userID, err)
		}
		maps.Copy(fields, kf)
	}
	return db.write(ctx, func(w *wtx) error {
		if err := w.queryRow(`SELECT id FROM users WHERE id = ?`, userID).Scan(new(string)); err != nil {
			return fmt.Errorf("set password %s: %w", userID, notFound(err))
		}
		op, err := w.newLocal(a.UserID, EntityUser, "", userID, fields)
		if err != nil {
			return err
		}
		if _, err := w.apply([]Op{op}, true); err != nil {
			return err
		}
		if _, err := w.exec(`DELETE FROM login_failures WHERE user_id = ?`, userID); err != nil {
			return err
		}
		return w.audit(AuditEntry{UserID: a.UserID, Login: a.Login, Action: ActionSetPassword, Target: userID, Success: true})
	})
}

// dummyPHC is checked against when the login is unknown, so that an
// unknown login takes as long as a wrong password.
var dummyPHC, _ = hashPassword("vetdesk-no-such-user")

// Login checks a password, offline, against the synced hash. After
// MaxFailures failures in a row the user is locked for LockFor
// (ErrLocked); a wrong login or password is ErrBadCredentials. Every
// attempt is audited.
func (db *DB) Login(ctx context.Context, login, password string) (User, error) {
	var u User
	var phc string
	err := db.queryRow(ctx, `SELECT id, login, name, role, department, office, disabled, password FROM users
		WHERE login = ? AND login <> '' ORDER BY disabled, id LIMIT 1`, login).
		Scan(&u.ID, &u.Login, &u.Name, &u.Role, &u.Department, &u.Office, &u.Disabled, &phc)
	if errors.Is(err, sql.ErrNoRows) {
		checkPassword(dummyPHC, password)
		return User{}, db.loginFailed(ctx, "", login, "unknown login", ErrBadCredentials)
	} else if err != nil {
		return User{}, fmt.Errorf("login %q: %w", login, err)
	}
	now := db.now()
	var failures int
	var lockedUntil string
	err = db.queryRow(ctx, `SELECT failures, locked_until FROM login_failures WHERE user_id = ?`, u.ID).Scan(&failures, &lockedUntil)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("login %q: %w", login, err)
	}
	if lockedUntil != "" && now.Before(parseTime(lockedUntil)) {
		return User{}, db.loginFailed(ctx, u.ID, login, "locked", ErrLocked)
	}
	if u.Disabled {
		return User{}, db.loginFailed(ctx, u.ID, login, "disabled", ErrBadCredentials)
	}
	if dev, err := db.Device(ctx); err == nil && !db.userAtOffice(u, dev.Office) {
		return User{}, db.loginFailed(ctx, u.ID, login, "office "+u.Office, ErrBadCredentials)
	}
	if !checkPassword(phc, password) {
		return User{}, db.loginFailed(ctx, u.ID, login, "bad password", ErrBadCredentials)
	}
	if err := db.unlockAtLogin(ctx, u, password); err != nil {
		return User{}, fmt.Errorf("login %q: %w", login, err)
	}
	err = db.write(ctx, func(w *wtx) error {
		if _, err := w.exec(`DELETE FROM login_failures WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		return w.audit(AuditEntry{UserID: u.ID, Login: login, Action: ActionLogin, Target: u.ID, Success: true})
	})
	if err != nil {
		return User{}, fmt.Errorf("login %q: %w", login, err)
	}
	return u, nil
}

// userAtOffice reports whether u may work at a device of office: admins
// and city-level users anywhere, others at their own office or a division
// under it (the hub's rule for pushes, so a user moved to another office
// can no longer log in where they were once the move has synced).
func (db *DB) userAtOffice(u User, office string) bool {
	if u.Role == RoleAdmin || u.Office == "" || office == "" || u.Office == office {
		return true
	}
	if db.cat != nil {
		if div := db.cat.Division(office); div != nil && div.Parent == u.Office {
			return true
		}
	}
	return false
}

// loginFailed counts a failure (locking the user at MaxFailures), audits
// it and returns kind wrapped.
func (db *DB) loginFailed(ctx context.Context, userID, login, why string, kind error) error {
	err := db.write(ctx, func(w *wtx) error {
		if userID != "" && kind != ErrLocked {
			lock := formatTime(db.now().Add(LockFor))
			_, err := w.exec(`INSERT INTO login_failures (user_id, failures, locked_until) VALUES (?1, 1, '')
				ON CONFLICT (user_id) DO UPDATE SET failures = failures + 1,
				locked_until = CASE WHEN failures + 1 >= ?2 THEN ?3 ELSE '' END`, userID, MaxFailures, lock)
			if err != nil {
				return err
			}
			var n int
			if err := w.queryRow(`SELECT failures FROM login_failures WHERE user_id = ?`, userID).Scan(&n); err != nil {
				return err
			}
			if n >= MaxFailures {
				if _, err := w.exec(`UPDATE login_failures SET failures = 0 WHERE user_id = ?`, userID); err != nil {
					return err
				}
				why += ", now locked"
			}
		}
		return w.audit(AuditEntry{UserID: userID, Login: login, Action: ActionLogin, Target: userID, Success: false, Detail: why})
	})
	if err != nil {
		return fmt.Errorf("login %q: %w", login, err)
	}
	return fmt.Errorf("login %q: %w", login, kind)
}

// refreshUser rebuilds the users row of id from its fields.
func (w *wtx) refreshUser(id string) error {
	rows, err := w.query(`SELECT field, value FROM fields WHERE case_rid = 0 AND entity = 'user' AND key = ?`, id)
	if err != nil {
		return fmt.Errorf("refresh user %s: %w", id, err)
	}
	f := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return fmt.Errorf("refresh user %s: %w", id, err)
		}
		f[k] = v
	}
	rows.Close()
	_, err = w.exec(`INSERT INTO users (id, login, name, role, department, office, disabled, password, sign_pub) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET login = excluded.login, name = excluded.name, role = excluded.role,
		department = excluded.department, office = excluded.office, disabled = excluded.disabled, password = excluded.password,
		sign_pub = excluded.sign_pub`,
		id, f["login"], f["name"], f["role"], f["department"], f["office"], f["disabled"] == "1", f["password"], f["sign_pub"])
	if err != nil {
		return fmt.Errorf("refresh user %s: %w", id, err)
	}
	return nil
}
