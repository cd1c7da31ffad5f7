package hub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"vetdesk/internal/sealvfs"
	"vetdesk/syncapi"
)

// scanMarker is a byte string the test scans hold and no file of a sealed
// hub's folder may.
var scanMarker = []byte("SCAN-MARKER-110101199003078515-身份证")

func markedScan(n int) ([]byte, string) {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 13)
	}
	for i := 0; i+len(scanMarker) <= n; i += 997 {
		copy(b[i:], scanMarker)
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

// noMarkerIn fails for every file under dir holding scanMarker and
// returns how many files it read.
func noMarkerIn(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		if err == nil && bytes.Contains(raw, scanMarker) {
			t.Errorf("%s holds the scan in plaintext", p)
		}
		n++
		return nil
	})
	return n
}

func getRange(t *testing.T, url, tok, hash, rng string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+syncapi.PathAttachments+hash, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestSealedHubAttachments guards scans on a sealed hub (#12): an upload
// cut halfway waits encrypted, the published scan is sealed, HEAD tells
// its size (not its sealed file's), GET and ranges give the content, a
// changed byte is never served, and a plaintext part of an earlier
// version is dropped at Open.
func TestSealedHubAttachments(t *testing.T) {
	dir := t.TempDir()
	key, _ := sealvfs.NewKey()
	opt := Options{Catalogue: testCatalogue(t), Key: key}
	h, err := Open(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { h.Close() }()
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	idA, tokA := enrolAt(t, h, "A1", office, "")
	scan, hash := markedScan(300 << 10)
	n := len(scan)/2 + 5
	if st, _ := attachCall(t, srv.URL, http.MethodPut, tokA, hash, scan[:n], 0, len(scan)); st != http.StatusAccepted {
		t.Fatalf("first part = %d, want 202", st)
	}
	part := h.partPath(idA, hash)
	if raw, _ := os.ReadFile(part); !bytes.HasPrefix(raw, []byte(partMagic)) || len(raw) != n+partHeader {
		t.Errorf("unfinished upload on disk: %d bytes, starts %q; want %d sealed", len(raw), raw[:min(4, len(raw))], n+partHeader)
	}
	noMarkerIn(t, dir)
	if st, off := attachCall(t, srv.URL, http.MethodHead, tokA, hash, nil, 0, 0); st != http.StatusNotFound || off != strconv.Itoa(n) {
		t.Errorf("HEAD of the unfinished upload = %d offset %s, want 404 offset %d", st, off, n)
	}
	if st, _ := attachCall(t, srv.URL, http.MethodPut, tokA, hash, scan[n:], n, len(scan)); st != http.StatusCreated {
		t.Fatalf("second part = %d, want 201", st)
	}
	if files := noMarkerIn(t, dir); files == 0 {
		t.Fatal("no file in the hub's folder")
	}

	req, _ := http.NewRequest(http.MethodHead, srv.URL+syncapi.PathAttachments+hash, nil)
	req.Header.Set("Authorization", "Bearer "+tokA)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ContentLength != int64(len(scan)) {
		t.Errorf("HEAD = %d length %d, want 200 length %d", resp.StatusCode, resp.ContentLength, len(scan))
	}
	if st, b := getRange(t, srv.URL, tokA, hash, ""); st != http.StatusOK || !bytes.Equal(b, scan) {
		t.Errorf("GET = %d, %d bytes; want 200 and the scan", st, len(b))
	}
	if st, b := getRange(t, srv.URL, tokA, hash, "bytes=70000-70099"); st != http.StatusPartialContent || !bytes.Equal(b, scan[70000:70100]) {
		t.Errorf("GET of a range = %d, %d bytes; want 206 and the range", st, len(b))
	}

	file := filepath.Join(dir, "attachments", hash[:2], hash)
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-3] ^= 1
	os.WriteFile(file, raw, 0o600)
	if st, b := getRange(t, srv.URL, tokA, hash, ""); st == http.StatusOK || bytes.Equal(b, scan) {
		t.Errorf("GET of a changed file = %d, %d bytes; want an error", st, len(b))
	}

	// an unfinished upload of the previous version, in plaintext
	other, otherHash := markedScan(5000)
	plainPart := h.partPath(idA, otherHash)
	os.WriteFile(plainPart, other[:1000], 0o600)
	h.Close()
	if h, err = Open(dir, opt); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(plainPart); err == nil {
		t.Error("a plaintext unfinished upload stayed in a sealed hub")
	}
}

// TestPlaintextHubScansAreSealedAtOpen guards the migration of a hub's
// scans: a plaintext hub's attachments are sealed when it is opened with a
// key, and served as before.
func TestPlaintextHubScansAreSealedAtOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	opt := Options{Catalogue: testCatalogue(t)}
	h, err := Open(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	var hashes []string
	var scans [][]byte
	for i := range 3 {
		s, _ := markedScan(1000 + i*70000)
		s[0] = byte(i)
		hs, err := h.db.PutAttachment(ctx, bytes.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		hashes, scans = append(hashes, hs), append(scans, s)
	}
	h.Close()
	opt.Key, _ = sealvfs.NewKey()
	if h, err = Open(dir, opt); err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	noMarkerIn(t, dir)
	for i, hs := range hashes {
		rc, err := h.db.OpenAttachment(hs)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(b, scans[i]) {
			t.Errorf("scan %d after sealing: %d bytes, %v", i, len(b), err)
		}
	}
}
