package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

func TestOpenCreatesAndKeepsDevice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	d1, err := db.Device(context.Background())
	if err != nil || d1.ID == "" {
		t.Fatalf("Device() = %+v, %v, want an id", d1, err)
	}
	var appID, version int
	db.sql.QueryRow(`PRAGMA application_id`).Scan(&appID)
	db.sql.QueryRow(`PRAGMA user_version`).Scan(&version)
	if appID != applicationID || version != SchemaVersion() {
		t.Errorf("application_id, user_version = %#x, %d, want %#x, %d", appID, version, applicationID, SchemaVersion())
	}
	var mode string
	db.sql.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
	var fk int
	db.sql.QueryRow(`PRAGMA foreign_keys`).Scan(&fk)
	if mode != "wal" || fk != 1 {
		t.Errorf("journal_mode, foreign_keys = %s, %d, want wal, 1", mode, fk)
	}
	db.Close()
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("reopen = %v", err)
	}
	defer db.Close()
	d2, _ := db.Device(context.Background())
	if d2.ID != d1.ID {
		t.Errorf("Device().ID after reopen = %s, want %s", d2.ID, d1.ID)
	}
}

func writeSQLite(t *testing.T, path string, stmts ...string) {
	t.Helper()
	sdb, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	for _, s := range stmts {
		if _, err := sdb.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
		want  error
	}{
		{"not sqlite", func(t *testing.T, path string) {
			os.WriteFile(path, []byte("PK\x03\x04 this is a zip, not a database"), 0o600)
		}, ErrForeignFile},
		{"other application", func(t *testing.T, path string) {
			writeSQLite(t, path, `PRAGMA application_id = 1234`, `CREATE TABLE x (a)`)
		}, ErrForeignFile},
		{"plain sqlite with tables", func(t *testing.T, path string) {
			writeSQLite(t, path, `CREATE TABLE x (a)`)
		}, ErrForeignFile},
		{"newer schema", func(t *testing.T, path string) {
			db, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			db.sql.Exec(`PRAGMA user_version = 999`)
			db.Close()
		}, ErrNewerSchema},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.db")
			tt.setup(t, path)
			before, _ := os.ReadFile(path)
			db, err := Open(path, Options{})
			if err == nil {
				db.Close()
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open(%s) = %v, want %v", tt.name, err, tt.want)
			}
			if after, _ := os.ReadFile(path); string(after) != string(before) {
				t.Errorf("Open(%s) changed the refused file", tt.name)
			}
		})
	}
}

func TestMigrateBacksUpFirst(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	db := openAt(t, path, nil)
	c := newGen(t, 1).Draft(caseID(1), "371002", true)
	mustSave(t, db, c)
	db.Close()

	base := migrationSource
	prev := SchemaVersion()
	t.Cleanup(func() { migrationSource = base })
	m := fstest.MapFS{}
	for _, mg := range migrations() {
		m["sql/migrations/"+mg.name] = &fstest.MapFile{Data: []byte(mg.sql)}
	}
	// the next number, so the sequence stays contiguous
	m[fmt.Sprintf("sql/migrations/%04d_test.sql", len(migrations())+1)] = &fstest.MapFile{Data: []byte(`CREATE TABLE extra (a INTEGER) STRICT;`)}
	migrationSource = m

	db2, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open(after new migration) = %v", err)
	}
	defer db2.Close()
	var v int
	db2.sql.QueryRow(`PRAGMA user_version`).Scan(&v)
	if want := prev + 1; v != want {
		t.Errorf("user_version = %d, want %d", v, want)
	}
	bak := fmt.Sprintf("%s.v%d.bak", path, prev)
	if err := CheckBackup(bak, nil); err != nil {
		t.Fatalf("CheckBackup(%s) = %v", bak, err)
	}
	migrationSource = base
	old, err := Open(bak, Options{})
	if err != nil {
		t.Fatalf("Open(backup) = %v", err)
	}
	defer old.Close()
	if _, err := old.Case(context.Background(), c.ID); err != nil {
		t.Errorf("backup Case(%s) = %v, want the case", c.ID, err)
	}
}

// TestFilesOwnerOnly: the store file, its WAL and a backup are readable by
// the owner only, even when the file was created world-readable.
func TestFilesOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vetdesk.db")
	os.WriteFile(path, nil, 0o644)
	db := openAt(t, path, nil)
	mustSave(t, db, newGen(t, 3).Draft(caseID(1), "371002", false))
	bak := filepath.Join(dir, "b.db")
	if err := db.Backup(context.Background(), bak); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", bak} {
		st, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if mode := st.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(p), mode)
		}
	}
}
