package store

import (
	"context"
	"errors"
	"testing"

	"vetdesk/casework"
)

// TestRatingOncePerCase guards 好差评 (#13): a case takes one rating; a
// second one, a level outside the five and an overlong comment are refused.
func TestRatingOncePerCase(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, newFakeClock())
	c := newGen(t, 1).Draft(caseID(1), "371002", true)
	mustAccept(t, db, c)
	long := make([]rune, casework.MaxRatingComment+1)
	for i := range long {
		long[i] = '好'
	}
	for _, tc := range []struct {
		name string
		d    RatingDetail
		want error
	}{
		{"level 0", RatingDetail{Level: "0", Source: RatingDesk}, ErrBadRating},
		{"level word", RatingDetail{Level: "满意", Source: RatingDesk}, ErrBadRating},
		{"long comment", RatingDetail{Level: "4", Comment: string(long), Source: RatingDesk}, ErrBadRating},
		{"no source", RatingDetail{Level: "4"}, ErrBadRating},
		{"first", RatingDetail{Level: "4", Comment: " 办事快 ", Source: RatingDesk}, nil},
		{"second", RatingDetail{Level: "5", Source: RatingPortal}, ErrRated},
	} {
		if err := db.RecordRating(ctx, clerk, c.ID, tc.d); !errors.Is(err, tc.want) {
			t.Errorf("RecordRating(%s) = %v, want %v", tc.name, err, tc.want)
		}
	}
	r, err := db.CaseRating(ctx, c.ID)
	if err != nil || r == nil {
		t.Fatalf("CaseRating = %v, %v", r, err)
	}
	if r.Level != casework.RatingSatisfied || r.Comment != "办事快" || r.CaseNumber != c.Number || r.Open() || !r.Due.IsZero() {
		t.Errorf("CaseRating = %+v, want level 4, comment 办事快, case %s, no follow-up", r, c.Number)
	}
}

// TestBadRatingOpensFollowUp guards the 整改 follow-up (#13): 不满意 and
// 非常不满意 open one with a due date after the rating; closing it with a
// note (and only with one) closes it.
func TestBadRatingOpensFollowUp(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, newFakeClock())
	levels := []casework.RatingLevel{casework.RatingDissatisfied, casework.RatingBasic, casework.RatingVeryDissatisfied}
	for i, l := range levels {
		c := newGen(t, uint64(10+i)).Draft(caseID(10+i), "371002", true)
		mustAccept(t, db, c)
		if err := db.RecordRating(ctx, clerk, c.ID, RatingDetail{Level: l, Source: RatingPortal}); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := db.Ratings(ctx)
	if err != nil || len(rs) != len(levels) {
		t.Fatalf("Ratings = %d, %v, want %d", len(rs), err, len(levels))
	}
	for i, r := range rs {
		if r.Open() != levels[i].Bad() || r.Due.IsZero() == levels[i].Bad() || (levels[i].Bad() && !r.Due.After(r.At)) {
			t.Errorf("rating %s: open %v, due %v (at %v), want open %v with a due date after it", r.Level, r.Open(), r.Due, r.At, levels[i].Bad())
		}
	}
	if err := db.CloseRectification(ctx, clerk, rs[0].CaseID, rs[0].ID, "  "); !errors.Is(err, ErrBadRating) {
		t.Errorf("CloseRectification(no note) = %v, want ErrBadRating", err)
	}
	if err := db.CloseRectification(ctx, clerk, rs[0].CaseID, rs[0].ID, "已回访,重新办理"); err != nil {
		t.Fatal(err)
	}
	rs, err = db.Ratings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Open() || rs[0].CloseNote != "已回访,重新办理" || rs[0].ClosedBy != clerk.UserID || !rs[2].Open() {
		t.Errorf("after closing: %+v / %+v, want the first closed with its note, the third open", rs[0], rs[2])
	}
}

// TestSignupsOfCase guards sign-ups (#13): they are read back per case.
func TestSignupsOfCase(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, newFakeClock())
	c := newGen(t, 3).Draft(caseID(3), "371002", true)
	mustAccept(t, db, c)
	if err := db.RecordSignup(ctx, clerk, c.ID, Signup{Posting: "p1", Kind: "course", Title: "电工培训", Source: RatingDesk}); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordSignup(ctx, clerk, c.ID, Signup{Kind: "course"}); !errors.Is(err, ErrBadOp) {
		t.Errorf("RecordSignup(no posting) = %v, want ErrBadOp", err)
	}
	ss, err := db.CaseSignups(ctx, c.ID)
	if err != nil || len(ss) != 1 || ss[0].Title != "电工培训" || ss[0].At.IsZero() {
		t.Fatalf("CaseSignups = %+v, %v", ss, err)
	}
}
