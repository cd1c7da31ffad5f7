package hub

import (
	"bytes"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"vetdesk/internal/keyring"
	"vetdesk/internal/sealvfs"
)

func recoveryFileType(t *testing.T, dir string) (string, []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, RecoveryKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(raw)
	if blk == nil {
		t.Fatalf("%s is not PEM", RecoveryKeyFile)
	}
	return blk.Type, raw
}

// holdsScalar reports whether raw holds d, as bytes or in a PEM block.
func holdsScalar(raw, d []byte) bool {
	for rest := raw; ; {
		blk, r := pem.Decode(rest)
		if blk == nil {
			return bytes.Contains(raw, d)
		}
		if bytes.Contains(blk.Bytes, d) {
			return true
		}
		rest = r
	}
}

// scalar is the recovery key's private scalar as the plaintext file holds it.
func scalar(h *Hub) []byte {
	d := make([]byte, 32)
	h.recovery.D.FillBytes(d)
	return d
}

// TestSealedHubKeepsItsRecoveryKeySealed: a sealed hub makes its recovery
// key sealed under the hub key (no byte of the scalar in the file), opens
// it again at the next start, and nothing opens it without that key.
// An unsealed hub's file stays plaintext, as before.
func TestSealedHubKeepsItsRecoveryKeySealed(t *testing.T) {
	dir := t.TempDir()
	key, _ := sealvfs.NewKey()
	h, err := Open(dir, Options{Catalogue: testCatalogue(t), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	pub, d := h.RecoveryPublic(), scalar(h)
	h.Close()
	typ, raw := recoveryFileType(t, dir)
	if typ != sealedRecoveryPEMType {
		t.Errorf("a sealed hub's recovery key file is a %q", typ)
	}
	if holdsScalar(raw, d) {
		t.Error("the sealed recovery key file holds the scalar")
	}
	h, err = Open(dir, Options{Catalogue: testCatalogue(t), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if h.RecoveryPublic() != pub {
		t.Error("the sealed recovery key changed across a restart")
	}
	h.Close()
	other, _ := sealvfs.NewKey()
	for name, k := range map[string][]byte{"no key": nil, "another key": other} {
		if _, err := LetterRootKey(dir, k); !errors.Is(err, ErrRecoveryKeySealed) {
			t.Errorf("LetterRootKey(%s) = %v, want ErrRecoveryKeySealed", name, err)
		}
	}

	plain := t.TempDir()
	h, err = Open(plain, Options{Catalogue: testCatalogue(t)})
	if err != nil {
		t.Fatal(err)
	}
	d = scalar(h)
	h.Close()
	if typ, raw := recoveryFileType(t, plain); typ != recoveryPEMType || !holdsScalar(raw, d) {
		t.Errorf("an unsealed hub's recovery key file changed: a %q", typ)
	}
}

// TestPlaintextRecoveryKeyIsSealedAtTheFirstSealedStart guards the
// migration: the recovery key file of an earlier version (plaintext) is
// sealed at the first start with a hub key, from every state a cut
// migration can leave (the sealed copy written beside it; the plaintext
// one moved aside, with or without the sealed one in place). Each time
// the key is the same (a desk's recovery wrap made before still opens),
// the file is sealed, and no plaintext copy or temporary file is left.
func TestPlaintextRecoveryKeyIsSealedAtTheFirstSealedStart(t *testing.T) {
	cut := map[string]func(path string, key []byte){
		"uncut": func(string, []byte) {},
		"sealed copy written": func(path string, key []byte) {
			k, _, _ := readRecoveryKey(path, nil)
			b, _ := encodeRecoveryKey(k, key)
			os.WriteFile(path+recoverySealTmp, b, 0o600)
		},
		"plaintext moved aside": func(path string, key []byte) {
			k, _, _ := readRecoveryKey(path, nil)
			b, _ := encodeRecoveryKey(k, key)
			os.WriteFile(path+recoverySealTmp, b, 0o600)
			os.Rename(path, path+recoveryPlainOld)
		},
		"sealed one in place": func(path string, key []byte) {
			k, _, _ := readRecoveryKey(path, nil)
			b, _ := encodeRecoveryKey(k, key)
			os.WriteFile(path+recoverySealTmp, b, 0o600)
			os.Rename(path, path+recoveryPlainOld)
			os.Rename(path+recoverySealTmp, path)
		},
	}
	for name, cutAt := range cut {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, RecoveryKeyFile)
			h, err := Open(dir, Options{Catalogue: testCatalogue(t)})
			if err != nil {
				t.Fatal(err)
			}
			pub, d := h.RecoveryPublic(), scalar(h)
			h.Close()
			ring, err := keyring.Create(keyring.Path(t.TempDir()), "admin", "admin-pass-1")
			if err != nil {
				t.Fatal(err)
			}
			if err := ring.SetRecovery(keyring.Hub{Key: pub, DeviceID: "dev-1"}); err != nil {
				t.Fatal(err)
			}
			wrap, _ := ring.RecoveryWrap()

			key, _ := sealvfs.NewKey()
			cutAt(path, key)
			// the replica and hub.db are sealed in the same start
			h, err = Open(dir, Options{Catalogue: testCatalogue(t), Key: key})
			if err != nil {
				t.Fatalf("Open(sealed) after %s = %v", name, err)
			}
			defer h.Close()
			if h.RecoveryPublic() != pub {
				t.Fatal("sealing changed the recovery key")
			}
			if _, err := keyring.OpenRecovery(h.recovery, wrap); err != nil {
				t.Errorf("a recovery wrap made before the sealing does not open: %v", err)
			}
			if typ, raw := recoveryFileType(t, dir); typ != sealedRecoveryPEMType || holdsScalar(raw, d) {
				t.Errorf("after the first sealed start the file is a %q", typ)
			}
			for _, left := range []string{recoverySealTmp, recoveryPlainOld} {
				if _, err := os.Stat(path + left); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s%s left behind (%v)", RecoveryKeyFile, left, err)
				}
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if raw, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && holdsScalar(raw, d) {
					t.Errorf("%s holds the recovery key's scalar", e.Name())
				}
			}
		})
	}
}
