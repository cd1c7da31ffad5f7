//go:build !windows

package counter

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"vetdesk/casework"
	"vetdesk/report"
)

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestDocumentsAreOwnerOnly guards the modes of what the desk writes for
// people: a printed PDF is 0600 in a 0700 documents/ folder, and a
// documents/ folder an earlier version left 0755 with 0644 PDFs is closed
// at the next print; 另存PDF and report exports are 0600, also over the
// empty file a save dialog leaves, and a folder they make is 0700, while a
// folder the clerk chose keeps its mode.
func TestDocumentsAreOwnerOnly(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	c := r.accepted(t, 3)
	if err := os.MkdirAll(r.p.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(r.p.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(r.p.Dir, "old-receipt.pdf")
	if err := os.WriteFile(old, []byte("%PDF-1.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path, err := r.p.PrintDocument(ctx, r.a, casework.DocReceipt, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	chosen := t.TempDir() // a folder the clerk picked, e.g. on a USB drive
	if err := os.Chmod(chosen, 0o755); err != nil {
		t.Fatal(err)
	}
	dialogFile := filepath.Join(chosen, "receipt.pdf") // the save dialog made it empty, 0644
	if err := os.WriteFile(dialogFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := r.p.SaveDocumentAs(ctx, r.a, casework.DocReceipt, c.ID, dialogFile); err != nil {
		t.Fatal(err)
	}
	newDir := filepath.Join(chosen, "new", "docs")
	saved := filepath.Join(newDir, "notice.pdf")
	if err := r.p.SaveDocumentAs(ctx, r.a, casework.DocNotice, c.ID, saved); err != nil {
		t.Fatal(err)
	}
	xlsx := filepath.Join(chosen, "report.xlsx")
	if err := os.WriteFile(xlsx, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	p := report.Params{From: now.AddDate(0, -1, 0), To: now.AddDate(0, 0, 1), Today: now}
	if _, err := ExportReport(ctx, r.st, r.cat, r.a, p, xlsx); err != nil {
		t.Fatal(err)
	}
	exportDir := filepath.Join(chosen, "exports")
	exported := filepath.Join(exportDir, "r.xlsx")
	if _, err := ExportReport(ctx, r.st, r.cat, r.a, p, exported); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		what, path string
		want       os.FileMode
	}{
		{"documents folder", r.p.Dir, 0o700},
		{"printed PDF", path, 0o600},
		{"PDF an earlier version printed", old, 0o600},
		{"PDF saved over the dialog's file", dialogFile, 0o600},
		{"folder a save made", newDir, 0o700},
		{"PDF saved into it", saved, 0o600},
		{"report over the dialog's file", xlsx, 0o600},
		{"folder an export made", exportDir, 0o700},
		{"report exported into it", exported, 0o600},
		{"folder the clerk chose", chosen, 0o755},
	} {
		if got := mode(t, tt.path); got != tt.want {
			t.Errorf("%s %s: mode %#o, want %#o", tt.what, tt.path, got, tt.want)
		}
	}
}
