package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestHubKeyMadeOnceOwnerOnly guards the hub's key file: made on first
// start with a random key, owner-only, read back the same on the next
// start; $VETDESK_HUB_KEY overrides it, and a malformed key is refused.
func TestHubKeyMadeOnceOwnerOnly(t *testing.T) {
	t.Setenv(hubKeyEnv, "")
	os.Unsetenv(hubKeyEnv)
	dir := t.TempDir()
	c := &common{data: dir}
	first, err := hubKey(c)
	if err != nil || len(first) != 32 {
		t.Fatalf("hubKey (first start) = %x, %v", first, err)
	}
	st, err := os.Stat(filepath.Join(dir, hubKeyName))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	again, err := hubKey(c)
	if err != nil || !bytes.Equal(again, first) {
		t.Errorf("hubKey (second start) = %x, %v; want the first key", again, err)
	}

	t.Setenv(hubKeyEnv, strings.Repeat("ab", 32))
	if env, err := hubKey(c); err != nil || env[0] != 0xab || bytes.Equal(env, first) {
		t.Errorf("hubKey with $%s = %x, %v", hubKeyEnv, env, err)
	}
	t.Setenv(hubKeyEnv, "abcd")
	if _, err := hubKey(c); err == nil {
		t.Errorf("hubKey with a short $%s = nil error", hubKeyEnv)
	}
	os.Unsetenv(hubKeyEnv)
	// a sealed folder whose key file went: no new key is made
	os.WriteFile(filepath.Join(dir, "replica.db"), bytes.Repeat([]byte{0x5a}, 4096), 0o600)
	os.Remove(filepath.Join(dir, hubKeyName))
	if _, err := hubKey(c); err == nil || fileExists(filepath.Join(dir, hubKeyName)) {
		t.Errorf("hubKey with the key file gone from a sealed folder = %v, want an error and no new key file", err)
	}
	bad := filepath.Join(dir, "bad.key")
	os.WriteFile(bad, []byte("not a key\n"), 0o600)
	if _, err := hubKey(&common{data: dir, keyFile: bad}); err == nil {
		t.Error("hubKey with a malformed key file = nil error")
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
