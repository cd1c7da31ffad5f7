package syncclient_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
	"vetdesk/counter"
	"vetdesk/hub"
)

// TestBrowserJobsSignup drives Debian's chromium at phone size against a
// hub on loopback through 就业培训 (#13): a station imports its courses and
// jobs from Excel at the desk; the veteran opens the list from the home
// page, picks the course and signs up with the receipt's case number and
// look-up code; the desk syncs and the sign-up is on the case. Screenshots
// go to $VETDESK_SCREENSHOTS when it is set.
func TestBrowserJobsSignup(t *testing.T) {
	chromium := chromiumPath()
	if chromium == "" {
		t.Skip("chromium not installed (make installs it)")
	}
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	public := "https://" + ln.Addr().String()
	e := newEnv(t, hub.Options{PublicURL: public})
	pctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- e.hub.ServePublic(pctx, ln, e.srv.TLS.Certificates[0]) }()
	t.Cleanup(func() { cancel(); <-served })

	a := e.desk("鲸园", deskOpt{office: office, login: "clerkA"})
	c := e.newCase(a, casework.NewGenerator(e.cat, 41, genNow), "0193a000-0000-7000-8000-0000000000c1")
	a.sync(t)
	path := filepath.Join(t.TempDir(), "就业培训.xlsx")
	f := excelize.NewFile()
	for i, r := range [][]any{
		{"类别", "名称", "培训机构/用人单位", "地点", "时间", "报名截止日期", "咨询电话", "内容"},
		{"培训课程", "电工职业技能培训", "威海市职业培训学校", "环翠区青岛中路 88 号", "2099年1月每周六上午", "2099-01-05", "0631-5201234", "免费培训,考核合格发放职业技能等级证书。"},
		{"招聘信息", "物业安保主管", "威海某物业服务有限公司", "环翠区", "", "2099-02-28", "0631-5205678", "退役军人优先,月薪 6000 元起。"},
		{"培训课程", "叉车司机培训", "威海市技工学校", "文登区", "2099年2月", "", "", "学制 15 天,结业发证。"},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &r)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	js := &counter.JobService{Store: a.db, Hub: a.cl}
	if res, err := js.ImportPostings(ctx, a.actor, office, path); err != nil || res.Published != 3 {
		t.Fatalf("ImportPostings = %+v, %v", res, err)
	}
	shots := os.Getenv("VETDESK_SCREENSHOTS")

	actx, acancel := chromedp.NewExecAllocator(ctx, browserOptions(chromium)...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	bctx, tcancel := context.WithTimeout(bctx, 2*time.Minute)
	defer tcancel()
	run := func(what string, acts ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, acts...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(what string, sel chromedp.CSS) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return s
	}
	shot := func(name string) {
		t.Helper()
		if shots == "" {
			return
		}
		b, err := chromedp.Run(bctx, chromedp.FullScreenshot(70))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, "portal-"+name+".jpg"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run("viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	run("home", chromedp.Navigate(public+"/"), chromedp.WaitVisible(chromedp.CSS("header")),
		chromedp.Click(chromedp.CSS(`a[href="/jobs"]`)), chromedp.WaitVisible(chromedp.CSS(".posting")))
	if list := text("list", "main"); !strings.Contains(list, "电工职业技能培训") || !strings.Contains(list, "物业安保主管") || !strings.Contains(list, "叉车司机培训") {
		t.Fatalf("/jobs shows:\n%s", list)
	}
	shot("jobs")
	run("course", chromedp.Click(chromedp.CSS(`.posting a`)), chromedp.WaitVisible(chromedp.ID("n")))
	if !strings.Contains(text("posting", "main"), "0631-5201234") && !strings.Contains(text("posting", "main"), "0631-5205678") {
		t.Errorf("posting page shows no enquiry phone")
	}
	title := text("title", "h1")
	run("fill", chromedp.SetValue(chromedp.ID("n"), c.Number), chromedp.SetValue(chromedp.ID("c"), casework.LookupCode(c)),
		chromedp.SetValue(chromedp.ID("phone"), "13906311234"))
	shot("job")
	run("sign up", chromedp.Click(chromedp.CSS(`form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".signed")))
	if done := text("signed", ".signed"); !strings.Contains(done, "报名成功") {
		t.Errorf("after signing up the page says %q", done)
	}
	shot("job-signed")

	a.sync(t)
	ss, err := js.Signups(ctx, c.ID)
	if err != nil || len(ss) != 1 || ss[0].Title != title {
		t.Errorf("desk's sign-ups of the case = %+v, %v, want %q", ss, err, title)
	}
}
