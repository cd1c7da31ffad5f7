package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"vetdesk/casework"
)

// 好差评 and 就业培训 sign-ups (#13) are facts about a case, written as
// events: they sync with the case to its office's desks and to the hub,
// whichever side took them (the public site through the hub, or the desk).
const (
	// EventRating is a rating; its detail is a RatingDetail in JSON.
	EventRating = "rating"
	// EventRectifyClose closes the 整改 follow-up of a 差评; its detail is
	// a RectifyClose in JSON.
	EventRectifyClose = "rectify_close"
	// EventSignup is a sign-up for a training course or a job posting;
	// its detail is a Signup in JSON.
	EventSignup = "signup"
)

// Where a rating was given.
const (
	RatingPortal = "portal" // the public progress page
	RatingDesk   = "desk"   // at the counter, typed in by the clerk
)

// ErrRated: the case has a rating already (one rating per case).
var ErrRated = errors.New("case already rated")

// ErrBadRating: a level outside the five, or a comment too long.
var ErrBadRating = errors.New("bad rating")

// RatingDetail is what a rating event holds.
type RatingDetail struct {
	Level   casework.RatingLevel `json:"level"`
	Comment string               `json:"comment,omitempty"`
	Source  string               `json:"source"`
}

// RectifyClose is what the closing of a follow-up holds: the rating's op
// id and the supervisor's note.
type RectifyClose struct {
	Rating string `json:"rating"`
	Note   string `json:"note"`
}

// Rating is a rating with its follow-up (casework.Rating).
type Rating = casework.Rating

// RecordRating writes the rating of case caseID, refusing a bad level or
// comment (ErrBadRating) and a case that has one (ErrRated) in this store.
// Two ratings written apart (the desk offline, the portal online) both
// sync; CaseRating and Ratings then keep the earlier.
func (db *DB) RecordRating(ctx context.Context, a Actor, caseID string, d RatingDetail) error {
	d.Comment = strings.TrimSpace(d.Comment)
	if !d.Level.Valid() || utf8.RuneCountInString(d.Comment) > casework.MaxRatingComment || (d.Source != RatingPortal && d.Source != RatingDesk) {
		return fmt.Errorf("rate %s: %w", caseID, ErrBadRating)
	}
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return db.write(ctx, func(w *wtx) error {
		var n int
		if err := w.queryRow(`SELECT count(*) FROM ops WHERE entity = ? AND case_rid = (SELECT rid FROM cases WHERE id = ?)
			AND json_extract(fields, '$.action') = ?`, EntityEvent, caseID, EventRating).Scan(&n); err != nil {
			return fmt.Errorf("rate %s: %w", caseID, err)
		}
		if n > 0 {
			return fmt.Errorf("rate %s: %w", caseID, ErrRated)
		}
		if err := w.event(a, caseID, EventRating, string(b)); err != nil {
			return fmt.Errorf("rate %s: %w", caseID, err)
		}
		return nil
	})
}

// CloseRectification closes the follow-up of rating (a Rating's ID) of
// case caseID with the supervisor's note.
func (db *DB) CloseRectification(ctx context.Context, a Actor, caseID, rating, note string) error {
	note = strings.TrimSpace(note)
	if note == "" || utf8.RuneCountInString(note) > casework.MaxRatingComment {
		return fmt.Errorf("close follow-up %s: %w", rating, ErrBadRating)
	}
	b, err := json.Marshal(RectifyClose{Rating: rating, Note: note})
	if err != nil {
		return err
	}
	return db.RecordEvent(ctx, a, caseID, EventRectifyClose, string(b))
}

// caseEvent is one event op with its case.
type caseEvent struct {
	id, user                string
	at                      time.Time
	action, detail          string
	caseID, number, station string
	office, items           string
}

// events returns the events with one of actions, of case caseID or
// (caseID "") of every case, oldest first.
func (db *DB) events(ctx context.Context, caseID string, actions ...string) ([]caseEvent, error) {
	q := `SELECT o.id, u.name, o.wall, o.logical, o.fields, c.id, c.number, c.station, c.office, c.items
		FROM ops o JOIN peers u ON u.ref = o.user_ref JOIN cases c ON c.rid = o.case_rid
		WHERE o.entity = ? AND json_extract(o.fields, '$.action') IN (` + strings.TrimSuffix(strings.Repeat("?,", len(actions)), ",") + `)`
	args := []any{EntityEvent}
	for _, a := range actions {
		args = append(args, a)
	}
	if caseID != "" {
		q += ` AND c.id = ?`
		args = append(args, caseID)
	}
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	defer rows.Close()
	type stamped struct {
		caseEvent
		hlc HLC
	}
	var all []stamped
	for rows.Next() {
		var e stamped
		var id []byte
		var fjs string
		if err := rows.Scan(&id, &e.user, &e.hlc.Wall, &e.hlc.Logical, &fjs, &e.caseID, &e.number, &e.station, &e.office, &e.items); err != nil {
			return nil, fmt.Errorf("events: %w", err)
		}
		u, err := uuid.FromBytes(id)
		if err != nil {
			return nil, fmt.Errorf("events: %w", err)
		}
		e.id = u.String()
		var f map[string]string
		if err := json.Unmarshal([]byte(fjs), &f); err != nil {
			return nil, fmt.Errorf("events: %w", err)
		}
		e.action, e.detail, e.at = f["action"], f["detail"], e.hlc.Time()
		all = append(all, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].hlc.Compare(all[j].hlc) < 0 })
	out := make([]caseEvent, len(all))
	for i, e := range all {
		out[i] = e.caseEvent
	}
	return out, nil
}

// Ratings returns the ratings this store holds (a desk: its scope; the
// hub: all), the earliest of each case, with their follow-ups, oldest
// first.
func (db *DB) Ratings(ctx context.Context) ([]Rating, error) {
	return db.ratings(ctx, "")
}

// CaseRating returns the rating of case caseID, or nil.
func (db *DB) CaseRating(ctx context.Context, caseID string) (*Rating, error) {
	rs, err := db.ratings(ctx, caseID)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return &rs[0], nil
}

func (db *DB) ratings(ctx context.Context, caseID string) ([]Rating, error) {
	es, err := db.events(ctx, caseID, EventRating, EventRectifyClose)
	if err != nil {
		return nil, err
	}
	var cal *casework.Calendar
	if db.cat != nil {
		cal = db.cat.Calendar
	}
	var out []Rating
	byID := map[string]int{}
	rated := map[string]bool{}
	for _, e := range es {
		switch e.action {
		case EventRating:
			var d RatingDetail
			if json.Unmarshal([]byte(e.detail), &d) != nil || rated[e.caseID] {
				continue
			}
			rated[e.caseID] = true
			r := Rating{ID: e.id, CaseID: e.caseID, CaseNumber: e.number, Office: e.office, Station: e.station,
				Level: d.Level, Comment: d.Comment, Source: d.Source, At: e.at, By: e.user}
			if e.items != "" {
				_ = json.Unmarshal([]byte(e.items), &r.Items)
			}
			if d.Level.Bad() {
				r.Due = casework.RectifyDue(cal, e.at.In(chinaZone))
			}
			byID[e.id] = len(out)
			out = append(out, r)
		case EventRectifyClose:
			var c RectifyClose
			if json.Unmarshal([]byte(e.detail), &c) != nil {
				continue
			}
			if i, ok := byID[c.Rating]; ok && !out[i].Closed {
				out[i].Closed, out[i].ClosedAt, out[i].ClosedBy, out[i].CloseNote = true, e.at, e.user, c.Note
			}
		}
	}
	return out, nil
}

// chinaZone is where ratings' days are counted (no tzdata needed).
var chinaZone = time.FixedZone("CST", 8*3600)

// Signup is a sign-up for a posting (a training course or a job), as the
// event holds it: the posting's id, kind and title as they were when the
// veteran signed up, and a contact phone when one was given.
type Signup struct {
	Posting string    `json:"posting"`
	Kind    string    `json:"kind"`
	Title   string    `json:"title"`
	Org     string    `json:"org,omitempty"`
	Phone   string    `json:"phone,omitempty"`
	Source  string    `json:"source"`
	At      time.Time `json:"-"`
}

// RecordSignup writes a sign-up of case caseID.
func (db *DB) RecordSignup(ctx context.Context, a Actor, caseID string, s Signup) error {
	if s.Posting == "" || s.Title == "" {
		return fmt.Errorf("sign-up of %s: %w", caseID, ErrBadOp)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return db.RecordEvent(ctx, a, caseID, EventSignup, string(b))
}

// CaseSignups returns the sign-ups of case caseID, oldest first.
func (db *DB) CaseSignups(ctx context.Context, caseID string) ([]Signup, error) {
	es, err := db.events(ctx, caseID, EventSignup)
	if err != nil {
		return nil, err
	}
	var out []Signup
	for _, e := range es {
		var s Signup
		if json.Unmarshal([]byte(e.detail), &s) == nil {
			s.At = e.at
			out = append(out, s)
		}
	}
	return out, nil
}

// FollowUps returns the 整改 follow-ups a sees, open ones first (due
// soonest first), then closed ones: supervisors and admins only, of cases
// of their office or of a division under it (an admin, or a user without
// office: every one this store holds).
func (db *DB) FollowUps(ctx context.Context, a Actor) ([]Rating, error) {
	if a.Role != RoleSupervisor && a.Role != RoleAdmin {
		return nil, nil
	}
	rs, err := db.Ratings(ctx)
	if err != nil {
		return nil, err
	}
	covers := func(office string) bool {
		if a.Role == RoleAdmin || a.Office == "" || a.Office == office {
			return true
		}
		if db.cat == nil {
			return false
		}
		d := db.cat.Division(office)
		return d != nil && d.Parent == a.Office
	}
	var open, closed []Rating
	for _, r := range rs {
		if !r.Level.Bad() || !covers(r.Office) {
			continue
		}
		if r.Closed {
			closed = append(closed, r)
		} else {
			open = append(open, r)
		}
	}
	sort.SliceStable(open, func(i, j int) bool { return open[i].Due.Before(open[j].Due) })
	return append(open, closed...), nil
}

// CloseFollowUp closes follow-up r with a's note: supervisors and admins
// only.
func (db *DB) CloseFollowUp(ctx context.Context, a Actor, r Rating, note string) error {
	if a.Role != RoleSupervisor && a.Role != RoleAdmin {
		return fmt.Errorf("close follow-up: role %s: %w", a.Role, ErrForbidden)
	}
	return db.CloseRectification(ctx, a, r.CaseID, r.ID, note)
}
