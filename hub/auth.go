package hub

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"vetdesk/store"
	"vetdesk/syncapi"
)

func bearer(r *http.Request) string {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return ""
	}
	return strings.TrimSpace(tok)
}

type deviceHandler func(w http.ResponseWriter, r *http.Request, d deviceRec)

// device authenticates an enrolled, not revoked device.
func (h *Hub) device(next deviceHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, err := h.deviceByToken(r.Context(), bearer(r))
		if errors.Is(err, ErrUnauthorized) {
			writeError(w, http.StatusUnauthorized, syncapi.ErrUnauthorized, "unknown or revoked device")
			return
		} else if err != nil {
			h.fail(w, r, err)
			return
		}
		h.noteSeen(r.Context(), d.ID)
		next(w, r, d)
	}
}

type deptHandler func(w http.ResponseWriter, r *http.Request, department string)

// dept authenticates a department system by its API key.
func (h *Hub) dept(next deptHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		dep, err := h.deptByKey(r.Context(), bearer(r))
		if errors.Is(err, ErrUnauthorized) {
			writeError(w, http.StatusUnauthorized, syncapi.ErrUnauthorized, "unknown or revoked key")
			return
		} else if err != nil {
			h.fail(w, r, err)
			return
		}
		next(w, r, dep)
	}
}

func (h *Hub) handleEnrol(w http.ResponseWriter, r *http.Request) {
	var req syncapi.EnrolRequest
	if err := readJSON(r, 1<<16, &req); err != nil || req.Code == "" || req.DeviceID == "" {
		writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, "code and device_id required")
		return
	}
	d, tok, err := h.enrol(r.Context(), req.Code, req.DeviceID, req.DeviceCode, req.Name)
	switch {
	case errors.Is(err, ErrCodeInvalid):
		writeError(w, http.StatusForbidden, syncapi.ErrCodeUsed, err.Error())
		return
	case errors.Is(err, ErrDeviceCodeTaken):
		writeError(w, http.StatusConflict, syncapi.ErrCodeTaken, err.Error())
		return
	case errors.Is(err, ErrDeviceEnrolled):
		writeError(w, http.StatusConflict, syncapi.ErrEnrolled, err.Error())
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "device enrolled", "device", d.ID, "code", d.Code, "office", d.Office,
		"station", d.Station, "department", d.Department)
	resp := d.wire(h.id)
	resp.Token = tok
	resp.RecoveryKey = h.RecoveryPublic()
	writeJSON(w, http.StatusOK, resp)
}

func (d deviceRec) wire(hubID string) syncapi.EnrolResponse {
	return syncapi.EnrolResponse{DeviceID: d.ID, DeviceCode: d.Code, Kind: d.Kind, Office: d.Office,
		Station: d.Station, Department: d.Department, HubID: hubID}
}

func (h *Hub) handleConfig(w http.ResponseWriter, r *http.Request, d deviceRec) {
	cfg := syncapi.Config{Version: syncapi.CurrentVersion, CatalogueVersion: h.cat.Version, Device: d.wire(h.id), ServerTime: h.now().UTC(),
		PublicURL: h.opt.PublicURL}
	cfg.Device.RecoveryKey = h.RecoveryPublic() // desks enrolled before the hub had one learn it here
	for _, p := range h.cat.PoliceStations {
		cfg.PoliceStations = append(cfg.PoliceStations, syncapi.PoliceStation{Code: p.Code, Bureau: p.Bureau, Name: p.Name, Division: p.Division})
	}
	if have := r.URL.Query().Get(syncapi.QueryHaveCatalogue); have != h.cat.Version && r.URL.Query().Has(syncapi.QueryHaveCatalogue) {
		cfg.CatalogueFiles = h.catFiles
	}
	writeJSON(w, http.StatusOK, cfg)
}

// AddUser creates a user on the hub; it flows to the devices of its office
// or department in the feed. The first user must be an admin.
func (h *Hub) AddUser(ctx context.Context, u store.User, password string) (store.User, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.db.CreateUser(ctx, hubActor, u, password)
}

// audit appends an entry to the hub's audit log (the replica's hash-chained
// log, never replicated): enrolments, revocations and snapshots, besides
// the user changes the store audits itself. A failure is logged: the act
// it records has already happened.
func (h *Hub) audit(ctx context.Context, who, action, target, detail string) {
	err := h.db.Audit(ctx, store.AuditEntry{UserID: who, Login: who, Action: action, Target: target, Success: true, Detail: detail})
	if err != nil {
		h.log.ErrorContext(ctx, "audit", "action", action, "target", target, "err", err)
	}
}

// UpdateUser changes a user on the hub (a move to another office, a new
// role, disabling). The change reaches the devices that see the user now
// and, trimmed to the scope fields, every other device, so a device the
// user left stops letting them log in.
func (h *Hub) UpdateUser(ctx context.Context, u store.User) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.db.UpdateUser(ctx, hubActor, u)
}

// UserByLogin returns the user with login.
func (h *Hub) UserByLogin(ctx context.Context, login string) (store.User, error) {
	us, err := h.db.Users(ctx)
	if err != nil {
		return store.User{}, err
	}
	for _, u := range us {
		if u.Login == login {
			return u, nil
		}
	}
	return store.User{}, fmt.Errorf("user %q: %w", login, store.ErrNotFound)
}

// SetUserPassword sets a user's password on the hub.
func (h *Hub) SetUserPassword(ctx context.Context, userID, password string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.db.SetPassword(ctx, hubActor, userID, password)
}
