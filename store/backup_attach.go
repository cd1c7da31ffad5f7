package store

import (
	"context"
	"crypto/sha256"
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

// restoreAttachments checks every attachment in the backup's folder
// against its name (SHA-256) and then copies the ones the data folder
// lacks into it. A damaged file fails the restore before anything is
// copied, naming it.
func restoreAttachments(from, to string) error {
	var bad []string
	var want [][2]string
	err := walkAttachments(from, func(hash, path string) error {
		sum, _, err := HashFile(path)
		if err != nil {
			return err
		}
		if sum != hash {
			bad = append(bad, path)
			return nil
		}
		want = append(want, [2]string{hash, path})
		return nil
	})
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("%d attachment files of the backup do not match their names, first %s: %w", len(bad), bad[0], ErrCorrupt)
	}
	for _, w := range want {
		dst := filepath.Join(to, w[0][:2], w[0])
		if _, err := os.Stat(dst); err == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		if err := copyFile(w[1], dst+".tmp"); err != nil {
			os.Remove(dst + ".tmp")
			return err
		}
		if err := os.Rename(dst+".tmp", dst); err != nil {
			return err
		}
	}
	return nil
}

// HashFile returns the SHA-256 (hex) and the size of the file at path.
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
