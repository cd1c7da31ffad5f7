package hub

import (
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

	"vetdesk/syncapi"
)

// MaxAttachment is the largest attachment the hub takes.
const MaxAttachment = 64 << 20

func validHash(s string) bool {
	if len(s) != 64 || strings.ToLower(s) != s {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func (h *Hub) partPath(hash string) string { return filepath.Join(h.dir, "uploads", hash+".part") }

func (h *Hub) uploadLock(hash string) *sync.Mutex {
	h.upMu.Lock()
	defer h.upMu.Unlock()
	m, ok := h.uploads[hash]
	if !ok {
		m = &sync.Mutex{}
		h.uploads[hash] = m
	}
	return m
}

func partSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// handleAttachmentHead answers 200 with the size when the attachment is
// published, else 404 with the bytes held of an unfinished upload.
func (h *Hub) handleAttachmentHead(w http.ResponseWriter, r *http.Request, d deviceRec) {
	hash := r.PathValue("hash")
	if !validHash(hash) {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if rc, err := h.db.OpenAttachment(hash); err == nil {
		if f, ok := rc.(*os.File); ok {
			if fi, err := f.Stat(); err == nil {
				w.Header().Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
			}
		}
		rc.Close()
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set(syncapi.HeaderUploadOffset, strconv.FormatInt(partSize(h.partPath(hash)), 10))
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

// handleAttachmentPut appends a range to the upload of an attachment and,
// once complete, verifies its SHA-256 and publishes it. A range that does
// not start where the held bytes end is refused with 409 and the offset.
func (h *Hub) handleAttachmentPut(w http.ResponseWriter, r *http.Request, d deviceRec) {
	hash := r.PathValue("hash")
	if !validHash(hash) {
		writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, "not a SHA-256")
		return
	}
	extendDeadlines(w, h.transferTimeout())
	lock := h.uploadLock(hash)
	lock.Lock()
	defer lock.Unlock()
	if h.db.HasAttachment(hash) {
		io.Copy(io.Discard, io.LimitReader(r.Body, MaxAttachment))
		w.WriteHeader(http.StatusOK)
		return
	}
	start, total := int64(0), r.ContentLength
	var end int64
	if cr := r.Header.Get("Content-Range"); cr != "" {
		var err error
		if start, end, total, err = parseContentRange(cr); err != nil {
			writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, err.Error())
			return
		}
		_ = end
	}
	if total <= 0 || total > MaxAttachment {
		writeError(w, http.StatusRequestEntityTooLarge, syncapi.ErrBadRequest, "size unknown or too large")
		return
	}
	part := h.partPath(hash)
	if err := os.MkdirAll(filepath.Dir(part), 0o700); err != nil {
		h.fail(w, r, err)
		return
	}
	have := partSize(part)
	if start != have {
		w.Header().Set(syncapi.HeaderUploadOffset, strconv.FormatInt(have, 10))
		writeError(w, http.StatusConflict, syncapi.ErrConflict, fmt.Sprintf("upload holds %d bytes", have))
		return
	}
	f, err := os.OpenFile(part, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	_, cerr := io.Copy(f, io.LimitReader(r.Body, total-start))
	serr := f.Sync()
	f.Close()
	if cerr != nil || serr != nil {
		// what arrived stays; the client asks HEAD for the offset and resumes
		writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, "upload cut")
		return
	}
	have = partSize(part)
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
	w.WriteHeader(http.StatusCreated)
}

var errHashMismatch = errors.New("attachment content does not match its hash")

// publish verifies the complete upload and moves it into the replica's
// attachments. A mismatching upload is deleted.
func (h *Hub) publish(r *http.Request, hash, part string) error {
	f, err := os.Open(part)
	if err != nil {
		return err
	}
	sum := sha256.New()
	if _, err := io.Copy(sum, f); err != nil {
		f.Close()
		return err
	}
	if hex.EncodeToString(sum.Sum(nil)) != hash {
		f.Close()
		os.Remove(part)
		return errHashMismatch
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
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
	// only devices of an office whose cases refer to the scan may fetch it;
	// department devices see no materials at all
	offices, err := h.db.AttachmentOffices(r.Context(), hash)
	if err != nil {
		writeError(w, http.StatusInternalServerError, syncapi.ErrInternal, "attachment lookup failed")
		return
	}
	allowed := false
	for _, o := range offices {
		allowed = allowed || (o == d.Office && d.Department == "")
	}
	if !allowed {
		writeError(w, http.StatusNotFound, syncapi.ErrNotFound, "no such attachment")
		return
	}
	rc, err := h.db.OpenAttachment(hash)
	if err != nil {
		writeError(w, http.StatusNotFound, syncapi.ErrNotFound, "no such attachment")
		return
	}
	defer rc.Close()
	extendDeadlines(w, h.transferTimeout())
	w.Header().Set("Content-Type", "application/octet-stream")
	if f, ok := rc.(*os.File); ok {
		http.ServeContent(w, r, hash, parseTime(""), f)
		return
	}
	io.Copy(w, rc)
}
