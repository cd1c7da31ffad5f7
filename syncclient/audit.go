package syncclient

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"vetdesk/store"
	"vetdesk/syncapi"
)

// Settings of the audit's sync (#16).
const (
	// SettingAuditHeld is the sequence of the last audit entry the hub
	// said it holds: the entries after it are the audit's outbox.
	SettingAuditHeld = "sync.audit_held"
	// SettingAuditRefused is why the hub last refused the audit ("" after
	// it took it): the local chain no longer extends the hub's copy.
	SettingAuditRefused = "sync.audit_refused"
)

// auditBatch is the number of audit entries per push.
const auditBatch = 500

// pushAudit sends the audit entries after the ones the hub holds, with the
// chain head, until the hub holds the head. Every push is idempotent (the
// hub keys entries by device and sequence and answers what it holds), so
// a lost answer only sends the same entries again. A refusal is kept in
// SettingAuditRefused and stops nothing else: the hub has recorded its
// alert. A hub before version 7 answers 404 and the audit stays here.
func (c *Client) pushAudit(ctx context.Context) error {
	for range maxPages {
		held, err := c.auditHeld(ctx)
		if err != nil {
			return err
		}
		head, err := c.st.AuditHead(ctx)
		if err != nil {
			return err
		}
		entries, err := c.st.AuditAfter(ctx, held, auditBatch)
		if err != nil {
			return err
		}
		key, err := c.st.AuditKey(ctx)
		if err != nil {
			return err
		}
		req := syncapi.AuditPush{Head: syncapi.AuditHead{Seq: head.Seq, Hash: head.Hash},
			Entries: make([]syncapi.AuditEntry, len(entries)), Key: hex.EncodeToString(key)}
		for i, e := range entries {
			req.Entries[i] = auditToWire(e)
		}
		var resp syncapi.AuditPushResponse
		err = c.do(ctx, http.MethodPost, syncapi.PathAudit, req, &resp)
		var he *HubError
		if errors.As(err, &he) && he.Status == http.StatusNotFound {
			return nil // a hub before version 7
		}
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		if err := c.st.SetSetting(ctx, SettingAuditRefused, resp.Refused); err != nil {
			return err
		}
		if resp.Refused != "" {
			return nil
		}
		if err := c.st.SetSetting(ctx, SettingAuditHeld, strconv.FormatInt(resp.Held.Seq, 10)); err != nil {
			return err
		}
		if resp.Held.Seq >= head.Seq {
			return nil
		}
	}
	return nil
}

func (c *Client) auditHeld(ctx context.Context) (int64, error) {
	v, err := c.st.Setting(ctx, SettingAuditHeld)
	if err != nil || v == "" {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

func auditToWire(e store.AuditEntry) syncapi.AuditEntry {
	return syncapi.AuditEntry{Seq: e.Seq, At: e.AtText(), UserID: e.UserID, Login: e.Login, Action: e.Action,
		Target: e.Target, Success: e.Success, Detail: e.Detail, Hash: e.Hash}
}

// AuditQuery selects the office's audit entries from the hub; zero fields
// select all.
type AuditQuery struct {
	Device, Login, Action string
	From, To              time.Time // From ≤ at < To
	Limit                 int       // 0: the hub's cap
}

// ErrAuditUnavailable: the hub does not serve audit lists (before
// protocol 8).
var ErrAuditUnavailable = errors.New("the hub does not serve the office's audit: update vetdesk-hub")

// FetchAudit asks the hub for the audit of this desk's office, as its
// devices sent it, masked. Only station desks get one; the desk shows it
// to supervisors and admins only.
func (c *Client) FetchAudit(ctx context.Context, q AuditQuery) (syncapi.AuditList, error) {
	var resp syncapi.AuditList
	if err := c.connect(ctx); err != nil {
		return resp, err
	}
	v := url.Values{}
	for k, s := range map[string]string{syncapi.QueryDevice: q.Device, syncapi.QueryLogin: q.Login, syncapi.QueryAction: q.Action} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if !q.From.IsZero() {
		v.Set(syncapi.QueryFrom, q.From.Format(time.RFC3339))
	}
	if !q.To.IsZero() {
		v.Set(syncapi.QueryTo, q.To.Format(time.RFC3339))
	}
	if q.Limit > 0 {
		v.Set(syncapi.QueryLimit, strconv.Itoa(q.Limit))
	}
	err := c.do(ctx, http.MethodGet, syncapi.PathAudit+"?"+v.Encode(), nil, &resp)
	var he *HubError
	if errors.As(err, &he) && (he.Status == http.StatusNotFound || he.Status == http.StatusMethodNotAllowed) {
		return resp, ErrAuditUnavailable
	}
	if err != nil {
		return resp, fmt.Errorf("audit list: %w", err)
	}
	return resp, nil
}
