package store

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// Sealed attachment files (#12). In a sealed store every attachment file
// is encrypted and authenticated with SM4-GCM, streamed in chunks so that
// a 64 MiB scan never sits whole in memory and a range can be read
// without the rest:
//
//	header   "VDA1" | key id (8) | salt (16) | chunk size (uint32 BE)   32 bytes
//	chunk i  SM4-GCM(plaintext[i*size : (i+1)*size]) with its 16-byte tag
//
// Each file has its own SM4 key, HMAC-SM3(attachment key, label | salt)
// cut to 16 bytes, from a random 16-byte salt, so nonces never repeat
// across files whatever their number; the nonce of chunk i is i (96 bits,
// big-endian). The additional data of every chunk is the header and a
// last-chunk flag, and the last chunk's also the SHA-256 of the plaintext,
// which is the file's name: a truncated file (its new last chunk carries
// flag 0), reordered chunks (nonce), a changed header, a file renamed to
// another attachment's name or a chunk from another file all fail to open,
// and a flipped byte fails its chunk's tag. The last chunk is checked when
// the file is opened, so the name binding holds for ranges read too.
//
// Names stay the SHA-256 of the plaintext: deduplication and the sync
// protocol (HEAD/PUT/GET by hash, the hub's hash check on upload) depend
// on it. Whoever sees the folder learns which files are equal and can
// confirm a guessed content, as before; nothing more.
//
// A sealed file has at least one chunk (an empty attachment is one empty
// chunk), the last one possibly short, so the plaintext size follows from
// the file size alone.

const (
	attachMagic      = "VDA1"
	attachHeaderSize = 32
	attachChunk      = 64 << 10
	attachTag        = 16
	attachKeySize    = 32 // the attachment key; per-file SM4 keys are 16 bytes
	attachKeyLabel   = "vetdesk attachment file key v1\x00"
	attachIDLabel    = "vetdesk attachment key id v1\x00"
)

// ErrAttachmentCorrupt: a sealed attachment file failed its check (a
// changed byte, truncation, a file under another's name), or a file that
// is not sealed does not match its name. Always wraps ErrCorrupt.
var ErrAttachmentCorrupt = fmt.Errorf("attachment file damaged or altered: %w", ErrCorrupt)

// ErrAttachmentKey: a sealed attachment file names an attachment key this
// store does not hold.
var ErrAttachmentKey = errors.New("attachment sealed with a key this store does not hold")

// attachKey is one key of a store's attachment key ring.
type attachKey struct {
	id  [8]byte
	key []byte
}

func newAttachKey(key []byte) attachKey {
	m := hmac.New(sm3.New, key)
	m.Write([]byte(attachIDLabel))
	var k attachKey
	copy(k.id[:], m.Sum(nil))
	k.key = key
	return k
}

// fileAEAD returns the SM4-GCM of the file with salt under master.
func fileAEAD(master, salt []byte) (cipher.AEAD, error) {
	m := hmac.New(sm3.New, master)
	m.Write([]byte(attachKeyLabel))
	m.Write(salt)
	block, err := sm4.NewCipher(m.Sum(nil)[:16])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func chunkNonce(i uint64) []byte {
	n := make([]byte, 12)
	binary.BigEndian.PutUint64(n[4:], i)
	return n
}

// chunkAD is the additional data of a chunk: the header, the last-chunk
// flag and, for the last chunk, the SHA-256 of the whole plaintext.
func chunkAD(buf, header []byte, last bool, sum []byte) []byte {
	buf = append(buf[:0], header...)
	if !last {
		return append(buf, 0)
	}
	buf = append(buf, 1)
	return append(buf, sum...)
}

// sealWriter seals what is written to it into w; Finish seals the last
// chunk once the plaintext's SHA-256 is known.
type sealWriter struct {
	w      io.Writer
	aead   cipher.AEAD
	header []byte
	buf    []byte // pending plaintext, at most one chunk
	out    []byte
	ad     []byte
	n      uint64 // chunks written
}

func newSealWriter(w io.Writer, k attachKey) (*sealWriter, error) {
	header := make([]byte, attachHeaderSize)
	copy(header, attachMagic)
	copy(header[4:12], k.id[:])
	if _, err := rand.Read(header[12:28]); err != nil {
		return nil, err
	}
	binary.BigEndian.PutUint32(header[28:], attachChunk)
	aead, err := fileAEAD(k.key, header[12:28])
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(header); err != nil {
		return nil, err
	}
	return &sealWriter{w: w, aead: aead, header: header, buf: make([]byte, 0, attachChunk),
		out: make([]byte, 0, attachChunk+attachTag)}, nil
}

// Write buffers p, sealing every full chunk that is followed by more
// plaintext (the last chunk waits for Finish).
func (s *sealWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(s.buf) == attachChunk {
			if err := s.flush(false, nil); err != nil {
				return n - len(p), err
			}
		}
		k := copy(s.buf[len(s.buf):attachChunk], p)
		s.buf = s.buf[:len(s.buf)+k]
		p = p[k:]
	}
	return n, nil
}

func (s *sealWriter) flush(last bool, sum []byte) error {
	s.ad = chunkAD(s.ad, s.header, last, sum)
	s.out = s.aead.Seal(s.out[:0], chunkNonce(s.n), s.buf, s.ad)
	s.n++
	s.buf = s.buf[:0]
	_, err := s.w.Write(s.out)
	return err
}

// Finish seals the last chunk, binding sum (the plaintext's SHA-256).
func (s *sealWriter) Finish(sum []byte) error {
	return s.flush(true, sum)
}

// sealedPlainSize is the plaintext size of a sealed file of size bytes
// with chunk size chunk, or -1 when no sealed file has that size.
func sealedPlainSize(size, chunk int64) int64 {
	n := size - attachHeaderSize
	if n < attachTag {
		return -1
	}
	full := chunk + attachTag
	chunks := (n + full - 1) / full
	if rest := n - (chunks-1)*full; rest < attachTag {
		return -1
	}
	return n - chunks*attachTag
}

// sealedReader reads a sealed attachment file: Read, Seek (for ranges)
// and the plaintext Size. Every chunk is authenticated before any of its
// bytes is returned.
type sealedReader struct {
	f      *os.File
	aead   cipher.AEAD
	header []byte
	sum    []byte // the name, bound into the last chunk
	chunk  int64
	size   int64 // plaintext
	chunks int64
	pos    int64 // plaintext offset
	cur    int64 // index of the chunk in plain, -1 none
	plain  []byte
	raw    []byte
	ad     []byte
}

// isSealedHeader reports whether head (the first bytes of a file) is a
// sealed attachment header.
func isSealedHeader(head []byte) bool {
	return len(head) >= attachHeaderSize && string(head[:4]) == attachMagic
}

// openSealed opens the sealed file f (positioned anywhere) named sum with
// the key of ring its header names, and checks its last chunk. f is
// closed on error.
func openSealed(f *os.File, header []byte, sum []byte, ring []attachKey) (*sealedReader, error) {
	fail := func(err error) (*sealedReader, error) {
		f.Close()
		return nil, err
	}
	var key []byte
	for _, k := range ring {
		if string(k.id[:]) == string(header[4:12]) {
			key = k.key
			break
		}
	}
	if key == nil {
		return fail(ErrAttachmentKey)
	}
	chunk := int64(binary.BigEndian.Uint32(header[28:]))
	if chunk < 4<<10 || chunk > 1<<20 || chunk&(chunk-1) != 0 {
		return fail(ErrAttachmentCorrupt)
	}
	fi, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	size := sealedPlainSize(fi.Size(), chunk)
	if size < 0 {
		return fail(ErrAttachmentCorrupt)
	}
	aead, err := fileAEAD(key, header[12:28])
	if err != nil {
		return fail(err)
	}
	r := &sealedReader{f: f, aead: aead, header: header, sum: sum, chunk: chunk, size: size, cur: -1,
		raw: make([]byte, 0, chunk+attachTag)}
	r.chunks = max(1, (size+chunk-1)/chunk)
	if err := r.load(r.chunks - 1); err != nil {
		return fail(err)
	}
	return r, nil
}

// load reads and authenticates chunk i into plain.
func (r *sealedReader) load(i int64) error {
	if i == r.cur {
		return nil
	}
	last := i == r.chunks-1
	n := r.chunk
	if last {
		n = r.size - i*r.chunk
	}
	raw := r.raw[:n+attachTag]
	if _, err := r.f.ReadAt(raw, attachHeaderSize+i*(r.chunk+attachTag)); err != nil {
		if errors.Is(err, io.EOF) {
			return ErrAttachmentCorrupt // shrunk since it was opened
		}
		return err
	}
	r.ad = chunkAD(r.ad, r.header, last, r.sum)
	plain, err := r.aead.Open(r.plain[:0], chunkNonce(uint64(i)), raw, r.ad)
	if err != nil {
		r.cur = -1
		return ErrAttachmentCorrupt
	}
	r.plain, r.cur = plain, i
	return nil
}

func (r *sealedReader) Read(p []byte) (int, error) {
	if r.pos >= r.size {
		return 0, io.EOF
	}
	if err := r.load(r.pos / r.chunk); err != nil {
		return 0, err
	}
	n := copy(p, r.plain[r.pos-r.cur*r.chunk:])
	r.pos += int64(n)
	return n, nil
}

func (r *sealedReader) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += r.pos
	case io.SeekEnd:
		off += r.size
	}
	if off < 0 {
		return 0, errors.New("seek attachment: negative position")
	}
	r.pos = off
	return off, nil
}

// Size is the plaintext size.
func (r *sealedReader) Size() int64 { return r.size }

func (r *sealedReader) Close() error { return r.f.Close() }
