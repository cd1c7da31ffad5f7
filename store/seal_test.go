package store

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"

	"vetdesk/casework"
	"vetdesk/internal/sealvfs"
)

func testKey(t testing.TB) []byte {
	t.Helper()
	k, err := sealvfs.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// knownCase is a case with values whose bytes a test looks for in files.
func knownCase(t testing.TB, id string) *casework.Case {
	t.Helper()
	c := newGen(t, 3).Draft(id, "371002", true)
	c.Values["name"] = "欧阳明远"
	c.Values["id_number"] = "110101199003078515"
	c.Values["phone"] = "13912345678"
	return c
}

// plainBytes are the byte strings no sealed file may hold.
var plainBytes = [][]byte{[]byte("SQLite format 3"), []byte("110101199003078515"), []byte("欧阳明远"), []byte("13912345678")}

// assertNoPlaintext fails for every file under dir holding one of plainBytes.
func assertNoPlaintext(t testing.TB, dir string) {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("read %s: %v", p, err)
			return nil
		}
		n++
		for _, b := range plainBytes {
			if bytes.Contains(raw, b) {
				t.Errorf("%s holds %q in plaintext", p, b)
			}
		}
		return nil
	})
	if n == 0 {
		t.Errorf("no file under %s", dir)
	}
}

func openKeyed(t testing.TB, path string, key []byte) *DB {
	t.Helper()
	db, err := Open(path, Options{Key: key})
	if err != nil {
		t.Fatalf("Open(%s, key) = %v", path, err)
	}
	return db
}

// TestSealedStoreOpensOnlyWithItsKey guards Options.Key: a store created
// with a key holds no plaintext (neither its values nor the SQLite header),
// opens again with its key, and fails with ErrWrongKey with another key;
// without a key it is not taken for a plaintext store.
func TestSealedStoreOpensOnlyWithItsKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "vetdesk.db")
	key := testKey(t)
	db := openKeyed(t, path, key)
	db.SetDevice(ctx, Device{Code: "SK01", Office: "371002"})
	c := knownCase(t, caseID(1))
	mustSave(t, db, c)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	assertNoPlaintext(t, dir)
	if sealed, err := IsSealed(path); err != nil || !sealed {
		t.Errorf("IsSealed = %v, %v; want true", sealed, err)
	}

	db = openKeyed(t, path, key)
	got, err := db.Case(ctx, c.ID)
	if err != nil || got.Values["id_number"] != "110101199003078515" {
		t.Errorf("Case after reopen = %v, %v", got, err)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
	db.Close()

	if _, err := Open(path, Options{Key: testKey(t)}); !errors.Is(err, ErrWrongKey) {
		t.Errorf("Open(another key) = %v, want ErrWrongKey", err)
	}
	if _, err := Open(path, Options{}); err == nil {
		t.Error("Open(no key) of a sealed store = nil, want an error")
	}
	if _, err := Open(path, Options{Key: key[:16]}); !errors.Is(err, ErrBadKey) {
		t.Errorf("Open(16-byte key) = %v, want ErrBadKey", err)
	}
}

// TestSealedStoreDetectsAFlippedByte guards the page checksums a new
// sealed store is created with: one flipped byte inside a page fails the
// read of that page, it is not read as other data.
func TestSealedStoreDetectsAFlippedByte(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vetdesk.db")
	key := testKey(t)
	db := openKeyed(t, path, key)
	db.SetDevice(ctx, Device{Code: "SK01", Office: "371002"})
	g := newGen(t, 5)
	for i := range 40 {
		mustSave(t, db, g.Draft(caseID(i+1), "371002", true))
	}
	db.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	flipAndCheck(t, path, key, raw)
}

// TestSealedFromPlaintextDetectsAFlippedByte: a store sealed at its first
// start under this version (its copy written by VACUUM INTO with the page
// checksums' reserve asked of the plaintext source) has page checksums
// too.
func TestSealedFromPlaintextDetectsAFlippedByte(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vetdesk.db")
	writePlainStore(t, path, 40)
	key := testKey(t)
	openKeyed(t, path, key).Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	flipAndCheck(t, path, key, raw)
}

// flipAndCheck flips a bit in the middle of raw, the sealed store at path,
// and expects opening, checking or reading it all to fail.
func flipAndCheck(t *testing.T, path string, key, raw []byte) {
	t.Helper()
	ctx := context.Background()
	raw[len(raw)/2+100] ^= 0x01
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := Open(path, Options{Key: key})
	if err == nil {
		err = db.IntegrityCheck(ctx)
		if err == nil {
			_, _, err = db.Search(ctx, Query{Text: "", Limit: 1000})
		}
		db.Close()
	}
	if err == nil {
		t.Fatal("a sealed store with a flipped byte opened and checked clean")
	}
}

// writePlainStore writes a plaintext store with n cases, as the previous
// version (modernc.org/sqlite) left it: both drivers are SQLite 3 and
// write the same file format, so a file made with this driver without a
// key is such a store.
func writePlainStore(t testing.TB, path string, n int) map[string]string {
	t.Helper()
	ctx := context.Background()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.SetDevice(ctx, Device{Code: "PL01", Office: "371002"})
	g := newGen(t, 11)
	want := map[string]string{}
	for i := range n {
		c := g.Draft(caseID(i+1), "371002", true)
		if i == 0 {
			c = knownCase(t, caseID(1))
		}
		mustSave(t, db, c)
		want[c.ID] = c.Values["id_number"]
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return want
}

func checkCases(t testing.TB, db *DB, want map[string]string) {
	t.Helper()
	ctx := context.Background()
	for id, idn := range want {
		c, err := db.Case(ctx, id)
		if err != nil || c.Values["id_number"] != idn {
			t.Fatalf("case %s = %v, %v; want id number %s", id, c, err, idn)
		}
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestOpenWithKeySealsAPlaintextStore guards the migration of a store of
// the previous version: Open with a key seals it in place (Seal), keeps
// every case, and leaves no plaintext file and no temp or old file.
func TestOpenWithKeySealsAPlaintextStore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vetdesk.db")
	want := writePlainStore(t, path, 30)
	if sealed, err := IsSealed(path); err != nil || sealed {
		t.Fatalf("IsSealed(plaintext) = %v, %v", sealed, err)
	}
	key := testKey(t)
	db := openKeyed(t, path, key)
	checkCases(t, db, want)
	db.Close()
	assertNoPlaintext(t, dir)
	for _, left := range []string{sealTmp, sealOld} {
		if exists(path + left) {
			t.Errorf("%s left beside the store", left)
		}
	}
	if err := Seal(path, key); err != nil { // sealed already: nothing to do
		t.Errorf("Seal(sealed store) = %v", err)
	}
}

// TestMigrationBackupOfAPlaintextStoreIsSealed: a plaintext store of an
// earlier schema opened without a key (as the desk checks a clerk's
// password in it before sealing it) migrates and leaves a plaintext
// backup of the old schema beside it; the Open with the key that seals
// the store seals that backup too, and it still opens, with the key.
func TestMigrationBackupOfAPlaintextStoreIsSealed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vetdesk.db")
	want := writePlainStore(t, path, 10)
	prev := SchemaVersion()
	base := migrationSource
	t.Cleanup(func() { migrationSource = base })
	m := fstest.MapFS{}
	for _, mg := range migrations() {
		m["sql/migrations/"+mg.name] = &fstest.MapFile{Data: []byte(mg.sql)}
	}
	m[fmt.Sprintf("sql/migrations/%04d_test.sql", prev+1)] = &fstest.MapFile{Data: []byte(`CREATE TABLE extra (a INTEGER) STRICT;`)}
	migrationSource = m

	plain, err := Open(path, Options{}) // migrates: a plaintext backup
	if err != nil {
		t.Fatal(err)
	}
	plain.Close()
	bak := fmt.Sprintf("%s.v%d.bak", path, prev)
	if sealed, err := IsSealed(bak); err != nil || sealed {
		t.Fatalf("IsSealed(%s) = %v, %v before the keyed open: the test says nothing", bak, sealed, err)
	}
	key := testKey(t)
	db := openKeyed(t, path, key)
	checkCases(t, db, want)
	db.Close()
	assertNoPlaintext(t, dir)
	migrationSource = base
	old := openKeyed(t, bak, key)
	defer old.Close()
	checkCases(t, old, want)
}

// TestRekeySwapsTheKey guards Rekey: afterwards the store opens with the
// new key only and holds the same cases; the open store goes on working.
func TestRekeySwapsTheKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "vetdesk.db")
	want := writePlainStore(t, path, 20)
	oldKey, newKey := testKey(t), testKey(t)
	db := openKeyed(t, path, oldKey)
	if err := db.Rekey(ctx, newKey); err != nil {
		t.Fatalf("Rekey = %v", err)
	}
	checkCases(t, db, want)
	c := knownCase(t, caseID(99))
	mustSave(t, db, c) // after the swap
	want[c.ID] = c.Values["id_number"]
	db.Close()
	if _, err := Open(path, Options{Key: oldKey}); !errors.Is(err, ErrWrongKey) {
		t.Errorf("Open(old key) after Rekey = %v, want ErrWrongKey", err)
	}
	db = openKeyed(t, path, newKey)
	checkCases(t, db, want)
	db.Close()
	assertNoPlaintext(t, dir)
	if exists(path+rekeyTmp) || exists(path+rekeyOld) {
		t.Error("Rekey left its temp or old file")
	}
}

// TestSealedBackupAndSnapshot guards backups and snapshots of a sealed
// store: both are sealed under the store's key (no plaintext), a backup
// checks and restores only with that key, and a snapshot is adopted by a
// store with that key.
func TestSealedBackupAndSnapshot(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key := testKey(t)
	db := openKeyed(t, filepath.Join(dir, "desk", "vetdesk.db"), key)
	defer db.Close()
	db.SetDevice(ctx, Device{Code: "SB01", Office: "371002"})
	c := knownCase(t, caseID(1))
	mustSave(t, db, c)
	bak := filepath.Join(dir, "backups", "b.db")
	os.MkdirAll(filepath.Dir(bak), 0o700)
	if err := db.Backup(ctx, bak); err != nil {
		t.Fatal(err)
	}
	if err := CheckBackup(bak, key); err != nil {
		t.Errorf("CheckBackup(key) = %v", err)
	}
	if err := CheckBackup(bak, testKey(t)); !errors.Is(err, ErrWrongKey) {
		t.Errorf("CheckBackup(another key) = %v, want ErrWrongKey", err)
	}
	restored := filepath.Join(dir, "restored", "vetdesk.db")
	if err := Restore(bak, restored, key); err != nil {
		t.Fatalf("Restore(key) = %v", err)
	}
	if err := Restore(bak, filepath.Join(dir, "r2", "vetdesk.db"), testKey(t)); !errors.Is(err, ErrWrongKey) {
		t.Errorf("Restore(another key) = %v, want ErrWrongKey", err)
	}
	snap := filepath.Join(dir, "snap", "s.db")
	os.MkdirAll(filepath.Dir(snap), 0o700)
	if _, err := db.WriteSnapshot(ctx, snap, "371002"); err != nil {
		t.Fatalf("WriteSnapshot = %v", err)
	}
	empty := openKeyed(t, filepath.Join(dir, "desk2", "vetdesk.db"), key)
	defer empty.Close()
	if _, err := empty.AdoptSnapshot(ctx, snap, nil, nil); err != nil {
		t.Fatalf("AdoptSnapshot = %v", err)
	}
	if got, err := empty.Case(ctx, c.ID); err != nil || got.Values["phone"] != "13912345678" {
		t.Errorf("adopted case = %v, %v", got, err)
	}
	// a snapshot sealed with a key of its own (the hub's), adopted by a
	// store with another key: rekeyed in place to the store's key
	for i, snapKey := range [][]byte{testKey(t), nil} {
		snap := filepath.Join(dir, "snap", fmt.Sprintf("own%d.db", i))
		if _, err := db.WriteSnapshotKey(ctx, snap, "371002", snapKey); err != nil {
			t.Fatalf("WriteSnapshotKey = %v", err)
		}
		other := openKeyed(t, filepath.Join(dir, fmt.Sprintf("desk-other%d", i), "vetdesk.db"), testKey(t))
		if _, err := other.AdoptSnapshotSealed(ctx, snap, snapKey, nil, nil); err != nil {
			t.Fatalf("AdoptSnapshotSealed(key %d) = %v", i, err)
		}
		if got, err := other.Case(ctx, c.ID); err != nil || got.Values["phone"] != "13912345678" {
			t.Errorf("adopted case = %v, %v", got, err)
		}
		if r := reserveBytes(t, other); r != 8 {
			t.Errorf("store adopted from snapshot %d has %d reserved bytes a page, want 8 (page checksums)", i, r)
		}
		other.Close()
		os.Remove(snap)
	}
	db.Close()
	empty.Close()
	assertNoPlaintext(t, dir)
}

// TestRecoverSwapFindsTheWholeStore guards what Open does with what a Seal
// or Rekey cut short left: each state of the swap gives back the whole
// store, old or new, and no leftover.
func TestRecoverSwapFindsTheWholeStore(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files []string // beside "s.db": "" is s.db itself; contents are their names
		want  string   // what s.db holds afterwards
	}{
		{"temp copy only", []string{"", sealTmp}, ""},
		{"old moved aside", []string{sealOld, sealTmp}, sealOld},
		{"new in place", []string{"", sealOld}, ""},
		{"rekey old moved aside", []string{rekeyOld, rekeyTmp}, rekeyOld},
		{"rekey new in place", []string{"", rekeyOld, rekeyOld + "-wal"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "s.db")
			for _, f := range tt.files {
				os.WriteFile(path+f, []byte("file"+f), 0o600)
			}
			if err := recoverSwap(path); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != "file"+tt.want {
				t.Errorf("s.db = %q, %v; want %q", got, err, "file"+tt.want)
			}
			left, _ := filepath.Glob(filepath.Join(dir, "*"))
			if len(left) != 1 {
				t.Errorf("left %v, want s.db only", left)
			}
		})
	}
}

const sealEnv = "VETDESK_STORE_SEAL"

// TestHelperSeal is the child of TestKillDuringSeal: it seals the store
// named by its environment with the key there.
func TestHelperSeal(t *testing.T) {
	env := os.Getenv(sealEnv)
	if env == "" {
		t.Skip("helper process for TestKillDuringSeal")
	}
	var path, hexKey string
	fmt.Sscanf(env, "%s %s", &path, &hexKey)
	var key, newKey []byte
	fmt.Sscanf(hexKey, "%x", &key)
	beforeSwap = func() { fmt.Println("swap") }
	if len(key) == 2*KeySize { // rekey from the first half to the second
		key, newKey = key[:KeySize], key[KeySize:]
	}
	if newKey != nil {
		db, err := Open(path, Options{Key: key})
		if err != nil {
			fmt.Fprintln(os.Stderr, "open:", err)
			os.Exit(2)
		}
		fmt.Println("ready")
		if err := db.Rekey(context.Background(), newKey); err != nil {
			fmt.Fprintln(os.Stderr, "rekey:", err)
			os.Exit(2)
		}
		fmt.Println("done")
		select {}
	}
	fmt.Println("ready")
	if err := Seal(path, key); err != nil {
		fmt.Fprintln(os.Stderr, "seal:", err)
		os.Exit(2)
	}
	fmt.Println("done")
	select {}
}

// TestKillDuringSeal kills a process sealing a plaintext store at random
// moments: afterwards Open with the key always finds the whole store, old
// (and seals it then) or new, with every case, and no plaintext is left.
func TestKillDuringSeal(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	dir := t.TempDir()
	template := filepath.Join(dir, "template.db")
	want := writePlainStore(t, template, 300)
	killSealing(t, dir, template, want, testKey(t), nil)
}

// TestKillDuringRekey kills a process rekeying a sealed store at random
// moments: afterwards the store opens with the old key or the new one,
// whole, with every case.
func TestKillDuringRekey(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	dir := t.TempDir()
	template := filepath.Join(dir, "template.db")
	want := writePlainStore(t, template, 300)
	oldKey := testKey(t)
	if err := Seal(template, oldKey); err != nil {
		t.Fatal(err)
	}
	killSealing(t, dir, template, want, oldKey, testKey(t))
}

// killSealing runs TestHelperSeal on copies of template, sealing with key
// (newKey nil) or rekeying from key to newKey, and kills it at random
// moments; each time the store must open with one of the keys and hold
// want.
func killSealing(t *testing.T, dir, template string, want map[string]string, key, newKey []byte) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 12))
	took := 300 * time.Millisecond // replaced by the first uncut run
	outcomes := map[string]int{}
	for k := range 14 {
		sub := filepath.Join(dir, fmt.Sprint(k))
		os.MkdirAll(sub, 0o700)
		path := filepath.Join(sub, "vetdesk.db")
		if err := copyFile(template, path); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSeal$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %x%x", sealEnv, path, key, newKey))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		if !lines.Scan() || lines.Text() != "ready" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child did not start: %q", lines.Text())
		}
		start := time.Now()
		done, swap := make(chan bool, 1), make(chan bool, 1)
		go func() {
			for lines.Scan() {
				if strings.TrimSpace(lines.Text()) == "swap" {
					swap <- true
					continue
				}
				done <- strings.TrimSpace(lines.Text()) == "done"
				return
			}
			done <- false
		}()
		cut := true
		switch {
		case k == 0:
			<-done // the first run measures how long a seal takes
			took, cut = time.Since(start), false
		case k%2 == 1:
			// the renames: killed within a few milliseconds after the
			// checked copy is ready
			select {
			case <-swap:
				select {
				case <-time.After(time.Duration(rng.Int64N(int64(5 * time.Millisecond)))):
				case <-done:
					cut = false
				}
			case <-done:
				cut = false
			}
		default:
			select {
			case <-time.After(time.Duration(rng.Int64N(int64(took) * 5 / 4))):
			case <-done:
				cut = false
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		state := "new"
		if !exists(path) {
			state = "moved aside"
		} else if sealed, _ := IsSealed(path); !sealed {
			state = "old"
		}
		db, err := Open(path, Options{Key: key})
		if newKey != nil {
			state = "old key"
			if errors.Is(err, ErrWrongKey) {
				state = "new key"
				db, err = Open(path, Options{Key: newKey})
			}
		}
		if cut {
			outcomes[state]++
		}
		if err != nil {
			t.Fatalf("kill %d (%s): Open = %v", k, state, err)
		}
		checkCases(t, db, want)
		db.Close()
		assertNoPlaintextFile(t, sub)
	}
	t.Logf("seal took %v; cut runs found: %v", took, outcomes)
}

// assertNoPlaintextFile fails for a file under dir starting with the SQLite
// header: after an Open with a key, nothing plaintext is left.
func assertNoPlaintextFile(t testing.TB, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err == nil && bytes.Contains(raw, []byte("SQLite format 3")) {
			t.Errorf("%s is plaintext after Open with a key", e.Name())
		}
	}
}

// reserveBytes returns the reserved bytes per page of the store's file: 8
// when it has page checksums.
func reserveBytes(t testing.TB, db *DB) int {
	t.Helper()
	p, done := db.pool()
	defer done()
	conn, err := p.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var r int
	err = conn.Raw(func(c any) error {
		v, err := c.(driver.Conn).Raw().FileControl("main", sqlite3.FCNTL_RESERVE_BYTES)
		r, _ = v.(int)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
