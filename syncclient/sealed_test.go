package syncclient_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"vetdesk/casework"
	"vetdesk/hub"
	"vetdesk/internal/sealvfs"
	"vetdesk/syncapi"
)

// plainValues are the bytes that no file of a sealed data folder may hold:
// a known ID number, name and phone, and the header of a plaintext SQLite
// file.
var plainValues = [][]byte{[]byte("110101199003078515"), []byte("欧阳明远"), []byte("13912345678"), []byte("SQLite format 3")}

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
// and hub level: a case with known values is written through a sealed desk,
// synced to a sealed hub, taken by a second sealed desk from the hub's
// snapshot (sealed with a key of its own, rekeyed to the desk's) and backed
// up; no file of the three data folders holds the values or a plaintext
// SQLite header.
func TestNoPlaintextAtRest(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{SnapshotMinCases: 5, Key: newKey(t)})
	dirA, dirB := t.TempDir(), t.TempDir()
	a := e.desk("a", deskOpt{office: office, login: "clerkA", key: newKey(t), dir: dirA})
	g := casework.NewGenerator(e.cat, 21, genNow)
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
	os.MkdirAll(filepath.Join(dirB, "backups"), 0o700)
	if err := b.db.Backup(ctx, filepath.Join(dirB, "backups", "b.db")); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{e.hubDir, dirA, dirB} {
		noPlaintextIn(t, dir)
	}
}
