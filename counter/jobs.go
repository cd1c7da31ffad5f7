package counter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"vetdesk/casework"
	"vetdesk/report"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// 就业培训 and 好差评 at the desk (#13). Postings are published on the hub
// (they are public notices): typed at the desk or imported from Excel,
// they need the hub to be reached. Ratings, their 整改 follow-ups and the
// sign-ups of a case are events of the case in the store: written offline
// and synced.

// JobService is the desk's side of the training and job board and of
// ratings.
type JobService struct {
	Store *store.DB
	Hub   interface {
		Postings(ctx context.Context) ([]syncapi.Posting, error)
		PublishPostings(ctx context.Context, ps []syncapi.Posting) error
	}
	Now func() time.Time
}

func (s *JobService) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// ErrPostingValues: a posting typed at the desk has bad values; the
// problems say which.
var ErrPostingValues = errors.New("posting has bad values")

// postingNS names the ids of imported postings: the same row imported
// twice (same office, kind, title and organisation) replaces itself.
var postingNS = uuid.MustParse("6f1d1c52-9a43-4c1e-8a0b-5e2d0c7a13b1")

func postingOf(v map[string]string) syncapi.Posting {
	return syncapi.Posting{Kind: v[casework.PostingKind], Title: v[casework.PostingTitle], Org: v[casework.PostingOrg],
		Place: v[casework.PostingPlace], Schedule: v[casework.PostingSchedule], Deadline: v[casework.PostingDeadline],
		Details: v[casework.PostingDetails], Contact: v[casework.PostingContact]}
}

// Publish checks and publishes one posting typed at the desk (an empty
// ID makes a new one), returning the problems when its values are bad.
func (s *JobService) Publish(ctx context.Context, a store.Actor, p syncapi.Posting) ([]casework.Problem, error) {
	v := map[string]string{
		casework.PostingKind: p.Kind, casework.PostingTitle: p.Title, casework.PostingOrg: p.Org, casework.PostingPlace: p.Place,
		casework.PostingSchedule: p.Schedule, casework.PostingDeadline: p.Deadline, casework.PostingDetails: p.Details, casework.PostingContact: p.Contact,
	}
	casework.NormalizePosting(v)
	if probs := casework.CheckPosting(v, s.now()); len(probs) > 0 {
		return probs, ErrPostingValues
	}
	q := postingOf(v)
	q.ID, q.Withdrawn = p.ID, p.Withdrawn
	if q.ID == "" {
		q.ID = uuid.NewString()
	}
	if err := s.Hub.PublishPostings(ctx, []syncapi.Posting{q}); err != nil {
		return nil, err
	}
	return nil, s.Store.Audit(ctx, store.AuditEntry{UserID: a.UserID, Login: a.Login, Action: "posting_publish", Target: q.ID, Success: true, Detail: q.Kind + " " + q.Title})
}

// PostingImport is what ImportPostings did.
type PostingImport struct {
	Published int
	Rejected  []report.RosterReject
	Rows      int
}

// ImportPostings reads the postings workbook at path and publishes its
// accepted rows for the desk's office; refused rows come back with their
// reasons. The import is audited.
func (s *JobService) ImportPostings(ctx context.Context, a store.Actor, office, path string) (res PostingImport, err error) {
	defer func() {
		detail := fmt.Sprintf("rows=%d published=%d rejected=%d", res.Rows, res.Published, len(res.Rejected))
		if err != nil {
			detail += " error=" + err.Error()
		}
		if aerr := s.Store.Audit(ctx, store.AuditEntry{UserID: a.UserID, Login: a.Login, Action: "import_postings", Target: filepath.Base(path), Success: err == nil, Detail: detail}); aerr != nil && err == nil {
			err = fmt.Errorf("import postings: audit: %w", aerr)
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		return res, fmt.Errorf("import postings: %w", err)
	}
	defer f.Close()
	rd, err := report.ReadPostings(ctx, f, s.now())
	if err != nil {
		return res, fmt.Errorf("import postings: %w", err)
	}
	res.Rows, res.Rejected = rd.Rows, rd.Rejected
	var ps []syncapi.Posting
	for _, e := range rd.Entries {
		p := postingOf(e.Values)
		p.ID = uuid.NewSHA1(postingNS, []byte(office+"\x00"+p.Kind+"\x00"+p.Title+"\x00"+p.Org)).String()
		ps = append(ps, p)
	}
	if len(ps) == 0 {
		return res, nil
	}
	if err := s.Hub.PublishPostings(ctx, ps); err != nil {
		return res, fmt.Errorf("import postings: %w", err)
	}
	res.Published = len(ps)
	return res, nil
}

// Signups returns the sign-ups of case caseID, for its 就业培训 task.
func (s *JobService) Signups(ctx context.Context, caseID string) ([]store.Signup, error) {
	return s.Store.CaseSignups(ctx, caseID)
}

// Rate records the rating a veteran gives at the counter for case caseID.
func (s *JobService) Rate(ctx context.Context, a store.Actor, caseID string, level casework.RatingLevel, comment string) error {
	return s.Store.RecordRating(ctx, a, caseID, store.RatingDetail{Level: level, Comment: comment, Source: store.RatingDesk})
}

// FollowUps returns the 整改 follow-ups a sees (store.FollowUps).
func (s *JobService) FollowUps(ctx context.Context, a store.Actor) ([]casework.Rating, error) {
	return s.Store.FollowUps(ctx, a)
}

// CloseFollowUp closes follow-up r with the supervisor's note.
func (s *JobService) CloseFollowUp(ctx context.Context, a store.Actor, r casework.Rating, note string) error {
	return s.Store.CloseFollowUp(ctx, a, r, note)
}

// Postings returns the office's postings as the hub holds them, with
// their sign-up counts.
func (s *JobService) Postings(ctx context.Context) ([]syncapi.Posting, error) {
	return s.Hub.Postings(ctx)
}
