package counter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"vetdesk/internal/keyring"
	"vetdesk/store"
	"vetdesk/syncapi"
	"vetdesk/syncclient"
)

// Audit actions of the store's keys (#12). Every wrap, failed unwrap,
// rotation and recovery is written to the store's hash-chained audit log.
const (
	ActionKeyWrap    = "key.wrap"    // a user (or the hub's recovery key) got a wrap of the master key
	ActionKeyUnwrap  = "key.unwrap"  // a failed unwrap, audited at the next successful open
	ActionKeyRemove  = "key.remove"  // a disabled or vanished user's wrap removed
	ActionKeySeal    = "key.seal"    // a plaintext store of an earlier version encrypted
	ActionKeyRotate  = "key.rotate"  // a new data key, the store re-encrypted
	ActionKeyRecover = "key.recover" // the master key recovered through the hub for a user
)

// StoreFile is the store's name in the data folder.
const StoreFile = "vetdesk.db"

// restoreKeysTmp names the restored key file written beside the live
// one until the restore swaps both in.
const restoreKeysTmp = ".restore-tmp"

// setupMark marks a first run whose store exists but whose key file is not
// written yet (no admin has chosen a password): if the run ends there, the
// next start throws the empty store away and begins again.
const setupMark = keyring.FileName + ".setup"

var (
	// ErrNoKeyFile: the store is encrypted and its key file is missing.
	ErrNoKeyFile = errors.New("the store is encrypted and its key file " + keyring.FileName + " is missing")
	// ErrNotUnlocked: the store is not open yet.
	ErrNotUnlocked = errors.New("the store is locked")
)

// VaultState is what a start finds in the data folder.
type VaultState int

const (
	VaultNew    VaultState = iota // no store: the first admin's password makes the keys
	VaultSealed                   // a key file: a login with a wrap opens the store
	VaultPlain                    // a plaintext store of an earlier version: the first login encrypts it
)

// Vault opens the desk's store with the keys of its key file
// (internal/keyring): one data key per store, a master key wrapped per
// user under their password and once to the hub's recovery key.
type Vault struct {
	dir  string
	opt  store.Options
	ring *keyring.Ring
	db   *store.DB
}

// NewVault is the vault of the data folder dir; opt are the store's
// options but for the key.
func NewVault(dir string, opt store.Options) *Vault { return &Vault{dir: dir, opt: opt} }

func (v *Vault) storePath() string { return filepath.Join(v.dir, StoreFile) }
func (v *Vault) keyPath() string   { return keyring.Path(v.dir) }
func (v *Vault) markPath() string  { return filepath.Join(v.dir, setupMark) }

// DB is the open store (nil until unlocked).
func (v *Vault) DB() *store.DB { return v.db }

// State says what the data folder holds. It finishes what an interrupted
// first run left: an empty store without a key file is removed.
func (v *Vault) State() (VaultState, error) {
	// a restore cut by a crash: finished (store and key file both new) or
	// undone (both old) before anything looks at either
	if err := store.FinishRestore(v.storePath()); err != nil {
		return 0, err
	}
	if err := os.Remove(v.keyPath() + restoreKeysTmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("unfinished restore: %w", err)
	}
	if keyring.Exists(v.keyPath()) {
		_ = os.Remove(v.markPath()) // the key file was written: the setup is done
		return VaultSealed, nil
	}
	if _, err := os.Stat(v.markPath()); err == nil {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			if err := os.Remove(v.storePath() + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return 0, fmt.Errorf("unfinished setup: %w", err)
			}
		}
		if err := os.Remove(v.markPath()); err != nil {
			return 0, fmt.Errorf("unfinished setup: %w", err)
		}
	}
	if _, err := os.Stat(v.storePath()); errors.Is(err, os.ErrNotExist) {
		return VaultNew, nil
	}
	sealed, err := store.IsSealed(v.storePath())
	if err != nil {
		return 0, err
	}
	if sealed {
		return 0, ErrNoKeyFile
	}
	return VaultPlain, nil
}

// OpenNew is the first run: new keys, kept in memory, open a new encrypted
// store; the key file is written when the first admin logs in (AfterLogin).
func (v *Vault) OpenNew() (*store.DB, error) {
	ring, err := keyring.New(v.keyPath())
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(v.dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(v.markPath(), nil, 0o600); err != nil {
		return nil, fmt.Errorf("first run: %w", err)
	}
	keys, err := ring.DataKeys()
	if err != nil {
		return nil, err
	}
	db, err := v.open(keys[0])
	if err != nil {
		return nil, err
	}
	v.ring, v.db = ring, db
	return db, nil
}

func (v *Vault) open(key []byte) (*store.DB, error) {
	opt := v.opt
	opt.Key = key
	return store.Open(v.storePath(), opt)
}

// Unlock opens the store with login's password: the key file's wrap of a
// sealed store, or, on a plaintext store of an earlier version, the
// user's password in the store, after which the keys are made and the
// store is encrypted (store.Seal keeps the old file until the new one
// checks out). It does not log the user in: the caller runs db.Login.
// A wrong password is keyring.ErrBadPassword (or store.ErrBadCredentials
// on a plaintext store); a user without a wrap here keyring.ErrNoWrap.
func (v *Vault) Unlock(ctx context.Context, login, password string) (*store.DB, error) {
	if v.db != nil {
		return v.db, nil
	}
	state, err := v.State()
	if err != nil {
		return nil, err
	}
	switch state {
	case VaultNew:
		return nil, errors.New("unlock: no store yet: the first run sets one up")
	case VaultPlain:
		return v.sealPlain(ctx, login, password)
	}
	ring, err := keyring.Open(v.keyPath())
	if err != nil {
		return nil, err
	}
	if err := ring.Unlock(login, password); err != nil {
		return nil, err
	}
	if sealed, err := store.IsSealed(v.storePath()); err != nil {
		return nil, err
	} else if !sealed { // a migration cut after the key file was written
		keys, err := ring.DataKeys()
		if err != nil {
			return nil, err
		}
		if err := store.Seal(v.storePath(), keys[0]); err != nil {
			return nil, fmt.Errorf("encrypt the store: %w", err)
		}
	}
	db, err := v.openRing(ctx, ring)
	if err != nil {
		return nil, err
	}
	v.tidy(ctx)
	return db, nil
}

// openRing opens the store with the data keys of the unlocked ring (the
// next key of a rotation a crash cut short, when the current one does not
// open it), keeps both, and audits the failed unwraps the ring counted.
func (v *Vault) openRing(ctx context.Context, ring *keyring.Ring) (*store.DB, error) {
	var db *store.DB
	err := ring.OpenStore(func(k []byte) error {
		var err error
		db, err = v.open(k)
		return err
	}, func(err error) bool { return errors.Is(err, store.ErrWrongKey) })
	if err != nil {
		return nil, err
	}
	v.ring, v.db = ring, db
	v.auditFailures(ctx)
	return db, nil
}

// sealPlain checks login and password against a plaintext store, makes the
// keys with that password and encrypts the store.
func (v *Vault) sealPlain(ctx context.Context, login, password string) (*store.DB, error) {
	plain, err := store.Open(v.storePath(), v.opt)
	if err != nil {
		return nil, err
	}
	u, err := plain.Login(ctx, login, password)
	if cerr := plain.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	ring, err := keyring.Create(v.keyPath(), login, password)
	if err != nil {
		return nil, err
	}
	keys, err := ring.DataKeys()
	if err != nil {
		return nil, err
	}
	if err := store.Seal(v.storePath(), keys[0]); err != nil {
		return nil, fmt.Errorf("encrypt the store: %w", err)
	}
	db, err := v.open(keys[0])
	if err != nil {
		return nil, err
	}
	v.ring, v.db = ring, db
	v.audit(ctx, u.ID, login, ActionKeySeal, StoreFile, true, "plaintext store of an earlier version encrypted")
	v.audit(ctx, u.ID, login, ActionKeyWrap, login, true, "")
	v.tidy(ctx)
	return db, nil
}

func (v *Vault) audit(ctx context.Context, userID, login, action, target string, ok bool, detail string) {
	_ = v.db.Audit(ctx, store.AuditEntry{UserID: userID, Login: login, Action: action, Target: target, Success: ok, Detail: detail})
}

// auditFailures writes the failed unwraps the key file counted since the
// last open to the audit log, then forgets them.
func (v *Vault) auditFailures(ctx context.Context) {
	fs := v.ring.Failures()
	for _, f := range fs {
		if err := v.db.Audit(ctx, store.AuditEntry{Login: f.Login, Action: ActionKeyUnwrap, Target: f.Login, Success: false,
			Detail: f.Why + " at " + f.At.Format(time.RFC3339)}); err != nil {
			return
		}
	}
	_ = v.ring.ClearFailures(len(fs))
}

// tidy keeps the key file in step with the store: the wraps of users
// disabled or gone are removed, and the recovery wrap follows the hub's
// recovery key once the desk has learnt it (enrolment, config).
func (v *Vault) tidy(ctx context.Context) {
	if us, err := v.db.Users(ctx); err == nil {
		live := map[string]bool{}
		for _, u := range us {
			if !u.Disabled {
				live[u.Login] = true
			}
		}
		for _, l := range v.ring.Users() {
			if !live[l] && v.ring.RemoveUser(l) == nil && !v.ring.HasUser(l) {
				v.audit(ctx, "", l, ActionKeyRemove, l, true, "user disabled or removed")
			}
		}
	}
	_ = v.SyncRecovery(ctx)
}

// SyncRecovery wraps the master key to the hub's recovery key when the
// store knows one the key file's recovery wrap is not for.
func (v *Vault) SyncRecovery(ctx context.Context) error {
	if v.db == nil || v.ring == nil || !v.ring.Unlocked() {
		return ErrNotUnlocked
	}
	var h keyring.Hub
	var err error
	get := func(k string) string {
		s, e := v.db.Setting(ctx, k)
		err = errors.Join(err, e)
		return s
	}
	h.Key, h.URL, h.Fingerprint = get(syncclient.SettingRecoveryKey), get(syncclient.SettingHubURL), get(syncclient.SettingFingerprint)
	if err != nil || h.Key == "" {
		return err
	}
	dev, err := v.db.Device(ctx)
	if err != nil {
		return err
	}
	h.DeviceID = dev.ID
	if v.ring.RecoveryHub() == h {
		return nil
	}
	if err := v.ring.SetRecovery(h); err != nil {
		v.audit(ctx, "", "", ActionKeyWrap, "hub recovery key", false, err.Error())
		return err
	}
	v.audit(ctx, "", "", ActionKeyWrap, "hub recovery key", true, h.URL)
	return nil
}

// AfterLogin runs once u logged in on the open store with password: a user
// without a wrap gets one (the first admin of a new store, whose wrap
// writes the key file; a user synced from the hub, logging in while
// another unlocked the store), and a user whose password changed elsewhere
// (on the hub, synced) gets theirs wrapped again.
func (v *Vault) AfterLogin(ctx context.Context, u store.User, password string) error {
	if v.ring == nil || !v.ring.Unlocked() {
		return ErrNotUnlocked
	}
	if v.ring.HasUser(u.Login) && v.ring.Opens(u.Login, password) {
		return nil
	}
	detail := "first login on this computer"
	if v.ring.HasUser(u.Login) {
		detail = "password changed"
	}
	if err := v.ring.SetUser(u.Login, password); err != nil {
		v.audit(ctx, u.ID, u.Login, ActionKeyWrap, u.Login, false, err.Error())
		return err
	}
	_ = os.Remove(v.markPath())
	v.audit(ctx, u.ID, u.Login, ActionKeyWrap, u.Login, true, detail)
	if detail != "password changed" {
		_ = v.SyncRecovery(ctx)
	}
	return nil
}

// FirstKey writes the key file of a first run (OpenNew) for login under
// password without a user of that login in the store: a desk enrolled from
// the command line, whose users come with its first sync (login should be
// one of them, with that password, to log in later).
func (v *Vault) FirstKey(ctx context.Context, login, password string) error {
	if v.ring == nil || v.db == nil {
		return ErrNotUnlocked
	}
	if err := v.ring.SetUser(login, password); err != nil {
		return err
	}
	_ = os.Remove(v.markPath())
	v.audit(ctx, "", login, ActionKeyWrap, login, true, "first key of a desk whose users come from the hub")
	return nil
}

// Rotate gives the store a new data key: the key file takes it as the next
// key, the store is re-encrypted with it, then it becomes the current one
// (a crash in between opens with either). Admins only.
func (v *Vault) Rotate(ctx context.Context, a store.Actor) error {
	if a.Role != store.RoleAdmin {
		return fmt.Errorf("rotate key: %w", store.ErrForbidden)
	}
	if v.ring == nil || v.db == nil {
		return ErrNotUnlocked
	}
	// the whole rotation under the key file's lock: another process's
	// change between the next key and the commit could drop either
	release, err := v.ring.Hold()
	if err != nil {
		v.audit(ctx, a.UserID, a.Login, ActionKeyRotate, StoreFile, false, err.Error())
		return fmt.Errorf("rotate key: %w", err)
	}
	defer release()
	key, err := v.ring.Rotate()
	if err == nil {
		err = v.db.Rekey(ctx, key)
	}
	if err == nil {
		err = v.ring.Committed(key)
	}
	v.audit(ctx, a.UserID, a.Login, ActionKeyRotate, StoreFile, err == nil, "")
	return err
}

// Recover asks the hub for the master key (its recovery wrap, opened for a
// hub admin), wraps it for login under password and opens the store. The
// user's password in the store becomes password too; a login the store
// does not know becomes an admin of this office (an office whose admin
// left). The caller logs in afterwards.
func (v *Vault) Recover(ctx context.Context, login, password, hubAdmin, hubAdminPassword string) (*store.DB, error) {
	ring, err := keyring.Open(v.keyPath())
	if err != nil {
		return nil, err
	}
	wrap, err := ring.RecoveryWrap()
	if err != nil {
		return nil, err
	}
	h := ring.RecoveryHub()
	master, err := syncclient.Recover(ctx, syncclient.RecoverOptions{HubURL: h.URL, Fingerprint: h.Fingerprint,
		Request: syncapi.RecoverRequest{DeviceID: h.DeviceID, AdminLogin: hubAdmin, AdminPassword: hubAdminPassword, ForLogin: login, Wrap: wrap}})
	if err != nil {
		return nil, err
	}
	if err := ring.Recover(master, login, password); err != nil {
		return nil, err
	}
	db, err := v.openRing(ctx, ring)
	if err != nil {
		return nil, err
	}
	a := store.Actor{UserID: "recovery", Login: "recovery:" + hubAdmin, Name: "hub recovery", Role: store.RoleAdmin}
	if err := v.setPassword(ctx, a, login, password); err != nil {
		return db, err
	}
	v.audit(ctx, a.UserID, a.Login, ActionKeyRecover, login, true, "master key recovered through the hub "+h.URL+" by hub admin "+hubAdmin)
	return db, nil
}

func (v *Vault) setPassword(ctx context.Context, a store.Actor, login, password string) error {
	us, err := v.db.Users(ctx)
	if err != nil {
		return err
	}
	for _, u := range us {
		if u.Login == login {
			if u.Disabled {
				u.Disabled = false
				if err := v.db.UpdateUser(ctx, a, u); err != nil {
					return err
				}
			}
			return v.db.SetPassword(ctx, a, u.ID, password)
		}
	}
	dev, err := v.db.Device(ctx)
	if err != nil {
		return err
	}
	a.Office = dev.Office
	_, err = v.db.CreateUser(ctx, a, store.User{Login: login, Name: login, Role: store.RoleAdmin, Office: dev.Office}, password)
	return err
}

// Close closes the store.
func (v *Vault) Close() error {
	if v.db == nil {
		return nil
	}
	err := v.db.Close()
	v.db = nil
	return err
}

// Backup backs the store up to dest (encrypted with the store's data key,
// as the store is) and writes a copy of the key file beside it
// (dest+keyring.BackupSuffix): restoring takes a user's password as it was
// at the backup, or the hub's recovery.
func (v *Vault) Backup(ctx context.Context, dest string) (store.BackupInfo, error) {
	if v.db == nil || v.ring == nil {
		return store.BackupInfo{}, ErrNotUnlocked
	}
	info, err := v.db.BackupFile(ctx, dest)
	if err != nil {
		return info, err
	}
	return info, v.ring.Export(dest + keyring.BackupSuffix)
}

// ExportKeys writes the key file's copy beside a backup made by the store
// itself (the automatic backups, the 设置 screen's), and removes the copies
// left beside backups that are gone from that folder (store.PruneBackups
// keeps the newest few).
func (v *Vault) ExportKeys(backup string) error {
	if v.ring == nil {
		return ErrNotUnlocked
	}
	if err := v.ring.Export(backup + keyring.BackupSuffix); err != nil {
		return err
	}
	keys, _ := filepath.Glob(filepath.Join(filepath.Dir(backup), "*"+keyring.BackupSuffix))
	for _, k := range keys {
		if _, err := os.Stat(strings.TrimSuffix(k, keyring.BackupSuffix)); errors.Is(err, os.ErrNotExist) {
			_ = os.Remove(k)
		}
	}
	return nil
}

// Restore replaces the store with the backup at from and the key file with
// the copy beside it, once that copy opens: with login's password as it
// was at the backup, or, when login is empty, with the master key of the
// store open now (a backup of this same store: the master key never
// changes). The backup must check out with its key first. The restored
// store is opened and returned; the caller logs in.
func (v *Vault) Restore(ctx context.Context, from, login, password string) (*store.DB, error) {
	ring, err := keyring.Import(from+keyring.BackupSuffix, v.keyPath())
	if err != nil {
		return nil, fmt.Errorf("restore: the backup's key file: %w", err)
	}
	if login != "" {
		err = ring.Unlock(login, password)
	} else if v.ring != nil {
		err = ring.UnlockLike(v.ring)
	} else {
		err = ErrNotUnlocked
	}
	if err != nil {
		return nil, err
	}
	keys, err := ring.DataKeys()
	if err != nil {
		return nil, err
	}
	if err := store.CheckBackup(from, keys[0]); err != nil {
		return nil, err
	}
	// the store and the key file that opens it are swapped in together
	// (store.Restore's journal), under the key file's lock
	if err := os.MkdirAll(v.dir, 0o700); err != nil { // onto a new PC
		return nil, err
	}
	release, err := ring.Hold()
	if err != nil {
		return nil, err
	}
	defer release()
	if err := v.Close(); err != nil {
		return nil, err
	}
	staged := v.keyPath() + restoreKeysTmp
	if err := ring.Stage(staged); err != nil {
		return nil, err
	}
	if err := store.Restore(from, v.storePath(), keys[0], store.Companion{From: staged, To: v.keyPath()}); err != nil {
		os.Remove(staged)
		return nil, err
	}
	db, err := v.open(keys[0])
	if err != nil {
		return nil, err
	}
	v.ring, v.db = ring, db
	return db, nil
}
