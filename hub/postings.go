package hub

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// 就业培训 (#13): stations publish training courses and job postings
// through the device API (typed at the desk or imported there from
// Excel); the public site lists them and veterans sign up with their case
// number and look-up code (portal_jobs.go). Postings are public notices,
// not case data, so they live in hub.db; a sign-up is an event of the case
// in the replica and reaches the desk's item-3 task by sync.

const postingSchema = `
CREATE TABLE IF NOT EXISTS postings (
    id         TEXT PRIMARY KEY,
    office     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    org        TEXT NOT NULL,
    place      TEXT NOT NULL,
    schedule   TEXT NOT NULL,
    deadline   TEXT NOT NULL,
    details    TEXT NOT NULL,
    contact    TEXT NOT NULL,
    withdrawn  INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS postings_office ON postings (office, withdrawn);
CREATE TABLE IF NOT EXISTS posting_signups (
    posting TEXT NOT NULL,
    case_id TEXT NOT NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (posting, case_id)
) STRICT;
`

// MaxPostingsPerRequest caps one publish request.
const MaxPostingsPerRequest = 500

// ErrPosting is matched by a posting refused for its values.
var ErrPosting = errors.New("posting refused")

// ErrSignedUp: the case has signed up for the posting already.
var ErrSignedUp = errors.New("signed up already")

func postingValues(p syncapi.Posting) map[string]string {
	return map[string]string{
		casework.PostingKind: p.Kind, casework.PostingTitle: p.Title, casework.PostingOrg: p.Org,
		casework.PostingPlace: p.Place, casework.PostingSchedule: p.Schedule, casework.PostingDeadline: p.Deadline,
		casework.PostingDetails: p.Details, casework.PostingContact: p.Contact,
	}
}

// PublishPostings creates or replaces office's postings, all or none: a
// posting with a bad value, or whose id belongs to another office, refuses
// the request.
func (h *Hub) PublishPostings(ctx context.Context, office string, ps []syncapi.Posting) error {
	if len(ps) > MaxPostingsPerRequest {
		return fmt.Errorf("%d postings, at most %d: %w", len(ps), MaxPostingsPerRequest, ErrPosting)
	}
	now := h.now()
	tx, err := h.meta.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("publish postings: %w", err)
	}
	defer tx.Rollback()
	for i, p := range ps {
		if _, err := uuid.Parse(p.ID); err != nil {
			return fmt.Errorf("posting %d: id is not a UUID: %w", i, ErrPosting)
		}
		v := postingValues(p)
		casework.NormalizePosting(v)
		if probs := casework.CheckPosting(v, now); len(probs) > 0 {
			return fmt.Errorf("posting %s: %s %s: %w", p.ID, probs[0].Field, probs[0].Reason, ErrPosting)
		}
		var owner string
		err := tx.QueryRowContext(ctx, `SELECT office FROM postings WHERE id = ?`, p.ID).Scan(&owner)
		if err == nil && owner != office {
			return fmt.Errorf("posting %s belongs to another office: %w", p.ID, ErrPosting)
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("publish postings: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO postings (id, office, kind, title, org, place, schedule, deadline, details, contact, withdrawn, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title, org = excluded.org, place = excluded.place,
			schedule = excluded.schedule, deadline = excluded.deadline, details = excluded.details, contact = excluded.contact,
			withdrawn = excluded.withdrawn, updated_at = excluded.updated_at`,
			p.ID, office, v[casework.PostingKind], v[casework.PostingTitle], v[casework.PostingOrg], v[casework.PostingPlace],
			v[casework.PostingSchedule], v[casework.PostingDeadline], v[casework.PostingDetails], v[casework.PostingContact],
			p.Withdrawn, now.UnixMilli()); err != nil {
			return fmt.Errorf("publish postings: %w", err)
		}
	}
	return tx.Commit()
}

// Postings returns the postings of office ("" every office), newest
// first; open only those not withdrawn whose deadline has not passed.
func (h *Hub) Postings(ctx context.Context, office string, open bool) ([]syncapi.Posting, error) {
	q := `SELECT p.id, p.office, p.kind, p.title, p.org, p.place, p.schedule, p.deadline, p.details, p.contact, p.withdrawn, p.updated_at,
		(SELECT count(*) FROM posting_signups s WHERE s.posting = p.id) FROM postings p WHERE 1 = 1`
	var args []any
	if office != "" {
		q += ` AND p.office = ?`
		args = append(args, office)
	}
	if open {
		q += ` AND p.withdrawn = 0 AND (p.deadline = '' OR p.deadline >= ?)`
		args = append(args, h.now().In(chinaTime).Format("2006-01-02"))
	}
	rows, err := h.meta.QueryContext(ctx, q+` ORDER BY p.updated_at DESC, p.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("postings: %w", err)
	}
	defer rows.Close()
	var out []syncapi.Posting
	for rows.Next() {
		var p syncapi.Posting
		var upd int64
		if err := rows.Scan(&p.ID, &p.Office, &p.Kind, &p.Title, &p.Org, &p.Place, &p.Schedule, &p.Deadline, &p.Details, &p.Contact,
			&p.Withdrawn, &upd, &p.Signups); err != nil {
			return nil, fmt.Errorf("postings: %w", err)
		}
		p.Updated = time.UnixMilli(upd).UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// openPosting returns the published, open posting id, or nil.
func (h *Hub) openPosting(ctx context.Context, id string) (*syncapi.Posting, error) {
	ps, err := h.Postings(ctx, "", true)
	if err != nil {
		return nil, err
	}
	for i := range ps {
		if ps[i].ID == id {
			return &ps[i], nil
		}
	}
	return nil, nil
}

// SignUp records case c's sign-up for posting p: once per case and
// posting in hub.db, and as an event of the case (store.EventSignup),
// which the desks of its office see on its 就业培训 task.
func (h *Hub) SignUp(ctx context.Context, c *casework.Case, p *syncapi.Posting, phone string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	res, err := h.meta.ExecContext(ctx, `INSERT INTO posting_signups (posting, case_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		p.ID, c.ID, h.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("sign up: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrSignedUp
	}
	err = h.db.RecordSignup(ctx, portalActor, c.ID, store.Signup{Posting: p.ID, Kind: p.Kind, Title: p.Title, Org: p.Org,
		Phone: phone, Source: store.RatingPortal})
	if err != nil {
		// not recorded on the case: let the veteran try again
		h.meta.ExecContext(ctx, `DELETE FROM posting_signups WHERE posting = ? AND case_id = ?`, p.ID, c.ID)
		return err
	}
	return nil
}

// handlePostings serves PathPostings to station desks: GET their office's
// postings, POST publishes.
func (h *Hub) handlePostings(w http.ResponseWriter, r *http.Request, d deviceRec) {
	if d.Kind != syncapi.KindStation {
		writeError(w, http.StatusForbidden, syncapi.ErrUnauthorized, "only station desks publish postings")
		return
	}
	if r.Method == http.MethodGet {
		ps, err := h.Postings(r.Context(), d.Office, false)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, ps)
		return
	}
	var ps []syncapi.Posting
	if err := readJSON(r, 4<<20, &ps); err != nil {
		writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, err.Error())
		return
	}
	err := h.PublishPostings(r.Context(), d.Office, ps)
	switch {
	case errors.Is(err, ErrPosting):
		writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, strings.TrimSuffix(err.Error(), ": "+ErrPosting.Error()))
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	h.audit(r.Context(), "device:"+d.ID, "postings_published", d.Office, fmt.Sprint(len(ps)))
	writeJSON(w, http.StatusOK, map[string]int{"published": len(ps)})
}
