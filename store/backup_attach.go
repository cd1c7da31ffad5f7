package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// AttachmentsSuffix names the folder beside a backup file that holds the
// attachments (scans) of the backed-up store, laid out as the store's own
// attachments folder: Backup writes it, Restore reads it when present.
const AttachmentsSuffix = ".attachments"

// backupAttachments copies every stored attachment into dest's folder,
// skipping those already there (the files are named by their content, so
// backing up to the same place again copies only the new ones).
func (db *DB) backupAttachments(ctx context.Context, dest string) error {
	return walkAttachments(db.files, func(hash, path string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		to := filepath.Join(dest, hash[:2], hash)
		if _, err := os.Stat(to); err == nil {
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
			return err
		}
		tmp := to + ".tmp"
		if err := copyFile(path, tmp); err != nil {
			os.Remove(tmp)
			return err
		}
		return os.Rename(tmp, to)
	})
}

// walkAttachments calls fn for every attachment file under dir (hash-named
// files in two-character folders); a missing dir holds none.
func walkAttachments(dir string, fn func(hash, path string) error) error {
	subs, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	for _, sub := range subs {
		if !sub.IsDir() || len(sub.Name()) != 2 {
			continue
		}
		files, err := os.ReadDir(filepath.Join(dir, sub.Name()))
		if err != nil {
			return err
		}
		for _, f := range files {
			if f.Type().IsRegular() && validHash(f.Name()) && f.Name()[:2] == sub.Name() {
				if err := fn(f.Name(), filepath.Join(dir, sub.Name(), f.Name())); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// restoreAttachments checks every attachment in the folder beside the
// backup at backupPath against its name (SHA-256 of the plaintext; a
// sealed file is decrypted with the backup's attachment keys, and every
// chunk checked) and then copies the ones the data folder of dbPath lacks
// into it, as they are. A damaged file fails the restore before anything
// is copied, naming it. It returns the attachment keys of the store the
// restore replaces, which the restored copy keeps (the files they sealed
// stay in the folder). Copied plaintext files (a backup of an earlier
// version) are sealed by the next Open of a sealed store: the folder's
// marker goes.
func restoreAttachments(backupPath, dbPath string, key []byte) ([]attachKey, error) {
	from := backupPath + AttachmentsSuffix
	to := filepath.Join(filepath.Dir(dbPath), "attachments")
	backupKey := key
	if sealed, err := IsSealed(backupPath); err == nil && !sealed {
		backupKey = nil
	}
	ring, err := heldAttachKeys(backupPath, backupKey)
	if err != nil {
		return nil, fmt.Errorf("attachment keys of the backup: %w", err)
	}
	var bad []string
	var want [][2]string
	plain := false
	err = walkAttachments(from, func(hash, path string) error {
		sum, sealed, err := hashAttachmentFile(path, hash, ring)
		if errors.Is(err, ErrCorrupt) || errors.Is(err, ErrAttachmentKey) || (err == nil && sum != hash) {
			bad = append(bad, path)
			return nil
		} else if err != nil {
			return err
		}
		plain = plain || !sealed
		want = append(want, [2]string{hash, path})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%d attachment files of the backup do not match their names, first %s: %w", len(bad), bad[0], ErrCorrupt)
	}
	live, _ := heldAttachKeys(dbPath, key) // none: no store there, or not one this key opens
	if plain && key != nil {
		if err := os.Remove(filepath.Join(to, attachSealedMarker)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	for _, w := range want {
		dst := filepath.Join(to, w[0][:2], w[0])
		if _, err := os.Stat(dst); err == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return nil, err
		}
		if err := copyFile(w[1], dst+".tmp"); err != nil {
			os.Remove(dst + ".tmp")
			return nil, err
		}
		if err := os.Rename(dst+".tmp", dst); err != nil {
			return nil, err
		}
	}
	return live, nil
}

// heldAttachKeys reads the attachment key ring of the store file at path
// (sealed with key; nil: plaintext, which has none), none when there is
// no file.
func heldAttachKeys(path string, key []byte) ([]attachKey, error) {
	if key == nil {
		return nil, nil
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	sdb, err := sql.Open("sqlite3", dsn(path, key, true))
	if err != nil {
		return nil, err
	}
	defer sdb.Close()
	var s string
	if err := sdb.QueryRow(`SELECT value FROM settings WHERE key = ?`, SettingAttachmentKeys).Scan(&s); errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, keyError(key, err)
	}
	return parseAttachKeys(s)
}

// hashAttachmentFile returns the SHA-256 (hex) of the plaintext of the
// attachment file at path named hash, decrypting it with ring when it is
// sealed (sealed tells), and fails with ErrCorrupt when a sealed chunk
// does not check or a plaintext file does not match its name.
func hashAttachmentFile(path, hash string, ring []attachKey) (sum string, sealed bool, err error) {
	r, err := openAttachmentFile(path, hash, ring, true)
	if err != nil {
		return "", false, err
	}
	defer r.Close()
	if _, sealed = r.(*sealedReader); !sealed {
		return hash, false, nil // openAttachmentFile matched it to its name
	}
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", true, err
	}
	return hex.EncodeToString(h.Sum(nil)), true, nil
}

// HashFile returns the SHA-256 (hex) and the size of the file at path, as
// its bytes are (a sealed attachment file hashes to something else than
// its name: see hashAttachmentFile).
func HashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
