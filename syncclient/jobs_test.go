package syncclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
	"vetdesk/counter"
	"vetdesk/hub"
	"vetdesk/store"
	"vetdesk/syncapi"
)

var (
	csrfFieldRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)
	jobLinkRe   = regexp.MustCompile(`href="/jobs/([0-9a-f-]{36})"`)
)

// TestJobsAndRatingsAtTheDesk guards the desk's half of 就业培训 and 好差评
// (#13): postings imported from Excel at a desk are published on the hub
// (bad rows refused with their reasons, a second import replacing rather
// than doubling), a typed posting with bad values is refused with its
// problems; a veteran's sign-up on the public page reaches the desk of
// the case by sync, for its 就业培训 task; a 差评 given at the counter
// syncs to a supervisor's desk of the office as an open 整改 follow-up
// (a clerk sees none and may not close it), and the supervisor's closing
// note comes back to the clerk's desk.
func TestJobsAndRatingsAtTheDesk(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{})
	sup, err := e.hub.AddUser(ctx, store.User{Login: "sup", Name: "周站长", Role: store.RoleSupervisor, Office: office}, "pw-sup")
	if err != nil {
		t.Fatal(err)
	}
	e.users["sup"] = sup
	a := e.desk("鲸园", deskOpt{office: office, login: "clerkA"})
	c := e.newCase(a, casework.NewGenerator(e.cat, 5, genNow), "0193a000-0000-7000-8000-000000000031")
	a.sync(t)

	// postings imported from Excel
	path := filepath.Join(t.TempDir(), "培训信息.xlsx")
	f := excelize.NewFile()
	for i, r := range [][]any{
		{"类别", "名称", "培训机构", "报名截止日期", "咨询电话"},
		{"培训课程", "电工职业技能培训", "威海市职业培训学校", "2099-12-10", "0631-5201234"},
		{"招聘信息", "安保主管", "威海某物业公司", "", ""},
		{"培训课程", "", "无名称的学校", "", ""},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &r)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	js := &counter.JobService{Store: a.db, Hub: a.cl}
	for range 2 {
		res, err := js.ImportPostings(ctx, a.actor, office, path)
		if err != nil || res.Published != 2 || len(res.Rejected) != 1 || res.Rejected[0].Reasons[0] != "名称未填写" {
			t.Fatalf("ImportPostings = %+v, %v, want 2 published and row 4 refused for its name", res, err)
		}
	}
	if ps, err := a.cl.Postings(ctx); err != nil || len(ps) != 2 {
		t.Fatalf("hub holds %d postings of the office (%v), want 2 after importing twice", len(ps), err)
	}
	probs, err := js.Publish(ctx, a.actor, syncapi.Posting{Kind: "job", Title: "司机", Org: "某公司", Contact: "123"})
	if !errors.Is(err, counter.ErrPostingValues) || len(probs) != 1 || probs[0].Field != casework.PostingContact {
		t.Errorf("Publish(bad contact) = %v, %v, want the contact's problem", probs, err)
	}

	// a veteran signs up on the public site
	ph := e.hub.PublicHandler()
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		ph.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	m := jobLinkRe.FindStringSubmatch(get("/jobs?k=course").Body.String())
	if m == nil {
		t.Fatal("/jobs?k=course lists no posting")
	}
	page := get("/jobs/" + m[1])
	tok := csrfFieldRe.FindStringSubmatch(page.Body.String())
	if tok == nil || len(page.Result().Cookies()) == 0 {
		t.Fatalf("posting page has no sign-up form")
	}
	form := url.Values{"csrf": {tok[1]}, "n": {c.Number}, "c": {casework.LookupCode(c)}, "phone": {"13906311234"}}
	r := httptest.NewRequest(http.MethodPost, "/jobs/"+m[1], strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(page.Result().Cookies()[0])
	rec := httptest.NewRecorder()
	ph.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		t.Fatalf("sign-up = %d", rec.Code)
	}
	a.sync(t)
	ss, err := js.Signups(ctx, c.ID)
	if err != nil || len(ss) != 1 || ss[0].Title != "电工职业技能培训" || ss[0].Phone != "13906311234" {
		t.Errorf("desk's sign-ups of the case = %+v, %v", ss, err)
	}

	// a 差评 at the counter reaches the supervisor
	if err := js.Rate(ctx, a.actor, c.ID, casework.RatingVeryDissatisfied, "等了很久"); err != nil {
		t.Fatal(err)
	}
	if err := js.Rate(ctx, a.actor, c.ID, casework.RatingSatisfied, ""); !errors.Is(err, store.ErrRated) {
		t.Errorf("second rating = %v, want ErrRated", err)
	}
	a.sync(t)
	s := e.desk("站长", deskOpt{office: office, login: "sup"})
	s.sync(t)
	sjs := &counter.JobService{Store: s.db}
	fs, err := sjs.FollowUps(ctx, s.actor)
	if err != nil || len(fs) != 1 || !fs[0].Open() || fs[0].CaseNumber != c.Number || fs[0].Source != store.RatingDesk {
		t.Fatalf("supervisor's follow-ups = %+v, %v, want the open one of %s", fs, err, c.Number)
	}
	if got, _ := js.FollowUps(ctx, a.actor); len(got) != 0 {
		t.Errorf("a clerk sees %d follow-ups, want none", len(got))
	}
	if err := js.CloseFollowUp(ctx, a.actor, fs[0], "已处理"); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("clerk's CloseFollowUp = %v, want ErrForbidden", err)
	}
	if err := sjs.CloseFollowUp(ctx, s.actor, fs[0], "已电话回访,致歉并加快办理"); err != nil {
		t.Fatal(err)
	}
	s.sync(t)
	a.sync(t)
	if r, err := a.db.CaseRating(ctx, c.ID); err != nil || r == nil || r.Open() || r.CloseNote != "已电话回访,致歉并加快办理" {
		t.Errorf("clerk's desk after sync: rating %+v, %v, want closed with the supervisor's note", r, err)
	}
}
