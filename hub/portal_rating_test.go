package hub

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// doneCase is a case accepted at a desk d and pushed to h, with every
// task then completed at the hub: 办结. The desk is returned too.
func doneCase(t *testing.T, h *Hub, seed uint64) (*casework.Case, *testDesk) {
	t.Helper()
	ctx := context.Background()
	d := clockDesk(t, h, fmt.Sprintf("HC%02d", seed), testUsers[1], func() time.Time { return genNow })
	cat := testCatalogue(t)
	c := reportedEarlier(cat, casework.NewGenerator(cat, seed, genNow).Draft(uuid.NewString(), office, true))
	if _, err := d.db.AcceptCase(ctx, d.actor, cat, c); err != nil {
		t.Fatal(err)
	}
	for _, r := range d.pushResp(t, h).Results {
		if r.Status != syncapi.Accepted {
			t.Fatalf("push: %+v", r)
		}
	}
	got, err := h.db.UpdateCase(ctx, hubActor, c.ID, func(c *casework.Case) error {
		for range len(c.Tasks) {
			for _, tk := range c.Tasks {
				if tk.State == casework.TaskPending || tk.State == casework.TaskWorking {
					if err := c.CompleteTask(cat, tk.Item, nil, genNow); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != casework.CaseDone {
		t.Fatalf("case state %s after completing its tasks, want done", got.State)
	}
	return got, d
}

// rateReq sends a GET (form nil) or POST of the rating page from client.
func rateReq(ph http.Handler, client string, q url.Values, form url.Values, ck *http.Cookie) *httptest.ResponseRecorder {
	var r *http.Request
	if form == nil {
		r = httptest.NewRequest(http.MethodGet, ratePath+"?"+q.Encode(), nil)
	} else {
		r = httptest.NewRequest(http.MethodPost, ratePath, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.RemoteAddr = client + ":40000"
	if ck != nil {
		r.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	ph.ServeHTTP(rec, r)
	return rec
}

// rateForm fetches the rating form of c and returns its cookie and token.
func rateForm(t *testing.T, ph http.Handler, c *casework.Case) (*http.Cookie, string, string) {
	t.Helper()
	rec := rateReq(ph, "203.0.113.30", url.Values{"n": {c.Number}, "c": {casework.LookupCode(c)}}, nil, nil)
	body := rec.Body.String()
	m := csrfRe.FindStringSubmatch(body)
	if rec.Code != http.StatusOK || m == nil || len(rec.Result().Cookies()) == 0 {
		t.Fatalf("GET /rate = %d, no form with CSRF token and cookie:\n%s", rec.Code, body)
	}
	return rec.Result().Cookies()[0], m[1], body
}

// noPersonal fails when body shows c's full ID number, phone or name.
func noPersonal(t *testing.T, what, body string, c *casework.Case) {
	t.Helper()
	for _, f := range []string{casework.FieldIDNumber, casework.FieldPhone, casework.FieldName} {
		if v := c.Value(f); v != "" && strings.Contains(body, v) {
			t.Errorf("%s shows the full %s %q", what, f, v)
		}
	}
}

var rateLevelRe = regexp.MustCompile(`name="level" value="([1-5])"`)

// TestRatePageRatesOnce guards 好差评 on the public site (#13): the
// progress page of a 办结 case links to the rating form, which offers the
// five national levels; a post without the CSRF token or with a level
// outside the five is refused and records nothing; a good post is taken
// once (a second gets 409); a 不满意 opens the 整改 follow-up; no page
// shows the full ID number, phone or name, not even when the veteran
// writes the phone into the comment.
func TestRatePageRatesOnce(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{Now: func() time.Time { return genNow }})
	ph := h.PublicHandler()
	c, desk := doneCase(t, h, 11)
	code := casework.LookupCode(c)

	prog := progressGet(ph, "203.0.113.30", c.Number, code)
	if !strings.Contains(prog.Body.String(), `href="/rate?c=`) {
		t.Errorf("progress page of a 办结 case has no link to the rating page")
	}
	ck, token, body := rateForm(t, ph, c)
	noPersonal(t, "rating form", body, c)
	// the case has no station of its own: the page names its office, as the progress page does
	if want := "<dd>" + testCatalogue(t).Division(c.Office).Name + "</dd>"; c.Station != "" || !strings.Contains(body, want) || !strings.Contains(prog.Body.String(), want) {
		t.Errorf("rating form of a case of %s (station %q) lacks %q:\n%s", c.Office, c.Station, want, body)
	}
	var levels []string
	for _, m := range rateLevelRe.FindAllStringSubmatch(body, -1) {
		levels = append(levels, m[1])
	}
	if strings.Join(levels, "") != "54321" || !strings.Contains(body, "非常满意") || !strings.Contains(body, "非常不满意") {
		t.Errorf("rating form levels = %v, want 5..1 named 非常满意..非常不满意", levels)
	}

	post := func(tok, level, comment string, ck *http.Cookie) *httptest.ResponseRecorder {
		f := url.Values{"n": {c.Number}, "c": {code}, "level": {level}, "comment": {comment}}
		if tok != "" {
			f.Set("csrf", tok)
		}
		return rateReq(ph, "203.0.113.30", nil, f, ck)
	}
	phone := c.Value(casework.FieldPhone)
	for _, tc := range []struct {
		name       string
		rec        *httptest.ResponseRecorder
		wantStatus int
	}{
		{"no token", post("", "4", "", ck), http.StatusForbidden},
		{"no cookie", post(token, "4", "", nil), http.StatusForbidden},
		{"token of another cookie", post(token, "4", "", &http.Cookie{Name: csrfCookie, Value: strings.Repeat("ab", 32)}), http.StatusForbidden},
		{"level 6", post(token, "6", "", ck), http.StatusBadRequest},
		{"no level", post(token, "", "", ck), http.StatusBadRequest},
	} {
		if tc.rec.Code != tc.wantStatus {
			t.Errorf("POST /rate (%s) = %d, want %d", tc.name, tc.rec.Code, tc.wantStatus)
		}
		if r, err := h.db.CaseRating(ctx, c.ID); err != nil || r != nil {
			t.Fatalf("after POST /rate (%s): rating %+v, %v, want none", tc.name, r, err)
		}
	}

	rec := post(token, "2", "窗口让我跑了两趟,电话 "+phone, ck)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "感谢您的评价") || !strings.Contains(rec.Body.String(), "整改") {
		t.Fatalf("POST /rate (不满意) = %d:\n%s", rec.Code, rec.Body.String())
	}
	noPersonal(t, "rating answer", rec.Body.String(), c)
	r, err := h.db.CaseRating(ctx, c.ID)
	if err != nil || r == nil {
		t.Fatalf("CaseRating = %v, %v", r, err)
	}
	if r.Level != casework.RatingDissatisfied || r.Source != store.RatingPortal || !r.Open() || r.Due.IsZero() || strings.Contains(r.Comment, phone) {
		t.Errorf("rating = %+v, want level 2 from the portal with an open follow-up and the phone masked in the comment", r)
	}
	if again := post(token, "5", "", ck); again.Code != http.StatusConflict || !strings.Contains(again.Body.String(), "已经评价") {
		t.Errorf("second POST /rate = %d, want 409 saying it is rated", again.Code)
	}
	if got := rateReq(ph, "203.0.113.30", url.Values{"n": {c.Number}, "c": {code}}, nil, nil); rateLevelRe.MatchString(got.Body.String()) {
		t.Errorf("GET /rate of a rated case still offers the form")
	}
	if got := progressGet(ph, "203.0.113.30", c.Number, code).Body.String(); strings.Contains(got, `href="/rate?`) || !strings.Contains(got, "您的评价:不满意") {
		t.Errorf("progress page of a rated case still links to the rating page or does not show the rating")
	}
	if rs, _ := h.db.Ratings(ctx); len(rs) != 1 {
		t.Errorf("hub holds %d ratings, want 1", len(rs))
	}
	desk.pull(t, h)
	if rs, err := desk.db.Ratings(ctx); err != nil || len(rs) != 1 || !rs[0].Open() || rs[0].CaseNumber != c.Number {
		t.Errorf("desk after pull: ratings %+v, %v, want the 不满意 with its open follow-up", rs, err)
	}
}

// TestRatePageNeedsCodeAndDone guards the rating page's authorisation
// (#13): a wrong look-up code is refused and counted with the progress
// page's limits, so after ProgressCaseWrong wrong codes even the right one
// is refused (GET or POST); a case not yet 办结 gets no form.
func TestRatePageNeedsCodeAndDone(t *testing.T) {
	h := newTestHub(t, Options{Now: func() time.Time { return genNow }})
	ph := h.PublicHandler()
	open := portalCase(t, h) // a task returned, one done: not 办结
	rec := rateReq(ph, "203.0.113.40", url.Values{"n": {open.Number}, "c": {casework.LookupCode(open)}}, nil, nil)
	if rec.Code != http.StatusOK || rateLevelRe.MatchString(rec.Body.String()) || !strings.Contains(rec.Body.String(), "办结后") {
		t.Errorf("GET /rate of a case in progress = %d, want the page without a form saying it comes after 办结", rec.Code)
	}
	c, _ := doneCase(t, h, 12)
	code := casework.LookupCode(c)
	wrong := "ZZZZZ"
	if wrong == code {
		wrong = "YYYYY"
	}
	for i := range ProgressCaseWrong {
		client := fmt.Sprintf("198.51.100.%d", i+1) // many clients: the case's own limit
		var rec *httptest.ResponseRecorder
		if i%2 == 0 {
			rec = rateReq(ph, client, url.Values{"n": {c.Number}, "c": {wrong}}, nil, nil)
		} else {
			ck, tok, _ := rateForm(t, ph, c)
			rec = rateReq(ph, client, nil, url.Values{"csrf": {tok}, "n": {c.Number}, "c": {wrong}, "level": {"5"}}, ck)
		}
		if rec.Code != http.StatusNotFound {
			t.Fatalf("wrong code %d: %d, want 404", i, rec.Code)
		}
	}
	if rec := rateReq(ph, "192.0.2.9", url.Values{"n": {c.Number}, "c": {code}}, nil, nil); rec.Code != http.StatusTooManyRequests {
		t.Errorf("right code after %d wrong ones = %d, want 429", ProgressCaseWrong, rec.Code)
	}
	if rec := progressGet(ph, "192.0.2.9", c.Number, code); rec.Code != http.StatusTooManyRequests {
		t.Errorf("progress page after %d wrong codes on the rating page = %d, want 429 (the same limit)", ProgressCaseWrong, rec.Code)
	}
	if r, _ := h.db.CaseRating(context.Background(), c.ID); r != nil {
		t.Errorf("a wrong code recorded a rating: %+v", r)
	}
}

// TestRatePageNamesStation guards the 受理单位 of the rating page (#13):
// the station a case was taken at by name, a division's code as the
// division's name, and the office's name when the case has no station;
// never a code.
func TestRatePageNamesStation(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{Now: func() time.Time { return genNow }})
	ph := h.PublicHandler()
	c, _ := doneCase(t, h, 13)
	cat := testCatalogue(t)
	for _, tt := range []struct{ station, want string }{
		{"", cat.Division(c.Office).Name},
		{"鲸园街道退役军人服务站", "鲸园街道退役军人服务站"},
		{c.Office, cat.Division(c.Office).Name},
	} {
		if _, err := h.db.UpdateCase(ctx, hubActor, c.ID, func(c *casework.Case) error { c.Station = tt.station; return nil }); err != nil {
			t.Fatal(err)
		}
		_, _, body := rateForm(t, ph, c)
		if !strings.Contains(body, "<dd>"+tt.want+"</dd>") || strings.Contains(body, "<dd>"+c.Office+"</dd>") {
			t.Errorf("station %q: rating form lacks %q:\n%s", tt.station, tt.want, body)
		}
	}
}
