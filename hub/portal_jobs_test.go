package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"vetdesk/casework"
	"vetdesk/syncapi"
)

func postingsReq(t *testing.T, h *Hub, tok, method string, ps []syncapi.Posting) (*httptest.ResponseRecorder, []syncapi.Posting) {
	t.Helper()
	var body bytes.Buffer
	if ps != nil {
		json.NewEncoder(&body).Encode(ps)
	}
	r := httptest.NewRequest(method, syncapi.PathPostings, &body)
	r.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	h.Handler().ServeHTTP(rec, r)
	var got []syncapi.Posting
	if method == http.MethodGet && rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
	}
	return rec, got
}

func publicReq(ph http.Handler, method, path string, form url.Values, ck *http.Cookie) *httptest.ResponseRecorder {
	var r *http.Request
	if form == nil {
		r = httptest.NewRequest(method, path, nil)
	} else {
		r = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.RemoteAddr = "203.0.113.50:40000"
	if ck != nil {
		r.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	ph.ServeHTTP(rec, r)
	return rec
}

// TestJobsBoardAndSignup guards 就业培训 (#13): a station desk publishes
// courses and jobs through the device API (a batch with a bad posting is
// refused whole; a department desk may not publish); the public site lists
// the open ones (not the withdrawn or past their deadline) by kind; a
// veteran signs up with the case number and look-up code, CSRF-checked,
// once; a wrong code is refused; the sign-up reaches the desk of the case
// by sync (what its 就业培训 task shows) and is counted for the station;
// no page shows the veteran's full phone or ID number.
func TestJobsBoardAndSignup(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{Now: func() time.Time { return genNow }})
	ph := h.PublicHandler()
	c, desk := doneCase(t, h, 21)
	stationTok := enrolID(t, h, uuid.NewString(), "HC31", "")
	deptTok := enrolID(t, h, uuid.NewString(), "PS31", "police")

	course := syncapi.Posting{ID: uuid.NewString(), Kind: "course", Title: "电工职业技能培训", Org: "威海市职业培训学校",
		Place: "环翠区青岛中路", Schedule: "2026年12月每周六上午", Deadline: "2026-12-10", Contact: "0631-5201234", Details: "免费培训,结业发证"}
	job := syncapi.Posting{ID: uuid.NewString(), Kind: "job", Title: "安保主管", Org: "威海某物业公司", Deadline: "2026年12月31日"}
	old := syncapi.Posting{ID: uuid.NewString(), Kind: "job", Title: "已截止岗位", Org: "某公司", Deadline: "2026-01-01"}
	gone := syncapi.Posting{ID: uuid.NewString(), Kind: "course", Title: "已下架课程", Org: "某学校", Withdrawn: true}
	bad := syncapi.Posting{ID: uuid.NewString(), Kind: "course", Org: "无标题的学校"}

	if rec, _ := postingsReq(t, h, stationTok, http.MethodPost, []syncapi.Posting{course, bad}); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "title required") {
		t.Errorf("publish with a posting without title = %d %s, want 400 naming it", rec.Code, rec.Body.String())
	}
	if rec, _ := postingsReq(t, h, deptTok, http.MethodPost, []syncapi.Posting{course}); rec.Code == http.StatusOK {
		t.Errorf("a department desk published: %d", rec.Code)
	}
	if _, got := postingsReq(t, h, stationTok, http.MethodGet, nil); len(got) != 0 {
		t.Fatalf("after refused batches the station has %d postings, want 0", len(got))
	}
	if rec, _ := postingsReq(t, h, stationTok, http.MethodPost, []syncapi.Posting{course, job, old, gone}); rec.Code != http.StatusOK {
		t.Fatalf("publish = %d %s", rec.Code, rec.Body.String())
	}

	list := publicReq(ph, http.MethodGet, "/jobs", nil, nil).Body.String()
	for _, p := range []syncapi.Posting{course, job} {
		if !strings.Contains(list, p.Title) || !strings.Contains(list, `href="/jobs/`+p.ID+`"`) {
			t.Errorf("/jobs does not list %s", p.Title)
		}
	}
	for _, p := range []syncapi.Posting{old, gone} {
		if strings.Contains(list, p.Title) {
			t.Errorf("/jobs lists %s", p.Title)
		}
	}
	if courses := publicReq(ph, http.MethodGet, "/jobs?k=course", nil, nil).Body.String(); !strings.Contains(courses, course.Title) || strings.Contains(courses, job.Title) {
		t.Errorf("/jobs?k=course does not list only the course")
	}
	if !strings.Contains(publicReq(ph, http.MethodGet, "/", nil, nil).Body.String(), `href="/jobs"`) {
		t.Errorf("home page does not link to /jobs")
	}
	if rec := publicReq(ph, http.MethodGet, "/jobs/"+old.ID, nil, nil); rec.Code != http.StatusNotFound {
		t.Errorf("GET a posting past its deadline = %d, want 404", rec.Code)
	}

	page := publicReq(ph, http.MethodGet, "/jobs/"+course.ID, nil, nil)
	m := csrfRe.FindStringSubmatch(page.Body.String())
	if page.Code != http.StatusOK || m == nil || len(page.Result().Cookies()) == 0 || !strings.Contains(page.Body.String(), "2026-12-10") {
		t.Fatalf("GET /jobs/{id} = %d without the posting and a CSRF form", page.Code)
	}
	ck, tok := page.Result().Cookies()[0], m[1]
	phone := c.Value(casework.FieldPhone)
	sign := func(tok, code string, ck *http.Cookie) *httptest.ResponseRecorder {
		f := url.Values{"n": {c.Number}, "c": {code}, "phone": {phone}}
		if tok != "" {
			f.Set("csrf", tok)
		}
		return publicReq(ph, http.MethodPost, "/jobs/"+course.ID, f, ck)
	}
	for _, tc := range []struct {
		name string
		rec  *httptest.ResponseRecorder
		want int
	}{
		{"no token", sign("", casework.LookupCode(c), ck), http.StatusForbidden},
		{"wrong code", sign(tok, "ZZZZZZ", ck), http.StatusNotFound},
		{"right", sign(tok, casework.LookupCode(c), ck), http.StatusOK},
		{"again", sign(tok, casework.LookupCode(c), ck), http.StatusConflict},
	} {
		if tc.rec.Code != tc.want {
			t.Errorf("sign-up (%s) = %d, want %d", tc.name, tc.rec.Code, tc.want)
		}
		noPersonal(t, "sign-up answer ("+tc.name+")", tc.rec.Body.String(), c)
	}
	if _, got := postingsReq(t, h, stationTok, http.MethodGet, nil); len(got) != 4 || func() int {
		for _, p := range got {
			if p.ID == course.ID {
				return p.Signups
			}
		}
		return -1
	}() != 1 {
		t.Errorf("station's postings = %+v, want 4 with one sign-up for the course", got)
	}

	desk.pull(t, h)
	ss, err := desk.db.CaseSignups(ctx, c.ID)
	if err != nil || len(ss) != 1 || ss[0].Title != course.Title || ss[0].Posting != course.ID || ss[0].Phone != phone {
		t.Errorf("desk after pull: sign-ups %+v, %v, want the course with the phone", ss, err)
	}
}
