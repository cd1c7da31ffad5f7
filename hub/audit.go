package hub

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// Audit alert reasons: why the hub refused a device's audit push.
const (
	AlertRewritten = "rewritten" // an entry or the head differs from the one the hub holds
	AlertBroken    = "broken"    // an entry does not chain to the one before it
	AlertTruncated = "truncated" // the device's chain ends before the hub's
	AlertRekeyed   = "rekeyed"   // the device sends another audit key than the one the hub holds
)

func (h *Hub) handleAudit(w http.ResponseWriter, r *http.Request, d deviceRec) {
	var req syncapi.AuditPush
	if err := readJSON(r, maxPushBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, err.Error())
		return
	}
	if len(req.Entries) > syncapi.MaxAuditEntries {
		writeError(w, http.StatusRequestEntityTooLarge, syncapi.ErrBadRequest,
			fmt.Sprintf("at most %d audit entries per push", syncapi.MaxAuditEntries))
		return
	}
	resp, err := h.PushAudit(r.Context(), d.ID, req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if resp.Refused != "" {
		h.log.WarnContext(r.Context(), "audit chain refused", "device", d.ID, "reason", resp.Refused)
	}
	writeJSON(w, http.StatusOK, resp)
}

func auditFromWire(e syncapi.AuditEntry) store.AuditEntry {
	at, _ := time.Parse(time.RFC3339Nano, e.At)
	return store.AuditEntry{Seq: e.Seq, At: at, UserID: e.UserID, Login: e.Login, Action: e.Action,
		Target: e.Target, Success: e.Success, Detail: e.Detail, Hash: e.Hash}
}

// storeTimeLayout is how the store writes an audit entry's instant, kept
// as sent: the entry's hash covers that text.
const storeTimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// refusal is why a push was refused, recorded as an alert.
type refusal struct {
	seq       int64
	reason    string
	held, got string
}

// PushAudit takes deviceID's audit entries: each one the hub holds with
// the same hash is a duplicate; the next one must chain to the last held
// (store.CheckAuditHash, keyed under the device's audit key once it sent
// one, and never plain after keyed); the head must be the hub's entry at its sequence or
// extend past it. Anything else refuses the whole push and records an
// alert (once per device, sequence, reason and hash). Entries past a gap
// are left for the device to send again from Held.
func (h *Hub) PushAudit(ctx context.Context, deviceID string, req syncapi.AuditPush) (syncapi.AuditPushResponse, error) {
	var resp syncapi.AuditPushResponse
	entries := append([]syncapi.AuditEntry(nil), req.Entries...)
	sort.Slice(entries, func(i, j int) bool { return entries[i].Seq < entries[j].Seq })
	tx, err := h.meta.BeginTx(ctx, nil)
	if err != nil {
		return resp, fmt.Errorf("audit push: %w", err)
	}
	defer tx.Rollback()
	held, err := heldHead(ctx, tx, deviceID)
	if err != nil {
		return resp, err
	}
	hashAt := func(seq int64) (string, error) {
		var hash string
		err := tx.QueryRowContext(ctx, `SELECT hash FROM device_audit WHERE device = ? AND seq = ?`, deviceID, seq).Scan(&hash)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return hash, err
	}
	var bad *refusal
	now := formatTime(h.now())
	var keyHex string
	err = tx.QueryRowContext(ctx, `SELECT key FROM device_audit_keys WHERE device = ?`, deviceID).Scan(&keyHex)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return resp, fmt.Errorf("audit push: %w", err)
	}
	switch {
	case req.Key == "" || req.Key == keyHex:
	case keyHex == "":
		if _, err := hex.DecodeString(req.Key); err != nil || len(req.Key) != 64 {
			bad = &refusal{0, AlertBroken, "", "key"}
			break
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO device_audit_keys (device, key, at) VALUES (?, ?, ?)`,
			deviceID, req.Key, now); err != nil {
			return resp, fmt.Errorf("audit push: %w", err)
		}
		keyHex = req.Key
	default:
		bad = &refusal{held.Seq, AlertRekeyed, keyFingerprint(keyHex), keyFingerprint(req.Key)}
	}
	key, _ := hex.DecodeString(keyHex)
	if bad != nil {
		entries = nil
	}
	for _, e := range entries {
		if e.Seq <= 0 {
			bad = &refusal{e.Seq, AlertBroken, "", e.Hash}
			break
		}
		if e.Seq <= held.Seq {
			have, err := hashAt(e.Seq)
			if err != nil {
				return resp, fmt.Errorf("audit push: %w", err)
			}
			if have != e.Hash {
				bad = &refusal{e.Seq, AlertRewritten, have, e.Hash}
				break
			}
			resp.Duplicates++
			continue
		}
		if e.Seq > held.Seq+1 {
			break // a gap: the device sends again from Held
		}
		if store.CheckAuditHash(key, held.Hash, auditFromWire(e)) != "" {
			bad = &refusal{e.Seq, AlertBroken, held.Hash, e.Hash}
			break
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO device_audit (device, seq, at, user_id, login, action, target,
			success, detail, hash, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			deviceID, e.Seq, e.At, e.UserID, e.Login, e.Action, e.Target, e.Success, e.Detail, e.Hash, now); err != nil {
			return resp, fmt.Errorf("audit push: %w", err)
		}
		held = syncapi.AuditHead{Seq: e.Seq, Hash: e.Hash}
		resp.Accepted++
	}
	if bad == nil && req.Head.Seq > 0 {
		switch {
		case req.Head.Seq < held.Seq:
			have, err := hashAt(req.Head.Seq)
			if err != nil {
				return resp, fmt.Errorf("audit push: %w", err)
			}
			if have != req.Head.Hash {
				bad = &refusal{req.Head.Seq, AlertRewritten, have, req.Head.Hash}
			} else {
				bad = &refusal{req.Head.Seq, AlertTruncated, held.Hash, req.Head.Hash}
			}
		case req.Head.Seq == held.Seq && req.Head.Hash != held.Hash:
			bad = &refusal{req.Head.Seq, AlertRewritten, held.Hash, req.Head.Hash}
		}
	}
	if bad != nil {
		tx.Rollback()
		return h.refuseAudit(ctx, deviceID, *bad)
	}
	if err := tx.Commit(); err != nil {
		return resp, fmt.Errorf("audit push: %w", err)
	}
	resp.Held = held
	return resp, nil
}

// keyFingerprint names an audit key in an alert without showing it.
func keyFingerprint(keyHex string) string {
	sum := sm3.Sum([]byte(keyHex))
	return "key:" + hex.EncodeToString(sum[:8])
}

// refuseAudit records the alert of a refused push and answers what the hub
// still holds.
func (h *Hub) refuseAudit(ctx context.Context, deviceID string, bad refusal) (syncapi.AuditPushResponse, error) {
	resp := syncapi.AuditPushResponse{Refused: fmt.Sprintf("%s at %d", bad.reason, bad.seq)}
	res, err := h.meta.ExecContext(ctx, `INSERT OR IGNORE INTO audit_alerts (device, seq, reason, held_hash, got_hash, at)
		VALUES (?, ?, ?, ?, ?, ?)`, deviceID, bad.seq, bad.reason, bad.held, bad.got, formatTime(h.now()))
	if err != nil {
		return resp, fmt.Errorf("audit alert: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		h.audit(ctx, "device:"+deviceID, "audit.alert", deviceID, resp.Refused)
	}
	if resp.Held, err = heldHead(ctx, h.meta, deviceID); err != nil {
		return resp, err
	}
	return resp, nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func heldHead(ctx context.Context, q queryer, deviceID string) (syncapi.AuditHead, error) {
	var held syncapi.AuditHead
	err := q.QueryRowContext(ctx, `SELECT seq, hash FROM device_audit WHERE device = ? ORDER BY seq DESC LIMIT 1`,
		deviceID).Scan(&held.Seq, &held.Hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return held, fmt.Errorf("audit head: %w", err)
	}
	return held, nil
}

// AuditAlert is a refused audit push: a device whose chain no longer
// extends what the hub holds.
type AuditAlert struct {
	ID       int64
	Device   string
	Station  string
	Office   string
	Seq      int64
	Reason   string // AlertRewritten, AlertBroken, AlertTruncated
	HeldHash string
	GotHash  string
	At       time.Time
}

// AuditAlerts lists the alerts, newest first.
func (h *Hub) AuditAlerts(ctx context.Context) ([]AuditAlert, error) {
	rows, err := h.meta.QueryContext(ctx, `SELECT a.id, a.device, coalesce(d.station, ''), coalesce(d.office, ''), a.seq,
		a.reason, a.held_hash, a.got_hash, a.at FROM audit_alerts a LEFT JOIN devices d ON d.id = a.device ORDER BY a.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("audit alerts: %w", err)
	}
	defer rows.Close()
	var out []AuditAlert
	for rows.Next() {
		var a AuditAlert
		var at string
		if err := rows.Scan(&a.ID, &a.Device, &a.Station, &a.Office, &a.Seq, &a.Reason, &a.HeldHash, &a.GotHash, &at); err != nil {
			return nil, fmt.Errorf("audit alerts: %w", err)
		}
		a.At = parseTime(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// DeviceAuditEntry is an entry of a device's audit as the hub holds it,
// with where the device stands.
type DeviceAuditEntry struct {
	Device  string
	Station string
	Office  string
	store.AuditEntry
}

// AuditFilter selects devices' audit entries; zero fields select all.
type AuditFilter struct {
	Office, Device, Login, Action string
	From, To                      time.Time // From ≤ at < To
	Limit                         int       // 0: 1000
}

// DeviceAudit lists the devices' audit entries the filter selects, in
// time order.
func (h *Hub) DeviceAudit(ctx context.Context, f AuditFilter) ([]DeviceAuditEntry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if f.Office != "" {
		add("d.office = ?", f.Office)
	}
	if f.Device != "" {
		add("(a.device = ? OR d.code = ? OR d.station = ?)", f.Device)
		args = append(args, f.Device, f.Device)
	}
	if f.Login != "" {
		add("a.login = ?", f.Login)
	}
	if f.Action != "" {
		add("a.action = ?", f.Action)
	}
	if !f.From.IsZero() {
		add("a.at >= ?", f.From.UTC().Format(storeTimeLayout))
	}
	if !f.To.IsZero() {
		add("a.at < ?", f.To.UTC().Format(storeTimeLayout))
	}
	q := `SELECT a.device, coalesce(d.station, ''), coalesce(d.office, ''), a.seq, a.at, a.user_id, a.login, a.action,
		a.target, a.success, a.detail, a.hash FROM device_audit a LEFT JOIN devices d ON d.id = a.device`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	q += " ORDER BY a.at, a.device, a.seq LIMIT " + strconv.Itoa(limit)
	rows, err := h.meta.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("device audit: %w", err)
	}
	defer rows.Close()
	var out []DeviceAuditEntry
	for rows.Next() {
		var e DeviceAuditEntry
		var at string
		if err := rows.Scan(&e.Device, &e.Station, &e.Office, &e.Seq, &at, &e.UserID, &e.Login, &e.Action,
			&e.Target, &e.Success, &e.Detail, &e.Hash); err != nil {
			return nil, fmt.Errorf("device audit: %w", err)
		}
		e.At, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// maxAuditList caps one GET PathAudit answer.
const maxAuditList = 5000

// handleAuditList serves a station device the audit of its office's
// devices (its supervisors read it at the desk), masked.
func (h *Hub) handleAuditList(w http.ResponseWriter, r *http.Request, d deviceRec) {
	if d.Kind != syncapi.KindStation || d.Office == "" {
		writeError(w, http.StatusForbidden, syncapi.ErrUnauthorized, "only a station device reads its office's audit")
		return
	}
	q := r.URL.Query()
	f := AuditFilter{Office: d.Office, Device: q.Get(syncapi.QueryDevice), Login: q.Get(syncapi.QueryLogin),
		Action: q.Get(syncapi.QueryAction), Limit: maxAuditList}
	for _, t := range []struct {
		name string
		to   *time.Time
	}{{syncapi.QueryFrom, &f.From}, {syncapi.QueryTo, &f.To}} {
		if v := q.Get(t.name); v != "" {
			var err error
			if *t.to, err = time.Parse(time.RFC3339, v); err != nil {
				writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, t.name+": "+err.Error())
				return
			}
		}
	}
	if v := q.Get(syncapi.QueryLimit); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 && n < f.Limit {
			f.Limit = n
		}
	}
	f.Limit++ // one more tells whether there are more
	es, err := h.DeviceAudit(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var resp syncapi.AuditList
	if len(es) == f.Limit {
		es, resp.More = es[:len(es)-1], true
	}
	resp.Entries = make([]syncapi.AuditRecord, len(es))
	for i, e := range es {
		resp.Entries[i] = syncapi.AuditRecord{Device: e.Device, Station: e.Station, Office: e.Office, AuditEntry: syncapi.AuditEntry{
			Seq: e.Seq, At: e.At.UTC().Format(time.RFC3339Nano), UserID: e.UserID, Login: e.Login, Action: e.Action,
			Target: casework.MaskAuditText(e.Action, e.Target), Success: e.Success,
			Detail: casework.MaskAuditText(e.Action, e.Detail), Hash: e.Hash}}
	}
	writeJSON(w, http.StatusOK, resp)
}

// ResetAuditChain sets aside the chain the hub holds of deviceID (kept,
// listed under the device id with "@" and the time) and its audit key, so
// that the device's next push starts a new chain from its first entry: what
// a hub admin does once an alert is explained (a restore from an older
// backup, a reinstalled desk). The reset is audited; the alerts stay.
func (h *Hub) ResetAuditChain(ctx context.Context, deviceID, who string) (int64, error) {
	tx, err := h.meta.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("reset audit chain: %w", err)
	}
	defer tx.Rollback()
	archived := deviceID + "@" + h.now().UTC().Format("20060102T150405.000000000")
	res, err := tx.ExecContext(ctx, `UPDATE device_audit SET device = ? WHERE device = ?`, archived, deviceID)
	if err != nil {
		return 0, fmt.Errorf("reset audit chain: %w", err)
	}
	n, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, `UPDATE device_audit_keys SET device = ? WHERE device = ?`, archived, deviceID); err != nil {
		return 0, fmt.Errorf("reset audit chain: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("reset audit chain: %w", err)
	}
	h.audit(ctx, who, "audit.reset", deviceID, fmt.Sprintf("entries=%d kept as %s", n, archived))
	return n, nil
}
