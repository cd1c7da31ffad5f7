package store

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestBackupFileCreatesMissingFolder: on a new install the backups folder
// does not exist yet; the backup makes it instead of failing.
func TestBackupFileCreatesMissingFolder(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	db := openTest(t, clk)
	mustSave(t, db, newGen(t, 1).Draft(caseID(1), "371002", true))
	dest := filepath.Join(t.TempDir(), "new", "backups", "b.db")
	info, err := db.BackupFile(ctx, dest)
	if err != nil {
		t.Fatalf("BackupFile(into a missing folder) = %v", err)
	}
	fi, err := os.Stat(dest)
	if err != nil || info.Path != dest || info.Size != fi.Size() || info.Size == 0 {
		t.Fatalf("BackupFile = %+v; file %v, %v", info, fi, err)
	}
	if err := CheckBackup(dest, nil); err != nil {
		t.Errorf("CheckBackup = %v", err)
	}
	if last, err := db.LastBackup(ctx); err != nil || !last.Equal(clk.Now()) {
		t.Errorf("LastBackup = %v, %v, want %v", last, err, clk.Now())
	}
}

// TestAutoBackupKeepsNewest: the automatic backup runs when the last one is
// older than the interval and keeps only the newest N copies with their
// scans; other files in the folder stay.
func TestAutoBackupKeepsNewest(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	db := openTest(t, clk)
	mustSave(t, db, newGen(t, 1).Draft(caseID(1), "371002", true))
	if _, err := db.PutAttachment(ctx, strings.NewReader("scan")); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "auto")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(other, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	var made []string
	for i := 0; i < 5; i++ {
		info, ran, err := db.AutoBackup(ctx, dir, 24*time.Hour, 3)
		if err != nil || !ran {
			t.Fatalf("AutoBackup #%d = ran %v, %v", i, ran, err)
		}
		made = append(made, filepath.Base(info.Path))
		clk.Add(time.Hour)
		if _, ran, err := db.AutoBackup(ctx, dir, 24*time.Hour, 3); err != nil || ran {
			t.Fatalf("AutoBackup an hour after a backup: ran %v, %v; want it to wait", ran, err)
		}
		clk.Add(24 * time.Hour)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	sort.Strings(got)
	var want []string
	for _, n := range made[2:] {
		want = append(want, n, n+AttachmentsSuffix)
	}
	want = append(want, "notes.txt")
	sort.Strings(want)
	if len(got) != len(want) {
		t.Fatalf("folder after 5 backups keeping 3 = %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("folder after 5 backups keeping 3 = %v, want %v", got, want)
		}
	}
	if _, ran, _ := db.AutoBackup(ctx, dir, 0, 3); ran {
		t.Errorf("AutoBackup with interval 0 ran; want it off")
	}
}
