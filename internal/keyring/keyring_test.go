package keyring

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm2"
)

var errWrong = errors.New("wrong key")

func newRing(t *testing.T) (*Ring, string) {
	t.Helper()
	dir := t.TempDir()
	path := Path(dir)
	r, err := Create(path, "admin", "admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	return r, path
}

func reopen(t *testing.T, path string) *Ring {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func currentKey(t *testing.T, r *Ring) []byte {
	t.Helper()
	keys, err := r.DataKeys()
	if err != nil {
		t.Fatal(err)
	}
	return keys[0]
}

func TestPasswordOpensTheSameDataKeyAfterReopen(t *testing.T) {
	r, path := newRing(t)
	want := currentKey(t, r)
	if len(want) != DataKeySize {
		t.Fatalf("data key %d bytes", len(want))
	}
	r2 := reopen(t, path)
	if r2.Unlocked() {
		t.Fatal("opened unlocked")
	}
	if _, err := r2.DataKeys(); !errors.Is(err, ErrLocked) {
		t.Fatalf("data keys of a locked ring: %v", err)
	}
	if err := r2.Unlock("admin", "admin-pass-1"); err != nil {
		t.Fatal(err)
	}
	if got := currentKey(t, r2); !bytes.Equal(got, want) {
		t.Fatal("the reopened ring gives another data key")
	}
	raw, _ := os.ReadFile(path)
	if bytes.Contains(raw, want) || bytes.Contains(raw, []byte(hex.EncodeToString(want))) {
		t.Fatal("the key file holds the data key in clear")
	}
}

func TestWrongPasswordOpensNothingAndIsCounted(t *testing.T) {
	_, path := newRing(t)
	r := reopen(t, path)
	if err := r.Unlock("admin", "admin-pass-2"); !errors.Is(err, ErrBadPassword) {
		t.Fatalf("wrong password: %v", err)
	}
	if r.Unlocked() {
		t.Fatal("a wrong password unlocked the ring")
	}
	if err := r.Unlock("nobody", "admin-pass-1"); !errors.Is(err, ErrNoWrap) {
		t.Fatalf("unknown login: %v", err)
	}
	// counted in the file, so a later run audits them
	r = reopen(t, path)
	f := r.Failures()
	if len(f) != 2 || f[0].Login != "admin" || f[0].Why != "bad password" || f[1].Login != "nobody" || f[1].Why != "no wrap" {
		t.Fatalf("failures %+v", f)
	}
	if err := r.Unlock("admin", "admin-pass-1"); err != nil {
		t.Fatal(err)
	}
	if err := r.ClearFailures(len(f)); err != nil {
		t.Fatal(err)
	}
	if f := reopen(t, path).Failures(); len(f) != 0 {
		t.Fatalf("failures after clearing: %+v", f)
	}
}

func TestTamperedWrapsFail(t *testing.T) {
	_, path := newRing(t)
	var f file
	raw, _ := os.ReadFile(path)
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	flip := func(s string) string {
		b := []byte(s)
		i := len(b) - 3
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	write := func(f file) {
		b, _ := json.Marshal(f)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	good := f
	t.Run("user wrap", func(t *testing.T) {
		g := good
		g.Users = map[string]string{"admin": flip(good.Users["admin"])}
		write(g)
		if err := reopen(t, path).Unlock("admin", "admin-pass-1"); !errors.Is(err, ErrBadPassword) {
			t.Fatalf("tampered user wrap: %v", err)
		}
	})
	t.Run("wrap moved to another login", func(t *testing.T) {
		g := good
		g.Users = map[string]string{"admin": good.Users["admin"], "mallory": good.Users["admin"]}
		write(g)
		if err := reopen(t, path).Unlock("mallory", "admin-pass-1"); !errors.Is(err, ErrBadPassword) {
			t.Fatalf("a wrap copied to another login opened: %v", err)
		}
	})
	t.Run("data key wrap", func(t *testing.T) {
		g := good
		g.Users = good.Users
		g.Data = []dataEntry{good.Data[0]}
		g.Data[0].Wrap = flip(g.Data[0].Wrap)
		write(g)
		r := reopen(t, path)
		if err := r.Unlock("admin", "admin-pass-1"); err != nil {
			t.Fatal(err)
		}
		if _, err := r.DataKeys(); err == nil {
			t.Fatal("a tampered data key wrap opened")
		}
	})
}

func TestRemovingAUserRemovesTheirWrap(t *testing.T) {
	r, path := newRing(t)
	if err := r.SetUser("clerk1", "clerk-pass-1"); err != nil {
		t.Fatal(err)
	}
	if err := reopen(t, path).Unlock("clerk1", "clerk-pass-1"); err != nil {
		t.Fatal(err)
	}
	if err := r.RemoveUser("clerk1"); err != nil {
		t.Fatal(err)
	}
	r2 := reopen(t, path)
	if err := r2.Unlock("clerk1", "clerk-pass-1"); !errors.Is(err, ErrNoWrap) {
		t.Fatalf("removed user: %v", err)
	}
	raw, _ := os.ReadFile(path)
	if bytes.Contains(raw, []byte("clerk1\":")) {
		t.Fatal("the removed user's wrap is still in the file")
	}
	if err := r.RemoveUser("admin"); err == nil {
		t.Fatal("the last wrap was removed")
	}
}

func TestNewRingIsWrittenOnlyWithItsFirstUser(t *testing.T) {
	path := Path(t.TempDir())
	r, err := New(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.DataKeys(); err != nil {
		t.Fatal(err)
	}
	if Exists(path) {
		t.Fatal("a key file without a user was written")
	}
	if err := r.SetUser("admin", "admin-pass-1"); err != nil {
		t.Fatal(err)
	}
	if err := reopen(t, path).Unlock("admin", "admin-pass-1"); err != nil {
		t.Fatal(err)
	}
}

func TestPasswordChangeRewraps(t *testing.T) {
	r, path := newRing(t)
	if !r.Opens("admin", "admin-pass-1") || r.Opens("admin", "new-pass-22") {
		t.Fatal("Opens is wrong about the password")
	}
	if err := r.SetUser("admin", "new-pass-22"); err != nil {
		t.Fatal(err)
	}
	r2 := reopen(t, path)
	if err := r2.Unlock("admin", "admin-pass-1"); !errors.Is(err, ErrBadPassword) {
		t.Fatalf("old password after a change: %v", err)
	}
	if err := r2.Unlock("admin", "new-pass-22"); err != nil {
		t.Fatal(err)
	}
}

// store stands for a store that opens with exactly one key.
type store struct{ key []byte }

func (s *store) open(k []byte) error {
	if !bytes.Equal(k, s.key) {
		return errWrong
	}
	return nil
}

func isWrong(err error) bool { return errors.Is(err, errWrong) }

func TestRotationSurvivesACrashEitherSideOfTheRekey(t *testing.T) {
	for _, rekeyed := range []bool{false, true} {
		r, path := newRing(t)
		old := currentKey(t, r)
		st := &store{key: old}
		next, err := r.Rotate()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(next, old) {
			t.Fatal("rotation kept the key")
		}
		if rekeyed {
			st.key = next // the store was re-keyed, then the process died before Committed
		}
		r2 := reopen(t, path)
		if err := r2.Unlock("admin", "admin-pass-1"); err != nil {
			t.Fatal(err)
		}
		if err := r2.OpenStore(st.open, isWrong); err != nil {
			t.Fatalf("rekeyed=%v: the store does not open after the crash: %v", rekeyed, err)
		}
		r3 := reopen(t, path)
		_ = r3.Unlock("admin", "admin-pass-1")
		keys, err := r3.DataKeys()
		if err != nil {
			t.Fatal(err)
		}
		if rekeyed && (len(keys) != 1 || !bytes.Equal(keys[0], next)) {
			t.Fatal("opening with the next key did not commit the rotation")
		}
		if !rekeyed && !bytes.Equal(keys[0], old) {
			t.Fatal("the current key changed before the store was re-keyed")
		}
	}
}

func TestCommittedRotationDropsTheOldKey(t *testing.T) {
	r, path := newRing(t)
	old := currentKey(t, r)
	next, err := r.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Committed(next); err != nil {
		t.Fatal(err)
	}
	r2 := reopen(t, path)
	_ = r2.Unlock("admin", "admin-pass-1")
	keys, _ := r2.DataKeys()
	if len(keys) != 1 || !bytes.Equal(keys[0], next) {
		t.Fatal("after commit the key file does not hold only the new key")
	}
	if err := r2.OpenStore((&store{key: old}).open, isWrong); !isWrong(err) {
		t.Fatalf("the old key still opens: %v", err)
	}
}

func TestRecoveryWrapOpensOnlyWithTheHubKey(t *testing.T) {
	r, path := newRing(t)
	hub, _ := sm2.GenerateKey(rand.Reader)
	other, _ := sm2.GenerateKey(rand.Reader)
	if err := r.SetRecovery(Hub{Key: pubHex(hub), URL: "https://hub:8443", DeviceID: "dev-1"}); err != nil {
		t.Fatal(err)
	}
	want := currentKey(t, r)
	locked := reopen(t, path)
	if locked.RecoveryHub().URL != "https://hub:8443" {
		t.Fatalf("recovery hub %+v", locked.RecoveryHub())
	}
	wrap, err := locked.RecoveryWrap()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenRecovery(other, wrap); err == nil {
		t.Fatal("another SM2 key opened the recovery wrap")
	}
	master, err := OpenRecovery(hub, wrap)
	if err != nil {
		t.Fatal(err)
	}
	// the desk takes the master key back and wraps it for a new admin
	if err := locked.Recover(master, "newadmin", "new-admin-pass"); err != nil {
		t.Fatal(err)
	}
	r3 := reopen(t, path)
	if err := r3.Unlock("newadmin", "new-admin-pass"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(currentKey(t, r3), want) {
		t.Fatal("the recovered user opens another data key")
	}
	// a key that is not this store's master key is refused
	bad := make([]byte, len(master))
	if err := reopen(t, path).Recover(bad, "eve", "eve-pass-123"); !errors.Is(err, ErrNotMaster) {
		t.Fatalf("a wrong master key: %v", err)
	}
}

func pubHex(k *sm2.PrivateKey) string {
	b := make([]byte, 65)
	b[0] = 4
	k.X.FillBytes(b[1:33])
	k.Y.FillBytes(b[33:])
	return hex.EncodeToString(b)
}

func TestKeyFileIsOwnerOnlyAndWrittenWhole(t *testing.T) {
	r, path := newRing(t)
	for i := 0; i < 3; i++ {
		if err := r.SetUser("clerk", "clerk-pass-1"); err != nil {
			t.Fatal(err)
		}
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file mode %v", fi.Mode().Perm())
		}
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Fatalf("temporary file left: %s", e.Name())
		}
	}
	if _, err := Create(path, "x", "y-pass-123"); !errors.Is(err, os.ErrExist) {
		t.Fatalf("create over an existing key file: %v", err)
	}
}

// TestBackupCopyOpensWithPasswordOrTheSameStoresMaster: the key file's
// copy beside a backup holds no failure count, is written without DPAPI,
// opens with a password as it was at the backup or with the master key of
// the live ring of the same store, and a wrong password there writes
// nothing to the live key file.
func TestBackupCopyOpensWithPasswordOrTheSameStoresMaster(t *testing.T) {
	r, path := newRing(t)
	_ = reopen(t, path).Unlock("admin", "typo")
	if err := r.Unlock("admin", "admin-pass-1"); err != nil {
		t.Fatal(err)
	}
	want := currentKey(t, r)
	exported := filepath.Join(t.TempDir(), "b.db"+BackupSuffix)
	if err := r.Export(exported); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(exported)
	var f file
	if err := json.Unmarshal(raw, &f); err != nil || len(f.Failed) != 0 {
		t.Fatalf("the backup's copy is not plain JSON without failures: %v %+v", err, f.Failed)
	}
	live := Path(t.TempDir())
	b, err := Import(exported, live)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Unlock("admin", "wrong"); !errors.Is(err, ErrBadPassword) {
		t.Fatalf("wrong password on the copy: %v", err)
	}
	if Exists(live) {
		t.Fatal("a failed unlock of a backup's copy wrote the live key file")
	}
	if err := b.UnlockLike(r); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(currentKey(t, b), want) {
		t.Fatal("the copy gives another data key")
	}
	other, _ := newRing(t)
	b2, _ := Import(exported, live)
	if err := b2.UnlockLike(other); !errors.Is(err, ErrNotMaster) {
		t.Fatalf("another store's master key: %v", err)
	}
	if err := b.Install(); err != nil {
		t.Fatal(err)
	}
	if err := reopen(t, live).Unlock("admin", "admin-pass-1"); err != nil {
		t.Fatalf("the installed copy: %v", err)
	}
}
