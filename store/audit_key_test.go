package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func writeAudits(t *testing.T, db *DB, n int, prefix string) {
	t.Helper()
	for i := range n {
		if err := db.Audit(context.Background(), AuditEntry{UserID: "u1", Login: "clerk1", Action: ActionReveal,
			Target: fmt.Sprintf("%s-%d", prefix, i), Success: true}); err != nil {
			t.Fatal(err)
		}
	}
}

// forge rewrites entry seq's target and rehashes it and every later entry
// with hash (prev, entry) -> hash, as someone with the file but not the
// key would.
func forge(t *testing.T, db *DB, seq int64, target string, hash func(prev string, e AuditEntry) string) {
	t.Helper()
	ctx := context.Background()
	db.sql.Exec(`DROP TRIGGER audit_no_update`)
	entries, err := db.AuditAfter(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	prev := ""
	for _, e := range entries {
		if e.Seq == seq {
			e.Target = target
		}
		if e.Seq >= seq {
			e.Hash = hash(prev, e)
			if _, err := db.sql.Exec(`UPDATE audit SET target = ?, hash = ? WHERE seq = ?`, e.Target, e.Hash, e.Seq); err != nil {
				t.Fatal(err)
			}
		}
		prev = e.Hash
	}
}

// TestAuditForgedWithoutKey: an entry rewritten by someone without the
// desk's audit key, with the chain after it recomputed (plain SHA-256, or
// HMAC-SM3 under another key), fails verification at that entry; so does
// a plain entry appended after keyed ones.
func TestAuditForgedWithoutKey(t *testing.T) {
	ctx := context.Background()
	otherKey := make([]byte, 32)
	tests := []struct {
		name   string
		tamper func(t *testing.T, db *DB)
		bad    int64
		reason string
	}{
		{"intact", func(*testing.T, *DB) {}, 0, ""},
		{"rewritten with plain hashes", func(t *testing.T, db *DB) { forge(t, db, 3, "case-innocent", chainHash) }, 3, ReasonUnkeyed},
		{"rewritten under another key", func(t *testing.T, db *DB) {
			forge(t, db, 3, "case-innocent", func(p string, e AuditEntry) string { return keyedHash(otherKey, p, e) })
		}, 3, ReasonHashMismatch},
		{"rewritten plain, keyed-from setting removed", func(t *testing.T, db *DB) {
			db.sql.Exec(`DELETE FROM settings WHERE key = ?`, SettingAuditKeyedFrom)
			forge(t, db, 3, "case-innocent", chainHash)
		}, 3, ReasonUnkeyed},
		{"plain entry appended", func(t *testing.T, db *DB) {
			h, _ := db.AuditHead(ctx)
			e := AuditEntry{Seq: h.Seq + 1, At: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), UserID: "u1", Login: "clerk1", Action: ActionPrint, Target: "x", Success: true}
			e.Hash = chainHash(h.Hash, e)
			if _, err := db.sql.Exec(`INSERT INTO audit (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				e.Seq, formatTime(e.At), e.UserID, e.Login, e.Action, e.Target, e.Success, e.Detail, e.Hash); err != nil {
				t.Fatal(err)
			}
		}, 7, ReasonUnkeyed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t, newFakeClock())
			db.sql.Exec(`DROP TRIGGER audit_no_delete`)
			db.sql.Exec(`DELETE FROM audit`)
			db.sql.Exec(`DELETE FROM settings WHERE key IN (?, ?)`, SettingAuditKey, SettingAuditKeyedFrom)
			writeAudits(t, db, 6, "case")
			tt.tamper(t, db)
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

// TestAuditOldUnkeyedEntriesVerify: a store upgraded with a plain
// SHA-256 chain keeps verifying it; the entries written after the upgrade
// are keyed from the next sequence on, and the old ones stay protected by
// their plain chain.
func TestAuditOldUnkeyedEntriesVerify(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, newFakeClock())
	db.sql.Exec(`DROP TRIGGER audit_no_delete`)
	db.sql.Exec(`DELETE FROM audit`)
	db.sql.Exec(`DELETE FROM settings WHERE key IN (?, ?)`, SettingAuditKey, SettingAuditKeyedFrom)
	prev := ""
	for i := int64(1); i <= 3; i++ { // written by the version before keys
		e := AuditEntry{Seq: i, At: time.Date(2026, 11, 30, 9, 0, int(i), 0, time.UTC), UserID: "u1", Login: "clerk1", Action: ActionLogin, Success: true}
		e.Hash = chainHash(prev, e)
		if _, err := db.sql.Exec(`INSERT INTO audit (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Seq, formatTime(e.At), e.UserID, e.Login, e.Action, e.Target, e.Success, e.Detail, e.Hash); err != nil {
			t.Fatal(err)
		}
		prev = e.Hash
	}
	writeAudits(t, db, 3, "case")
	if rep, err := db.VerifyAudit(ctx); err != nil || !rep.OK || rep.Entries != 6 {
		t.Fatalf("VerifyAudit() = %+v, %v; want 6 entries, OK", rep, err)
	}
	if from, _ := db.Setting(ctx, SettingAuditKeyedFrom); from != "4" {
		t.Errorf("keyed from %q, want 4", from)
	}
	entries, _ := db.AuditAfter(ctx, 0, 10)
	for _, e := range entries {
		if keyed := e.Seq > 3; keyed != (len(e.Hash) > len(KeyedPrefix) && e.Hash[:len(KeyedPrefix)] == KeyedPrefix) {
			t.Errorf("entry %d hash %s: keyed %v", e.Seq, e.Hash, keyed)
		}
	}
	db.sql.Exec(`DROP TRIGGER audit_no_update`)
	db.sql.Exec(`UPDATE audit SET target = 'x' WHERE seq = 2`)
	if rep, _ := db.VerifyAudit(ctx); rep.OK || rep.FirstBad != 2 || rep.Reason != ReasonHashMismatch {
		t.Errorf("old entry edited: VerifyAudit() = %+v, want hash mismatch at 2", rep)
	}
}
