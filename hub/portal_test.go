package hub

import (
	"context"
	"fmt"
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

// portalCase is an accepted case at h (through a desk's push), one of its
// tasks returned for 补正 with a reason that quotes the veteran's ID and
// phone numbers, another done; it returns the case as the hub holds it.
func portalCase(t *testing.T, h *Hub) *casework.Case {
	t.Helper()
	ctx := context.Background()
	d := clockDesk(t, h, "HC01", testUsers[1], func() time.Time { return genNow })
	cat := testCatalogue(t)
	c := reportedEarlier(cat, casework.NewGenerator(cat, 7, genNow).Draft(uuid.NewString(), office, true))
	if _, err := d.db.AcceptCase(ctx, d.actor, cat, c); err != nil {
		t.Fatal(err)
	}
	for _, r := range d.pushResp(t, h).Results {
		if r.Status != syncapi.Accepted {
			t.Fatalf("push: %+v", r)
		}
	}
	var pending []string
	for _, tk := range c.Tasks {
		if tk.State == casework.TaskPending && !tk.Due.IsZero() {
			pending = append(pending, tk.Item)
		}
	}
	if len(pending) < 2 {
		t.Fatalf("case has %d pending tasks, want 2 or more", len(pending))
	}
	reason := fmt.Sprintf("请补充退伍证复印件,身份证号 %s 与档案不符,联系电话 %s", c.Value(casework.FieldIDNumber), c.Value(casework.FieldPhone))
	got, err := h.db.UpdateCase(ctx, hubActor, c.ID, func(c *casework.Case) error {
		if err := c.ReturnTask(cat, pending[0], reason, genNow); err != nil {
			return err
		}
		return c.CompleteTask(cat, pending[1], nil, genNow)
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func progressGet(h http.Handler, client, number, code string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, casework.ProgressPath+"?"+url.Values{"n": {number}, "c": {code}}.Encode(), nil)
	r.RemoteAddr = client + ":50000"
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// TestProgressPageShowsItems guards the progress page (#13): the right
// code shows every item of the case with its department, state, due date,
// the 补正 needed and the masked name, and the page carries neither the
// full name nor the full ID or phone number (not even where a department
// wrote them into its reason); it is never cached and sends no referrer.
func TestProgressPageShowsItems(t *testing.T) {
	h := newTestHub(t, Options{Now: func() time.Time { return genNow }})
	c := portalCase(t, h)
	cat := testCatalogue(t)
	rec := progressGet(h.PublicHandler(), "203.0.113.5", c.Number, casework.LookupCode(c))
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", rec.Code, body)
	}
	dues := 0
	want := []string{c.Number, casework.MaskName(c.Value(casework.FieldName)), "需要补正:请补充退伍证复印件", "已办结", "退回补正", "承诺办结"}
	for _, tk := range c.Tasks {
		want = append(want, cat.Item(tk.Item).Name, cat.Department(tk.Department).Name)
		if tk.State == casework.TaskPending && !tk.Due.IsZero() {
			want = append(want, tk.Due.In(chinaTime).Format("2006-01-02"))
			dues++
		}
	}
	if dues == 0 {
		t.Error("no pending task has a due date to show")
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if n := strings.Count(body, `class="card item"`); n != len(c.Tasks) {
		t.Errorf("page shows %d items, want %d", n, len(c.Tasks))
	}
	for _, f := range []string{casework.FieldIDNumber, casework.FieldPhone, casework.FieldName} {
		if v := c.Value(f); v == "" || strings.Contains(body, v) {
			t.Errorf("page shows the full %s %q", f, v)
		}
	}
	for k, v := range map[string]string{"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Frame-Options": "DENY"} {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	// the code typed in lower case is the same code
	if rec := progressGet(h.PublicHandler(), "203.0.113.5", strings.ToLower(c.Number), strings.ToLower(casework.LookupCode(c))); rec.Code != http.StatusOK {
		t.Errorf("lower-case number and code: status %d", rec.Code)
	}
}

// TestProgressWrongCodeLikeUnknownCase guards that a wrong code tells
// nothing: it is answered as a number that does not exist (or a draft's),
// and neither shows the case.
func TestProgressWrongCodeLikeUnknownCase(t *testing.T) {
	h := newTestHub(t, Options{Now: func() time.Time { return genNow }})
	c := portalCase(t, h)
	wrong := progressGet(h.PublicHandler(), "203.0.113.5", c.Number, "ZZZZZ")
	unknown := progressGet(h.PublicHandler(), "203.0.113.5", "371002-2026-HC01-999999", "ZZZZZ")
	junk := progressGet(h.PublicHandler(), "203.0.113.5", "../../etc/passwd", "ZZZZZ")
	for name, rec := range map[string]*httptest.ResponseRecorder{"wrong code": wrong, "unknown number": unknown, "junk number": junk} {
		if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "受理编号或查询码不正确") {
			t.Errorf("%s: status %d, want 404 with the wrong-code message", name, rec.Code)
		}
		if strings.Contains(rec.Body.String(), casework.MaskName(c.Value(casework.FieldName))) {
			t.Errorf("%s shows the applicant", name)
		}
	}
	form := progressGet(h.PublicHandler(), "203.0.113.5", "", "")
	if form.Code != http.StatusOK || !strings.Contains(form.Body.String(), `name="c"`) {
		t.Errorf("the empty look-up is not the form: %d", form.Code)
	}
}

// TestProgressGuessingLimitedPerCase guards the per-case limit: after
// ProgressCaseWrong wrong codes for one case, from as many clients, even
// the right code is refused (429) in that hour; another case still answers.
func TestProgressGuessingLimitedPerCase(t *testing.T) {
	h := newTestHub(t, Options{Now: func() time.Time { return genNow }})
	c := portalCase(t, h)
	ph := h.PublicHandler()
	for i := range ProgressCaseWrong {
		if rec := progressGet(ph, fmt.Sprintf("198.51.100.%d", i+1), c.Number, fmt.Sprintf("X%d", i)); rec.Code != http.StatusNotFound {
			t.Fatalf("guess %d: status %d", i+1, rec.Code)
		}
	}
	rec := progressGet(ph, "203.0.113.9", c.Number, casework.LookupCode(c))
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "错误次数过多") {
		t.Errorf("right code after %d wrong ones: status %d, want 429", ProgressCaseWrong, rec.Code)
	}
	if strings.Contains(rec.Body.String(), `class="card item"`) {
		t.Error("the locked case's items are shown")
	}
}

// TestProgressGuessingLimitedPerClient guards the per-client limit: a
// client that sent ProgressClientWrong wrong codes (spread over many case
// numbers, so no case limit is hit) is refused even its right code, a
// forged X-Forwarded-For does not make it another client, and another
// client is answered.
func TestProgressGuessingLimitedPerClient(t *testing.T) {
	h := newTestHub(t, Options{Now: func() time.Time { return genNow }})
	c := portalCase(t, h)
	ph := h.PublicHandler()
	for i := range ProgressClientWrong {
		number := fmt.Sprintf("371002-2026-HC01-%06d", 500+i)
		if rec := progressGet(ph, "198.51.100.7", number, "AAAA"); rec.Code != http.StatusNotFound {
			t.Fatalf("guess %d: status %d", i+1, rec.Code)
		}
	}
	if rec := progressGet(ph, "198.51.100.7", c.Number, casework.LookupCode(c)); rec.Code != http.StatusTooManyRequests {
		t.Errorf("the guesser's right code: status %d, want 429", rec.Code)
	}
	if rec := progressGet(ph, "198.51.100.7", c.Number, casework.LookupCode(c), "X-Forwarded-For", "192.0.2.1"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("the guesser behind a forged X-Forwarded-For: status %d, want 429", rec.Code)
	}
	if rec := progressGet(ph, "203.0.113.9", c.Number, casework.LookupCode(c)); rec.Code != http.StatusOK {
		t.Errorf("another client: status %d, want 200", rec.Code)
	}
}

// TestProgressBehindProxy guards PublicTrustProxy: behind a reverse proxy
// the clients are told apart by the address the proxy appended to
// X-Forwarded-For, so one guesser does not lock out every veteran (the
// proxy's own address is never counted).
func TestProgressBehindProxy(t *testing.T) {
	h := newTestHub(t, Options{Now: func() time.Time { return genNow }, PublicTrustProxy: true})
	c := portalCase(t, h)
	ph := h.PublicHandler()
	for i := range ProgressClientWrong {
		progressGet(ph, "10.0.0.2", fmt.Sprintf("371002-2026-HC01-%06d", 500+i), "AAAA", "X-Forwarded-For", "1.2.3.4, 198.51.100.7")
	}
	if rec := progressGet(ph, "10.0.0.2", c.Number, casework.LookupCode(c), "X-Forwarded-For", "198.51.100.7"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("the guesser through the proxy: status %d, want 429", rec.Code)
	}
	if rec := progressGet(ph, "10.0.0.2", c.Number, casework.LookupCode(c), "X-Forwarded-For", "203.0.113.9"); rec.Code != http.StatusOK {
		t.Errorf("a veteran through the same proxy: status %d, want 200", rec.Code)
	}
}

// TestPublicSiteApart guards that the public listener serves no device
// API (config, enrol, pull, the department API) and the device listener
// no public page, and that the config tells desks the public URL.
func TestPublicSiteApart(t *testing.T) {
	h := newTestHub(t, Options{Now: func() time.Time { return genNow }, PublicURL: "https://banshi.example.cn"})
	for _, p := range []string{syncapi.PathConfig, syncapi.PathPull, syncapi.PathEnrol, syncapi.PathDeptTasks, "/verify"} {
		rec := httptest.NewRecorder()
		h.PublicHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("public site answers %s: %d", p, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	h.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, casework.ProgressPath, nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("device API serves the progress page: %d", rec.Code)
	}
	for _, p := range []string{"/", "/static/site.css"} {
		rec := httptest.NewRecorder()
		h.PublicHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d", p, rec.Code)
		}
	}
}

func TestScrubPersonal(t *testing.T) {
	for in, want := range map[string]string{
		"身份证 370102199003071234 不符": "身份证 370102********1234 不符",
		"电话13812345678":             "电话138****5678",
		"座机 0631-5212345":           "座机 063*****2345",
		"请补充退伍证":                    "请补充退伍证",
	} {
		if got := scrubPersonal(in); got != want {
			t.Errorf("scrubPersonal(%q) = %q, want %q", in, got, want)
		}
	}
}
