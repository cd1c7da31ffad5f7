package hub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"vetdesk/casework"
	"vetdesk/syncapi"
)

// enrolAt enrols a new device of office (a department's with dept) and
// returns its id and token.
func enrolAt(t *testing.T, h *Hub, code, office, dept string) (string, string) {
	t.Helper()
	ctx := context.Background()
	oc, err := h.CreateEnrolCode(ctx, EnrolSpec{Station: "s-" + code, Office: office, Department: dept})
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.NewString()
	_, tok, err := h.enrol(ctx, oc, id, code, code)
	if err != nil {
		t.Fatalf("enrol(%s) = %v", code, err)
	}
	return id, tok
}

func scanOf(s string) ([]byte, string) {
	b := bytes.Repeat([]byte(s), 1000)
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

// attachCall sends method on the attachment hash as tok; with body, the
// bytes [start, start+len(body)) of a content of total bytes. It returns
// the status and the upload offset the hub answered.
func attachCall(t *testing.T, url, method, tok, hash string, body []byte, start, total int) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url+syncapi.PathAttachments+hash, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != nil {
		req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, start+len(body)-1, total))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s = %v", method, hash[:8], err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get(syncapi.HeaderUploadOffset)
}

// TestScanRightsNotTakenByReference: a station of office 371002 that writes
// the hash of a 371003 scan into a value of its own case is still refused
// the scan; the uploading office fetches it.
func TestScanRightsNotTakenByReference(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{})
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	_, tokC := enrolAt(t, h, "C1", "371003", "")
	scan, hash := scanOf("371003 的扫描件")
	if st, _ := attachCall(t, srv.URL, http.MethodPut, tokC, hash, scan, 0, len(scan)); st != http.StatusCreated {
		t.Fatalf("PUT by the uploading office = %d, want 201", st)
	}

	d, ids := pushCases(t, h, 1) // a case of 371002
	if _, err := d.db.UpdateCase(ctx, d.actor, ids[0], func(c *casework.Case) error {
		c.Values["awards"] = hash
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	resp, err := h.Push(ctx, d.id, syncapi.PushRequest{Ops: d.outbox(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resp.Results {
		if r.Status == syncapi.Rejected {
			t.Fatalf("the remark op was rejected (%s); the test needs it in the replica", r.Reason)
		}
	}
	_, tokA := enrolAt(t, h, "A2", office, "")
	if st, _ := attachCall(t, srv.URL, http.MethodGet, tokA, hash, nil, 0, 0); st != http.StatusNotFound {
		t.Errorf("GET by 371002 after referring to the scan = %d, want 404", st)
	}
	if st, _ := attachCall(t, srv.URL, http.MethodGet, tokC, hash, nil, 0, 0); st != http.StatusOK {
		t.Errorf("GET by the uploading office = %d, want 200", st)
	}
	// 371002 uploading the same content whole proves it holds it.
	if st, _ := attachCall(t, srv.URL, http.MethodPut, tokA, hash, scan, 0, len(scan)); st != http.StatusCreated {
		t.Errorf("PUT of the whole content by 371002 = %d, want 201", st)
	}
	if st, _ := attachCall(t, srv.URL, http.MethodGet, tokA, hash, nil, 0, 0); st != http.StatusOK {
		t.Errorf("GET by 371002 after uploading it = %d, want 200", st)
	}
}

// TestAttachmentHeadChecksRights: HEAD tells a scan's existence and size
// only to whom may GET it; others, department devices included, get 404
// with the offset of their own unfinished upload.
func TestAttachmentHeadChecksRights(t *testing.T) {
	h := newTestHub(t, Options{})
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	_, tokC := enrolAt(t, h, "C1", "371003", "")
	_, tokA := enrolAt(t, h, "A1", office, "")
	_, tokP := enrolAt(t, h, "P1", office, "police")
	scan, hash := scanOf("整份扫描件")
	attachCall(t, srv.URL, http.MethodPut, tokC, hash, scan, 0, len(scan))
	half, halfHash := scanOf("上传一半")
	attachCall(t, srv.URL, http.MethodPut, tokA, halfHash, half[:len(half)/2], 0, len(half))

	for _, tc := range []struct {
		name, tok, hash string
		status          int
		offset          string
	}{
		{"uploading office", tokC, hash, http.StatusOK, ""},
		{"another office", tokA, hash, http.StatusNotFound, "0"},
		{"department device", tokP, hash, http.StatusNotFound, "0"},
		{"own unfinished upload", tokA, halfHash, http.StatusNotFound, fmt.Sprint(len(half) / 2)},
		{"another's unfinished upload", tokC, halfHash, http.StatusNotFound, "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if st, off := attachCall(t, srv.URL, http.MethodHead, tc.tok, tc.hash, nil, 0, 0); st != tc.status || off != tc.offset {
				t.Errorf("HEAD = %d offset %q, want %d offset %q", st, off, tc.status, tc.offset)
			}
		})
	}
}

// TestUnfinishedUploadsPerDevice: an unfinished upload belongs to its
// device (another cannot append to it), department devices open none, a
// device's unfinished uploads are capped in count and bytes, they expire
// (by the timer's sweep and at Open), and the lock map keeps no entry of
// a finished request.
func TestUnfinishedUploadsPerDevice(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := time.Now()
	opt := Options{Catalogue: testCatalogue(t), Now: func() time.Time { return clock }}
	h, err := Open(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { h.Close() }()
	for _, u := range testUsers {
		h.AddUser(ctx, u, "pw")
	}
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	idA, tokA := enrolAt(t, h, "A1", office, "")
	_, tokB := enrolAt(t, h, "B1", office, "")
	_, tokP := enrolAt(t, h, "P1", office, "hrss")

	scan, hash := scanOf("分两次上传")
	n := len(scan) / 2
	if st, _ := attachCall(t, srv.URL, http.MethodPut, tokA, hash, scan[:n], 0, len(scan)); st != http.StatusAccepted {
		t.Fatalf("first half by A = %d, want 202", st)
	}
	if st, off := attachCall(t, srv.URL, http.MethodPut, tokB, hash, scan[n:], n, len(scan)); st != http.StatusConflict || off != "0" {
		t.Errorf("B appending to A's upload = %d offset %q, want 409 offset 0", st, off)
	}
	if st, _ := attachCall(t, srv.URL, http.MethodPut, tokA, hash, scan[n:], n, len(scan)); st != http.StatusCreated {
		t.Errorf("second half by A = %d, want 201", st)
	}
	if st, _ := attachCall(t, srv.URL, http.MethodPut, tokP, hash, scan, 0, len(scan)); st != http.StatusForbidden {
		t.Errorf("PUT by a department device = %d, want 403", st)
	}

	h.upMaxCount, h.upMaxBytes = 3, 10_000
	var parts []string
	for i := range 3 {
		b, hs := scanOf(fmt.Sprintf("第%d份", i))
		parts = append(parts, hs)
		if st, _ := attachCall(t, srv.URL, http.MethodPut, tokA, hs, b[:100], 0, 2000); st != http.StatusAccepted {
			t.Fatalf("unfinished upload %d = %d, want 202", i, st)
		}
	}
	_, extra := scanOf("第四份")
	if st, _ := attachCall(t, srv.URL, http.MethodPut, tokA, extra, make([]byte, 100), 0, 2000); st != http.StatusInsufficientStorage {
		t.Errorf("a fourth unfinished upload = %d, want 507 (count cap 3)", st)
	}
	if st, _ := attachCall(t, srv.URL, http.MethodPut, tokA, parts[0], make([]byte, 100), 100, 9900); st != http.StatusInsufficientStorage {
		t.Errorf("an upload growing past the byte cap = %d, want 507", st)
	}
	if st, _ := attachCall(t, srv.URL, http.MethodPut, tokB, extra, make([]byte, 100), 0, 2000); st != http.StatusAccepted {
		t.Errorf("another device's upload beside A's = %d, want 202 (caps are per device)", st)
	}
	h.upMu.Lock()
	left := len(h.uploads)
	h.upMu.Unlock()
	if left != 0 {
		t.Errorf("upload locks held after the requests = %d, want 0", left)
	}

	held := func() int {
		n := 0
		filepath.WalkDir(filepath.Join(dir, "uploads"), func(p string, e os.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	if got := held(); got != 4 {
		t.Fatalf("unfinished uploads on disk = %d, want 4", got)
	}
	old := time.Now().Add(-2 * UploadTTL)
	os.Chtimes(h.partPath(idA, parts[0]), old, old) // not appended to for two days
	if err := h.expireUploads(); err != nil {       // the timer's sweep
		t.Fatal(err)
	}
	if got := held(); got != 3 {
		t.Errorf("unfinished uploads after the sweep = %d, want 3 (one expired)", got)
	}
	h.Close()
	clock = clock.Add(UploadTTL + time.Hour)
	if h, err = Open(dir, opt); err != nil {
		t.Fatal(err)
	}
	if got := held(); got != 0 {
		t.Errorf("unfinished uploads after a reopen a day later = %d, want 0", got)
	}
}

// TestScanRightsTakenUpOnce: a hub from before download rights were
// recorded grants, at its first start with them, the offices whose cases
// referred to a scan then; a reference written afterwards grants nothing,
// restarts included.
func TestScanRightsTakenUpOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	opt := Options{Catalogue: testCatalogue(t)}
	h, err := Open(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if h != nil {
			h.Close()
		}
	}()
	for _, u := range testUsers {
		h.AddUser(ctx, u, "pw")
	}
	scan, hash := scanOf("升级前的扫描件")
	if _, err := h.db.PutAttachment(ctx, bytes.NewReader(scan)); err != nil {
		t.Fatal(err)
	}
	d, ids := pushCases(t, h, 2) // cases of 371002
	refer := func(id string) {
		t.Helper()
		if _, err := d.db.UpdateCase(ctx, d.actor, id, func(c *casework.Case) error {
			c.Values["awards"] = hash
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.Push(ctx, d.id, syncapi.PushRequest{Ops: d.outbox(t)}); err != nil {
			t.Fatal(err)
		}
	}
	refer(ids[0])
	if _, err := h.meta.Exec(`DELETE FROM meta_steps; DELETE FROM attachment_rights`); err != nil { // as before rights
		t.Fatal(err)
	}
	reopen := func() {
		t.Helper()
		h.Close()
		if h, err = Open(dir, opt); err != nil {
			t.Fatalf("reopen = %v", err)
		}
	}
	reopen()
	may := func(office string) bool {
		t.Helper()
		ok, err := h.mayFetch(ctx, deviceRec{ID: "x", Office: office}, hash)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !may(office) {
		t.Errorf("mayFetch(%s) after the take-up = false, want true (its case referred to the scan before)", office)
	}
	if may("371003") {
		t.Errorf("mayFetch(371003) = true, want false")
	}
	if _, err := h.meta.Exec(`DELETE FROM attachment_rights`); err != nil {
		t.Fatal(err)
	}
	refer(ids[1]) // written after the take-up
	reopen()
	if may(office) {
		t.Errorf("mayFetch(%s) from a reference written after the take-up = true, want false", office)
	}
}
