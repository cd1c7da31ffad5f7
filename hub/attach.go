package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"vetdesk/store"
	"vetdesk/syncapi"
)

// MaxAttachment is the largest attachment the hub takes.
const MaxAttachment = 64 << 20

// Unfinished uploads: each device has its own (a device resumes only what
// it sent itself), at most MaxUploadsPerDevice of them holding with the
// one being sent at most MaxUploadBytesPerDevice, and one not appended to
// for UploadTTL is deleted (at Open and every UploadTTL/24). A desktop
// uploads one scan at a time, so it rarely holds more than one.
const (
	UploadTTL               = 24 * time.Hour
	MaxUploadsPerDevice     = 16
	MaxUploadBytesPerDevice = 256 << 20
)

func validHash(s string) bool {
	if len(s) != 64 || strings.ToLower(s) != s {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func (h *Hub) uploadRoot() string { return filepath.Join(h.dir, "uploads") }

// uploadDir is the folder of device's unfinished uploads, named by a hash
// of the device id (ids come from the devices).
func (h *Hub) uploadDir(device string) string {
	return filepath.Join(h.uploadRoot(), tokenHash(device)[:32])
}

func (h *Hub) partPath(device, hash string) string {
	return filepath.Join(h.uploadDir(device), hash+".part")
}

// uploadLock serialises the requests on one unfinished upload; it leaves
// Hub.uploads with its last user.
type uploadLock struct {
	mu    sync.Mutex
	users int
}

// lockUpload locks the upload of part path and returns its unlock.
func (h *Hub) lockUpload(part string) func() {
	h.upMu.Lock()
	l, ok := h.uploads[part]
	if !ok {
		l = &uploadLock{}
		h.uploads[part] = l
	}
	l.users++
	h.upMu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		h.upMu.Lock()
		if l.users--; l.users == 0 {
			delete(h.uploads, part)
		}
		h.upMu.Unlock()
	}
}

// heldUploads returns how many unfinished uploads device holds besides
// part, and their bytes.
func (h *Hub) heldUploads(device, part string) (int, int64) {
	ents, err := os.ReadDir(h.uploadDir(device))
	if err != nil {
		return 0, 0
	}
	n, size := 0, int64(0)
	for _, e := range ents {
		p := filepath.Join(h.uploadDir(device), e.Name())
		if p == part || !strings.HasSuffix(e.Name(), ".part") {
			continue
		}
		if fi, err := e.Info(); err == nil {
			n, size = n+1, size+fi.Size()
		}
	}
	return n, size
}

// expireUploads deletes the unfinished uploads not appended to for
// UploadTTL, the device folders left empty, parts of the layout before
// uploads were kept per device and plaintext parts in a sealed hub (no
// device can resume them).
func (h *Hub) expireUploads() error {
	root := h.uploadRoot()
	ents, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("expire uploads: %w", err)
	}
	cutoff := h.now().Add(-UploadTTL)
	for _, e := range ents {
		p := filepath.Join(root, e.Name())
		if !e.IsDir() {
			os.Remove(p)
			continue
		}
		parts, err := os.ReadDir(p)
		if err != nil {
			return fmt.Errorf("expire uploads: %w", err)
		}
		left := len(parts)
		for _, pe := range parts {
			part := filepath.Join(p, pe.Name())
			unlock := h.lockUpload(part)
			if fi, err := os.Stat(part); err == nil && (fi.ModTime().Before(cutoff) || h.plaintextPart(part)) && os.Remove(part) == nil {
				left--
			}
			unlock()
		}
		if left == 0 {
			os.Remove(p) // fails harmlessly when an upload began meanwhile
		}
	}
	return nil
}

// keepUploadsClean runs expireUploads every UploadTTL/24 until the hub
// closes.
func (h *Hub) keepUploadsClean() {
	t := time.NewTicker(UploadTTL / 24)
	defer t.Stop()
	for {
		select {
		case <-h.bgCtx.Done():
			return
		case <-t.C:
			if err := h.expireUploads(); err != nil {
				h.log.Error("expire uploads", "err", err)
			}
		}
	}
}

// Download rights: an office's devices may fetch a scan once a device of
// that office has uploaded it whole (the hub checked its hash), never
// because a case of the office refers to it, since a device can write any
// hash into its own cases. Rights are kept in hub.db; a hub that predates
// them takes up, once, the references its cases held then.

// mayFetch reports whether device d may fetch (and be told of) attachment
// hash: station devices of an office holding the right.
func (h *Hub) mayFetch(ctx context.Context, d deviceRec, hash string) (bool, error) {
	if d.Department != "" {
		return false, nil // department devices see no materials
	}
	var n int
	err := h.meta.QueryRowContext(ctx, `SELECT count(*) FROM attachment_rights WHERE hash = ? AND office = ?`, hash, d.Office).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("attachment rights: %w", err)
	}
	return n > 0, nil
}

// grant records that d uploaded attachment hash whole: its office may
// fetch it.
func (h *Hub) grant(ctx context.Context, d deviceRec, hash string) error {
	_, err := h.meta.ExecContext(ctx, `INSERT INTO attachment_rights (hash, office, device, granted_at) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, hash, d.Office, d.ID, formatTime(h.now()))
	if err != nil {
		return fmt.Errorf("grant attachment %s: %w", hash, err)
	}
	return nil
}

// takeUpReferences grants, once, every office the attachments its cases
// referred to before rights were recorded at upload.
func (h *Hub) takeUpReferences(ctx context.Context) error {
	const step = "attachment_rights"
	var done int
	if err := h.meta.QueryRowContext(ctx, `SELECT count(*) FROM meta_steps WHERE name = ?`, step).Scan(&done); err != nil || done > 0 {
		return err
	}
	tx, err := h.meta.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("take up attachment references: %w", err)
	}
	defer tx.Rollback()
	now := formatTime(h.now())
	err = h.db.EachAttachmentReference(ctx, func(hash, office string) error {
		if !h.db.HasAttachment(hash) {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO attachment_rights (hash, office, device, granted_at) VALUES (?, ?, '', ?)
			ON CONFLICT DO NOTHING`, hash, office, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("take up attachment references: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta_steps (name, at) VALUES (?, ?)`, step, now); err != nil {
		return fmt.Errorf("take up attachment references: %w", err)
	}
	return tx.Commit()
}

// handleAttachmentHead answers 200 with the size when d may fetch the
// attachment, else 404 with the bytes held of d's own unfinished upload
// of it: whether a scan exists is told only to whom may fetch it.
func (h *Hub) handleAttachmentHead(w http.ResponseWriter, r *http.Request, d deviceRec) {
	hash := r.PathValue("hash")
	if !validHash(hash) {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	ok, err := h.mayFetch(r.Context(), d, hash)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if ok {
		if rc, err := h.db.OpenAttachment(hash); err == nil {
			if ar, ok := rc.(store.AttachmentReader); ok { // the size of the content, not of its sealed file
				w.Header().Set("Content-Length", strconv.FormatInt(ar.Size(), 10))
			}
			rc.Close()
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	var off int64
	if d.Department == "" {
		off = h.partSize(h.partPath(d.ID, hash))
	}
	w.Header().Set(syncapi.HeaderUploadOffset, strconv.FormatInt(off, 10))
	w.WriteHeader(http.StatusNotFound)
}

// parseContentRange parses "bytes start-end/total".
func parseContentRange(s string) (start, end, total int64, err error) {
	spec, ok := strings.CutPrefix(s, "bytes ")
	rng, tot, ok2 := strings.Cut(spec, "/")
	a, b, ok3 := strings.Cut(rng, "-")
	if !ok || !ok2 || !ok3 {
		return 0, 0, 0, fmt.Errorf("content-range %q: bad form", s)
	}
	if start, err = strconv.ParseInt(a, 10, 64); err == nil {
		if end, err = strconv.ParseInt(b, 10, 64); err == nil {
			total, err = strconv.ParseInt(tot, 10, 64)
		}
	}
	if err != nil || start < 0 || end < start || total <= end {
		return 0, 0, 0, fmt.Errorf("content-range %q: bad numbers", s)
	}
	return start, end, total, nil
}

// handleAttachmentPut appends a range to d's upload of an attachment and,
// once complete, verifies its SHA-256, publishes it and lets d's office
// fetch it. A range that does not start where d's held bytes end is
// refused with 409 and the offset. Department devices upload nothing:
// their work carries no materials.
func (h *Hub) handleAttachmentPut(w http.ResponseWriter, r *http.Request, d deviceRec) {
	hash := r.PathValue("hash")
	if !validHash(hash) {
		writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, "not a SHA-256")
		return
	}
	if d.Department != "" {
		writeError(w, http.StatusForbidden, syncapi.ErrBadRequest, "department devices do not upload attachments")
		return
	}
	extendDeadlines(w, h.transferTimeout())
	part := h.partPath(d.ID, hash)
	unlock := h.lockUpload(part)
	defer unlock()
	if h.db.HasAttachment(hash) {
		ok, err := h.mayFetch(r.Context(), d, hash)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if ok {
			io.Copy(io.Discard, io.LimitReader(r.Body, MaxAttachment))
			w.WriteHeader(http.StatusOK)
			return
		}
		// held already, but not for d's office: d proves it has the
		// content by sending it whole, like a first upload
	}
	start, total := int64(0), r.ContentLength
	if cr := r.Header.Get("Content-Range"); cr != "" {
		var err error
		if start, _, total, err = parseContentRange(cr); err != nil {
			writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, err.Error())
			return
		}
	}
	if total <= 0 || total > MaxAttachment {
		writeError(w, http.StatusRequestEntityTooLarge, syncapi.ErrBadRequest, "size unknown or too large")
		return
	}
	have := h.partSize(part)
	if start != have {
		w.Header().Set(syncapi.HeaderUploadOffset, strconv.FormatInt(have, 10))
		writeError(w, http.StatusConflict, syncapi.ErrConflict, fmt.Sprintf("upload holds %d bytes", have))
		return
	}
	if n, held := h.heldUploads(d.ID, part); (have == 0 && n >= h.upMaxCount) || held+total > h.upMaxBytes {
		writeError(w, http.StatusInsufficientStorage, syncapi.ErrBadRequest,
			fmt.Sprintf("this device holds %d unfinished uploads of %d bytes: finish them first", n, held))
		return
	}
	if err := os.MkdirAll(filepath.Dir(part), 0o700); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.appendPart(part, r.Body, total-start); errors.Is(err, errBadPart) {
		// a part that cannot be resumed (see attach_part.go): start again
		os.Remove(part)
		w.Header().Set(syncapi.HeaderUploadOffset, "0")
		writeError(w, http.StatusConflict, syncapi.ErrConflict, "upload holds 0 bytes")
		return
	} else if errors.Is(err, errUploadCut) {
		// what arrived stays; the client asks HEAD for the offset and resumes
		writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, "upload cut")
		return
	} else if err != nil {
		h.fail(w, r, err)
		return
	}
	have = h.partSize(part)
	if have < total {
		w.Header().Set(syncapi.HeaderUploadOffset, strconv.FormatInt(have, 10))
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if err := h.publish(r, hash, part); err != nil {
		if errors.Is(err, errHashMismatch) {
			writeError(w, http.StatusUnprocessableEntity, syncapi.ErrBadRequest, "content does not match its hash")
			return
		}
		h.fail(w, r, err)
		return
	}
	if err := h.grant(r.Context(), d, hash); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

var errHashMismatch = errors.New("attachment content does not match its hash")

// publish verifies the complete upload and moves it into the replica's
// attachments. A mismatching upload is deleted.
func (h *Hub) publish(r *http.Request, hash, part string) error {
	f, err := h.openPart(part)
	if errors.Is(err, errBadPart) {
		os.Remove(part)
		return errHashMismatch
	} else if err != nil {
		return err
	}
	sum := sha256.New()
	_, err = io.Copy(sum, f)
	f.Close()
	if err != nil {
		return err
	}
	if hex.EncodeToString(sum.Sum(nil)) != hash {
		os.Remove(part)
		return errHashMismatch
	}
	if f, err = h.openPart(part); err != nil {
		return err
	}
	got, err := h.db.PutAttachment(r.Context(), f)
	f.Close()
	if err != nil {
		return err
	}
	if got != hash {
		return errHashMismatch
	}
	return os.Remove(part)
}

func (h *Hub) handleAttachmentGet(w http.ResponseWriter, r *http.Request, d deviceRec) {
	hash := r.PathValue("hash")
	ok, err := h.mayFetch(r.Context(), d, hash)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !ok {
		writeError(w, http.StatusNotFound, syncapi.ErrNotFound, "no such attachment")
		return
	}
	rc, err := h.db.OpenAttachment(hash)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, syncapi.ErrNotFound, "no such attachment")
		return
	} else if err != nil { // a damaged or altered file (store.ErrCorrupt): never sent
		h.fail(w, r, err)
		return
	}
	defer rc.Close()
	extendDeadlines(w, h.transferTimeout())
	w.Header().Set("Content-Type", "application/octet-stream")
	if rs, ok := rc.(io.ReadSeeker); ok { // ranges of a sealed file too: its chunks are read as needed
		http.ServeContent(w, r, hash, parseTime(""), rs)
		return
	}
	io.Copy(w, rc)
}
