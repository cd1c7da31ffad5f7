package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"vetdesk/casework"
	"vetdesk/syncapi"
)

// testPNG is a small real PNG scan.
func testPNG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 40, 30))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// applicant is a valid set of answers for an application: items, office,
// values, as a generated case has them.
type applicant struct {
	office string
	items  []string
	values map[string]string
	c      *casework.Case
}

func newApplicant(t testing.TB, seed uint64) applicant {
	cat := testCatalogue(t)
	c := reportedEarlier(cat, casework.NewGenerator(cat, seed, genNow).Draft(uuid.NewString(), office, true))
	c.Values[casework.FieldDivision] = office // the test hub's station desks are of office
	casework.Derive(c.Values)
	a := applicant{office: office, items: c.Items, values: map[string]string{}, c: c}
	form := casework.BuildForm(cat, c.Items, c.Values)
	for _, ff := range form.Fields() {
		if v := c.Values[ff.Field.Code]; v != "" && ff.Field.Type != casework.TypeDerived && ff.Field.Type != casework.TypePhoto {
			a.values[ff.Field.Code] = v
		}
	}
	return a
}

// firstMaterial is a material of the applicant's checklist.
func (a applicant) firstMaterial(t testing.TB) string {
	lines := casework.BuildChecklist(testCatalogue(t), a.items, a.c.Values).Lines
	if len(lines) == 0 {
		t.Fatal("empty checklist")
	}
	return lines[0].Material.Code
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// formSession opens the application form as a browser would and returns
// its CSRF cookie and token.
func formSession(t testing.TB, ph http.Handler, a applicant) (*http.Cookie, string) {
	t.Helper()
	q := "office=" + a.office
	for _, it := range a.items {
		q += "&items=" + it
	}
	rec := httptest.NewRecorder()
	ph.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/apply/form?"+q, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /apply/form: %d", rec.Code)
	}
	m := csrfRe.FindStringSubmatch(rec.Body.String())
	cookies := rec.Result().Cookies()
	if m == nil || len(cookies) == 0 {
		t.Fatalf("form has no CSRF token or cookie")
	}
	return cookies[0], m[1]
}

type scanPart struct {
	material, filename, ctype string
	data                      []byte
}

// postApplication posts the form: the token first (unless empty), then
// the applicant's values (with overrides), then scans.
func postApplication(t testing.TB, ph http.Handler, ck *http.Cookie, token string, a applicant, override map[string]string, scans ...scanPart) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if token != "" {
		mw.WriteField("csrf", token)
	}
	mw.WriteField("office", a.office)
	for _, it := range a.items {
		mw.WriteField("items", it)
	}
	for k, v := range a.values {
		if o, ok := override[k]; ok {
			v = o
		}
		mw.WriteField("f_"+k, v)
	}
	for _, s := range scans {
		hd := textproto.MIMEHeader{}
		hd.Set("Content-Disposition", fmt.Sprintf(`form-data; name="m_%s"; filename="%s"`, s.material, s.filename))
		hd.Set("Content-Type", s.ctype)
		w, _ := mw.CreatePart(hd)
		w.Write(s.data)
	}
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/apply/form", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.RemoteAddr = "203.0.113.20:40000"
	if ck != nil {
		r.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	ph.ServeHTTP(rec, r)
	return rec
}

var (
	appNumberRe = regexp.MustCompile(`id="app-number">([^<]+)<`)
	appCodeRe   = regexp.MustCompile(`id="app-code">([^<]+)<`)
)

func applicationCount(t testing.TB, h *Hub) int {
	var n int
	if err := h.meta.QueryRow(`SELECT count(*) FROM applications`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestApplyOnlineApproveAndShow guards 网上申请 end to end on the hub
// (#13): the form asks the items' unified form fields; a valid application
// with a scan gets a number and code; the scan is stored content-addressed
// and listed to the office's station desks (not a department's); 通过 with
// an appointment lists the checklist less the accepted scan, notifies the
// veteran, and the application page shows the appointment, the notice and
// neither the full ID nor phone.
func TestApplyOnlineApproveAndShow(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{Now: func() time.Time { return genNow }})
	ph := h.PublicHandler()
	a := newApplicant(t, 11)
	cat := testCatalogue(t)

	ck, tok := formSession(t, ph, a)
	rec := httptest.NewRecorder()
	ph.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/apply/form?office="+a.office+"&items="+strings.Join(a.items, "&items="), nil))
	// the fields asked before any answer (conditional ones follow once their condition holds)
	for _, ff := range casework.BuildForm(cat, a.items, map[string]string{casework.FieldDivision: a.office}).Fields() {
		if ff.Field.Type != casework.TypeDerived && ff.Field.Type != casework.TypePhoto && ff.Field.Code != casework.FieldDivision &&
			!strings.Contains(rec.Body.String(), `name="f_`+ff.Field.Code+`"`) {
			t.Errorf("form lacks field %s (%s)", ff.Field.Code, ff.Field.Label)
		}
	}

	mat := a.firstMaterial(t)
	scan := testPNG(t)
	rec = postApplication(t, ph, ck, tok, a, nil, scanPart{mat, "退伍证.png", "image/png", scan})
	num, code := appNumberRe.FindStringSubmatch(rec.Body.String()), appCodeRe.FindStringSubmatch(rec.Body.String())
	if rec.Code != http.StatusOK || num == nil || code == nil {
		t.Fatalf("submit: %d\n%s", rec.Code, rec.Body.String())
	}
	apps, err := h.Applications(ctx, a.office)
	if err != nil || len(apps) != 1 {
		t.Fatalf("Applications = %d, %v", len(apps), err)
	}
	app := apps[0]
	if app.Number != num[1] || len(app.Uploads) != 1 || app.Uploads[0].Type != "image/png" || app.Uploads[0].Material != mat {
		t.Fatalf("stored application %+v", app)
	}
	if rc, err := h.db.OpenAttachment(app.Uploads[0].Hash); err != nil {
		t.Errorf("scan not stored content-addressed: %v", err)
	} else {
		rc.Close()
	}

	// the office's station desk lists it; a department desk may not
	stationTok := enrolID(t, h, uuid.NewString(), "HC02", "")
	deptTok := enrolID(t, h, uuid.NewString(), "PS01", "police")
	for tokn, want := range map[string]int{stationTok: http.StatusOK, deptTok: http.StatusUnauthorized} {
		r := httptest.NewRequest(http.MethodGet, syncapi.PathApplications, nil)
		r.Header.Set("Authorization", "Bearer "+tokn)
		rec := httptest.NewRecorder()
		h.Handler().ServeHTTP(rec, r)
		if rec.Code != want && !(want != http.StatusOK && rec.Code == http.StatusForbidden) {
			t.Errorf("GET applications: %d, want %d", rec.Code, want)
		}
		if want == http.StatusOK && !strings.Contains(rec.Body.String(), app.Number) {
			t.Error("the station's list lacks the application")
		}
	}

	// 通过 through the device API
	dec, _ := json.Marshal(syncapi.ApplicationDecision{Action: "approve", Accepted: []string{mat},
		Appointment: &syncapi.Appointment{Date: "2026-12-03", Time: "09:30", Place: "环翠区退役军人服务中心 2 号窗口"}})
	r := httptest.NewRequest(http.MethodPost, syncapi.PathApplications+app.ID, bytes.NewReader(dec))
	r.Header.Set("Authorization", "Bearer "+stationTok)
	rec = httptest.NewRecorder()
	h.Handler().ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		t.Fatalf("approve: %d %s", rec.Code, rec.Body.String())
	}
	var got syncapi.Application
	json.Unmarshal(rec.Body.Bytes(), &got)
	checklist := casework.BuildChecklist(cat, app.Items, app.Values).Lines
	if got.State != syncapi.AppApproved || got.Appointment == nil || len(got.Appointment.Materials) != len(checklist)-1 {
		t.Fatalf("approved: %+v", got)
	}
	for _, m := range got.Appointment.Materials {
		if m == cat.Material(mat).Name {
			t.Errorf("the accepted scan's material %s is still to bring", m)
		}
	}

	r = httptest.NewRequest(http.MethodGet, applicationPath+"?n="+num[1]+"&c="+code[1], nil)
	rec = httptest.NewRecorder()
	ph.ServeHTTP(rec, r)
	page := rec.Body.String()
	for _, w := range []string{"审核通过", "2026-12-03 09:30", "2 号窗口", "请携带以下材料", checklist[len(checklist)-1].Material.Name, "已审核通过"} {
		if !strings.Contains(page, w) {
			t.Errorf("application page lacks %q", w)
		}
	}
	for _, f := range []string{casework.FieldIDNumber, casework.FieldPhone} {
		if strings.Contains(page, a.values[f]) {
			t.Errorf("application page shows the full %s", f)
		}
	}
	// a second 通过 is refused
	if _, err := h.DecideApplication(ctx, "t", a.office, app.ID, syncapi.ApplicationDecision{Action: "approve",
		Appointment: &syncapi.Appointment{Date: "x", Time: "y", Place: "z"}}); err == nil {
		t.Error("an approved application was approved again")
	}
	if _, err := h.DecideApplication(ctx, "t", "371003", app.ID, syncapi.ApplicationDecision{Action: "taken", CaseNumber: "N"}); err == nil {
		t.Error("another office decided the application")
	}
}

// TestApplyRefusals guards the form's security list: no CSRF token, a
// token of another browser, a scan that is not an image or PDF by content
// (whatever its name and declared type), a name with a path, a scan too
// large, a scan for a material the items do not need, an empty file
// (the veteran picked one: it is not taken as an empty input), a part
// without a file name whose bytes are no scan, and answers the
// desk would refuse (worded as the desk words them) are each refused and
// store nothing.
func TestApplyRefusals(t *testing.T) {
	h := newTestHub(t, Options{Now: func() time.Time { return genNow }})
	ph := h.PublicHandler()
	a := newApplicant(t, 12)
	ck, tok := formSession(t, ph, a)
	otherCk, _ := formSession(t, ph, a)
	mat := a.firstMaterial(t)
	png := testPNG(t)
	big := append(append([]byte{}, png...), make([]byte, MaxScanBytes)...)
	tests := []struct {
		name     string
		ck       *http.Cookie
		tok      string
		override map[string]string
		scans    []scanPart
		status   int
		want     string
	}{
		{"no token", ck, "", nil, nil, http.StatusForbidden, "页面已过期"},
		{"another browser's token", otherCk, tok, nil, nil, http.StatusForbidden, "页面已过期"},
		{"no cookie", nil, tok, nil, nil, http.StatusForbidden, "页面已过期"},
		{"text named .jpg", ck, tok, nil, []scanPart{{mat, "scan.jpg", "image/jpeg", []byte("#!/bin/sh\nrm -rf /\n")}}, http.StatusUnprocessableEntity, "文件类型不支持"},
		{"html as png", ck, tok, nil, []scanPart{{mat, "a.png", "image/png", []byte("<html><script>alert(1)</script></html>")}}, http.StatusUnprocessableEntity, "文件类型不支持"},
		{"path in the name", ck, tok, nil, []scanPart{{mat, "../../etc/passwd.png", "image/png", png}}, http.StatusUnprocessableEntity, "文件名不能包含路径"},
		{"windows path in the name", ck, tok, nil, []scanPart{{mat, `..\..\boot.png`, "image/png", png}}, http.StatusUnprocessableEntity, "文件名不能包含路径"},
		{"too large", ck, tok, nil, []scanPart{{mat, "big.png", "image/png", big}}, http.StatusUnprocessableEntity, "文件过大"},
		{"material not asked", ck, tok, nil, []scanPart{{"no_such_material", "a.png", "image/png", png}}, http.StatusUnprocessableEntity, "不在所选事项的材料清单中"},
		{"empty file picked", ck, tok, nil, []scanPart{{mat, "退伍证.png", "image/png", nil}}, http.StatusUnprocessableEntity, "文件为空"},
		{"unnamed text", ck, tok, nil, []scanPart{{mat, "", "application/octet-stream", []byte("not a scan")}}, http.StatusUnprocessableEntity, "文件类型不支持"},
		{"bad phone", ck, tok, map[string]string{casework.FieldPhone: "12345"}, nil, http.StatusUnprocessableEntity, "电话号码格式不正确"},
		{"bad ID number", ck, tok, map[string]string{casework.FieldIDNumber: "371002199001011234"}, nil, http.StatusUnprocessableEntity, "公民身份号码"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := postApplication(t, ph, tt.ck, tt.tok, a, tt.override, tt.scans...)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
				t.Errorf("status %d, want %d with %q:\n%s", rec.Code, tt.status, tt.want, rec.Body.String())
			}
			if n := applicationCount(t, h); n != 0 {
				t.Errorf("%d applications stored", n)
			}
		})
	}
	// the same answers, right, are taken; a file input left empty (no
	// name, no bytes: what a browser sends) is no upload, and a scan
	// without a file name is kept by its content
	if rec := postApplication(t, ph, ck, tok, a, nil, scanPart{mat, "ok.png", "image/png", png}, scanPart{mat, "", "application/octet-stream", nil}); rec.Code != http.StatusOK {
		t.Errorf("the valid application: %d", rec.Code)
	}
	if rec := postApplication(t, ph, ck, tok, a, nil, scanPart{mat, "", "application/octet-stream", png}); rec.Code != http.StatusOK {
		t.Errorf("the application with an unnamed scan: %d", rec.Code)
	}
	apps, err := h.Applications(context.Background(), a.office)
	if err != nil || len(apps) != 2 {
		t.Fatalf("Applications = %d, %v", len(apps), err)
	}
	for _, app := range apps {
		if len(app.Uploads) != 1 || app.Uploads[0].Material != mat || app.Uploads[0].Size != int64(len(png)) {
			t.Errorf("application %s has uploads %+v; want the one PNG", app.Number, app.Uploads)
		}
	}
}

// portalPost signs and posts body as a portal with key id and secret.
func portalPost(h *Hub, id, secret string, ts int64, nonce string, body []byte) *httptest.ResponseRecorder {
	tss := strconv.FormatInt(ts, 10)
	r := httptest.NewRequest(http.MethodPost, syncapi.PathPortalApplications, bytes.NewReader(body))
	r.Header.Set(syncapi.HeaderPortalKey, id)
	r.Header.Set(syncapi.HeaderTimestamp, tss)
	r.Header.Set(syncapi.HeaderPortalNonce, nonce)
	r.Header.Set(syncapi.HeaderSignature, syncapi.Sign([]byte(secret), syncapi.PortalSigned(tss, nonce, body)))
	rec := httptest.NewRecorder()
	h.PublicHandler().ServeHTTP(rec, r)
	return rec
}

// TestPortalAPI guards the inbound portal API: a signed, fresh, new
// request is taken like the web form's; the same request again (a
// replay), a changed body, an unknown key, a stale or future timestamp are
// refused; an application the desk would refuse gets the desk's messages.
func TestPortalAPI(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{Now: func() time.Time { return genNow }, PublicURL: "https://banshi.example.cn"})
	id, secret, err := h.CreatePortalKey(ctx, "爱山东")
	if err != nil {
		t.Fatal(err)
	}
	a := newApplicant(t, 13)
	body, _ := json.Marshal(syncapi.PortalApplication{Office: a.office, Items: a.items, Values: a.values,
		Uploads: []syncapi.PortalUpload{{Material: a.firstMaterial(t), Data: testPNG(t)}}})
	now := genNow.Unix()

	rec := portalPost(h, id, secret, now, "n-1", body)
	var rc syncapi.PortalReceipt
	json.Unmarshal(rec.Body.Bytes(), &rc)
	if rec.Code != http.StatusCreated || rc.Number == "" || rc.Code == "" || !strings.HasPrefix(rc.URL, "https://banshi.example.cn/application?") {
		t.Fatalf("signed post: %d %s", rec.Code, rec.Body.String())
	}
	tampered := bytes.Replace(body, []byte(a.office), []byte("371003"), 1)
	for name, rec := range map[string]*httptest.ResponseRecorder{
		"replay":          portalPost(h, id, secret, now, "n-1", body),
		"changed body":    {},
		"unknown key":     portalPost(h, "pk-nobody", secret, now, "n-3", body),
		"wrong secret":    portalPost(h, id, "guessed", now, "n-4", body),
		"stale timestamp": portalPost(h, id, secret, now-600, "n-5", body),
		"future":          portalPost(h, id, secret, now+600, "n-6", body),
		"no nonce":        portalPost(h, id, secret, now, "", body),
	} {
		if name == "changed body" {
			tss := strconv.FormatInt(now, 10)
			r := httptest.NewRequest(http.MethodPost, syncapi.PathPortalApplications, bytes.NewReader(tampered))
			r.Header.Set(syncapi.HeaderPortalKey, id)
			r.Header.Set(syncapi.HeaderTimestamp, tss)
			r.Header.Set(syncapi.HeaderPortalNonce, "n-2")
			r.Header.Set(syncapi.HeaderSignature, syncapi.Sign([]byte(secret), syncapi.PortalSigned(tss, "n-2", body)))
			rec = httptest.NewRecorder()
			h.PublicHandler().ServeHTTP(rec, r)
		}
		if rec.Code != http.StatusUnauthorized && rec.Code != http.StatusConflict {
			t.Errorf("%s: status %d, want 401 or 409", name, rec.Code)
		}
	}
	if n := applicationCount(t, h); n != 1 {
		t.Errorf("%d applications stored, want 1", n)
	}
	bad := map[string]string{}
	for k, v := range a.values {
		bad[k] = v
	}
	bad[casework.FieldPhone] = "12345"
	body2, _ := json.Marshal(syncapi.PortalApplication{Office: a.office, Items: a.items, Values: bad})
	rec = portalPost(h, id, secret, now, "n-7", body2)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "电话号码格式不正确") {
		t.Errorf("invalid application: %d %s", rec.Code, rec.Body.String())
	}
}

// TestNoPageShowsFullIDOrPhone guards the public site's promise: no page
// (home, the look-up forms, progress, the application form after a
// refusal, the application page, the rating page) carries a veteran's
// full ID number or phone number, whatever was typed or synced.
func TestNoPageShowsFullIDOrPhone(t *testing.T) {
	h := newTestHub(t, Options{Now: func() time.Time { return genNow }})
	ph := h.PublicHandler()
	c := portalCase(t, h)
	a := newApplicant(t, 14)
	ck, tok := formSession(t, ph, a)
	done := postApplication(t, ph, ck, tok, a, nil)
	num, code := appNumberRe.FindStringSubmatch(done.Body.String()), appCodeRe.FindStringSubmatch(done.Body.String())
	if num == nil {
		t.Fatalf("application not taken: %d", done.Code)
	}
	refused := postApplication(t, ph, ck, tok, a, map[string]string{casework.FieldPhone: "12345"})
	secrets := []string{c.Value(casework.FieldIDNumber), c.Value(casework.FieldPhone), a.values[casework.FieldIDNumber], a.values[casework.FieldPhone]}
	pages := map[string]string{"apply done": done.Body.String()}
	for _, path := range []string{"/", casework.ProgressPath, applicationPath, "/apply",
		casework.ProgressPath + "?n=" + c.Number + "&c=" + casework.LookupCode(c),
		applicationPath + "?n=" + num[1] + "&c=" + code[1],
		"/rate?n=" + c.Number + "&c=" + casework.LookupCode(c)} {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.RemoteAddr = "203.0.113.77:1"
		ph.ServeHTTP(rec, r)
		pages[path] = rec.Body.String()
	}
	for name, body := range pages {
		for _, s := range secrets {
			if s != "" && strings.Contains(body, s) {
				t.Errorf("%s shows %q", name, s)
			}
		}
	}
	// a refused form asks the ID and phone numbers again rather than show them
	for _, s := range secrets {
		if s != "" && strings.Contains(refused.Body.String(), s) {
			t.Errorf("the refused form shows %q", s)
		}
	}
	if !strings.Contains(refused.Body.String(), "电话号码格式不正确") {
		t.Error("the refused form lacks the reason")
	}
	if refused.Header().Get("Cache-Control") != "no-store" {
		t.Error("the refused form may be cached")
	}
}
