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
// then renamed into place. In a sealed store the files are sealed with
// SM4-GCM (attach_seal.go, attach_keys.go); the names stay the SHA-256 of
// the plaintext.

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
// Storing the same content again changes nothing. In a sealed store the
// file is sealed (attach_seal.go) as it is written.
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
	var size int64
	if ring := db.attachRing(); db.key != nil && len(ring) > 0 {
		var sw *sealWriter
		if sw, err = newSealWriter(tmp, ring[0]); err == nil {
			if size, err = io.Copy(io.MultiWriter(sw, h), r); err == nil {
				err = sw.Finish(h.Sum(nil))
			}
		}
	} else {
		size, err = io.Copy(io.MultiWriter(tmp, h), r)
	}
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

// AttachmentReader is what OpenAttachment returns: the plaintext content,
// with Seek (ranges) and its Size.
type AttachmentReader interface {
	io.ReadSeekCloser
	Size() int64
}

// OpenAttachment opens the stored content with hash. In a sealed store
// the content is decrypted as it is read and every chunk is checked first:
// a changed byte fails with ErrAttachmentCorrupt, never with other
// content. The result is an AttachmentReader.
func (db *DB) OpenAttachment(hash string) (io.ReadCloser, error) {
	if !validHash(hash) {
		return nil, fmt.Errorf("open attachment %q: %w", hash, ErrNotFound)
	}
	r, err := openAttachmentFile(db.attachmentPath(hash), hash, db.attachRing(), db.key != nil)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("open attachment %s: %w", hash, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("open attachment %s: %w", hash, err)
	}
	return r, nil
}

// plainFile is a plaintext attachment file.
type plainFile struct {
	*os.File
	size int64
}

func (p plainFile) Size() int64 { return p.size }

// openAttachmentFile opens the attachment file at path named hash. A
// plaintext store's files are plaintext and opened as they are. In a
// sealed store (sealed true) a sealed file is opened with ring; a
// plaintext one (not sealed yet, or restored from an old backup) only
// when its content matches its name.
func openAttachmentFile(path, hash string, ring []attachKey, sealed bool) (AttachmentReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !sealed {
		return plainFile{f, fi.Size()}, nil
	}
	head := make([]byte, attachHeaderSize)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		f.Close()
		return nil, err
	}
	if isSealedHeader(head[:n]) {
		sum, _ := hex.DecodeString(hash)
		r, serr := openSealed(f, head, sum, ring) // closes f on error
		if serr == nil {
			return r, nil
		}
		// perhaps a plaintext file that starts like a sealed one
		if f, err = os.Open(path); err != nil {
			return nil, err
		}
		if raw, err := hashOf(f); err != nil || raw != hash {
			f.Close()
			if err != nil {
				return nil, err
			}
			return nil, serr
		}
	} else if raw, err := hashOf(f); err != nil || raw != hash {
		f.Close()
		if err != nil {
			return nil, err
		}
		return nil, ErrAttachmentCorrupt
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return plainFile{f, fi.Size()}, nil
}

// hashOf is the SHA-256 (hex) of what f holds from its start.
func hashOf(f *os.File) (string, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// HasAttachment reports whether the content with hash is stored.
func (db *DB) HasAttachment(hash string) bool {
	if !validHash(hash) {
		return false
	}
	_, err := os.Stat(db.attachmentPath(hash))
	return err == nil
}
