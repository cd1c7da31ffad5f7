package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "live.db")
	db := openAt(t, path, newFakeClock())
	c1 := newGen(t, 1).Draft(caseID(1), "371002", true)
	mustSave(t, db, c1)
	bak := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, bak); err != nil {
		t.Fatalf("Backup = %v", err)
	}
	c2 := newGen(t, 2).Draft(caseID(2), "371002", true)
	mustSave(t, db, c2)
	db.Close()

	if err := Restore(bak, path, nil); err != nil {
		t.Fatalf("Restore = %v", err)
	}
	db = openAt(t, path, newFakeClock())
	if got, err := db.Case(ctx, c1.ID); err != nil {
		t.Errorf("Case(before backup) after restore = %v", err)
	} else {
		sameCase(t, got, c1)
	}
	if _, err := db.Case(ctx, c2.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Case(after backup) after restore = %v, want ErrNotFound", err)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Errorf("IntegrityCheck after restore = %v", err)
	}
	db.Close()

	tests := []struct {
		name  string
		bytes []byte
		want  error
	}{
		{"not a database", []byte("hello"), ErrForeignFile},
		{"truncated", nil, ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := filepath.Join(dir, "bad-"+tt.name)
			data := tt.bytes
			if data == nil {
				full, _ := os.ReadFile(bak)
				data = full[:len(full)*2/3]
			}
			os.WriteFile(bad, data, 0o600)
			before, _ := os.ReadFile(path)
			err := Restore(bad, path, nil)
			if err == nil {
				t.Fatalf("Restore(%s) = nil, want an error", tt.name)
			}
			if !errors.Is(err, tt.want) && !strings.Contains(err.Error(), "malformed") {
				t.Errorf("Restore(%s) = %v, want %v", tt.name, err, tt.want)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Errorf("Restore(%s) touched the live file", tt.name)
			}
		})
	}
}

func TestAttachments(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, nil)
	content := bytes.Repeat([]byte("scan of 退役证 "), 1000)
	h1, err := db.PutAttachment(ctx, bytes.NewReader(content))
	if err != nil || len(h1) != 64 {
		t.Fatalf("PutAttachment = %q, %v", h1, err)
	}
	h2, err := db.PutAttachment(ctx, bytes.NewReader(content))
	if err != nil || h2 != h1 {
		t.Errorf("PutAttachment(same) = %s, %v, want %s", h2, err, h1)
	}
	if !db.HasAttachment(h1) || db.HasAttachment(strings.Repeat("0", 64)) || db.HasAttachment("../../etc/passwd") {
		t.Errorf("HasAttachment answers wrong")
	}
	r, err := db.OpenAttachment(h1)
	if err != nil {
		t.Fatalf("OpenAttachment = %v", err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(got, content) {
		t.Errorf("OpenAttachment content differs")
	}
	if _, err := db.OpenAttachment(strings.Repeat("a", 64)); !errors.Is(err, ErrNotFound) {
		t.Errorf("OpenAttachment(missing) = %v, want ErrNotFound", err)
	}
	entries, _ := os.ReadDir(db.files)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".put-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// TestBackupCarriesAttachments: the scans go into the folder beside the
// backup, a second backup there copies only new ones, a restore into a data
// folder that lost them brings them back, and a damaged scan in the backup
// fails the restore before anything changes.
func TestBackupCarriesAttachments(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "data", "vetdesk.db")
	db := openAt(t, path, newFakeClock())
	scan := bytes.Repeat([]byte("退役证扫描件"), 1000)
	hash, err := db.PutAttachment(ctx, bytes.NewReader(scan))
	if err != nil {
		t.Fatal(err)
	}
	bak := filepath.Join(dir, "backups", "b.db")
	os.MkdirAll(filepath.Dir(bak), 0o700)
	if err := db.Backup(ctx, bak); err != nil {
		t.Fatalf("Backup = %v", err)
	}
	copied := filepath.Join(bak+AttachmentsSuffix, hash[:2], hash)
	st1, err := os.Stat(copied)
	if err != nil {
		t.Fatalf("attachment not in the backup: %v", err)
	}
	second, _ := db.PutAttachment(ctx, strings.NewReader("第二份扫描件"))
	if err := db.Backup(ctx, bak); err != nil {
		t.Fatalf("Backup again = %v", err)
	}
	if st2, _ := os.Stat(copied); !st2.ModTime().Equal(st1.ModTime()) {
		t.Error("the second backup copied an attachment the folder already held")
	}
	if _, err := os.Stat(filepath.Join(bak+AttachmentsSuffix, second[:2], second)); err != nil {
		t.Errorf("new attachment not in the second backup: %v", err)
	}
	db.Close()

	os.RemoveAll(filepath.Join(dir, "data", "attachments")) // the disk lost them
	if err := Restore(bak, path, nil); err != nil {
		t.Fatalf("Restore = %v", err)
	}
	db = openAt(t, path, newFakeClock())
	r, err := db.OpenAttachment(hash)
	if err != nil {
		t.Fatalf("attachment after restore: %v", err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(got, scan) {
		t.Error("restored attachment differs")
	}
	db.Close()

	os.WriteFile(filepath.Join(bak+AttachmentsSuffix, second[:2], second), []byte("damaged"), 0o600)
	os.RemoveAll(filepath.Join(dir, "data", "attachments"))
	if err := Restore(bak, path, nil); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Restore with a damaged scan = %v, want ErrCorrupt", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "attachments")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a refused restore copied attachments")
	}
}

// TestBackupLeavesTheHubCredentialOut: the backup file holds no byte of
// the hub token; a restore over the same device's store keeps its token,
// a restore into another machine's data folder has none.
func TestBackupLeavesTheHubCredentialOut(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "live.db")
	db := openAt(t, path, newFakeClock())
	const token = "tok-Zq8uR2vXb5LmN7pQ1sT4wY6a"
	if err := db.SetSetting(ctx, SettingHubToken, token); err != nil {
		t.Fatal(err)
	}
	if err := db.SetSetting(ctx, "sync.hub_url", "https://hub.example:8443"); err != nil {
		t.Fatal(err)
	}
	mustSave(t, db, newGen(t, 1).Draft(caseID(1), "371002", true))
	bak := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, bak); err != nil {
		t.Fatalf("Backup = %v", err)
	}
	db.Close()
	raw, err := os.ReadFile(bak)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(token)) {
		t.Fatalf("the backup file holds the hub token")
	}

	check := func(name, path, wantToken string) {
		t.Helper()
		db := openAt(t, path, newFakeClock())
		defer db.Close()
		tok, _ := db.Setting(ctx, SettingHubToken)
		url, _ := db.Setting(ctx, "sync.hub_url")
		if tok != wantToken || url == "" {
			t.Errorf("%s: token %q, hub url %q; want token %q and the hub url kept", name, tok, url, wantToken)
		}
	}
	if err := Restore(bak, path, nil); err != nil {
		t.Fatalf("Restore(same device) = %v", err)
	}
	check("restored over the same device's store", path, token)

	// another machine: its own fresh store, or none at all
	elsewhere := filepath.Join(t.TempDir(), "vetdesk.db")
	fresh := openAt(t, elsewhere, newFakeClock())
	fresh.SetSetting(ctx, SettingHubToken, "tok-of-the-other-machine")
	fresh.Close()
	if err := Restore(bak, elsewhere, nil); err != nil {
		t.Fatalf("Restore(another machine) = %v", err)
	}
	check("restored on another machine", elsewhere, "")
	empty := filepath.Join(t.TempDir(), "vetdesk.db")
	if err := Restore(bak, empty, nil); err != nil {
		t.Fatalf("Restore(empty folder) = %v", err)
	}
	check("restored into an empty folder", empty, "")
}

// TestRestoreIntoANewFolder: a backup restores onto a new PC, whose data
// folder (here with Chinese characters and a space) does not exist yet.
func TestRestoreIntoANewFolder(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openAt(t, filepath.Join(dir, "live.db"), newFakeClock())
	c1 := newGen(t, 1).Draft(caseID(1), "371002", true)
	mustSave(t, db, c1)
	bak := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, bak); err != nil {
		t.Fatalf("Backup = %v", err)
	}
	db.Close()
	path := filepath.Join(dir, "新 电脑", "数据", "vetdesk.db")
	if err := Restore(bak, path, nil); err != nil {
		t.Fatalf("Restore into a folder that does not exist = %v", err)
	}
	db = openAt(t, path, newFakeClock())
	defer db.Close()
	if got, err := db.Case(ctx, c1.ID); err != nil {
		t.Errorf("Case after restore = %v", err)
	} else {
		sameCase(t, got, c1)
	}
}
