package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// The attachment key ring (#12). A sealed store seals its attachment files
// with a random 32-byte attachment key of its own, kept inside the sealed
// database (the setting SettingAttachmentKeys), not derived from the
// store's data key:
//   - Rekey and a key rotation re-encrypt the database only; the scans,
//     gigabytes of them, stay as they are;
//   - a backup is a copy of the database, so it carries the keys of the
//     scans backed up beside it, sealed under the store's data key;
//   - settings are device-local: a snapshot the hub writes carries none of
//     the hub's keys, and a desk adopting one keeps its own. Desk and hub
//     each seal their own copies; a scan travels in plaintext inside TLS,
//     as before, and the hub checks its SHA-256.
//
// The ring holds every key whose files the folder may hold, the current
// one (used for new files) first; each file names its key by an 8-byte id
// (HMAC-SM3 of the key). A restore keeps the keys of the store it replaces
// (its files stay in the folder) besides the backup's.
//
// A plaintext store has no ring and keeps plaintext files. When a store is
// sealed (Open with a key, Seal then Open, Rekey of a plaintext store) its
// plaintext files are sealed one by one, each written sealed to a
// temporary file, synced and renamed over the plaintext one, so a crash
// leaves every file either plaintext or sealed, and the next Open goes
// on. When every file is sealed the folder gets the marker
// attachSealedMarker and later Opens skip the walk; a restore removes it.
// Until then a plaintext file is read only when its SHA-256 matches its
// name, so a file with a changed byte never passes for a scan.

// SettingAttachmentKeys holds the attachment key ring: hex keys separated
// by spaces, the current one first. Not a credential (a backup needs it).
const SettingAttachmentKeys = "attach.keys"

// attachSealedMarker, in the attachments folder, says that every file in
// it was sealed (written when sealing the folder finished).
const attachSealedMarker = ".sealed"

// attachState is a store's attachment key ring.
type attachState struct {
	mu   sync.RWMutex
	ring []attachKey // current first; empty: plaintext files
}

func (db *DB) attachRing() []attachKey {
	db.attach.mu.RLock()
	defer db.attach.mu.RUnlock()
	return db.attach.ring
}

func parseAttachKeys(s string) ([]attachKey, error) {
	var ring []attachKey
	for _, f := range strings.Fields(s) {
		k, err := hex.DecodeString(f)
		if err != nil || len(k) != attachKeySize {
			return nil, fmt.Errorf("setting %s: not a key ring", SettingAttachmentKeys)
		}
		ring = append(ring, newAttachKey(k))
	}
	return ring, nil
}

func formatAttachKeys(ring []attachKey) string {
	hs := make([]string, len(ring))
	for i, k := range ring {
		hs[i] = hex.EncodeToString(k.key)
	}
	return strings.Join(hs, " ")
}

// mergeAttachKeys appends to ring the keys of extra it lacks.
func mergeAttachKeys(ring, extra []attachKey) []attachKey {
	for _, e := range extra {
		found := false
		for _, k := range ring {
			if k.id == e.id && bytes.Equal(k.key, e.key) {
				found = true
				break
			}
		}
		if !found {
			ring = append(ring, e)
		}
	}
	return ring
}

// loadAttachKeys reads the ring, adds extra, and, in a sealed store
// without one, creates the first key; what changed is committed before
// any file is sealed with it.
func (db *DB) loadAttachKeys(ctx context.Context, extra []attachKey) error {
	var ring []attachKey
	err := db.write(ctx, func(w *wtx) error {
		var s string
		if err := w.queryRow(`SELECT value FROM settings WHERE key = ?`, SettingAttachmentKeys).Scan(&s); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var err error
		if ring, err = parseAttachKeys(s); err != nil {
			return err
		}
		n := len(ring)
		if db.key != nil { // never a key in a plaintext file
			ring = mergeAttachKeys(ring, extra)
		}
		if len(ring) == 0 && db.key != nil {
			k := make([]byte, attachKeySize)
			if _, err := rand.Read(k); err != nil {
				return err
			}
			ring = append(ring, newAttachKey(k))
		}
		if len(ring) == n {
			return nil
		}
		return w.setSetting(SettingAttachmentKeys, formatAttachKeys(ring))
	})
	if err != nil {
		return fmt.Errorf("attachment keys: %w", err)
	}
	db.attach.mu.Lock()
	db.attach.ring = ring
	db.attach.mu.Unlock()
	return nil
}

// initAttachments loads the ring (creating it in a sealed store) and, in a
// sealed store whose folder is not marked sealed, seals its plaintext
// files (see above). seal false leaves the files as they are (a restore's
// copy, opened beside the store it will replace).
func (db *DB) initAttachments(ctx context.Context, extra []attachKey, seal bool) error {
	if err := db.loadAttachKeys(ctx, extra); err != nil {
		return err
	}
	if db.key == nil || !seal {
		return nil
	}
	return db.sealAttachmentFiles(ctx)
}

// sealAttachmentFiles seals every plaintext attachment file of a sealed
// store, crash-safe, then marks the folder.
func (db *DB) sealAttachmentFiles(ctx context.Context) error {
	ring := db.attachRing()
	if len(ring) == 0 || exists(filepath.Join(db.files, attachSealedMarker)) {
		return nil
	}
	if err := removeAttachTemps(db.files); err != nil {
		return fmt.Errorf("seal attachments: %w", err)
	}
	dirs := map[string]bool{}
	err := walkAttachments(db.files, func(hash, path string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		done, err := sealAttachmentFile(path, hash, ring)
		if done {
			dirs[filepath.Dir(path)] = true
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("seal attachments: %w", err)
	}
	if !exists(db.files) {
		return nil // no folder yet: PutAttachment seals from the first file, the next Open marks it
	}
	for d := range dirs {
		if err := fsyncDir(d); err != nil {
			return fmt.Errorf("seal attachments: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(db.files, attachSealedMarker), []byte("every attachment file here is sealed\n"), 0o600); err != nil {
		return fmt.Errorf("seal attachments: %w", err)
	}
	if err := fsyncDir(db.files); err != nil {
		return fmt.Errorf("seal attachments: %w", err)
	}
	return nil
}

// removeAttachTemps deletes what a cut PutAttachment or sealing left in
// dir (they may hold plaintext of an earlier version).
func removeAttachTemps(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	for _, e := range ents {
		if n := e.Name(); e.Type().IsRegular() && (strings.HasPrefix(n, ".put-") || strings.HasPrefix(n, ".seal-")) {
			if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

// sealAttachmentFile seals the file at path (named hash) with ring's
// current key unless it is sealed already: sealed temporary file beside
// it, synced, renamed over it. The last chunk binds the SHA-256 of the
// content as it is, so a plaintext file that did not match its name
// stays unreadable rather than becoming a valid sealed one. sealed tells
// whether the file was replaced (its folder needs a sync).
func sealAttachmentFile(path, hash string, ring []attachKey) (sealed bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, attachHeaderSize)
	n, _ := io.ReadFull(f, head)
	if isSealedHeader(head[:n]) {
		sum, _ := hex.DecodeString(hash)
		if g, err := os.Open(path); err == nil {
			if r, err := openSealed(g, head, sum, ring); err == nil {
				r.Close()
				return false, nil // sealed already
			}
		}
		// sealed with a key the ring lacks, or damaged: left as it is,
		// unless it is a plaintext file that merely starts like a sealed one
		if raw, err := rawHash(path); err != nil || raw != hash {
			return false, err
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(filepath.Dir(path)), ".seal-*")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	h := sha256.New()
	sw, err := newSealWriter(tmp, ring[0])
	if err == nil {
		_, err = io.Copy(io.MultiWriter(sw, h), f)
	}
	if err == nil {
		err = sw.Finish(h.Sum(nil))
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, fmt.Errorf("seal %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return false, fmt.Errorf("seal %s: %w", path, err)
	}
	return true, nil
}

// rawHash is the SHA-256 (hex) of the bytes of the file at path.
func rawHash(path string) (string, error) {
	sum, _, err := HashFile(path)
	return sum, err
}
