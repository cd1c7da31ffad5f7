package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Backup writes a consistent copy of the store to dest: VACUUM INTO a
// temporary file next to dest, the hub credential deleted from it
// (SettingHubToken: whoever holds a backup must not be able to sync as
// this device), sync, rename; then the attachments (scans)
// into the folder dest+AttachmentsSuffix beside it, only those not there
// yet.
func (db *DB) Backup(ctx context.Context, dest string) error {
	if err := checkPathLen(dest); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmp := fmt.Sprintf("%s.tmp-%d", dest, os.Getpid())
	os.Remove(tmp)
	// VACUUM INTO fills an empty file as it finds it: owner-only from the start.
	if err := os.WriteFile(tmp, nil, 0o600); err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	p, done := db.pool()
	err := vacuumInto(ctx, p, tmp, db.key)
	done()
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	if err := scrubCredentials(ctx, tmp, db.key); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", dest, keyError(db.key, err))
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	if err := fsyncDir(filepath.Dir(dest)); err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	if err := db.backupAttachments(ctx, dest+AttachmentsSuffix); err != nil {
		return fmt.Errorf("backup attachments to %s: %w", dest+AttachmentsSuffix, err)
	}
	return nil
}

// SettingHubToken holds the device's hub bearer token. It is a live
// credential: a backup leaves it out, and a restore keeps the token of the
// store it replaces only when that store is the same device's, so a
// backup restored on another machine must enrol again.
const SettingHubToken = "sync.token"

// SettingLetterKey holds the private half of the desk's letter key (#12),
// which signs its hukou letters. Kept like the token: a backup restored on
// another machine has none, and that desk gets a key of its own certified
// at its next sync.
const SettingLetterKey = "seal.key"

// credentialSettings are the settings no backup holds.
var credentialSettings = []string{SettingHubToken, SettingLetterKey}

// scrubCredentials deletes the credentialSettings from the store file at
// path, with secure_delete so their bytes do not stay in a free page.
func scrubCredentials(ctx context.Context, path string, key []byte) error {
	sdb, err := sql.Open("sqlite3", dsn(path, key, false)+"&_pragma=secure_delete(1)")
	if err != nil {
		return err
	}
	defer sdb.Close()
	for _, k := range credentialSettings {
		if _, err := sdb.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, k); err != nil {
			return fmt.Errorf("leave out %s: %w", k, err)
		}
	}
	return sdb.Close()
}

// heldCredentials returns the device id and credentialSettings of the
// store file at path, or an empty id when there is no readable store.
func heldCredentials(path string, key []byte) (string, map[string]string) {
	if _, err := os.Stat(path); err != nil {
		return "", nil
	}
	sdb, err := sql.Open("sqlite3", dsn(path, key, true))
	if err != nil {
		return "", nil
	}
	defer sdb.Close()
	var id string
	if err := sdb.QueryRow(`SELECT id FROM device`).Scan(&id); err != nil {
		return "", nil
	}
	creds := map[string]string{}
	for _, k := range credentialSettings {
		var v string
		if err := sdb.QueryRow(`SELECT value FROM settings WHERE key = ?`, k).Scan(&v); err == nil {
			creds[k] = v
		}
	}
	return id, creds
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// CheckBackup opens a backup read-only with key and checks it (a
// plaintext backup, of an earlier version, without key): integrity_check (page checksums too, when sealed), our
// application_id, a schema this program knows. A sealed backup with
// another key, or without one, fails with ErrWrongKey.
func CheckBackup(path string, key []byte) error {
	if err := checkPathLen(path); err != nil {
		return fmt.Errorf("check backup: %w", err)
	}
	if sealed, err := IsSealed(path); err == nil && !sealed {
		key = nil // a plaintext backup of an earlier version: Restore seals it
	}
	if _, err := checkHeader(path, key != nil); err != nil {
		return err
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("check backup %s: %w", path, err)
	}
	if err := probe(path, key); err != nil {
		return err
	}
	sdb, err := sql.Open("sqlite3", dsn(path, key, true))
	if err != nil {
		return fmt.Errorf("check backup %s: %w", path, err)
	}
	defer sdb.Close()
	var appID int
	if err := sdb.QueryRow(`PRAGMA application_id`).Scan(&appID); err != nil {
		return fmt.Errorf("check backup %s: %w", path, err)
	}
	if appID != applicationID {
		return fmt.Errorf("check backup %s: %w", path, ErrForeignFile)
	}
	return keyError(key, integrityCheck(sdb, path))
}

func integrityCheck(sdb *sql.DB, path string) error {
	rows, err := sdb.Query(`PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("integrity check %s: %w", path, err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return fmt.Errorf("integrity check %s: %w", path, err)
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check %s: %w", path, err)
	}
	if len(msgs) != 1 || msgs[0] != "ok" {
		return fmt.Errorf("integrity check %s: %s: %w", path, strings.Join(msgs, "; "), ErrCorrupt)
	}
	return nil
}

// IntegrityCheck runs PRAGMA integrity_check on the open store.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	p, done := db.pool()
	defer done()
	return integrityCheck(p, db.path)
}

// SettingRestored is set (to the time) in a store restored from a backup:
// the ops this device wrote after the backup are on the hub, not here, so
// sync fetches the device's own ops again (and clears it when done).
const SettingRestored = "store.restored_at"

// RestoreSequenceGap is how far Restore moves every per-device number
// sequence (case numbers, letter numbers) ahead of the backup's, so that
// numbers issued after the backup are not issued again before sync brings
// those cases back: it assumes fewer than this many per sequence and year
// since the backup. AcceptCase also skips past any number it already holds.
const RestoreSequenceGap = 1000

// markRestored prepares a restored copy: SettingRestored, the sequences
// moved ahead by RestoreSequenceGap, and the credentials: none from the
// backup (an older one may hold them), the replaced store's creds when it
// was the same device (heldDevice); and the attachment keys of the
// replaced store besides its own (restoreAttachments).
func markRestored(path string, key []byte, heldDevice string, creds map[string]string, attachKeys []attachKey) error {
	db, err := Open(path, Options{Key: key, attachKeys: attachKeys, restoring: true})
	if err != nil {
		return err
	}
	err = db.write(context.Background(), func(w *wtx) error {
		if err := w.setSetting(SettingRestored, formatTime(db.now())); err != nil {
			return err
		}
		var id string
		if err := w.queryRow(`SELECT id FROM device`).Scan(&id); err != nil {
			return err
		}
		for _, k := range credentialSettings {
			if _, err := w.exec(`DELETE FROM settings WHERE key = ?`, k); err != nil {
				return err
			}
			if v, ok := creds[k]; ok && id == heldDevice {
				if err := w.setSetting(k, v); err != nil {
					return err
				}
			}
		}
		_, err := w.exec(`UPDATE sequences SET last = last + ?`, RestoreSequenceGap)
		return err
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}

// Restore replaces the store at dbPath with the backup at backupPath, after
// checking the backup (CheckBackup). The hub credential of the replaced
// store is kept when the backup is of the same device; otherwise the
// restored store has none and the desk must enrol again. The store must be closed. The copy is
// written next to dbPath, synced and renamed over it; the old WAL and
// shared-memory files are removed first so they cannot be replayed into
// the restored file. Companions (the key file that opens the restored
// store, written beside its place by the caller) are renamed in with it,
// all or none, through a journal that Open and FinishRestore finish after
// a crash (restore_swap.go).
// With key, the restored store is sealed with it: a sealed backup must be
// sealed with the same key, a plaintext one is sealed on the way.
func Restore(backupPath, dbPath string, key []byte, companions ...Companion) error {
	if err := checkPathLen(dbPath); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := CheckBackup(backupPath, key); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// onto a new PC the data folder does not exist yet
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o700); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := privateFolder(dbPath); err != nil && !errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("restore: %w", err)
	}
	attachKeys, err := restoreAttachments(backupPath, dbPath, key)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	heldDevice, creds := heldCredentials(dbPath, key)
	if err := checkCompanions(dbPath, companions); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	tmp := dbPath + restoreTmp
	if err := copyFile(backupPath, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	if err := markRestored(tmp, key, heldDevice, creds, attachKeys); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	if err := swapRestored(dbPath, tmp, companions); err != nil { // restore_swap.go
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
