package hub

import (
	"compress/gzip"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"vetdesk/store"
	"vetdesk/syncapi"
)

// Snapshot defaults (Options.SnapshotMinCases, Options.SnapshotMaxAge).
const (
	DefaultSnapshotMinCases = 500
	DefaultSnapshotMaxAge   = time.Hour
)

// snapshot is a built snapshot file of one office. Its record is saved
// beside the file (the same name, .json), so a restarted hub serves it
// again instead of building anew.
type snapshot struct {
	Office string                   `json:"office"`
	Built  time.Time                `json:"built"`
	Man    syncapi.SnapshotManifest `json:"manifest"` // without Users, which depend on the device, and Key
	// KeyNonce derives the key the file is sealed with from the hub's key
	// (snapshotKey); empty: a plaintext file (a hub without a key).
	KeyNonce string `json:"key_nonce,omitempty"`
	path     string
}

// snapshotKey is the key of a snapshot sealed by this hub: HMAC-SHA256 of
// the hub's key over the snapshot's nonce, so no key is kept beside the
// file. nil for a hub without a key. Devices get it with the manifest,
// over the pinned TLS.
func (h *Hub) snapshotKey(nonce string) []byte {
	if h.opt.Key == nil {
		return nil
	}
	m := hmac.New(sha256.New, h.opt.Key)
	m.Write([]byte("vetdesk snapshot key\x00" + nonce))
	return m.Sum(nil)
}

// snapshots keeps the newest snapshot per office and builds one office at
// a time per office.
type snapshots struct {
	mu       sync.Mutex
	byOffice map[string]*snapshot
	building map[string]*sync.Mutex
	keeping  bool          // KeepSnapshots runs: stale snapshots are refreshed by it
	kick     chan struct{} // asks KeepSnapshots for a round now
}

// loadSnapshots takes up the snapshots an earlier run built and recorded,
// when they still fit the replica (same schema, sequence not beyond the
// replica's: a restored replica makes them void) and their file is whole;
// the rest is deleted.
func (h *Hub) loadSnapshots(ctx context.Context) error {
	h.snaps.byOffice = map[string]*snapshot{}
	h.snaps.building = map[string]*sync.Mutex{}
	h.snaps.kick = make(chan struct{}, 1)
	dir := h.snapshotDir()
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	high, err := h.db.FeedHigh(ctx)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		var s snapshot
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil || json.Unmarshal(raw, &s) != nil {
			continue
		}
		s.path = filepath.Join(dir, name+".db")
		if (h.opt.Key != nil) != (s.KeyNonce != "") {
			continue // plaintext of an earlier version on a sealed hub: deleted below
		}
		st, err := os.Stat(s.path)
		if err != nil || st.Size() != s.Man.Size || s.Man.Schema != store.SchemaVersion() || s.Man.High > high {
			continue
		}
		if gz, err := os.Stat(s.path + ".gz"); err != nil || gz.Size() != s.Man.GzipSize {
			s.Man.GzipSize, s.Man.GzipSHA256 = 0, "" // the raw file alone is served
		}
		if cur := h.snaps.byOffice[s.Office]; cur == nil || cur.Built.Before(s.Built) {
			h.snaps.byOffice[s.Office] = &s
		}
	}
	for _, s := range h.snaps.byOffice {
		if s.Man.GzipSize == 0 && s.KeyNonce == "" {
			h.background(func() { h.compressSnapshot(s) })
		}
		keep[filepath.Base(s.path)] = true
		keep[filepath.Base(s.path)+".gz"] = true
		keep[strings.TrimSuffix(filepath.Base(s.path), ".db")+".json"] = true
	}
	for _, e := range ents {
		if !keep[e.Name()] {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	return nil
}

func (h *Hub) snapshotDir() string { return filepath.Join(h.dir, "snapshots") }

// handleSnapshot answers the manifest of the snapshot of d's office, built
// now when there is none younger than SnapshotMaxAge. Department devices
// see only their tasks' cases, trimmed, and offices with few cases are
// quicker by the feed: both get 404, "use the feed".
func (h *Hub) handleSnapshot(w http.ResponseWriter, r *http.Request, d deviceRec) {
	min := h.opt.SnapshotMinCases
	if min == 0 {
		min = DefaultSnapshotMinCases
	}
	if d.Department != "" || d.Office == "" || min < 0 {
		writeError(w, http.StatusNotFound, syncapi.ErrNotFound, "no snapshot for this device: use the feed")
		return
	}
	extendDeadlines(w, h.transferTimeout()) // the first build of an office takes a while
	// The build goes on when the device stops waiting (its request is
	// cancelled): its next round, or the next device, is served it instead
	// of starting over. At 100,000 cases a sealed hub's build took longer
	// than a desk waited, and each retry cut its own build (#12). It ends
	// with the hub.
	ctx, stop := context.WithCancel(context.WithoutCancel(r.Context()))
	defer stop()
	defer context.AfterFunc(h.bgCtx, stop)()
	n, err := h.db.CaseCount(ctx, d.Office)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if n < min {
		writeError(w, http.StatusNotFound, syncapi.ErrNotFound, "few cases: use the feed")
		return
	}
	// With the keeper running, a stale snapshot is still served (the feed
	// brings what came after it) and the keeper is asked to refresh it;
	// without, it is rebuilt now.
	maxAge := h.snapshotMaxAge()
	h.snaps.mu.Lock()
	keeping := h.snaps.keeping
	h.snaps.mu.Unlock()
	if keeping {
		maxAge = 1<<63 - 1
	}
	s, err := h.snapshotOf(ctx, d.Office, maxAge)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if keeping && h.now().Sub(s.Built) >= h.snapshotMaxAge() {
		select {
		case h.snaps.kick <- struct{}{}:
		default:
		}
	}
	man := s.Man
	if key := h.snapshotKey(s.KeyNonce); key != nil {
		man.Key = hex.EncodeToString(key)
	}
	users, err := h.db.UserFeed(r.Context(), man.High)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	man.Users = []syncapi.Op{}
	for _, f := range users {
		if op, ok := h.scoped(d, f); ok {
			man.Users = append(man.Users, toWire(op))
		}
	}
	h.audit(r.Context(), "device:"+d.ID, "snapshot", d.Office, fmt.Sprintf("snapshot=%s cases=%d high=%d users=%d",
		man.ID, man.Cases, man.High, len(man.Users)))
	h.log.InfoContext(r.Context(), "snapshot offered", slog.String("device", d.ID), slog.String("office", d.Office),
		slog.String("snapshot", man.ID), slog.Int("cases", man.Cases), slog.Int64("size", man.Size))
	writeJSON(w, http.StatusOK, man)
}

// handleSnapshotFile serves the bytes of the current snapshot of d's
// office, with Range so a cut download resumes. A snapshot replaced since
// the manifest answers 404: ask for the manifest again.
func (h *Hub) handleSnapshotFile(w http.ResponseWriter, r *http.Request, d deviceRec) {
	id := r.PathValue("id")
	h.snaps.mu.Lock()
	s := h.snaps.byOffice[d.Office]
	h.snaps.mu.Unlock()
	if d.Department != "" || s == nil || s.Man.ID != id {
		writeError(w, http.StatusNotFound, syncapi.ErrNotFound, "no such snapshot: ask for the manifest again")
		return
	}
	path, kind := s.path, "application/vnd.sqlite3"
	if r.URL.Query().Get(syncapi.QueryGzip) == "1" {
		path, kind = s.path+".gz", "application/gzip"
	}
	f, err := os.Open(path)
	if err != nil {
		writeError(w, http.StatusNotFound, syncapi.ErrNotFound, "no such snapshot: ask for the manifest again")
		return
	}
	defer f.Close()
	extendDeadlines(w, h.transferTimeout())
	w.Header().Set("Content-Type", kind)
	http.ServeContent(w, r, "", s.Built, f)
}

func (h *Hub) snapshotMaxAge() time.Duration {
	if h.opt.SnapshotMaxAge > 0 {
		return h.opt.SnapshotMaxAge
	}
	return DefaultSnapshotMaxAge
}

// KeepSnapshots builds the snapshot of every office that holds at least
// SnapshotMinCases cases, now and then every half SnapshotMaxAge, until
// ctx ends, so that a new desktop is served one already built instead of
// waiting for the build (about half a minute at 100,000 cases). Errors
// are logged; the next request builds on demand.
func (h *Hub) KeepSnapshots(ctx context.Context) {
	min := h.opt.SnapshotMinCases
	if min == 0 {
		min = DefaultSnapshotMinCases
	}
	if min < 0 {
		return
	}
	h.snaps.mu.Lock()
	h.snaps.keeping = true
	h.snaps.mu.Unlock()
	defer func() {
		h.snaps.mu.Lock()
		h.snaps.keeping = false
		h.snaps.mu.Unlock()
	}()
	for {
		counts, err := h.db.OfficeCaseCounts(ctx)
		if err != nil && ctx.Err() == nil {
			h.log.ErrorContext(ctx, "snapshot keeper", slog.Any("err", err))
		}
		for office, n := range counts {
			if n < min || ctx.Err() != nil {
				continue
			}
			if _, err := h.snapshotOf(ctx, office, h.snapshotMaxAge()/2); err != nil && ctx.Err() == nil {
				h.log.ErrorContext(ctx, "snapshot keeper", slog.String("office", office), slog.Any("err", err))
			}
		}
		t := time.NewTimer(h.snapshotMaxAge() / 2)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-h.snaps.kick:
		}
		t.Stop()
	}
}

// snapshotOf returns the snapshot of office, building it when there is
// none or it is maxAge old. Builds of one office are serialised; a
// request arriving during a build waits for it and takes it.
func (h *Hub) snapshotOf(ctx context.Context, office string, maxAge time.Duration) (*snapshot, error) {
	h.snaps.mu.Lock()
	bmu := h.snaps.building[office]
	if bmu == nil {
		bmu = &sync.Mutex{}
		h.snaps.building[office] = bmu
	}
	h.snaps.mu.Unlock()
	bmu.Lock()
	defer bmu.Unlock()
	h.snaps.mu.Lock()
	old := h.snaps.byOffice[office]
	h.snaps.mu.Unlock()
	if old != nil && h.now().Sub(old.Built) < maxAge {
		return old, nil
	}
	if old != nil { // old, but nothing of the office changed since: still exact
		if high, err := h.db.OfficeHigh(ctx, office); err == nil && high <= old.Man.High {
			return old, nil
		}
	}
	if err := os.MkdirAll(h.snapshotDir(), 0o700); err != nil {
		return nil, err
	}
	start := time.Now()
	tmp := filepath.Join(h.snapshotDir(), fmt.Sprintf("%s.building", office))
	var nonce string
	if h.opt.Key != nil {
		b := make([]byte, 16)
		rand.Read(b)
		nonce = hex.EncodeToString(b)
	}
	info, err := h.db.WriteSnapshotKey(ctx, tmp, office, h.snapshotKey(nonce))
	if err != nil {
		return nil, err
	}
	sum, size, err := store.HashFile(tmp)
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	s := &snapshot{Office: office, Built: h.now(), Man: syncapi.SnapshotManifest{ID: sum[:24], High: info.High, Cases: info.Cases,
		Ops: info.Ops, Schema: info.Schema, Size: size, SHA256: sum}, KeyNonce: nonce}
	s.path = filepath.Join(h.snapshotDir(), office+"-"+s.Man.ID+".db")
	if err := os.Rename(tmp, s.path); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	record, _ := json.Marshal(s)
	if err := os.WriteFile(strings.TrimSuffix(s.path, ".db")+".json", record, 0o600); err != nil {
		os.Remove(s.path)
		return nil, err
	}
	h.snaps.mu.Lock()
	h.snaps.byOffice[office] = s
	h.snaps.mu.Unlock()
	if old != nil && old.path != s.path {
		os.Remove(strings.TrimSuffix(old.path, ".db") + ".json")
		os.Remove(old.path) // a download still reading it keeps its open file
		os.Remove(old.path + ".gz")
	}
	h.log.InfoContext(ctx, "snapshot built", slog.String("office", office), slog.Int("cases", info.Cases),
		slog.Int("ops", info.Ops), slog.Int64("high", info.High), slog.Int64("size", size), slog.Duration("took", time.Since(start)))
	if s.KeyNonce == "" { // a sealed file does not compress
		h.background(func() { h.compressSnapshot(s) })
	}
	return s, nil
}

// compressSnapshot writes the gzip copy of s beside it, off the request
// that built it, and then offers it: the record is replaced (snapshots
// are never changed in place, handlers read them unlocked) and saved.
func (h *Hub) compressSnapshot(s *snapshot) {
	start := time.Now()
	gzSum, gzSize, err := gzipFile(h.bgCtx, s.path, s.path+".gz.tmp")
	if err == nil {
		err = os.Rename(s.path+".gz.tmp", s.path+".gz")
	}
	if err != nil {
		os.Remove(s.path + ".gz.tmp")
		if h.bgCtx.Err() == nil {
			h.log.Error("snapshot compression", slog.String("office", s.Office), slog.Any("err", err))
		}
		return
	}
	next := *s
	next.Man.GzipSize, next.Man.GzipSHA256 = gzSize, gzSum
	h.snaps.mu.Lock()
	current := h.snaps.byOffice[s.Office] == s
	if current {
		h.snaps.byOffice[s.Office] = &next
	}
	h.snaps.mu.Unlock()
	if !current {
		os.Remove(s.path + ".gz") // replaced meanwhile
		return
	}
	record, _ := json.Marshal(&next)
	if err := os.WriteFile(strings.TrimSuffix(s.path, ".db")+".json", record, 0o600); err != nil {
		h.log.Error("snapshot record", slog.String("office", s.Office), slog.Any("err", err))
	}
	h.log.Info("snapshot compressed", slog.String("office", s.Office), slog.Int64("size", s.Man.Size),
		slog.Int64("gzip_size", gzSize), slog.Duration("took", time.Since(start)))
}

// gzipFile writes a gzip copy of path to gz (the fastest level: a snapshot
// shrinks to about a quarter) and returns the copy's SHA-256 and size.
// It stops when ctx ends.
func gzipFile(ctx context.Context, path, gz string) (string, int64, error) {
	in, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(gz, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return "", 0, err
	}
	defer out.Close()
	sum := sha256.New()
	counted := &countWriter{w: io.MultiWriter(out, sum)}
	zw, err := gzip.NewWriterLevel(counted, gzip.BestSpeed)
	if err != nil {
		return "", 0, err
	}
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return "", 0, err
		}
		n, rerr := in.Read(buf)
		if n > 0 {
			if _, err := zw.Write(buf[:n]); err != nil {
				return "", 0, err
			}
		}
		if rerr == io.EOF {
			break
		} else if rerr != nil {
			return "", 0, rerr
		}
	}
	if err := zw.Close(); err != nil {
		return "", 0, err
	}
	if err := out.Sync(); err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(sum.Sum(nil)), counted.n, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}
