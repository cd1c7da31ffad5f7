package hub

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/emmansun/gmsm/sm2"

	"vetdesk/internal/keyring"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// RecoveryKeyFile holds the hub's SM2 recovery key, beside its TLS key:
// desks wrap their store's master key to its public half (sent in the
// enrolment answer and the config), so a forgotten password is recovered
// through the hub and nowhere else. Losing it loses recovery, not data.
// A sealed hub keeps it sealed under the hub key (recovery_seal.go).
const RecoveryKeyFile = "hub-recovery-key.pem"

const recoveryPEMType = "SM2 RECOVERY PRIVATE KEY"

// ActionKeyRecover is the audit action of a recovery.
const ActionKeyRecover = "key.recover"

// loadOrCreateRecoveryKey returns the hub's recovery key kept in dir,
// making it at the first start. With hubKey (a sealed hub) the file is
// sealed under it, and a plaintext one of an earlier version is sealed
// first (recovery_seal.go); without, it is plaintext, and a sealed one is
// ErrRecoveryKeySealed.
func loadOrCreateRecoveryKey(dir string, hubKey []byte) (*sm2.PrivateKey, error) {
	path := filepath.Join(dir, RecoveryKeyFile)
	if err := settleRecoveryKey(path, hubKey); err != nil {
		return nil, fmt.Errorf("recovery key: %w", err)
	}
	k, sealed, err := readRecoveryKey(path, hubKey)
	switch {
	case err == nil && hubKey != nil && !sealed:
		if err := sealRecoveryKey(path, k, hubKey); err != nil {
			return nil, fmt.Errorf("recovery key: seal %s: %w", path, err)
		}
		return k, nil
	case err == nil:
		return k, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	if k, err = sm2.GenerateKey(rand.Reader); err != nil {
		return nil, fmt.Errorf("recovery key: %w", err)
	}
	b, err := encodeRecoveryKey(k, hubKey)
	if err != nil {
		return nil, fmt.Errorf("recovery key: %w", err)
	}
	if err := writeAtomic(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("recovery key: %w", err)
	}
	return k, nil
}

// RecoveryPublic is the hub's recovery public key as desks receive it.
func (h *Hub) RecoveryPublic() string {
	b := make([]byte, 65)
	b[0] = 4
	h.recovery.X.FillBytes(b[1:33])
	h.recovery.Y.FillBytes(b[33:])
	return hex.EncodeToString(b)
}

// handleRecover opens a desk's recovery wrap for a hub admin. The desk
// names itself by its device id, which must be enrolled and not revoked:
// its bearer token is inside the store the forgotten password locks, and
// is deliberately not kept beside the key file (whoever held the key file
// could then pull the office's cases). What authorises the recovery is the
// hub admin's login and password, checked as any hub login is, with its
// lockout; the wrap itself exists only in the desk's key file. Refusals and
// recoveries are audited.
func (h *Hub) handleRecover(w http.ResponseWriter, r *http.Request) {
	var req syncapi.RecoverRequest
	if err := readJSON(r, 1<<16, &req); err != nil || req.AdminLogin == "" || req.Wrap == "" || req.ForLogin == "" || req.DeviceID == "" {
		writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, "device_id, admin_login, for_login and wrap required")
		return
	}
	target := "device:" + req.DeviceID
	if ok, err := h.deviceEnrolled(r.Context(), req.DeviceID); err != nil {
		h.fail(w, r, err)
		return
	} else if !ok {
		h.auditResult(r, req.AdminLogin, target, "refused: unknown or revoked device", false)
		writeError(w, http.StatusUnauthorized, syncapi.ErrUnauthorized, "unknown or revoked device")
		return
	}
	detail := fmt.Sprintf("for=%s admin=%s", req.ForLogin, req.AdminLogin)
	refuse := func(status int, code, msg string) {
		h.auditResult(r, req.AdminLogin, target, detail+" refused: "+msg, false)
		writeError(w, status, code, msg)
	}
	u, err := h.db.Login(r.Context(), req.AdminLogin, req.AdminPassword)
	switch {
	case errors.Is(err, store.ErrBadCredentials), errors.Is(err, store.ErrLocked):
		refuse(http.StatusForbidden, syncapi.ErrUnauthorized, "hub admin login refused")
		return
	case err != nil:
		h.fail(w, r, err)
		return
	case u.Role != store.RoleAdmin:
		refuse(http.StatusForbidden, syncapi.ErrUnauthorized, "not a hub admin")
		return
	}
	master, err := keyring.OpenRecovery(h.recovery, req.Wrap)
	if err != nil {
		refuse(http.StatusBadRequest, syncapi.ErrBadRequest, "the recovery wrap does not open with this hub's key")
		return
	}
	h.auditResult(r, req.AdminLogin, target, detail, true)
	h.log.InfoContext(r.Context(), "desk key recovered", "device", req.DeviceID, "for", req.ForLogin, "admin", req.AdminLogin)
	writeJSON(w, http.StatusOK, syncapi.RecoverResponse{MasterKey: base64.StdEncoding.EncodeToString(master)})
}

func (h *Hub) auditResult(r *http.Request, who, target, detail string, ok bool) {
	err := h.db.Audit(r.Context(), store.AuditEntry{UserID: who, Login: who, Action: ActionKeyRecover, Target: target, Success: ok, Detail: detail})
	if err != nil {
		h.log.ErrorContext(r.Context(), "audit", "action", ActionKeyRecover, "err", err)
	}
}

func (h *Hub) deviceEnrolled(ctx context.Context, id string) (bool, error) {
	var n int
	err := h.meta.QueryRowContext(ctx, `SELECT count(*) FROM devices WHERE id = ? AND revoked_at = ''`, id).Scan(&n)
	return n > 0, err
}
