package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// attachMarker is a byte string a test scan holds and no file of a sealed
// data folder may.
var attachMarker = []byte("MARKER-身份证-110101199003078515-SCAN")

// scan returns n bytes holding attachMarker every 1000 bytes, distinct per
// seed.
func scan(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ seed
	}
	for i := 0; i+len(attachMarker) <= n; i += 1000 {
		copy(b[i:], attachMarker)
	}
	return b
}

func sumHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// readAttachment reads attachment hash whole.
func readAttachment(db *DB, hash string) ([]byte, error) {
	rc, err := db.OpenAttachment(hash)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// assertNoMarker fails for every file under dir holding attachMarker.
func assertNoMarker(t testing.TB, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("read %s: %v", p, err)
		} else if bytes.Contains(raw, attachMarker) {
			t.Errorf("%s holds the scan's marker in plaintext", p)
		}
		return nil
	})
}

// assertSealedFile fails when the file of hash in db's folder is not a
// sealed attachment file of the right size.
func assertSealedFile(t testing.TB, db *DB, hash string, plain int) {
	t.Helper()
	raw, err := os.ReadFile(db.attachmentPath(hash))
	if err != nil {
		t.Fatal(err)
	}
	if !isSealedHeader(raw) {
		t.Errorf("file of %s is not sealed (starts %q)", hash[:8], raw[:min(8, len(raw))])
	}
	if got := sealedPlainSize(int64(len(raw)), attachChunk); got != int64(plain) {
		t.Errorf("sealedPlainSize(%d) = %d, want %d", len(raw), got, plain)
	}
}

// TestSealedAttachmentsRoundTrip guards the sealed file format: content of
// every size around the chunk boundaries comes back whole, also by ranges
// (Seek), and its file is sealed and holds no plaintext; the same content
// is stored once.
func TestSealedAttachmentsRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openKeyed(t, filepath.Join(dir, "vetdesk.db"), testKey(t))
	defer db.Close()
	for i, n := range []int{0, 1, 100, attachChunk - 1, attachChunk, attachChunk + 1, 3*attachChunk + 5, 2 << 20} {
		content := scan(n, byte(i))
		hash, err := db.PutAttachment(ctx, bytes.NewReader(content))
		if err != nil || hash != sumHex(content) {
			t.Fatalf("PutAttachment(%d bytes) = %s, %v, want %s", n, hash, err, sumHex(content))
		}
		if again, err := db.PutAttachment(ctx, bytes.NewReader(content)); err != nil || again != hash {
			t.Errorf("PutAttachment(same %d bytes) = %s, %v", n, again, err)
		}
		assertSealedFile(t, db, hash, n)
		got, err := readAttachment(db, hash)
		if err != nil || !bytes.Equal(got, content) {
			t.Fatalf("OpenAttachment(%d bytes) read %d bytes, %v", n, len(got), err)
		}
		rc, err := db.OpenAttachment(hash)
		if err != nil {
			t.Fatal(err)
		}
		ar := rc.(AttachmentReader)
		if ar.Size() != int64(n) {
			t.Errorf("Size() = %d, want %d", ar.Size(), n)
		}
		for _, off := range []int{n / 2, n - 1, attachChunk - 3, attachChunk + 7} {
			if off < 0 || off >= n {
				continue
			}
			if _, err := ar.Seek(int64(off), io.SeekStart); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 10)
			k, err := io.ReadFull(ar, buf)
			if want := content[off:min(n, off+10)]; !bytes.Equal(buf[:k], want) || (err != nil && k != len(want)) {
				t.Errorf("%d bytes, read 10 at %d = %x, %v; want %x", n, off, buf[:k], err, want)
			}
		}
		rc.Close()
	}
	assertNoMarker(t, dir)
	if left, _ := filepath.Glob(filepath.Join(dir, "attachments", ".put-*")); len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}
}

// TestSealedAttachmentTampering guards "a changed byte fails, never with
// other content": each alteration of a sealed file makes OpenAttachment or
// the read fail with ErrCorrupt.
func TestSealedAttachmentTampering(t *testing.T) {
	ctx := context.Background()
	db := openKeyed(t, filepath.Join(t.TempDir(), "vetdesk.db"), testKey(t))
	defer db.Close()
	content := scan(3*attachChunk+100, 1)
	other := scan(3*attachChunk+100, 2)
	hash, err := db.PutAttachment(ctx, bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	otherHash, err := db.PutAttachment(ctx, bytes.NewReader(other))
	if err != nil {
		t.Fatal(err)
	}
	path := db.attachmentPath(hash)
	orig, _ := os.ReadFile(path)
	otherRaw, _ := os.ReadFile(db.attachmentPath(otherHash))
	flip := func(i int) func([]byte) []byte {
		return func(b []byte) []byte { b[i] ^= 0x01; return b }
	}
	full := attachChunk + attachTag
	cases := []struct {
		name  string
		alter func([]byte) []byte
	}{
		{"magic", flip(0)},
		{"key id", flip(5)},
		{"salt", flip(20)},
		{"chunk size", flip(29)},
		{"first chunk", flip(attachHeaderSize + 10)},
		{"middle chunk", flip(attachHeaderSize + full + 500)},
		{"last tag", flip(len(orig) - 1)},
		{"cut at a chunk boundary", func(b []byte) []byte { return b[:attachHeaderSize+2*full] }},
		{"cut inside a chunk", func(b []byte) []byte { return b[:len(b)-50] }},
		{"bytes appended", func(b []byte) []byte { return append(b, 0, 0, 0) }},
		{"chunks swapped", func(b []byte) []byte {
			c := bytes.Clone(b)
			copy(c[attachHeaderSize:], b[attachHeaderSize+full:attachHeaderSize+2*full])
			copy(c[attachHeaderSize+full:], b[attachHeaderSize:attachHeaderSize+full])
			return c
		}},
		{"another file under its name", func([]byte) []byte { return bytes.Clone(otherRaw) }},
		{"plaintext of other content", func([]byte) []byte { return bytes.Clone(other) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(path, c.alter(bytes.Clone(orig)), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := readAttachment(db, hash)
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrAttachmentKey) {
				t.Errorf("read of a file with %s = %d bytes, %v; want ErrCorrupt or ErrAttachmentKey", c.name, len(got), err)
			}
		})
	}
	if err := os.WriteFile(path, content, 0o600); err != nil { // a plaintext file matching its name
		t.Fatal(err)
	}
	if got, err := readAttachment(db, hash); err != nil || !bytes.Equal(got, content) {
		t.Errorf("read of a plaintext file matching its name = %d bytes, %v", len(got), err)
	}
}

// putPlainStore makes a plaintext store at path with n attachments and a
// temp file a cut PutAttachment left; it returns their contents by hash.
func putPlainStore(t testing.TB, path string, n int) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	for i := range n {
		c := scan(1000+i*attachChunk/3, byte(i))
		h, err := db.PutAttachment(ctx, bytes.NewReader(c))
		if err != nil {
			t.Fatal(err)
		}
		want[h] = c
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "attachments", ".put-123"), attachMarker, 0o600); err != nil {
		t.Fatal(err)
	}
	return want
}

func checkAttachments(t testing.TB, db *DB, want map[string][]byte) {
	t.Helper()
	for h, c := range want {
		got, err := readAttachment(db, h)
		if err != nil || !bytes.Equal(got, c) {
			t.Fatalf("attachment %s: %d bytes, %v; want %d bytes", h[:8], len(got), err, len(c))
		}
		assertSealedFile(t, db, h, len(c))
	}
}

// TestSealingAStoreSealsItsAttachments guards the migration of a store of
// an earlier version: its plaintext scans are sealed when it is sealed, by
// Open with a key (also after a crash left some sealed, some not and a
// temp file), or by Rekey of the plaintext store; content stays intact
// and no plaintext is left.
func TestSealingAStoreSealsItsAttachments(t *testing.T) {
	ctx := context.Background()
	t.Run("Open", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "vetdesk.db")
		want := putPlainStore(t, path, 6)
		db := openKeyed(t, path, testKey(t))
		checkAttachments(t, db, want)
		if !exists(filepath.Join(dir, "attachments", attachSealedMarker)) {
			t.Error("folder not marked sealed")
		}
		db.Close()
		assertNoMarker(t, dir)
	})
	t.Run("cut", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "vetdesk.db")
		want := putPlainStore(t, path, 6)
		key := testKey(t)
		db := openKeyed(t, path, key)
		ring := db.attachRing()
		db.Close()
		// as a crash leaves it: the ring committed, two files plaintext
		// again, a sealing temp file, no marker
		os.Remove(filepath.Join(dir, "attachments", attachSealedMarker))
		k := 0
		for h, c := range want {
			if k++; k <= 2 {
				os.WriteFile(db.attachmentPath(h), c, 0o600)
			}
		}
		os.WriteFile(filepath.Join(dir, "attachments", ".seal-9"), attachMarker, 0o600)
		db = openKeyed(t, path, key)
		defer db.Close()
		if got := db.attachRing(); len(got) != 1 || got[0].id != ring[0].id {
			t.Errorf("ring after the cut = %d keys, want the same one", len(got))
		}
		checkAttachments(t, db, want)
		assertNoMarker(t, dir)
	})
	t.Run("Rekey", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "vetdesk.db")
		want := putPlainStore(t, path, 4)
		db, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Rekey(ctx, testKey(t)); err != nil {
			t.Fatal(err)
		}
		checkAttachments(t, db, want)
		assertNoMarker(t, dir)
	})
}

// TestRekeyLeavesAttachmentsAlone guards the attachment key's place in the
// store: Rekey re-encrypts the database, not one scan file, and the scans
// open after it, also after the store is opened again with the new key.
func TestRekeyLeavesAttachmentsAlone(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "vetdesk.db")
	db := openKeyed(t, path, testKey(t))
	content := scan(300<<10, 3)
	hash, err := db.PutAttachment(ctx, bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(db.attachmentPath(hash))
	newKey := testKey(t)
	if err := db.Rekey(ctx, newKey); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(db.attachmentPath(hash))
	if !bytes.Equal(before, after) {
		t.Error("Rekey rewrote an attachment file")
	}
	checkAttachments(t, db, map[string][]byte{hash: content})
	db.Close()
	db = openKeyed(t, path, newKey)
	defer db.Close()
	checkAttachments(t, db, map[string][]byte{hash: content})
}

// TestSealedAttachmentsBackupAndRestore guards backups of a sealed store:
// the backup's scans are sealed (with the key inside the sealed backup),
// restore onto a new PC reads them; a changed byte in a backed-up scan
// fails the restore; restoring an older backup keeps the scans the
// replaced store sealed with its own key readable, and a plaintext backup
// of an earlier version gets its scans sealed at the next Open.
func TestSealedAttachmentsBackupAndRestore(t *testing.T) {
	ctx := context.Background()
	key := testKey(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "vetdesk.db")
	db := openKeyed(t, path, key)
	a := scan(200<<10, 1)
	ha, _ := db.PutAttachment(ctx, bytes.NewReader(a))
	backup := filepath.Join(t.TempDir(), "b.db")
	if err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	db.Close()
	assertNoMarker(t, filepath.Dir(backup))

	t.Run("new PC", func(t *testing.T) {
		to := filepath.Join(t.TempDir(), "vetdesk.db")
		if err := Restore(backup, to, key); err != nil {
			t.Fatal(err)
		}
		r := openKeyed(t, to, key)
		defer r.Close()
		checkAttachments(t, r, map[string][]byte{ha: a})
	})
	t.Run("damaged", func(t *testing.T) {
		b2 := filepath.Join(t.TempDir(), "b.db")
		copyFile(backup, b2)
		os.MkdirAll(filepath.Join(b2+AttachmentsSuffix, ha[:2]), 0o700)
		raw, _ := os.ReadFile(filepath.Join(backup+AttachmentsSuffix, ha[:2], ha))
		raw[len(raw)/2] ^= 0x80
		os.WriteFile(filepath.Join(b2+AttachmentsSuffix, ha[:2], ha), raw, 0o600)
		to := filepath.Join(t.TempDir(), "vetdesk.db")
		if err := Restore(b2, to, key); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Restore(backup with a changed scan byte) = %v, want ErrCorrupt", err)
		}
	})
	t.Run("older backup, other key", func(t *testing.T) {
		// a store whose scans were sealed with another attachment key
		// (reinstalled, or sealed after the backup was taken) restores
		// the backup: both keep opening
		sub := t.TempDir()
		live := filepath.Join(sub, "vetdesk.db")
		l := openKeyed(t, live, key)
		b := scan(100<<10, 2)
		hb, _ := l.PutAttachment(ctx, bytes.NewReader(b))
		l.Close()
		if err := Restore(backup, live, key); err != nil {
			t.Fatal(err)
		}
		r := openKeyed(t, live, key)
		defer r.Close()
		checkAttachments(t, r, map[string][]byte{ha: a, hb: b})
		if n := len(r.attachRing()); n != 2 {
			t.Errorf("ring after restore holds %d keys, want 2", n)
		}
	})
	t.Run("plaintext backup", func(t *testing.T) {
		sub := t.TempDir()
		old := filepath.Join(sub, "old", "vetdesk.db")
		want := putPlainStore(t, old, 3)
		pdb, _ := Open(old, Options{})
		plainBackup := filepath.Join(sub, "plain.db")
		if err := pdb.Backup(ctx, plainBackup); err != nil {
			t.Fatal(err)
		}
		pdb.Close()
		live := filepath.Join(sub, "live", "vetdesk.db")
		l := openKeyed(t, live, key)
		want[ha] = a
		l.PutAttachment(ctx, bytes.NewReader(a))
		l.Close()
		if err := Restore(plainBackup, live, key); err != nil {
			t.Fatal(err)
		}
		r := openKeyed(t, live, key)
		defer r.Close()
		checkAttachments(t, r, want)
		assertNoMarker(t, filepath.Dir(live))
	})
}

// TestAdoptedSnapshotKeepsTheDesksAttachmentKey guards the snapshot path:
// the hub's snapshot carries none of the hub's attachment keys, and a desk
// adopting it keeps its own ring and scans.
func TestAdoptedSnapshotKeepsTheDesksAttachmentKey(t *testing.T) {
	ctx := context.Background()
	hubDB := openKeyed(t, filepath.Join(t.TempDir(), "replica.db"), testKey(t))
	defer hubDB.Close()
	mustSave(t, hubDB, knownCase(t, caseID(1)))
	if _, err := hubDB.PutAttachment(ctx, bytes.NewReader(scan(5000, 9))); err != nil {
		t.Fatal(err)
	}
	deskDir := t.TempDir()
	desk := openKeyed(t, filepath.Join(deskDir, "vetdesk.db"), testKey(t))
	defer desk.Close()
	content := scan(70<<10, 4)
	h, _ := desk.PutAttachment(ctx, bytes.NewReader(content))
	ring := desk.attachRing()
	snapKey := testKey(t)
	snap := filepath.Join(deskDir, "snapshot-1.part")
	if _, err := hubDB.WriteSnapshotKey(ctx, snap, "371002", snapKey); err != nil {
		t.Fatal(err)
	}
	if keys, err := heldAttachKeys(snap, snapKey); err != nil || len(keys) != 0 {
		t.Fatalf("snapshot holds %d attachment keys, %v; want none", len(keys), err)
	}
	if _, err := desk.AdoptSnapshotSealed(ctx, snap, snapKey, nil, nil); err != nil {
		t.Fatal(err)
	}
	desk.Close()
	desk = openKeyed(t, filepath.Join(deskDir, "vetdesk.db"), desk.key)
	if got := desk.attachRing(); len(got) != 1 || got[0].id != ring[0].id {
		t.Errorf("ring after adopting = %d keys, want the desk's own", len(got))
	}
	checkAttachments(t, desk, map[string][]byte{h: content})
}

const sealAttachEnv = "VETDESK_STORE_SEAL_ATTACH"

// TestHelperSealAttachments is the child of TestKillDuringAttachmentSealing:
// it opens the plaintext store named by its environment with the key
// there, which seals the store and then its scans.
func TestHelperSealAttachments(t *testing.T) {
	env := os.Getenv(sealAttachEnv)
	if env == "" {
		t.Skip("helper process for TestKillDuringAttachmentSealing")
	}
	var path string
	var key []byte
	fmt.Sscanf(env, "%s %x", &path, &key)
	fmt.Println("ready")
	db, err := Open(path, Options{Key: key})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	db.Close()
	fmt.Println("done")
	select {}
}

// copyTree copies the files under src to dst.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		return copyFile(p, filepath.Join(dst, rel))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestKillDuringAttachmentSealing kills a process sealing a plaintext
// store with scans at random moments: afterwards Open with the key always
// finds every scan whole (each file plaintext or sealed, never half), and
// leaves none in plaintext.
func TestKillDuringAttachmentSealing(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	dir := t.TempDir()
	template := filepath.Join(dir, "template")
	want := putPlainStore(t, filepath.Join(template, "vetdesk.db"), 40)
	key := testKey(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	took := time.Second // replaced by the first uncut run
	cuts := 0
	for k := range 10 {
		sub := filepath.Join(dir, fmt.Sprint(k))
		copyTree(t, template, sub)
		path := filepath.Join(sub, "vetdesk.db")
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSealAttachments$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %x", sealAttachEnv, path, key))
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
		done := make(chan bool, 1)
		go func() { done <- lines.Scan() && strings.TrimSpace(lines.Text()) == "done" }()
		if k == 0 {
			if !<-done {
				t.Fatal("child failed")
			}
			took = time.Since(start)
		} else {
			select {
			case <-time.After(time.Duration(rng.Int64N(int64(took)))):
				cuts++
			case <-done:
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		db, err := Open(path, Options{Key: key})
		if err != nil {
			t.Fatalf("kill %d: Open = %v", k, err)
		}
		checkAttachments(t, db, want)
		db.Close()
		assertNoMarker(t, sub)
	}
	t.Logf("sealing took %v; %d runs cut", took, cuts)
}

// BenchmarkAttachment measures storing and reading a 2 MB scan in a
// plaintext and in a sealed store (SM4-GCM, 64 KiB chunks).
func BenchmarkAttachment(b *testing.B) {
	ctx := context.Background()
	for _, sealed := range []bool{false, true} {
		name := "plain"
		var key []byte
		if sealed {
			name, key = "sealed", testKey(b)
		}
		db, err := Open(filepath.Join(b.TempDir(), "vetdesk.db"), Options{Key: key})
		if err != nil {
			b.Fatal(err)
		}
		content := scan(2<<20, 5)
		b.Run("put/"+name, func(b *testing.B) {
			b.SetBytes(int64(len(content)))
			for i := 0; b.Loop(); i++ {
				c := bytes.Clone(content)
				copy(c, fmt.Sprint(i)) // a new scan each time: no dedupe
				if _, err := db.PutAttachment(ctx, bytes.NewReader(c)); err != nil {
					b.Fatal(err)
				}
			}
		})
		hash, _ := db.PutAttachment(ctx, bytes.NewReader(content))
		b.Run("read/"+name, func(b *testing.B) {
			b.SetBytes(int64(len(content)))
			for b.Loop() {
				rc, err := db.OpenAttachment(hash)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, rc); err != nil {
					b.Fatal(err)
				}
				rc.Close()
			}
		})
		db.Close()
	}
}

// BenchmarkAttachmentCipher measures sealing and opening a 2 MB scan in
// memory, without the disk: the cost of SM4-GCM alone.
func BenchmarkAttachmentCipher(b *testing.B) {
	content := scan(2<<20, 6)
	k := newAttachKey(testKey(b))
	sum := sha256.Sum256(content)
	var sealed bytes.Buffer
	b.Run("seal", func(b *testing.B) {
		b.SetBytes(int64(len(content)))
		for b.Loop() {
			sealed.Reset()
			sw, err := newSealWriter(&sealed, k)
			if err == nil {
				_, err = sw.Write(content)
			}
			if err == nil {
				err = sw.Finish(sum[:])
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	path := filepath.Join(b.TempDir(), "f")
	os.WriteFile(path, sealed.Bytes(), 0o600)
	b.Run("open", func(b *testing.B) {
		b.SetBytes(int64(len(content)))
		for b.Loop() {
			r, err := openAttachmentFile(path, hex.EncodeToString(sum[:]), []attachKey{k}, true)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, r); err != nil {
				b.Fatal(err)
			}
			r.Close()
		}
	})
}
