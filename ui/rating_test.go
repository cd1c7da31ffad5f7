package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/google/uuid"

	"vetdesk/casework"
	"vetdesk/store"
)

// ratedFixtureCase accepts a case with the 就业培训 item at f's store.
func ratedFixtureCase(t *testing.T, f *fixture) *casework.Case {
	t.Helper()
	c := casework.NewGenerator(f.cat, 31, fixedNow).Draft(uuid.NewString(), "371002", true)
	a := store.Actor{UserID: f.clerk.ID, Login: f.clerk.Login, Name: f.clerk.Name, Role: f.clerk.Role, Office: f.clerk.Office}
	if _, err := f.st.AcceptCase(context.Background(), a, f.cat, c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCaseScreenRatingAndSignups guards the desk's half of 好差评 and 就业培训
// on the case screen (#13): a sign-up from the public site shows under the
// 就业培训 task with the phone masked; the clerk records the rating the
// veteran gives at the counter (a level must be chosen), after which the
// screen shows it with its open 整改 follow-up and offers no second form.
func TestCaseScreenRatingAndSignups(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	ctx := context.Background()
	c := ratedFixtureCase(t, f)
	portal := store.Actor{UserID: "portal", Login: "portal", Role: store.RoleClerk}
	if err := f.st.RecordSignup(ctx, portal, c.ID, store.Signup{Posting: "p1", Kind: "course", Title: "电工职业技能培训", Org: "威海市职业培训学校", Phone: "13906311234", Source: "portal"}); err != nil {
		t.Fatal(err)
	}
	s := NewCaseScreen(f.desk, c.ID)
	if len(s.Signups) != 1 || !strings.Contains(s.Signups[0].Text, "电工职业技能培训") || strings.Contains(s.Signups[0].Text, "13906311234") || !strings.Contains(s.Signups[0].Text, "139****1234") {
		t.Fatalf("sign-up lines = %v, want the course with the phone masked", labelsText(s))
	}
	if s.RateButton == nil || s.Rating != nil {
		t.Fatalf("an unrated case shows no rating form")
	}
	test.Tap(s.RateButton)
	if r, _ := f.st.CaseRating(ctx, c.ID); r != nil || s.Message.Text != T("case.rating.pick") {
		t.Errorf("rating without a level: recorded %+v, message %q", r, s.Message.Text)
	}
	s.RateLevel.SetSelected("不满意")
	s.RateComment.SetText("材料让我跑了两趟")
	test.Tap(s.RateButton)
	r, err := f.st.CaseRating(ctx, c.ID)
	if err != nil || r == nil || r.Level != casework.RatingDissatisfied || r.Source != store.RatingDesk || r.By != f.clerk.ID || r.Comment != "材料让我跑了两趟" {
		t.Fatalf("recorded rating = %+v, %v", r, err)
	}
	if s.Rating == nil || s.RateButton != nil || !strings.Contains(s.Rating.Text, "不满意") || !strings.Contains(s.Rating.Text, "整改中") {
		t.Errorf("after rating the screen shows %v, want the rating with its open follow-up and no form", s.Rating)
	}
}

func labelsText(s *CaseScreen) []string {
	var out []string
	for _, l := range s.Signups {
		out = append(out, l.Text)
	}
	return out
}

// TestFollowUpsScreen guards the supervisors' 整改 list (#13): a
// supervisor of the office sees the open follow-up of a 差评, cannot close
// it without a note, closes it with one; a clerk has no such list.
func TestFollowUpsScreen(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := ratedFixtureCase(t, f)
	sys := store.Actor{Login: "setup", Role: "admin", Office: "371002"}
	sup, err := f.st.CreateUser(ctx, sys, store.User{Login: "sup", Name: "周站长", Role: store.RoleSupervisor, Office: "371002"}, "sup-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.RecordRating(ctx, store.Actor{UserID: "portal"}, c.ID, store.RatingDetail{Level: casework.RatingVeryDissatisfied, Source: store.RatingPortal}); err != nil {
		t.Fatal(err)
	}
	f.desk.LoggedIn(f.clerk)
	if s := NewFollowUpsScreen(f.desk); len(s.Rows) != 0 {
		t.Errorf("a clerk's follow-ups screen lists %d", len(s.Rows))
	}
	f.desk.LoggedIn(sup)
	s := NewFollowUpsScreen(f.desk)
	if len(s.Rows) != 1 || s.Close[s.Rows[0].ID] == nil {
		t.Fatalf("supervisor's follow-ups = %+v, want one open", s.Rows)
	}
	id := s.Rows[0].ID
	test.Tap(s.Close[id])
	if s.Status.Text != T("followups.need_note") {
		t.Errorf("closing without a note: status %q", s.Status.Text)
	}
	s.Notes[id].SetText("已电话回访并致歉")
	test.Tap(s.Close[id])
	r, _ := f.st.CaseRating(ctx, c.ID)
	if r == nil || r.Open() || r.CloseNote != "已电话回访并致歉" || r.ClosedBy != sup.ID {
		t.Errorf("after closing: %+v", r)
	}
	if len(s.Close) != 0 {
		t.Errorf("closed follow-up still offers 整改完成")
	}
}
