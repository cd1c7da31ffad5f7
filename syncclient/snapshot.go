package syncclient

import (
	"bufio"
	"compress/gzip"
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
	"time"

	"vetdesk/store"
	"vetdesk/syncapi"
)

// manifestWait bounds the wait for a snapshot's manifest, which the hub
// may have to build first (as long as the hub's DefaultTransferTimeout).
const manifestWait = 30 * time.Minute

// startFromSnapshot gives an empty desktop (cursor 0, no case) the hub's
// snapshot of its office instead of the whole feed op by op: the manifest,
// the file (resumed by range when a round was cut mid-download, checked
// against the manifest's size and SHA-256), then the store adopts it with
// the cursor at the snapshot's sequence, and pullAll goes on from there.
// Whenever a snapshot is not to be had (a department device, an office
// with few cases, a hub older than protocol 3, a schema mismatch, a store
// that meanwhile holds a case) it does nothing and the feed does it all.
func (c *Client) startFromSnapshot(ctx context.Context) error {
	if c.cfg.NoSnapshot {
		return nil
	}
	if cur, err := c.cursor(ctx); err != nil || cur != 0 {
		return err
	}
	if kind, err := c.st.Setting(ctx, SettingKind); err != nil || kind == syncapi.KindDepartment {
		return err
	}
	if holds, err := c.st.HoldsCases(ctx); err != nil || holds {
		return err
	}
	// The manifest waits while the hub builds the office's first snapshot:
	// at 100,000 cases on a sealed hub that took more than the client's
	// two minutes, and the hub gave up the build with the request (#12).
	mctx, cancel := context.WithTimeout(ctx, manifestWait)
	defer cancel()
	hc := *c.http
	hc.Timeout = 0
	var man syncapi.SnapshotManifest
	if err := c.doVia(mctx, &hc, http.MethodGet, syncapi.PathSnapshot, nil, &man); err != nil {
		var he *HubError
		if errors.As(err, &he) && he.Status == http.StatusNotFound {
			return nil
		}
		return err
	}
	if man.Schema != store.SchemaVersion() || man.ID == "" {
		return nil
	}
	part := filepath.Join(filepath.Dir(c.st.Path()), "snapshot-"+man.ID+".part")
	old, _ := filepath.Glob(filepath.Join(filepath.Dir(c.st.Path()), "snapshot-*.part*"))
	for _, o := range old {
		if o != part && o != part+".gz" {
			os.Remove(o) // of a snapshot the hub has replaced since
		}
	}
	if err := c.fetchSnapshot(ctx, man, part); err != nil {
		var he *HubError
		if errors.As(err, &he) && he.Status == http.StatusNotFound {
			os.Remove(part) // replaced on the hub meanwhile: the next round asks again
			os.Remove(part + ".gz")
		}
		return err
	}
	users := make([]store.Op, len(man.Users))
	for i, o := range man.Users {
		users[i] = toStore(o)
	}
	cursor := strconv.FormatInt(man.High, 10)
	// The snapshot holds the device's own ops too: a restored store needs
	// no second pass over the feed.
	var key []byte
	if man.Key != "" {
		k, err := hex.DecodeString(man.Key)
		if err != nil || len(k) != store.KeySize {
			return fmt.Errorf("snapshot %s: the hub sent a malformed key", man.ID)
		}
		key = k
	}
	_, err := c.st.AdoptSnapshotSealed(ctx, part, key, users, map[string]string{SettingCursor: cursor, store.SettingRestored: ""})
	if errors.Is(err, store.ErrNotEmpty) || errors.Is(err, store.ErrSnapshotSchema) {
		os.Remove(part)
		return nil // a case was saved meanwhile: the feed it is
	}
	if errors.Is(err, store.ErrBusy) {
		return err // the file is untouched: the next round adopts it without downloading again
	}
	if err != nil {
		os.Remove(part)
		return err
	}
	if err := c.advanceBase(ctx, man.High); err != nil {
		return err
	}
	c.refreshCounts(ctx)
	return nil
}

// fetchSnapshot leaves in part the snapshot file, checked against the
// manifest: kept from an earlier round when it is already whole, else
// fetched gzip-compressed when the hub offers it (a quarter of the bytes
// on the line) and unpacked, else fetched as it is.
func (c *Client) fetchSnapshot(ctx context.Context, man syncapi.SnapshotManifest, part string) error {
	if sum, size, err := store.HashFile(part); err == nil && size == man.Size && sum == man.SHA256 {
		return nil
	}
	// A download cut short goes on in the form it started in.
	rawStarted := false
	if st, err := os.Stat(part); err == nil && st.Size() > 0 {
		rawStarted = true
	}
	if man.GzipSize <= 0 || rawStarted {
		os.Remove(part + ".gz")
		return c.download(ctx, syncapi.PathSnapshotFile+man.ID, part, man.Size, man.SHA256)
	}
	gz := part + ".gz"
	if err := c.download(ctx, syncapi.PathSnapshotFile+man.ID+"?"+syncapi.QueryGzip+"=1", gz, man.GzipSize, man.GzipSHA256); err != nil {
		var he *HubError
		if errors.As(err, &he) && he.Status == http.StatusNotFound {
			os.Remove(gz) // the hub lost its compressed copy: take the file as it is
			return c.download(ctx, syncapi.PathSnapshotFile+man.ID, part, man.Size, man.SHA256)
		}
		return err
	}
	err := gunzipTo(gz, part, man.Size, man.SHA256)
	os.Remove(gz)
	if err != nil {
		os.Remove(part)
	}
	return err
}

// gunzipTo unpacks gz into path and checks what it wrote.
func gunzipTo(gz, path string, size int64, sum string) error {
	in, err := os.Open(gz)
	if err != nil {
		return err
	}
	defer in.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(in, 1<<20))
	if err != nil {
		return fmt.Errorf("unpack snapshot: %w", err)
	}
	out, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer out.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), zr)
	if err != nil {
		return fmt.Errorf("unpack snapshot: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != size || got != sum {
		return fmt.Errorf("unpack snapshot: got %d bytes hashing %s, want %d bytes hashing %s", n, got, size, sum)
	}
	return out.Sync()
}

// download fetches path of the hub into file, resuming from what file
// already holds, and checks it whole against size and sum.
func (c *Client) download(ctx context.Context, path, file string, size int64, sum string) error {
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	have, err := io.Copy(h, f)
	if err != nil {
		return err
	}
	restart := func() error {
		if err := f.Truncate(0); err != nil {
			return err
		}
		_, err := f.Seek(0, io.SeekStart)
		h.Reset()
		have = 0
		return err
	}
	if have > size {
		if err := restart(); err != nil {
			return err
		}
	}
	if have < size {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url+path, nil)
		if err != nil {
			return err
		}
		if have > 0 {
			req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
		}
		hc := *c.http
		hc.Timeout = 0 // a large file on a slow line: ctx and resumption bound it
		resp, err := c.sendVia(&hc, req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if have > 0 && resp.StatusCode != http.StatusPartialContent {
			if err := restart(); err != nil { // the hub sent it whole: start over
				return err
			}
		}
		prog := &progress{c: c, got: have, size: size}
		defer c.update(func(s *Status) { s.SnapshotGot, s.SnapshotSize = 0, 0 })
		if _, err := io.Copy(io.MultiWriter(f, h, prog), resp.Body); err != nil {
			return fmt.Errorf("download snapshot: %w", err)
		}
	}
	if err := f.Sync(); err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); st.Size() != size || got != sum {
		f.Truncate(0)
		return fmt.Errorf("download snapshot: got %d bytes hashing %s, want %d bytes hashing %s", st.Size(), got, size, sum)
	}
	return nil
}

// progress reports a download's progress in the status, about every
// percent.
type progress struct {
	c         *Client
	got, size int64
	shown     int64
}

func (p *progress) Write(b []byte) (int, error) {
	p.got += int64(len(b))
	if p.got-p.shown >= p.size/100 || p.got == p.size {
		p.shown = p.got
		got, size := p.got, p.size
		p.c.update(func(s *Status) { s.SnapshotGot, s.SnapshotSize = got, size })
	}
	return len(b), nil
}
