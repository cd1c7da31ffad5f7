package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"vetdesk/syncapi"
)

// Snapshot defaults (Options.SnapshotMinCases, Options.SnapshotMaxAge).
const (
	DefaultSnapshotMinCases = 500
	DefaultSnapshotMaxAge   = time.Hour
)

// snapshot is a built snapshot file of one office.
type snapshot struct {
	path  string
	built time.Time
	man   syncapi.SnapshotManifest // without Users, which depend on the device
}

// snapshots keeps the newest snapshot per office and builds one office at
// a time per office.
type snapshots struct {
	mu       sync.Mutex
	byOffice map[string]*snapshot
	building map[string]*sync.Mutex
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
	n, err := h.db.CaseCount(r.Context(), d.Office)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if n < min {
		writeError(w, http.StatusNotFound, syncapi.ErrNotFound, "few cases: use the feed")
		return
	}
	s, err := h.snapshotOf(r.Context(), d.Office, h.snapshotMaxAge())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	man := s.man
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
	if d.Department != "" || s == nil || s.man.ID != id {
		writeError(w, http.StatusNotFound, syncapi.ErrNotFound, "no such snapshot: ask for the manifest again")
		return
	}
	f, err := os.Open(s.path)
	if err != nil {
		writeError(w, http.StatusNotFound, syncapi.ErrNotFound, "no such snapshot: ask for the manifest again")
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/vnd.sqlite3")
	http.ServeContent(w, r, "", s.built, f)
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
		}
	}
}

// snapshotOf returns the snapshot of office, building it when there is
// none or it is maxAge old. Builds of one office are serialised; a
// request arriving during a build waits for it and takes it.
func (h *Hub) snapshotOf(ctx context.Context, office string, maxAge time.Duration) (*snapshot, error) {
	h.snaps.mu.Lock()
	if h.snaps.building == nil {
		h.snaps.building = map[string]*sync.Mutex{}
		h.snaps.byOffice = map[string]*snapshot{}
	}
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
	if old != nil && h.now().Sub(old.built) < maxAge {
		return old, nil
	}
	if err := os.MkdirAll(h.snapshotDir(), 0o700); err != nil {
		return nil, err
	}
	start := time.Now()
	tmp := filepath.Join(h.snapshotDir(), fmt.Sprintf("%s.building", office))
	info, err := h.db.WriteSnapshot(ctx, tmp, office)
	if err != nil {
		return nil, err
	}
	sum, size, err := hashFile(tmp)
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	s := &snapshot{built: h.now(), man: syncapi.SnapshotManifest{ID: sum[:24], High: info.High, Cases: info.Cases,
		Ops: info.Ops, Schema: info.Schema, Size: size, SHA256: sum}}
	s.path = filepath.Join(h.snapshotDir(), office+"-"+s.man.ID+".db")
	if err := os.Rename(tmp, s.path); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	h.snaps.mu.Lock()
	h.snaps.byOffice[office] = s
	h.snaps.mu.Unlock()
	if old != nil && old.path != s.path {
		os.Remove(old.path) // a download still reading it keeps its open file
	}
	h.log.InfoContext(ctx, "snapshot built", slog.String("office", office), slog.Int("cases", info.Cases),
		slog.Int("ops", info.Ops), slog.Int64("high", info.High), slog.Int64("size", size), slog.Duration("took", time.Since(start)))
	return s, nil
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
