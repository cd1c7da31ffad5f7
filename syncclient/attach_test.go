package syncclient_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"vetdesk/casework"
	"vetdesk/hub"
)

// cutRT cuts the body of the first PUT after half of it, as a dropped
// connection would, and records the Content-Range of every PUT.
type cutRT struct {
	base   http.RoundTripper
	mu     sync.Mutex
	cut    bool
	ranges []string
}

type halfReader struct {
	r    io.Reader
	left int
}

func (h *halfReader) Read(p []byte) (int, error) {
	if h.left <= 0 {
		return 0, errors.New("connection cut")
	}
	if len(p) > h.left {
		p = p[:h.left]
	}
	n, err := h.r.Read(p)
	h.left -= n
	return n, err
}

func (c *cutRT) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut {
		c.mu.Lock()
		c.ranges = append(c.ranges, r.Header.Get("Content-Range"))
		first := !c.cut
		c.cut = true
		c.mu.Unlock()
		if first {
			body, _ := io.ReadAll(r.Body)
			r = r.Clone(r.Context())
			r.Body = io.NopCloser(&halfReader{r: bytes.NewReader(body), left: len(body) / 2})
		}
	}
	return c.base.RoundTrip(r)
}

// TestAttachmentResume: a scan is uploaded once, resumes after a cut
// connection from where the hub stopped, is verified by the hub, and
// another desktop downloads it on demand.
func TestAttachmentResume(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{})
	rt := &cutRT{}
	a := e.desk("A", deskOpt{office: office, login: "clerkA", wrap: wrapInto(&rt.base, rt)})
	b := e.desk("B", deskOpt{office: office, login: "clerkB"})
	scan := make([]byte, 3<<20)
	rand.Read(scan)
	hash, err := a.db.PutAttachment(ctx, bytes.NewReader(scan))
	if err != nil {
		t.Fatal(err)
	}
	g := casework.NewGenerator(e.cat, 1, genNow)
	c := e.newCase(a, g, "0193f100-0000-7000-8000-000000000001")
	a.update(t, c.ID, func(c *casework.Case) error {
		for _, m := range c.Materials {
			m.Attachments = []string{hash}
			break
		}
		return nil
	})
	if err := a.cl.Once(ctx); err == nil {
		t.Fatalf("Once() with the upload cut = nil, want an error")
	}
	if e.hub.Replica().HasAttachment(hash) {
		t.Fatalf("hub has the attachment after a cut upload, want not yet")
	}
	a.sync(t)
	if !e.hub.Replica().HasAttachment(hash) {
		t.Fatalf("hub HasAttachment after resume = false, want true")
	}
	// The whole file first; then only what the hub lacks, from a later
	// offset each time (the hub's handler of the cut request may still be
	// storing bytes when the resumed one starts, so the hub can answer
	// with a newer offset and the client goes on from there).
	starts := make([]int, len(rt.ranges))
	for i, r := range rt.ranges {
		fmt.Sscanf(r, "bytes %d-", &starts[i])
	}
	if len(starts) < 2 || rt.ranges[0] != "bytes 0-3145727/3145728" {
		t.Fatalf("PUT ranges = %q, want the whole file, then only the rest", rt.ranges)
	}
	for i := 1; i < len(starts); i++ {
		if starts[i] <= starts[i-1] {
			t.Errorf("PUT ranges = %q: PUT %d starts at %d, not after the previous one", rt.ranges, i, starts[i])
		}
	}
	t.Logf("PUT ranges: %q", rt.ranges)
	puts := len(rt.ranges)
	a.sync(t) // nothing is sent twice
	if len(rt.ranges) != puts {
		t.Errorf("PUTs after another round = %d, want still %d", len(rt.ranges), puts)
	}
	b.sync(t)
	if b.db.HasAttachment(hash) {
		t.Errorf("B holds the scan before asking, want it downloaded on demand only")
	}
	if err := b.cl.FetchAttachment(ctx, hash); err != nil {
		t.Fatalf("FetchAttachment = %v", err)
	}
	rc, err := b.db.OpenAttachment(hash)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, scan) {
		t.Errorf("downloaded scan differs (%d bytes, want %d)", len(got), len(scan))
	}
	// a desk of another office, and a department desk, may not fetch it
	x := e.desk("X", deskOpt{office: otherOffice, login: "clerkX"})
	p := e.desk("P", deskOpt{office: office, dept: "police", login: "police"})
	for _, d := range []*desk{x, p} {
		d.sync(t)
		if err := d.cl.FetchAttachment(ctx, hash); err == nil || d.db.HasAttachment(hash) {
			t.Errorf("%s FetchAttachment = %v, want refused", d.name, err)
		}
	}
	bc, _ := b.db.Case(ctx, c.ID)
	js, _ := json.Marshal(bc.Materials)
	if !bytes.Contains(js, []byte(hash)) {
		t.Errorf("B's case materials %s do not refer to the scan", js)
	}
}
