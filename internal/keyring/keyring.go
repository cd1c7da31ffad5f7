// Package keyring holds the keys of an encrypted store in a key file beside
// it (FileName). Two levels, so that rotating the data key needs nobody's
// password:
//
//   - a random master key (16 bytes, SM4), wrapped once per user under
//     their password (Argon2id with its own salt, then SM4-GCM: the wrap of
//     internal/opsig), and once for recovery to the hub's SM2 public key;
//   - the store's data key (32 bytes), wrapped under the master key with
//     SM4-GCM. Rotation adds the next data key beside the current one; the
//     current one leaves only when the caller says the store was re-keyed,
//     so a crash in between still opens with one of the two.
//
// Failed unwraps are counted in the file, so the next successful open can
// write them to the store's audit log. The file is written atomically
// (temporary file, fsync, rename), owner-only; on Windows its whole content
// is also sealed with DPAPI in machine scope.
package keyring

import (
	"bytes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm4"

	"vetdesk/internal/opsig"
)

// FileName is the key file's name in the data folder.
const FileName = "vetdesk.keys"

// DataKeySize is the length of a store's data key (SM4-XTS: two SM4 keys).
const DataKeySize = 32

const masterSize = 16

var (
	// ErrBadPassword: the password does not open this user's wrap (or the
	// wrap was altered).
	ErrBadPassword = errors.New("keyring: the password does not open the key")
	// ErrNoWrap: the user has no wrap in this key file.
	ErrNoWrap = errors.New("keyring: the user has no key on this computer")
	// ErrLocked: the master key is needed and was not unlocked.
	ErrLocked = errors.New("keyring: locked")
	// ErrNotMaster: a recovered key is not this key file's master key.
	ErrNotMaster = errors.New("keyring: the key is not this store's master key")
	// ErrNoRecovery: the key file has no recovery wrap.
	ErrNoRecovery = errors.New("keyring: no recovery wrap")
)

// Failure is a failed unwrap, kept until it is audited.
type Failure struct {
	Login string    `json:"login"`
	At    time.Time `json:"at"`
	Why   string    `json:"why"` // "bad password", "no wrap"
}

type dataEntry struct {
	ID    string `json:"id"`
	State string `json:"state"` // stateCurrent, stateNext
	Wrap  string `json:"wrap"`  // base64 nonce|SM4-GCM(master, key), id as additional data
}

const (
	stateCurrent = "current"
	stateNext    = "next"
)

// Hub is what a desk needs to ask its hub for recovery without its store
// (which the forgotten password locks): the hub's SM2 recovery public key
// (uncompressed point in hex), its address and pinned certificate, and
// the desk's device id. No credential: the device token stays in the store.
type Hub struct {
	Key         string `json:"key"`
	URL         string `json:"url"`
	Fingerprint string `json:"fingerprint"`
	DeviceID    string `json:"device_id"`
}

type recoveryWrap struct {
	Hub  Hub    `json:"hub"`
	Wrap string `json:"wrap"` // base64 SM2 encryption of recoveryTag|master
}

type file struct {
	Version  int               `json:"version"`
	Users    map[string]string `json:"users"` // login -> opsig wrap of the master key
	Data     []dataEntry       `json:"data"`
	Recovery *recoveryWrap     `json:"recovery,omitempty"`
	Failed   []Failure         `json:"failed,omitempty"`
}

// Ring is an opened key file; Unlock (or Create, Recover) fills in the
// master key.
type Ring struct {
	path     string
	f        file
	master   []byte
	imported bool // read from a backup's copy: not written until Install

	lk    *os.File // the key file's lock while held (lock.go)
	holds int      // how many holds of r share lk
}

const recoveryTag = "vetdesk recovery v1\x00"

// Path is the key file beside the store in dir.
func Path(dir string) string { return filepath.Join(dir, FileName) }

// Exists reports whether a key file is at path.
func Exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Create makes new master and data keys, wraps the master key for login
// under password, and writes the key file at path (which must not exist).
func Create(path, login, password string) (*Ring, error) {
	r, err := New(path)
	if err != nil {
		return nil, err
	}
	return r, r.SetUser(login, password)
}

// New makes new master and data keys for a key file at path (which must
// not exist), unlocked and not yet written: the first SetUser writes it.
// A first run opens its new store with them before the first admin has
// chosen a password, and no key is ever on disk unwrapped.
func New(path string) (*Ring, error) {
	if Exists(path) {
		return nil, fmt.Errorf("keyring: create %s: %w", path, os.ErrExist)
	}
	r := &Ring{path: path, f: file{Version: 1, Users: map[string]string{}}, master: make([]byte, masterSize)}
	if _, err := rand.Read(r.master); err != nil {
		return nil, err
	}
	if _, err := r.addDataKey(stateCurrent); err != nil {
		return nil, err
	}
	return r, nil
}

// Open reads the key file at path, locked.
func Open(path string) (*Ring, error) {
	f, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return &Ring{path: path, f: f}, nil
}

// readFile reads and decodes the key file at path.
func readFile(path string) (file, error) {
	var f file
	b, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("keyring: %w", err)
	}
	if b, err = unprotect(b); err != nil {
		return f, fmt.Errorf("keyring: %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("keyring: %s: %w", path, err)
	}
	if f.Version != 1 {
		return f, fmt.Errorf("keyring: %s: version %d unknown", path, f.Version)
	}
	if f.Users == nil {
		f.Users = map[string]string{}
	}
	return f, nil
}

// Unlock opens login's wrap with password. A wrong password or a login
// without a wrap is counted in the file (Failures) and returned as
// ErrBadPassword or ErrNoWrap.
func (r *Ring) Unlock(login, password string) error {
	w, ok := r.f.Users[login]
	if !ok {
		return r.failed(login, "no wrap", ErrNoWrap)
	}
	m, err := opsig.UnwrapSecret(w, password, userAD(login))
	if errors.Is(err, opsig.ErrBadPassword) || err == nil && len(m) != masterSize {
		return r.failed(login, "bad password", ErrBadPassword)
	}
	if err != nil {
		return r.failed(login, "bad wrap", fmt.Errorf("%w: %v", ErrBadPassword, err))
	}
	r.master = m
	return nil
}

func (r *Ring) failed(login, why string, err error) error {
	fl := Failure{Login: login, At: time.Now().UTC(), Why: why}
	if serr := r.update(func() error { r.f.Failed = append(r.f.Failed, fl); return nil }); serr != nil {
		return errors.Join(err, serr)
	}
	return err
}

// Opens reports whether password opens login's wrap, without counting a
// failure (a logged-in user whose password changed elsewhere is re-wrapped).
func (r *Ring) Opens(login, password string) bool {
	w, ok := r.f.Users[login]
	if !ok {
		return false
	}
	m, err := opsig.UnwrapSecret(w, password, userAD(login))
	return err == nil && bytes.Equal(m, r.master)
}

// Unlocked reports whether the master key is in memory.
func (r *Ring) Unlocked() bool { return r.master != nil }

// Path is where the key file is.
func (r *Ring) Path() string { return r.path }

// HasUser reports whether login has a wrap.
func (r *Ring) HasUser(login string) bool { _, ok := r.f.Users[login]; return ok }

// Users lists the logins that have a wrap.
func (r *Ring) Users() []string {
	out := make([]string, 0, len(r.f.Users))
	for l := range r.f.Users {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// SetUser wraps the unlocked master key for login under password, replacing
// any wrap login had (a password change), and saves.
func (r *Ring) SetUser(login, password string) error {
	if r.master == nil {
		return ErrLocked
	}
	w, err := r.wrapFor(login, password) // Argon2id: before the lock, not under it
	if err != nil {
		return err
	}
	return r.update(func() error { r.f.Users[login] = w; return nil })
}

func (r *Ring) wrapFor(login, password string) (string, error) {
	if login == "" || password == "" {
		return "", errors.New("keyring: wrap: empty login or password")
	}
	w, err := opsig.WrapSecret(password, r.master, userAD(login))
	if err != nil {
		return "", fmt.Errorf("keyring: wrap for %s: %w", login, err)
	}
	return w, nil
}

func userAD(login string) []byte { return []byte("vetdesk keyring v1 user\x00" + login) }

// RemoveUser drops login's wrap and saves; the last wrap is never removed
// (the store would be left to recovery alone).
func (r *Ring) RemoveUser(login string) error {
	return r.update(func() error {
		if _, ok := r.f.Users[login]; !ok {
			return errNoChange
		}
		if len(r.f.Users) == 1 {
			return fmt.Errorf("keyring: remove %s: the last wrap stays", login)
		}
		delete(r.f.Users, login)
		return nil
	})
}

// Failures are the failed unwraps not yet audited.
func (r *Ring) Failures() []Failure { return append([]Failure(nil), r.f.Failed...) }

// ClearFailures forgets the first n failures (those just audited) and saves.
func (r *Ring) ClearFailures(n int) error {
	if n <= 0 {
		return nil
	}
	return r.update(func() error {
		r.f.Failed = append([]Failure(nil), r.f.Failed[min(n, len(r.f.Failed)):]...)
		return nil
	})
}

func (r *Ring) aead() (cipher.AEAD, error) {
	if r.master == nil {
		return nil, ErrLocked
	}
	block, err := sm4.NewCipher(r.master)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func (r *Ring) addDataKey(state string) ([]byte, error) {
	aead, err := r.aead()
	if err != nil {
		return nil, err
	}
	key := make([]byte, DataKeySize)
	id := make([]byte, 8)
	nonce := make([]byte, aead.NonceSize())
	for _, b := range [][]byte{key, id, nonce} {
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
	}
	e := dataEntry{ID: hex.EncodeToString(id), State: state}
	e.Wrap = base64.RawStdEncoding.EncodeToString(aead.Seal(nonce, nonce, key, []byte(e.ID)))
	r.f.Data = append(r.f.Data, e)
	return key, nil
}

func (r *Ring) openData(e dataEntry) ([]byte, error) {
	aead, err := r.aead()
	if err != nil {
		return nil, err
	}
	b, err := base64.RawStdEncoding.DecodeString(e.Wrap)
	if err != nil || len(b) < aead.NonceSize() {
		return nil, fmt.Errorf("keyring: data key %s: malformed", e.ID)
	}
	key, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(e.ID))
	if err != nil || len(key) != DataKeySize {
		return nil, fmt.Errorf("keyring: data key %s: %w", e.ID, ErrNotMaster)
	}
	return key, nil
}

// DataKeys returns the data keys to try, the current one first, then the
// next one of an unfinished rotation (a crash after the store was re-keyed
// but before Committed).
func (r *Ring) DataKeys() ([][]byte, error) {
	var cur, next [][]byte
	for _, e := range r.f.Data {
		k, err := r.openData(e)
		if err != nil {
			return nil, err
		}
		if e.State == stateCurrent {
			cur = append(cur, k)
		} else {
			next = append(next, k)
		}
	}
	if len(cur) == 0 {
		return nil, errors.New("keyring: no current data key")
	}
	return append(cur, next...), nil
}

// OpenStore calls open with each data key in turn (DataKeys) until one
// opens; isWrongKey tells a wrong key from other failures. When the next
// key of an unfinished rotation opens, the rotation is committed.
func (r *Ring) OpenStore(open func(key []byte) error, isWrongKey func(error) bool) error {
	keys, err := r.DataKeys()
	if err != nil {
		return err
	}
	for i, k := range keys {
		err = open(k)
		if err == nil {
			if i > 0 {
				return r.commit(k)
			}
			return nil
		}
		if !isWrongKey(err) {
			return err
		}
	}
	return err
}

// Rotate adds a new data key as the next one and saves; the caller re-keys
// the store with it and then calls Committed. Until then the current key
// stays, so a crash in between still opens with one of them.
func (r *Ring) Rotate() ([]byte, error) {
	var key []byte
	err := r.update(func() error {
		kept := r.f.Data[:0]
		for _, e := range r.f.Data {
			if e.State == stateCurrent {
				kept = append(kept, e)
			}
		}
		r.f.Data = kept
		var err error
		key, err = r.addDataKey(stateNext)
		return err
	})
	if err != nil {
		return nil, err
	}
	return key, nil
}

// Committed makes key (from Rotate) the current data key, drops the old
// one and saves.
func (r *Ring) Committed(key []byte) error { return r.commit(key) }

func (r *Ring) commit(key []byte) error {
	return r.update(func() error {
		var keep []dataEntry
		for _, e := range r.f.Data {
			k, err := r.openData(e)
			if err != nil {
				return err
			}
			if bytes.Equal(k, key) {
				e.State = stateCurrent
				keep = append(keep, e)
			}
		}
		if len(keep) != 1 {
			return errors.New("keyring: commit: the key is not in the key file")
		}
		r.f.Data = keep
		return nil
	})
}

// SetRecovery wraps the master key to the hub's SM2 public key (hub.Key,
// as the enrolment answer carries it) and saves it with the rest of hub.
// Only that hub's private key opens it.
func (r *Ring) SetRecovery(hub Hub) error {
	if r.master == nil {
		return ErrLocked
	}
	pub, err := ParsePublic(hub.Key)
	if err != nil {
		return err
	}
	ct, err := sm2.Encrypt(rand.Reader, pub, append([]byte(recoveryTag), r.master...), nil)
	if err != nil {
		return fmt.Errorf("keyring: recovery wrap: %w", err)
	}
	rw := &recoveryWrap{Hub: hub, Wrap: base64.StdEncoding.EncodeToString(ct)}
	return r.update(func() error { r.f.Recovery = rw; return nil })
}

// RecoveryHub is the hub the recovery wrap is for (zero when none).
func (r *Ring) RecoveryHub() Hub {
	if r.f.Recovery == nil {
		return Hub{}
	}
	return r.f.Recovery.Hub
}

// RecoveryWrap is the recovery wrap as the hub receives it (base64).
func (r *Ring) RecoveryWrap() (string, error) {
	if r.f.Recovery == nil {
		return "", ErrNoRecovery
	}
	return r.f.Recovery.Wrap, nil
}

// ParsePublic parses an SM2 public key given as an uncompressed point in hex.
func ParsePublic(s string) (*ecdsa.PublicKey, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("keyring: hub key: %w", err)
	}
	pub, err := sm2.NewPublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("keyring: hub key: %w", err)
	}
	return pub, nil
}

// OpenRecovery is the hub's half of recovery: it decrypts a recovery wrap
// with the hub's SM2 private key and returns the master key.
func OpenRecovery(priv *sm2.PrivateKey, wrap string) ([]byte, error) {
	ct, err := base64.StdEncoding.DecodeString(wrap)
	if err != nil {
		return nil, fmt.Errorf("keyring: recovery wrap: %w", err)
	}
	pt, err := sm2.Decrypt(priv, ct)
	if err != nil {
		return nil, fmt.Errorf("keyring: recovery wrap: %w", err)
	}
	if !bytes.HasPrefix(pt, []byte(recoveryTag)) || len(pt) != len(recoveryTag)+masterSize {
		return nil, errors.New("keyring: recovery wrap: not a vetdesk master key")
	}
	return pt[len(recoveryTag):], nil
}

// Recover takes the master key the hub returned, checks it opens this key
// file's data keys, and wraps it for login under password (saved).
func (r *Ring) Recover(master []byte, login, password string) error {
	if len(master) != masterSize {
		return ErrNotMaster
	}
	old := r.master
	r.master = master
	if _, err := r.DataKeys(); err != nil {
		r.master = old
		return ErrNotMaster
	}
	return r.SetUser(login, password)
}

// BackupSuffix names the copy of the key file beside a backup.
const BackupSuffix = ".keys"

// Export writes a copy of the key file for a backup at path: every wrap as
// it is, without the failed-unwrap count and without DPAPI (which would
// bind it to this computer: a backup is for when this computer is gone).
// What it holds opens only with a user's password, or through the hub.
func (r *Ring) Export(path string) error {
	if !r.imported {
		if err := r.reload(); err != nil { // the newest wraps and keys, whoever wrote them
			return err
		}
	}
	f := r.f
	f.Failed = nil
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(path, b)
}

// Import reads a key file exported beside a backup (Export), locked, to be
// installed at path with Install.
func Import(exported, path string) (*Ring, error) {
	b, err := os.ReadFile(exported)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	r := &Ring{path: path, imported: true}
	if err := json.Unmarshal(b, &r.f); err != nil || r.f.Version != 1 {
		return nil, fmt.Errorf("keyring: %s: not a key file (%v)", exported, err)
	}
	if r.f.Users == nil {
		r.f.Users = map[string]string{}
	}
	return r, nil
}

// UnlockLike unlocks r with the master key of other, an unlocked ring of
// the same store (a backup's key file, opened by the live one): the master
// key stays for the store's life, only the data key rotates. A ring of
// another store is ErrNotMaster.
func (r *Ring) UnlockLike(other *Ring) error {
	if other.master == nil {
		return ErrLocked
	}
	r.master = other.master
	if _, err := r.DataKeys(); err != nil {
		r.master = nil
		return ErrNotMaster
	}
	return nil
}

// Install writes the ring at its path (protected as any key file is),
// replacing what is there.
func (r *Ring) Install() error {
	release, err := r.lock()
	if err != nil {
		return err
	}
	defer release()
	r.imported = false
	return r.save()
}

// Stage writes the ring, protected as the key file is, to tmp (synced)
// for the caller to rename onto its path: a restore swaps the key file in
// together with the store it opens (store.Companion). From then on r is
// the key file's ring. Take the lock (Hold) around the swap.
func (r *Ring) Stage(tmp string) error {
	b, err := json.MarshalIndent(r.f, "", "  ")
	if err != nil {
		return err
	}
	if b, err = protect(b); err != nil {
		return fmt.Errorf("keyring: protect: %w", err)
	}
	if err := writeAtomic(tmp, b); err != nil {
		return err
	}
	r.imported = false
	return nil
}

// save writes the file atomically: a temporary file beside it, synced,
// renamed over, the folder synced.
func (r *Ring) save() error {
	b, err := json.MarshalIndent(r.f, "", "  ")
	if err != nil {
		return err
	}
	if b, err = protect(b); err != nil {
		return fmt.Errorf("keyring: protect: %w", err)
	}
	return writeAtomic(r.path, b)
}

func writeAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, FileName+".*.tmp")
	if err != nil {
		return fmt.Errorf("keyring: save: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil && !isWindows {
		tmp.Close()
		return fmt.Errorf("keyring: save: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("keyring: save: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("keyring: save: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("keyring: save: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("keyring: save: %w", err)
	}
	syncDir(dir)
	return nil
}
