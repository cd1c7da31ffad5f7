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

// Attachments (scans, photos) are files named by the SHA-256 of their
// content under the folder "attachments" next to the database, two levels
// deep (ab/abcdef…). A file is written once: to a temporary name, synced,
// then renamed into place.

func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil
}

func (db *DB) attachmentPath(hash string) string {
	return filepath.Join(db.files, hash[:2], hash)
}

// PutAttachment stores the content of r and returns its SHA-256 in hex.
// Storing the same content again changes nothing.
func (db *DB) PutAttachment(ctx context.Context, r io.Reader) (string, error) {
	if err := os.MkdirAll(db.files, 0o700); err != nil {
		return "", fmt.Errorf("put attachment: %w", err)
	}
	tmp, err := os.CreateTemp(db.files, ".put-*")
	if err != nil {
		return "", fmt.Errorf("put attachment: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, h), r)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("put attachment: %w", err)
	}
	hash := hex.EncodeToString(h.Sum(nil))
	dest := db.attachmentPath(hash)
	if _, err := os.Stat(dest); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(dest), 0o700); err != nil {
			return "", fmt.Errorf("put attachment %s: %w", hash, err)
		}
		if err := os.Rename(tmp.Name(), dest); err != nil {
			return "", fmt.Errorf("put attachment %s: %w", hash, err)
		}
		if err := fsyncDir(filepath.Dir(dest)); err != nil {
			return "", fmt.Errorf("put attachment %s: %w", hash, err)
		}
	}
	err = db.write(ctx, func(w *wtx) error {
		_, err := w.exec(`INSERT OR IGNORE INTO attachments (hash, size, added_at) VALUES (?, ?, ?)`, hash, size, formatTime(db.now()))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("put attachment %s: %w", hash, err)
	}
	return hash, nil
}

// OpenAttachment opens the stored content with hash.
func (db *DB) OpenAttachment(hash string) (io.ReadCloser, error) {
	if !validHash(hash) {
		return nil, fmt.Errorf("open attachment %q: %w", hash, ErrNotFound)
	}
	f, err := os.Open(db.attachmentPath(hash))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("open attachment %s: %w", hash, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("open attachment %s: %w", hash, err)
	}
	return f, nil
}

// HasAttachment reports whether the content with hash is stored.
func (db *DB) HasAttachment(hash string) bool {
	if !validHash(hash) {
		return false
	}
	_, err := os.Stat(db.attachmentPath(hash))
	return err == nil
}
