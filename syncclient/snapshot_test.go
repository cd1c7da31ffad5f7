package syncclient_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/hub"
	"vetdesk/syncapi"
	"vetdesk/syncclient"
)

// recorder notes the requests a client makes and can cut the body of the
// first snapshot download after cut bytes.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	reqs []string // "path range"
	cut  int64
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req.URL.Path+" "+req.Header.Get("Range"))
	if err == nil && strings.HasPrefix(req.URL.Path, syncapi.PathSnapshotFile) && r.cut > 0 {
		resp.Body = &cutBody{ReadCloser: resp.Body, left: r.cut}
		r.cut = 0
	}
	return resp, err
}

func (r *recorder) saw(prefix string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, s := range r.reqs {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

type cutBody struct {
	io.ReadCloser
	left int64
}

func (b *cutBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

func (e *env) recordingClient() (func(http.RoundTripper) http.RoundTripper, *recorder) {
	rec := &recorder{}
	return wrapInto(&rec.base, rec), rec
}

// seedHub has a station desk of office accept n cases and edit some, and a
// desk of the other office accept a few, all synced to the hub.
func seedHub(t *testing.T, e *env, n int) *desk {
	t.Helper()
	seed := e.desk("seed", deskOpt{office: office, login: "clerkA"})
	g := casework.NewGenerator(e.cat, 5, genNow)
	for i := range n {
		e.newCase(seed, g, fmt.Sprintf("5eed0000-0000-4000-8000-%012d", i))
	}
	seed.sync(t)
	for i := 0; i < n; i += 4 {
		seed.update(t, fmt.Sprintf("5eed0000-0000-4000-8000-%012d", i), func(c *casework.Case) error {
			c.Values[casework.FieldPhone] = fmt.Sprintf("1380000%04d", i)
			return nil
		})
	}
	seed.sync(t)
	other := e.desk("other", deskOpt{office: otherOffice, login: "clerkX"})
	for i := range 3 {
		c := g.Draft(fmt.Sprintf("07e40000-0000-4000-8000-%012d", i), otherOffice, true)
		if _, err := other.db.AcceptCase(context.Background(), other.actor, e.cat, c); err != nil {
			t.Fatal(err)
		}
	}
	other.sync(t)
	return seed
}

func TestInitialSyncFromSnapshot(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{SnapshotMinCases: 5})
	seed := seedHub(t, e, 16)

	hc, rec := e.recordingClient()
	var shown []syncclient.Status
	fresh := e.desk("fresh", deskOpt{office: office, login: "clerkA", wrap: hc,
		onChange: func(s syncclient.Status) { shown = append(shown, s) }})
	fresh.sync(t)
	if got := rec.saw(syncapi.PathSnapshotFile); len(got) != 1 {
		t.Fatalf("snapshot downloads = %v, want one", got)
	}
	var full bool
	for _, s := range shown {
		full = full || (s.SnapshotSize > 0 && s.SnapshotGot == s.SnapshotSize)
	}
	if last := shown[len(shown)-1]; !full || last.SnapshotSize != 0 {
		t.Errorf("status during the download never showed it complete (%v) or still shows it after (%+v)", full, last)
	}
	want := dump(t, seed.db, nil)
	if got := dump(t, fresh.db, nil); got != want {
		t.Fatalf("desktop started from the snapshot differs from the seed desk:\n%s", diffLines(got, want))
	}
	feedOnly := e.desk("feedonly", deskOpt{office: office, login: "clerkA", noSnapshot: true})
	feedOnly.sync(t)
	if got := dump(t, feedOnly.db, nil); got != want {
		t.Fatalf("desktop fed op by op differs:\n%s", diffLines(got, want))
	}
	if _, err := fresh.db.Login(ctx, "clerkB", "pw-clerkB"); err != nil {
		t.Errorf("login of an office user after the snapshot = %v", err)
	}
	if _, err := fresh.db.Login(ctx, "clerkX", "pw-clerkX"); err == nil {
		t.Error("a user of the other office can log in on this desktop")
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(fresh.db.Path()), "snapshot-*")); len(left) != 0 {
		t.Errorf("snapshot files left behind: %v", left)
	}

	// After the snapshot the feed goes on both ways.
	id := "5eed0000-0000-4000-8000-000000000003"
	fresh.update(t, id, func(c *casework.Case) error { c.Values[casework.FieldPhone] = "13911112222"; return nil })
	seed.update(t, "5eed0000-0000-4000-8000-000000000005", func(c *casework.Case) error {
		c.Values[casework.FieldPhone] = "13933334444"
		return nil
	})
	for range 2 {
		for _, d := range []*desk{fresh, seed, feedOnly} {
			d.sync(t)
		}
	}
	want = dump(t, seed.db, nil)
	for _, d := range []*desk{fresh, feedOnly} {
		if got := dump(t, d.db, nil); got != want {
			t.Errorf("%s after edits on both sides:\n%s", d.name, diffLines(got, want))
		}
	}
	if n := len(rec.saw(syncapi.PathSnapshotFile)); n != 1 {
		t.Errorf("later rounds downloaded the snapshot again (%d downloads)", n)
	}
}

func TestSnapshotDownloadResumesAfterCut(t *testing.T) {
	e := newEnv(t, hub.Options{SnapshotMinCases: 5})
	seed := seedHub(t, e, 8)
	hc, rec := e.recordingClient()
	rec.cut = 20_000 // of the gzip-compressed file
	fresh := e.desk("fresh", deskOpt{office: office, login: "clerkA", wrap: hc})
	stale := filepath.Join(filepath.Dir(fresh.db.Path()), "snapshot-0123456789abcdef01234567.part.gz")
	os.WriteFile(stale, []byte("a download of a snapshot replaced since"), 0o600)
	if err := fresh.cl.Once(context.Background()); err == nil {
		t.Fatal("Once with the download cut = nil error")
	}
	parts, _ := filepath.Glob(filepath.Join(filepath.Dir(fresh.db.Path()), "snapshot-*.part*"))
	if len(parts) != 1 || parts[0] == stale {
		t.Fatalf("partial downloads kept = %v, want the current one only", parts)
	}
	if fi, _ := os.Stat(parts[0]); fi == nil || fi.Size() != 20_000 {
		t.Fatalf("partial download holds %v bytes, want 20000", fi)
	}
	fresh.sync(t)
	got := rec.saw(syncapi.PathSnapshotFile)
	if len(got) != 2 || !strings.HasSuffix(got[1], "bytes=20000-") {
		t.Errorf("snapshot requests = %q, want the second to resume at byte 20000", got)
	}
	if g, w := dump(t, fresh.db, nil), dump(t, seed.db, nil); g != w {
		t.Errorf("resumed desktop differs:\n%s", diffLines(g, w))
	}
}

func TestSnapshotNotOfferedToDepartmentsNorSmallOffices(t *testing.T) {
	e := newEnv(t, hub.Options{SnapshotMinCases: 5})
	seedHub(t, e, 8)
	hc, rec := e.recordingClient()
	police := e.desk("police", deskOpt{office: office, dept: "police", login: "police", wrap: hc})
	police.sync(t)
	hc2, rec2 := e.recordingClient()
	small := e.desk("small", deskOpt{office: otherOffice, login: "clerkX", wrap: hc2})
	small.sync(t)
	if got := rec.saw(syncapi.PathSnapshot); len(got) != 0 {
		t.Errorf("department desk asked for a snapshot: %v", got)
	}
	if got := rec2.saw(syncapi.PathSnapshotFile); len(got) != 0 {
		t.Errorf("office with 3 cases got a snapshot: %v", got)
	}
	if n := len(caseIDs(t, small.db)); n != 3 {
		t.Errorf("small office desk holds %d cases by the feed, want 3", n)
	}
}

// TestSnapshotWithoutItsCompressedCopy: a hub that lost the gzip copy of a
// snapshot still serves the file as it is, and the desktop takes that.
func TestSnapshotWithoutItsCompressedCopy(t *testing.T) {
	e := newEnv(t, hub.Options{SnapshotMinCases: 5})
	seed := seedHub(t, e, 8)
	first := e.desk("first", deskOpt{office: office, login: "clerkA"})
	first.sync(t) // builds the snapshot
	var gzs []string
	for deadline := time.Now().Add(20 * time.Second); len(gzs) == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		gzs, _ = filepath.Glob(filepath.Join(e.hubDir, "snapshots", "*.db.gz"))
	}
	if len(gzs) != 1 {
		t.Fatalf("hub's compressed snapshots = %v, want one", gzs)
	}
	// the manifest offers it once its record says so
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if raw, _ := os.ReadFile(strings.TrimSuffix(gzs[0], ".db.gz") + ".json"); strings.Contains(string(raw), "gzip_size") {
			break
		}
	}
	os.Remove(gzs[0])
	hc, rec := e.recordingClient()
	fresh := e.desk("fresh", deskOpt{office: office, login: "clerkA", wrap: hc})
	fresh.sync(t)
	if got := rec.saw(syncapi.PathSnapshotFile); len(got) != 2 {
		t.Errorf("snapshot file requests = %q, want the compressed one refused, then the file", got)
	}
	if g, w := dump(t, fresh.db, nil), dump(t, seed.db, nil); g != w {
		t.Errorf("desktop differs:\n%s", diffLines(g, w))
	}
}
