package hub

import (
	"bytes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// A sealed hub (Options.Key) keeps its recovery key sealed too: the
// scalar under SM4-GCM with a key derived from the hub's data key
// (HMAC-SM3 over recoverySealLabel), in a PEM block of its own type,
// sealedRecoveryPEMType, nonce then ciphertext. Whoever copies the data
// folder without the hub key gets neither the replica nor the key that
// opens every desk's recovery wrap and roots every letter. A plaintext key
// file of an earlier version is sealed at the first sealed start, crash-safe:
//
//  1. the sealed file is written to <name>.seal-tmp, synced and read back;
//  2. the plaintext file is renamed to <name>.plain-old;
//  3. the sealed one is renamed to <name> and read back;
//  4. the plaintext one is overwritten with zeros and deleted.
//
// Each rename is followed by a sync of the folder; settleRecoveryKey puts
// right what a cut run left (no file under the name: the old one goes
// back; the new one there, opening: the old one goes). An unsealed hub
// keeps the plaintext file as before.

const (
	sealedRecoveryPEMType = "SEALED SM2 RECOVERY PRIVATE KEY"
	recoverySealLabel     = "vetdesk hub recovery key seal v1\x00"
	recoverySealTmp       = ".seal-tmp"
	recoveryPlainOld      = ".plain-old"
)

// ErrRecoveryKeySealed: the recovery key file is sealed and the hub was
// opened without its key (or with another one).
var ErrRecoveryKeySealed = errors.New("the hub's recovery key is sealed: it opens only with the hub key it was sealed with (-key-file or $VETDESK_HUB_KEY)")

func recoveryAEAD(hubKey []byte) (cipher.AEAD, error) {
	m := hmac.New(sm3.New, hubKey)
	m.Write([]byte(recoverySealLabel))
	block, err := sm4.NewCipher(m.Sum(nil)[:16])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// encodeRecoveryKey is the key file's content for k: sealed under hubKey,
// or plaintext when hubKey is nil.
func encodeRecoveryKey(k *sm2.PrivateKey, hubKey []byte) ([]byte, error) {
	d := make([]byte, 32)
	k.D.FillBytes(d)
	if hubKey == nil {
		return pem.EncodeToMemory(&pem.Block{Type: recoveryPEMType, Bytes: d}), nil
	}
	aead, err := recoveryAEAD(hubKey)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	ct := aead.Seal(nonce, nonce, d, []byte(sealedRecoveryPEMType))
	return pem.EncodeToMemory(&pem.Block{Type: sealedRecoveryPEMType, Bytes: ct}), nil
}

// decodeRecoveryKey reads a key file's content, sealed (with hubKey) or
// plaintext; sealed tells which it was.
func decodeRecoveryKey(b, hubKey []byte) (k *sm2.PrivateKey, sealed bool, err error) {
	blk, _ := pem.Decode(b)
	switch {
	case blk == nil:
		return nil, false, fmt.Errorf("not a %s", recoveryPEMType)
	case blk.Type == recoveryPEMType:
		k, err := sm2.NewPrivateKey(blk.Bytes)
		return k, false, err
	case blk.Type != sealedRecoveryPEMType:
		return nil, false, fmt.Errorf("not a %s", recoveryPEMType)
	case hubKey == nil:
		return nil, true, ErrRecoveryKeySealed
	}
	aead, err := recoveryAEAD(hubKey)
	if err != nil {
		return nil, true, err
	}
	if len(blk.Bytes) < aead.NonceSize() {
		return nil, true, ErrRecoveryKeySealed
	}
	n := aead.NonceSize()
	d, err := aead.Open(nil, blk.Bytes[:n], blk.Bytes[n:], []byte(sealedRecoveryPEMType))
	if err != nil {
		return nil, true, ErrRecoveryKeySealed
	}
	k, err = sm2.NewPrivateKey(d)
	return k, true, err
}

// readRecoveryKey reads and decodes the key file at path.
func readRecoveryKey(path string, hubKey []byte) (*sm2.PrivateKey, bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, err
	}
	k, sealed, err := decodeRecoveryKey(b, hubKey)
	if err != nil {
		return nil, sealed, fmt.Errorf("recovery key %s: %w", path, err)
	}
	return k, sealed, nil
}

func sameKey(a, b *sm2.PrivateKey) bool { return a.D.Cmp(b.D) == 0 }

// sealRecoveryKey seals the plaintext key file at path holding k under
// hubKey, crash-safe (see above).
func sealRecoveryKey(path string, k *sm2.PrivateKey, hubKey []byte) error {
	dir := filepath.Dir(path)
	tmp, old := path+recoverySealTmp, path+recoveryPlainOld
	b, err := encodeRecoveryKey(k, hubKey)
	if err != nil {
		return err
	}
	if err := writeSynced(tmp, b); err != nil {
		os.Remove(tmp)
		return err
	}
	if back, _, err := readRecoveryKey(tmp, hubKey); err != nil || !sameKey(back, k) {
		os.Remove(tmp)
		return fmt.Errorf("the sealed copy %s does not read back (%v)", tmp, err)
	}
	if beforeRecoverySwap != nil {
		beforeRecoverySwap()
	}
	if err := os.Rename(path, old); err != nil {
		os.Remove(tmp)
		return err
	}
	syncFolder(dir)
	if err := os.Rename(tmp, path); err != nil {
		return errors.Join(err, settleRecoveryKey(path, hubKey))
	}
	syncFolder(dir)
	if back, _, err := readRecoveryKey(path, hubKey); err != nil || !sameKey(back, k) {
		// keep the plaintext one: the next start puts it back only when
		// nothing is under the name, so say it loudly
		return fmt.Errorf("the sealed %s does not read back (%v); the plaintext key is kept as %s", path, err, old)
	}
	return wipe(old, dir)
}

// beforeRecoverySwap, when set (by a test), runs when the checked sealed
// copy is about to be renamed in.
var beforeRecoverySwap func()

// settleRecoveryKey puts right what a cut sealRecoveryKey left beside
// path: with no file at path the plaintext one goes back; with one that
// opens (with hubKey when given) the plaintext one goes. The temporary
// copy is deleted either way.
func settleRecoveryKey(path string, hubKey []byte) error {
	dir := filepath.Dir(path)
	old := path + recoveryPlainOld
	if _, err := os.Stat(old); err == nil {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if err := os.Rename(old, path); err != nil {
				return fmt.Errorf("put back %s: %w", old, err)
			}
			syncFolder(dir)
		} else if _, _, err := readRecoveryKey(path, hubKey); err != nil {
			return fmt.Errorf("%w (the plaintext key of before its sealing is in %s)", err, old)
		} else if err := wipe(old, dir); err != nil {
			return err
		}
	}
	if err := os.Remove(path + recoverySealTmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// writeSynced writes b to a new owner-only file at path and syncs it.
func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fileMode(path, 0o600)
	}
	return err
}

// wipe overwrites the file at path with zeros, syncs and deletes it (a
// plaintext key should not stay in the file's blocks where that helps).
func wipe(path, dir string) error {
	if fi, err := os.Stat(path); err == nil {
		if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
			f.Write(bytes.Repeat([]byte{0}, int(fi.Size())))
			f.Sync()
			f.Close()
		}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	syncFolder(dir)
	return nil
}

// syncFolder syncs the folder's entries after a rename (nothing to do on
// Windows, where it fails and os.Rename is what there is).
func syncFolder(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
