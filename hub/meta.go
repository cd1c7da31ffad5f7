package hub

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"vetdesk/internal/sealvfs"
	"vetdesk/store"

	_ "github.com/ncruces/go-sqlite3/driver" // registers the "sqlite3" driver
)

// metaSchema is hub.db: what only the hub knows. Version 1.
const metaSchema = `
CREATE TABLE IF NOT EXISTS enrol_codes (
    hash       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    office     TEXT NOT NULL,
    station    TEXT NOT NULL,
    department TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT NOT NULL DEFAULT '',
    device_id  TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE TABLE IF NOT EXISTS devices (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    code        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    office      TEXT NOT NULL,
    station     TEXT NOT NULL,
    department  TEXT NOT NULL,
    name        TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    revoked_at  TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE TABLE IF NOT EXISTS device_seen (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS dept_keys (
    hash       TEXT PRIMARY KEY,
    department TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE TABLE IF NOT EXISTS webhooks (
    id         INTEGER PRIMARY KEY,
    department TEXT NOT NULL,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS deliveries (
    id         TEXT PRIMARY KEY,
    hook       INTEGER NOT NULL REFERENCES webhooks (id),
    body       BLOB NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL,
    state      TEXT NOT NULL DEFAULT 'pending',
    last_error TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_at);
CREATE TABLE IF NOT EXISTS overwrites (
    id         INTEGER PRIMARY KEY,
    device     TEXT NOT NULL,
    winner_seq INTEGER NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    field      TEXT NOT NULL,
    local_op   TEXT NOT NULL,
    local_val  TEXT NOT NULL,
    remote_op  TEXT NOT NULL,
    value      TEXT NOT NULL,
    UNIQUE (device, local_op, remote_op, field)
) STRICT;
CREATE INDEX IF NOT EXISTS overwrites_device ON overwrites (device, winner_seq);
CREATE TABLE IF NOT EXISTS attachment_rights (
    hash       TEXT NOT NULL,
    office     TEXT NOT NULL,
    device     TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (hash, office)
) STRICT;
CREATE TABLE IF NOT EXISTS meta_steps (
    name TEXT PRIMARY KEY,
    at   TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS dept_actions (
    id      TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    prev    TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS derive_marks (
    case_id TEXT NOT NULL,
    item    TEXT NOT NULL,
    op      TEXT NOT NULL,
    queued  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (case_id, item, op)
) STRICT;
CREATE TABLE IF NOT EXISTS device_audit (
    device      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    at          TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    login       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    success     INTEGER NOT NULL,
    detail      TEXT NOT NULL,
    hash        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (device, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS device_audit_at ON device_audit (at);
CREATE TABLE IF NOT EXISTS device_audit_keys (
    device TEXT PRIMARY KEY,
    key    TEXT NOT NULL,
    at     TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_alerts (
    id        INTEGER PRIMARY KEY,
    device    TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    held_hash TEXT NOT NULL,
    got_hash  TEXT NOT NULL,
    at        TEXT NOT NULL,
    UNIQUE (device, seq, reason, got_hash)
) STRICT;
PRAGMA user_version = 1;
`

// openMeta opens hub.db at path, sealed with key (nil: plaintext); a
// plaintext one of an earlier version is sealed first (store.SealFile,
// crash-safe), a new one is created sealed with page checksums.
func openMeta(path string, key []byte) (*sql.DB, error) {
	dsn := "file:" + path + "?vfs=" + sealvfs.PlainName + "&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_txlock=immediate"
	created := false
	if key != nil {
		if err := store.SealFile(path, key); err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		st, err := os.Stat(path)
		created = err != nil || st.Size() == 0
		if dsn, err = sealvfs.DSN(path, key, sealvfs.Param{Key: "_pragma", Value: "busy_timeout(10000)"},
			sealvfs.Param{Key: "_pragma", Value: "journal_mode(WAL)"}, sealvfs.Param{Key: "_pragma", Value: "foreign_keys(1)"},
			sealvfs.Param{Key: "_pragma", Value: "synchronous(FULL)"}, sealvfs.Param{Key: "_txlock", Value: "immediate"}); err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if created {
		if err := sealvfs.EnableChecksums(context.Background(), db, "main"); err != nil {
			db.Close()
			return nil, fmt.Errorf("open %s: %w", path, metaKeyError(err))
		}
	}
	if _, err := db.Exec(metaSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: schema: %w", path, metaKeyError(err))
	}
	if err := addMetaColumns(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: schema: %w", path, err)
	}
	if err := keyWebhooks(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: department keys: %w", path, err)
	}
	if err := store.Private(path); err != nil { // device tokens' hashes, webhook secrets
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// metaKeyError names a wrong key of a sealed hub.db: store.ErrWrongKey.
func metaKeyError(err error) error {
	err = sealvfs.KeyError(err)
	if errors.Is(err, sealvfs.ErrWrongKey) || errors.Is(err, sealvfs.ErrNoKey) {
		return fmt.Errorf("%w: %w", store.ErrWrongKey, err)
	}
	return err
}

// metaColumns are columns added to hub.db's tables after version 1; an
// older hub.db gets them at Open.
var metaColumns = []struct{ table, column, decl string }{
	// a re-enrolment code names the one device it may enrol again
	{"enrol_codes", "for_device", "TEXT NOT NULL DEFAULT ''"},
	// department keys are listed and revoked by id (DeptKeyID) ...
	{"dept_keys", "id", "TEXT NOT NULL DEFAULT ''"},
	// ... and a webhook belongs to the key it was registered with
	{"webhooks", "key_id", "TEXT NOT NULL DEFAULT ''"},
}

// addMetaColumns adds the metaColumns a table lacks.
func addMetaColumns(db *sql.DB) error {
	for _, c := range metaColumns {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM pragma_table_info(?) WHERE name = ?`, c.table, c.column).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		if _, err := db.Exec(`ALTER TABLE ` + c.table + ` ADD COLUMN ` + c.column + ` ` + c.decl); err != nil {
			return err
		}
	}
	return nil
}

// keyWebhooks brings department keys and webhooks of an older hub.db
// under the rule that a webhook belongs to a key: keys get their ids, a
// webhook without a key is given the key of its department made last
// before it (the command that made them made the key first), and webhooks
// of revoked keys go.
func keyWebhooks(db *sql.DB) error {
	if _, err := db.Exec(`UPDATE dept_keys SET id = substr(hash, 1, 12) WHERE id = ''`); err != nil {
		return err
	}
	if _, err := db.Exec(`CREATE UNIQUE INDEX IF NOT EXISTS dept_keys_id ON dept_keys (id)`); err != nil {
		return err
	}
	type key struct {
		id, dept string
		at       time.Time
	}
	var keys []key
	rows, err := db.Query(`SELECT id, department, created_at FROM dept_keys`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var k key
		var at string
		if err := rows.Scan(&k.id, &k.dept, &at); err != nil {
			rows.Close()
			return err
		}
		k.at = parseTime(at)
		keys = append(keys, k)
	}
	rows.Close()
	type hook struct {
		id   int64
		dept string
		at   time.Time
	}
	var hooks []hook
	rows, err = db.Query(`SELECT id, department, created_at FROM webhooks WHERE key_id = ''`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var w hook
		var at string
		if err := rows.Scan(&w.id, &w.dept, &at); err != nil {
			rows.Close()
			return err
		}
		w.at = parseTime(at)
		hooks = append(hooks, w)
	}
	rows.Close()
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, w := range hooks {
		var best *key
		for i, k := range keys {
			if k.dept == w.dept && !k.at.After(w.at) && (best == nil || k.at.After(best.at)) {
				best = &keys[i]
			}
		}
		if best == nil {
			continue // no key made before it: kept, as before, until an admin acts
		}
		if _, err := tx.Exec(`UPDATE webhooks SET key_id = ? WHERE id = ?`, best.id, w.id); err != nil {
			return err
		}
	}
	if _, err := removeRevokedHooks(context.Background(), tx); err != nil {
		return err
	}
	return tx.Commit()
}

// ErrCodeInvalid: the enrolment code is unknown, used or expired.
var ErrCodeInvalid = errors.New("enrolment code unknown, used or expired")

// ErrDeviceEnrolled: the device id is enrolled already and the code was
// not made for re-enrolling it (EnrolSpec.ForDevice).
var ErrDeviceEnrolled = errors.New("device already enrolled: re-enrolment needs a code made for it")

// ErrDeviceCodeTaken: another device already has the short code.
var ErrDeviceCodeTaken = errors.New("device code taken")

// ErrUnauthorized: unknown or revoked credential.
var ErrUnauthorized = errors.New("unknown or revoked credential")

func tokenHash(tok string) string {
	s := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(s[:])
}

func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// crockford is base32 without I, L, O, U: codes read aloud survive.
var crockford = base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// EnrolSpec says where an enrolling device belongs.
type EnrolSpec struct {
	Station    string // name of the counter or station
	Office     string // org unit code
	Department string // set for a department's desktop
	TTL        time.Duration
	// ForDevice makes a re-enrolment code: it enrols only this device id,
	// which must be enrolled already (a reinstall, a restore on another
	// machine), and gives it a new credential. Empty Office and Station
	// are the device's own.
	ForDevice string
}

// CreateEnrolCode makes a one-time code for a device of spec, valid for
// spec.TTL (0: 72 hours). Only its hash is stored. A code without
// ForDevice enrols only a device id the hub does not know.
func (h *Hub) CreateEnrolCode(ctx context.Context, spec EnrolSpec) (string, error) {
	if spec.ForDevice != "" {
		var office, station, dept string
		err := h.meta.QueryRowContext(ctx, `SELECT office, station, department FROM devices WHERE id = ?`, spec.ForDevice).
			Scan(&office, &station, &dept)
		if errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("create enrol code: device %s is not enrolled", spec.ForDevice)
		} else if err != nil {
			return "", fmt.Errorf("create enrol code: %w", err)
		}
		if spec.Office == "" && spec.Station == "" {
			spec.Office, spec.Station, spec.Department = office, station, dept
		}
	}
	if spec.Office == "" || spec.Station == "" {
		return "", errors.New("create enrol code: office and station required")
	}
	if spec.Department != "" && h.cat.Department(spec.Department) == nil {
		return "", fmt.Errorf("create enrol code: unknown department %q", spec.Department)
	}
	if spec.TTL <= 0 {
		spec.TTL = 72 * time.Hour
	}
	b := make([]byte, 10)
	rand.Read(b)
	raw := crockford.EncodeToString(b) // 16 characters
	code := raw[:4] + "-" + raw[4:8] + "-" + raw[8:12] + "-" + raw[12:16]
	kind := "station"
	if spec.Department != "" {
		kind = "department"
	}
	now := h.now()
	_, err := h.meta.ExecContext(ctx, `INSERT INTO enrol_codes (hash, kind, office, station, department, created_at, expires_at, for_device)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tokenHash(normCode(code)), kind, spec.Office, spec.Station, spec.Department,
		formatTime(now), formatTime(now.Add(spec.TTL)), spec.ForDevice)
	if err != nil {
		return "", fmt.Errorf("create enrol code: %w", err)
	}
	return code, nil
}

func normCode(s string) string {
	return strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(s))
}

// deviceRec is an enrolled device.
type deviceRec struct {
	ID, Code, Kind, Office, Station, Department, Name string
}

// enrol trades code for a new device credential, in one transaction: a
// code works once. A device id the hub knows is enrolled again only with
// a code made for it (EnrolSpec.ForDevice), so no code can take over
// another office's device and its credential.
func (h *Hub) enrol(ctx context.Context, code, deviceID, wantCode, name string) (deviceRec, string, error) {
	var d deviceRec
	tx, err := h.meta.BeginTx(ctx, nil)
	if err != nil {
		return d, "", fmt.Errorf("enrol: %w", err)
	}
	defer tx.Rollback()
	var expires, forDevice string
	err = tx.QueryRowContext(ctx, `SELECT kind, office, station, department, expires_at, for_device FROM enrol_codes
		WHERE hash = ? AND used_at = ''`, tokenHash(normCode(code))).Scan(&d.Kind, &d.Office, &d.Station, &d.Department, &expires, &forDevice)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && h.now().After(parseTime(expires))) {
		return d, "", ErrCodeInvalid
	} else if err != nil {
		return d, "", fmt.Errorf("enrol: %w", err)
	}
	if forDevice != "" && forDevice != deviceID {
		return d, "", ErrCodeInvalid // made for another device
	}
	var known int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM devices WHERE id = ?`, deviceID).Scan(&known); err != nil {
		return d, "", fmt.Errorf("enrol: %w", err)
	}
	if known > 0 && forDevice != deviceID {
		return d, "", ErrDeviceEnrolled
	}
	if wantCode == "" {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM devices`).Scan(&n); err != nil {
			return d, "", fmt.Errorf("enrol: %w", err)
		}
		wantCode = fmt.Sprintf("D%04d", n+1)
	}
	var taken int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM devices WHERE code = ? AND id <> ?`, wantCode, deviceID).Scan(&taken); err != nil {
		return d, "", fmt.Errorf("enrol: %w", err)
	}
	if taken > 0 {
		return d, "", ErrDeviceCodeTaken
	}
	d.ID, d.Code, d.Name = deviceID, wantCode, name
	tok := randomToken(32)
	_, err = tx.ExecContext(ctx, `INSERT INTO devices (id, token_hash, code, kind, office, station, department, name, enrolled_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash, code = excluded.code,
		kind = excluded.kind, office = excluded.office, station = excluded.station, department = excluded.department,
		name = excluded.name, enrolled_at = excluded.enrolled_at, revoked_at = ''`,
		d.ID, tokenHash(tok), d.Code, d.Kind, d.Office, d.Station, d.Department, d.Name, formatTime(h.now()))
	if err != nil {
		return d, "", fmt.Errorf("enrol: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE enrol_codes SET used_at = ?, device_id = ? WHERE hash = ?`,
		formatTime(h.now()), d.ID, tokenHash(normCode(code))); err != nil {
		return d, "", fmt.Errorf("enrol: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return d, "", fmt.Errorf("enrol: %w", err)
	}
	action := "enrol"
	if known > 0 {
		action = "re-enrol"
	}
	h.audit(ctx, "device:"+d.ID, action, d.ID, fmt.Sprintf("code=%s office=%s station=%s department=%s",
		d.Code, d.Office, d.Station, d.Department))
	return d, tok, nil
}

// deviceByToken returns the device of a bearer token.
func (h *Hub) deviceByToken(ctx context.Context, tok string) (deviceRec, error) {
	var d deviceRec
	err := h.meta.QueryRowContext(ctx, `SELECT id, code, kind, office, station, department, name FROM devices
		WHERE token_hash = ? AND revoked_at = ''`, tokenHash(tok)).Scan(&d.ID, &d.Code, &d.Kind, &d.Office, &d.Station, &d.Department, &d.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrUnauthorized
	}
	return d, err
}

// seenEvery is how often a device's last contact is written down.
const seenEvery = time.Minute

// noteSeen records that device id reached the hub now, at most once per
// seenEvery, so admins can tell which counters have not synced for days.
func (h *Hub) noteSeen(ctx context.Context, id string) {
	now := h.now()
	h.seenMu.Lock()
	if h.seen == nil {
		h.seen = map[string]time.Time{}
	}
	if last, ok := h.seen[id]; ok && now.Sub(last) < seenEvery {
		h.seenMu.Unlock()
		return
	}
	h.seen[id] = now
	h.seenMu.Unlock()
	_, err := h.meta.ExecContext(ctx, `INSERT INTO device_seen (id, at) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET at = excluded.at`, id, formatTime(now))
	if err != nil {
		h.log.ErrorContext(ctx, "note device seen", "device", id, "err", err)
	}
}

// DeviceInfo is a device as admins see it.
type DeviceInfo struct {
	ID, Code, Kind, Office, Station, Department, Name string
	Enrolled, LastSeen, Revoked                       time.Time // zero: never
}

// Devices lists every enrolled device, revoked ones included, by code.
func (h *Hub) Devices(ctx context.Context) ([]DeviceInfo, error) {
	rows, err := h.meta.QueryContext(ctx, `SELECT d.id, d.code, d.kind, d.office, d.station, d.department, d.name,
		d.enrolled_at, coalesce(s.at, ''), d.revoked_at FROM devices d LEFT JOIN device_seen s ON s.id = d.id ORDER BY d.code`)
	if err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	defer rows.Close()
	var out []DeviceInfo
	for rows.Next() {
		var d DeviceInfo
		var enrolled, seen, revoked string
		if err := rows.Scan(&d.ID, &d.Code, &d.Kind, &d.Office, &d.Station, &d.Department, &d.Name, &enrolled, &seen, &revoked); err != nil {
			return nil, fmt.Errorf("devices: %w", err)
		}
		d.Enrolled, d.LastSeen, d.Revoked = parseTime(enrolled), parseTime(seen), parseTime(revoked)
		out = append(out, d)
	}
	return out, rows.Err()
}

// RevokeDevice refuses the device's credential from now on.
func (h *Hub) RevokeDevice(ctx context.Context, deviceID string) error {
	res, err := h.meta.ExecContext(ctx, `UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at = ''`, formatTime(h.now()), deviceID)
	if err != nil {
		return fmt.Errorf("revoke device %s: %w", deviceID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("revoke device %s: %w", deviceID, ErrUnauthorized)
	}
	h.audit(ctx, "hub-admin", "revoke device", deviceID, "")
	return nil
}

// DeptKeyID is the id of a department key: the start of its hash. Keys
// are listed and revoked by id; the key itself is shown once.
func DeptKeyID(key string) string { return tokenHash(key)[:12] }

// CreateDeptKey makes an API key for a department's own system. Only its
// hash is kept (and its id, DeptKeyID); the key is shown once.
func (h *Hub) CreateDeptKey(ctx context.Context, department string) (string, error) {
	if h.cat.Department(department) == nil {
		return "", fmt.Errorf("create department key: unknown department %q", department)
	}
	key := "vdk_" + randomToken(32)
	_, err := h.meta.ExecContext(ctx, `INSERT INTO dept_keys (hash, department, created_at, id) VALUES (?, ?, ?, ?)`,
		tokenHash(key), department, formatTime(h.now()), DeptKeyID(key))
	if err != nil {
		return "", fmt.Errorf("create department key: %w", err)
	}
	h.audit(ctx, "hub-admin", "create key", "department key "+DeptKeyID(key), "department="+department)
	return key, nil
}

// RevokeDeptKey revokes the department key key (RevokeDeptKeyID).
func (h *Hub) RevokeDeptKey(ctx context.Context, key string) error {
	return h.RevokeDeptKeyID(ctx, DeptKeyID(key))
}

// RevokeDeptKeyID refuses the department key with id from now on and, in
// the same transaction, removes its webhooks with their deliveries: a
// revoked key's receiver gets nothing more.
func (h *Hub) RevokeDeptKeyID(ctx context.Context, id string) error {
	tx, err := h.meta.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("revoke department key %s: %w", id, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE dept_keys SET revoked_at = ? WHERE id = ? AND revoked_at = ''`, formatTime(h.now()), id)
	if err != nil {
		return fmt.Errorf("revoke department key %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("revoke department key %s: %w", id, ErrUnauthorized)
	}
	hooks, err := removeRevokedHooks(ctx, tx)
	if err != nil {
		return fmt.Errorf("revoke department key %s: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("revoke department key %s: %w", id, err)
	}
	h.audit(ctx, "hub-admin", "revoke key", "department key "+id, fmt.Sprintf("webhooks removed: %d", hooks))
	return nil
}

// removeRevokedHooks deletes the webhooks of revoked keys and their
// deliveries, pending or past, and returns how many webhooks went.
func removeRevokedHooks(ctx context.Context, tx *sql.Tx) (int64, error) {
	const revoked = `SELECT w.id FROM webhooks w JOIN dept_keys k ON k.id = w.key_id WHERE k.revoked_at <> ''`
	if _, err := tx.ExecContext(ctx, `DELETE FROM deliveries WHERE hook IN (`+revoked+`)`); err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE id IN (`+revoked+`)`)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// DeptKeyInfo is a department key as admins see it.
type DeptKeyInfo struct {
	ID, Department   string
	Created, Revoked time.Time // Revoked zero: live
	Webhooks         []string  // URLs
}

// DeptKeys lists every department key, revoked ones included, oldest
// first, with the webhooks registered with it.
func (h *Hub) DeptKeys(ctx context.Context) ([]DeptKeyInfo, error) {
	rows, err := h.meta.QueryContext(ctx, `SELECT k.id, k.department, k.created_at, k.revoked_at, coalesce(w.url, '')
		FROM dept_keys k LEFT JOIN webhooks w ON w.key_id = k.id ORDER BY k.created_at, k.id, w.id`)
	if err != nil {
		return nil, fmt.Errorf("department keys: %w", err)
	}
	defer rows.Close()
	var out []DeptKeyInfo
	for rows.Next() {
		var k DeptKeyInfo
		var created, revoked, url string
		if err := rows.Scan(&k.ID, &k.Department, &created, &revoked, &url); err != nil {
			return nil, fmt.Errorf("department keys: %w", err)
		}
		if n := len(out); n > 0 && out[n-1].ID == k.ID {
			out[n-1].Webhooks = append(out[n-1].Webhooks, url)
			continue
		}
		k.Created, k.Revoked = parseTime(created), parseTime(revoked)
		if url != "" {
			k.Webhooks = []string{url}
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

func (h *Hub) deptByKey(ctx context.Context, key string) (string, error) {
	var dept string
	err := h.meta.QueryRowContext(ctx, `SELECT department FROM dept_keys WHERE hash = ? AND revoked_at = ''`, tokenHash(key)).Scan(&dept)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrUnauthorized
	}
	return dept, err
}

// AddKeyWebhook registers url to receive the task events of the
// department of the live key keyID, and returns the secret the deliveries
// are signed with. The webhook lives as long as the key: revoking the key
// removes it.
func (h *Hub) AddKeyWebhook(ctx context.Context, keyID, url string) (string, error) {
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return "", fmt.Errorf("add webhook: url %q is not http(s)", url)
	}
	tx, err := h.meta.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("add webhook: %w", err)
	}
	defer tx.Rollback()
	var department string
	err = tx.QueryRowContext(ctx, `SELECT department FROM dept_keys WHERE id = ? AND revoked_at = ''`, keyID).Scan(&department)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("add webhook: department key %s: %w", keyID, ErrUnauthorized)
	} else if err != nil {
		return "", fmt.Errorf("add webhook: %w", err)
	}
	secret := randomToken(32)
	if _, err := tx.ExecContext(ctx, `INSERT INTO webhooks (department, url, secret, created_at, key_id) VALUES (?, ?, ?, ?, ?)`,
		department, url, secret, formatTime(h.now()), keyID); err != nil {
		return "", fmt.Errorf("add webhook: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("add webhook: %w", err)
	}
	return secret, nil
}
