package syncclient_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"vetdesk/casework"
	"vetdesk/hub"
	"vetdesk/internal/sealvfs"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// plainValues are the bytes that no file of a sealed data folder may hold:
// a known ID number, name and phone, the header of a plaintext SQLite
// file, and the marker of a scanned ID card (scanMarker).
var plainValues = [][]byte{[]byte("110101199003078515"), []byte("欧阳明远"), []byte("13912345678"), []byte("SQLite format 3"), scanMarker}

// scanMarker is a byte string a scanned attachment holds.
var scanMarker = []byte("SCAN-OF-ID-CARD-身份证扫描件-MARKER")

// markedScan returns a 2 MB scan holding scanMarker every few KiB.
func markedScan() []byte {
	b := make([]byte, 2<<20)
	for i := range b {
		b[i] = byte(i * 31)
	}
	for i := 0; i+len(scanMarker) <= len(b); i += 4099 {
		copy(b[i:], scanMarker)
	}
	return b
}

func newKey(t testing.TB) []byte {
	t.Helper()
	k, err := sealvfs.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// noPlaintextIn fails for every file under dir that holds one of
// plainValues, and when dir holds no file at all.
func noPlaintextIn(t testing.TB, dir string) {
	t.Helper()
	files := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("read %s: %v", p, err)
			return nil
		}
		files++
		for _, v := range plainValues {
			if bytes.Contains(raw, v) {
				t.Errorf("%s holds %q in plaintext", p, v)
			}
		}
		return nil
	})
	if files == 0 {
		t.Errorf("no file under %s", dir)
	}
}

// TestNoPlaintextAtRest guards #12's "no plaintext at rest" at the store
// and hub level: a case with known values and a scan attached to one of
// its materials is written through a sealed desk, synced to a sealed hub
// (the scan uploaded), taken by a second sealed desk from the hub's
// snapshot (sealed with a key of its own, rekeyed to the desk's), which
// fetches the scan, and backed up with it; no file of the three data
// folders holds the values, the scan's marker or a plaintext SQLite header.
func TestNoPlaintextAtRest(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{SnapshotMinCases: 5, Key: newKey(t)})
	dirA, dirB := t.TempDir(), t.TempDir()
	a := e.desk("a", deskOpt{office: office, login: "clerkA", key: newKey(t), dir: dirA})
	g := casework.NewGenerator(e.cat, 21, genNow)
	scan := markedScan()
	scanHash, err := a.db.PutAttachment(ctx, bytes.NewReader(scan))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		c := g.Draft(fmt.Sprintf("5ea10000-0000-4000-8000-%012d", i), office, true)
		if i == 0 {
			c.Values["name"], c.Values["id_number"], c.Values["phone"] = "欧阳明远", "110101199003078515", "13912345678"
			c.Values[casework.FieldSex], c.Values[casework.FieldBirthDate] = "男", "1990-03-07"
		}
		var items []string
		for _, it := range c.Items {
			if it != "register" {
				items = append(items, it)
			}
		}
		c.SetItems(e.cat, items)
		if i == 0 {
			if len(c.Materials) == 0 {
				t.Fatal("the case asks for no material")
			}
			for _, m := range c.Materials {
				m.Attachments = []string{scanHash}
				break
			}
		}
		if _, err := a.db.AcceptCase(ctx, a.actor, e.cat, c); err != nil {
			t.Fatalf("AcceptCase = %v %+v", err, casework.Validate(e.cat, c, genNow))
		}
	}
	a.sync(t)

	hc, rec := e.recordingClient()
	b := e.desk("b", deskOpt{office: office, login: "clerkB", key: newKey(t), dir: dirB, wrap: hc})
	b.sync(t)
	if got := rec.saw(syncapi.PathSnapshotFile); len(got) != 1 {
		t.Fatalf("snapshot downloads = %v, want one", got)
	}
	if got, want := dump(t, b.db, nil), dump(t, a.db, nil); got != want {
		t.Fatalf("desk started from the sealed snapshot differs:\n%s", diffLines(got, want))
	}
	if err := b.cl.FetchAttachment(ctx, scanHash); err != nil {
		t.Fatalf("FetchAttachment = %v", err)
	}
	rc, err := b.db.OpenAttachment(scanHash)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, scan) {
		t.Fatalf("scan on the second desk: %d bytes, %v; want the scan", len(got), err)
	}
	os.MkdirAll(filepath.Join(dirB, "backups"), 0o700)
	if err := b.db.Backup(ctx, filepath.Join(dirB, "backups", "b.db")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dirB, "backups", "b.db"+store.AttachmentsSuffix, scanHash[:2], scanHash)); err != nil {
		t.Errorf("the backup holds no scan: %v", err)
	}
	for _, d := range []string{e.hubDir, dirA, dirB} {
		if _, err := os.Stat(filepath.Join(d, "attachments", scanHash[:2], scanHash)); err != nil {
			t.Errorf("no scan in %s: %v", d, err)
		}
	}
	for _, dir := range []string{e.hubDir, dirA, dirB} {
		noPlaintextIn(t, dir)
	}
}
