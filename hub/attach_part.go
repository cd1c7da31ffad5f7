package hub

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// Unfinished uploads of a sealed hub (#12) are encrypted too: a scan cut
// off halfway may wait a day for its device to resume it. A part is
//
//	"VDP1" | IV (16, random per part) | SM4-CTR(the bytes received)
//
// under an SM4 key derived from the hub's key (HMAC-SM3 with a label), so
// a part survives a restart of the hub and resumes at any offset (CTR
// seeks). A part is not authenticated on its own: the whole upload is
// checked against its SHA-256 before it is published (then sealed with
// SM4-GCM by the replica, store/attach_seal.go), and a part that fails
// is deleted. A plaintext part of an earlier version, or of a hub opened
// with another key, cannot be resumed: expireUploads deletes the first,
// the hash check the second. A plaintext hub keeps plaintext parts.

const (
	partMagic  = "VDP1"
	partHeader = 4 + 16
	partLabel  = "vetdesk hub upload part key v1\x00"
)

// partBlock returns the SM4 cipher of parts, nil for a plaintext hub.
func (h *Hub) partBlock() (cipher.Block, error) {
	if h.opt.Key == nil {
		return nil, nil
	}
	m := hmac.New(sm3.New, h.opt.Key)
	m.Write([]byte(partLabel))
	return sm4.NewCipher(m.Sum(nil)[:16])
}

// partSize is how many bytes of the upload the part at path holds.
func (h *Hub) partSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	if h.opt.Key == nil {
		return fi.Size()
	}
	return max(0, fi.Size()-partHeader)
}

// partStream returns the SM4-CTR keystream of a part with iv, positioned
// at byte off of the upload.
func partStream(block cipher.Block, iv []byte, off int64) cipher.Stream {
	ctr := new(big.Int).SetBytes(iv)
	ctr.Add(ctr, big.NewInt(off/16))
	b := ctr.Bytes()
	start := make([]byte, 16)
	if len(b) > 16 {
		b = b[len(b)-16:] // wraps around
	}
	copy(start[16-len(b):], b)
	s := cipher.NewCTR(block, start)
	if skip := off % 16; skip > 0 {
		scratch := make([]byte, skip)
		s.XORKeyStream(scratch, scratch)
	}
	return s
}

var (
	errBadPart   = errors.New("unfinished upload not readable")
	errUploadCut = errors.New("upload cut")
)

// appendPart appends up to n bytes of r to the part at path (created when
// missing) and syncs it, encrypting them in a sealed hub. What arrived
// before the body broke off stays (errUploadCut).
func (h *Hub) appendPart(path string, r io.Reader, n int64) error {
	block, err := h.partBlock()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	var w io.Writer = f
	if block != nil {
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		head := make([]byte, partHeader)
		if fi.Size() < partHeader { // new, or cut while its header was written
			if err := f.Truncate(0); err != nil {
				return err
			}
			copy(head, partMagic)
			if _, err := rand.Read(head[4:]); err != nil {
				return err
			}
			if _, err := f.Write(head); err != nil {
				return err
			}
		} else if _, err := f.ReadAt(head, 0); err != nil || string(head[:4]) != partMagic {
			return errBadPart
		}
		w = cipher.StreamWriter{S: partStream(block, head[4:], max(0, fi.Size()-partHeader)), W: f}
	}
	_, cerr := io.Copy(w, io.LimitReader(r, n))
	if err := f.Sync(); cerr == nil {
		cerr = err
	}
	if cerr != nil {
		return fmt.Errorf("%w: %w", errUploadCut, cerr)
	}
	return nil
}

// openPart opens the part at path for reading the upload's bytes.
func (h *Hub) openPart(path string) (io.ReadCloser, error) {
	block, err := h.partBlock()
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil || block == nil {
		return f, err
	}
	head := make([]byte, partHeader)
	if _, err := io.ReadFull(f, head); err != nil || string(head[:4]) != partMagic {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, errBadPart)
	}
	return struct {
		io.Reader
		io.Closer
	}{cipher.StreamReader{S: partStream(block, head[4:], 0), R: f}, f}, nil
}

// plaintextPart reports whether the part at path is a plaintext one in a
// sealed hub (left by an earlier version): it cannot be resumed.
func (h *Hub) plaintextPart(path string) bool {
	if h.opt.Key == nil {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	return n > 0 && string(head[:n]) != partMagic[:n]
}
