package syncclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vetdesk/casework"
	"vetdesk/counter"
	"vetdesk/hub"
	"vetdesk/syncapi"
)

// chromiumPath is Debian's chromium, or "" when it is not installed.
func chromiumPath() string {
	for _, p := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return ""
}

// browserOptions start chromium headless at phone size, in Chinese,
// trusting the test hub's certificate, under a UTF-8 locale that always
// exists. Chromium converts file paths through the C library's locale:
// under a locale that is not generated (CI's LANG=zh_CN.UTF-8) the C
// library falls back to ASCII, and DOM.setFileInputFiles with the path of
// 退伍证.png leaves the file input empty without an error, so the form
// was sent without its scan (#13).
func browserOptions(chromium string) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.Flag("ignore-certificate-errors", true), chromedp.Flag("lang", "zh-CN"), chromedp.WindowSize(390, 844),
		chromedp.Env("LANG=C.UTF-8", "LC_ALL=C.UTF-8"))
}

// TestBrowserApplyApproveIntakeProgress drives Debian's chromium (through
// chromedp, headless, at phone size) against a hub on loopback along the
// veteran's whole path (#13): apply online with a scan; the desk approves
// with an appointment through its service layer (counter.AppService over
// syncclient); the application page shows the appointment; the desk
// starts the intake from the application (answers and the scan received),
// accepts it and tells the hub; the police desk completes 恢复户口 and
// syncs; the progress page (the receipt's QR address) shows it 已办结;
// the other departments finish, the 办结 notice shows, and the veteran
// rates 不满意 with a comment.
// Screenshots of every page go to $VETDESK_SCREENSHOTS when it is set
// (docs/screenshots by make screenshots).
func TestBrowserApplyApproveIntakeProgress(t *testing.T) {
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
	notifier := make(chan struct{})
	go func() { e.hub.RunNotices(pctx); close(notifier) }()
	t.Cleanup(func() { cancel(); <-notifier })

	a := e.desk("鲸园", deskOpt{office: office, login: "clerkA"})
	p := e.desk("公安", deskOpt{office: office, dept: "police", login: "police"})

	// what the veteran answers: a generated case's values for its form
	g := casework.NewGenerator(e.cat, 21, genNow)
	want := g.Draft("0193a000-0000-7000-8000-0000000000b1", office, true)
	var items []string
	for _, it := range want.Items {
		if it != "register" { // reported on an earlier visit
			items = append(items, it)
		}
	}
	want.Values[casework.FieldDivision] = office
	values := map[string]string{}
	for _, ff := range casework.BuildForm(e.cat, items, want.Values).Fields() {
		if v := want.Values[ff.Field.Code]; v != "" && ff.Field.Type != casework.TypeDerived && ff.Field.Type != casework.TypePhoto {
			values["f_"+ff.Field.Code] = v
		}
	}
	mat := casework.BuildChecklist(e.cat, items, want.Values).Lines[0].Material.Code
	dir := t.TempDir()
	scan := filepath.Join(dir, "退伍证.png")
	var scanPNG bytes.Buffer
	if err := png.Encode(&scanPNG, image.NewGray(image.Rect(0, 0, 300, 200))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(scan, scanPNG.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	scanSize := scanPNG.Len()
	shots := os.Getenv("VETDESK_SCREENSHOTS")

	actx, acancel := chromedp.NewExecAllocator(ctx, browserOptions(chromium)...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	bctx, tcancel := context.WithTimeout(bctx, 3*time.Minute)
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
	js := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](expr)); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
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
	run("home", chromedp.Navigate(public+"/"), chromedp.WaitVisible(chromedp.CSS("header")))
	shot("home")

	// 1. apply: office and items, then the form with the scan
	itemsJS, _ := json.Marshal(items)
	run("apply", chromedp.Navigate(public+"/apply"), chromedp.WaitVisible(chromedp.ID("office")),
		chromedp.SetValue(chromedp.ID("office"), office))
	js("items", fmt.Sprintf(`(() => { for (const cb of document.querySelectorAll('input[name=items]')) cb.checked = %s.includes(cb.value); return true })()`, itemsJS))
	shot("apply")
	run("next", chromedp.Click(chromedp.CSS(`button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`form[enctype] button[type=submit]`)))
	valuesJS, _ := json.Marshal(values)
	var title string
	for round := 0; round < 3; round++ { // fields asked once an answer makes them apply come on the next round
		js("fill", fmt.Sprintf(`(() => { const v = %s; for (const [k, x] of Object.entries(v)) { const el = document.getElementsByName(k)[0]; if (el) el.value = x; } return true })()`, valuesJS))
		run("scan", chromedp.SetUploadFiles(chromedp.ID("m_"+mat), []string{scan}))
		// the page holds the scan, whole, before the form is sent
		picked, err := chromedp.Run(bctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { const f = document.getElementById(%q).files; return f.length === 1 ? f[0].name + " " + f[0].size : String(f.length) })()`, "m_"+mat)))
		if want := fmt.Sprintf("%s %d", filepath.Base(scan), scanSize); err != nil || picked != want {
			t.Fatalf("the file input holds %q, %v; want %q", picked, err, want)
		}
		if round == 0 {
			shot("apply-form")
		}
		// The old page has a footer too: mark it, and wait for a page
		// without the mark, or the next round fills the page being left
		// (its scan then lost with it) and reads the old title.
		js("mark", `(() => { document.body.dataset.left = "1"; return true })()`)
		run("submit", chromedp.Click(chromedp.CSS(`form[enctype] button[type=submit]`)))
		for tries := 0; ; tries++ {
			// an evaluation may fail while the page is being replaced: try again
			v, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`!!(document.body && document.body.dataset.left === "1") || document.readyState !== "complete"`))
			if err == nil && !v {
				break
			}
			if tries == 600 {
				t.Fatalf("no answer page after the submit: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		run("answer", chromedp.WaitVisible(chromedp.CSS("footer")))
		title = text("title", "h1")
		if title == "申请已提交" {
			break
		}
	}
	if title != "申请已提交" {
		t.Fatalf("not taken after 3 rounds:\n%s", text("page", "main"))
	}
	number, code := text("number", "#app-number"), text("code", "#app-code")
	shot("apply-done")

	// 2. the desk approves through its service layer
	svc := &counter.AppService{Store: a.db, Cat: e.cat, Hub: a.cl, Now: time.Now}
	inbox, err := svc.Inbox(ctx)
	if err != nil || len(inbox) != 1 || inbox[0].Number != number || len(inbox[0].Uploads) != 1 {
		t.Fatalf("inbox = %+v, %v", inbox, err)
	}
	sent, _ := os.ReadFile(scan)
	if got, err := svc.Scan(ctx, inbox[0].Uploads[0].Hash); err != nil || !bytes.Equal(got, sent) {
		t.Fatalf("the desk's view of the scan: %d bytes, %v; want the %d bytes uploaded", len(got), err, len(sent))
	}
	app, err := svc.Approve(ctx, inbox[0].ID, syncapi.Appointment{Date: "2026-12-03", Time: "09:30", Place: "环翠区退役军人服务中心 2 号窗口"}, []string{mat})
	if err != nil {
		t.Fatal(err)
	}

	// 3. the application page shows the appointment
	run("application", chromedp.Navigate(public+"/application?n="+number+"&c="+code), chromedp.WaitVisible(chromedp.CSS("footer")))
	body := text("application", "main")
	for _, w := range []string{"2026-12-03 09:30", "2 号窗口", "请携带以下材料", "已审核通过"} {
		if !strings.Contains(body, w) {
			t.Errorf("application page lacks %q:\n%s", w, body)
		}
	}
	shot("application")

	// 4. intake from the application, accepted, the hub told
	c, err := svc.StartIntake(ctx, a.actor, app, "0193a000-0000-7000-8000-0000000000b2")
	if err != nil {
		t.Fatal(err)
	}
	if m := c.Materials[mat]; m == nil || m.Status != casework.MaterialCopy || len(m.Attachments) != 1 || m.Note != counter.OriginalToCheck {
		t.Fatalf("the uploaded material in the intake: %+v", m)
	}
	// what the veteran did not answer online the clerk asks at the counter
	for k, v := range want.Values {
		if c.Values[k] == "" {
			c.Values[k] = v
		}
	}
	if _, err := a.db.AcceptCase(ctx, a.actor, e.cat, c); err != nil {
		t.Fatalf("accept the intake: %v", err)
	}
	// the desk tells the hub once the intake is accepted (its accept hook
	// calls ReportTaken), without the inbox being opened again
	if n, err := svc.ReportTaken(ctx); err != nil || n != 1 {
		t.Fatalf("ReportTaken after the intake was accepted = %d, %v; want 1", n, err)
	}
	if held, err := e.hub.Applications(ctx, office); err != nil || len(held) != 1 || held[0].State != syncapi.AppTaken || held[0].CaseNumber != c.Number {
		t.Fatalf("the hub holds %+v, %v; want the application taken as %s", held, err, c.Number)
	}
	if n, err := svc.ReportTaken(ctx); err != nil || n != 0 {
		t.Fatalf("ReportTaken again = %d, %v; want nothing left to report", n, err)
	}
	if inbox, err = svc.Inbox(ctx); err != nil || inbox[0].State != syncapi.AppTaken || inbox[0].CaseNumber != c.Number {
		t.Fatalf("after the intake was accepted the inbox has %+v, %v", inbox, err)
	}
	a.sync(t)

	// 5. the police complete 恢复户口; the progress page shows it
	p.sync(t)
	p.update(t, c.ID, func(c *casework.Case) error {
		return c.CompleteTask(e.cat, "hukou", map[string]string{"hukou_date": "2026-12-04"}, time.Now().UTC())
	})
	p.sync(t)
	run("progress", chromedp.Navigate(casework.ProgressURL(public, c.Number, casework.LookupCode(c))), chromedp.WaitVisible(chromedp.CSS("footer")))
	body = text("progress", "main")
	hukou := e.cat.Item("hukou").Name
	if i := strings.Index(body, hukou); i < 0 || !strings.Contains(body[i:min(len(body), i+200)], "已办结") {
		t.Errorf("progress page does not show %s 已办结:\n%s", hukou, body)
	}
	for _, v := range []string{want.Values[casework.FieldIDNumber], want.Values[casework.FieldPhone]} {
		if strings.Contains(body, v) {
			t.Errorf("progress page shows %q", v)
		}
	}
	shot("progress")

	// 6. the other departments finish (through the department API), the
	// case is 办结, the notice shows on the page, and the veteran rates
	for round := 0; round < 10; round++ {
		hc, err := e.hub.Replica().Case(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if hc.State == casework.CaseDone {
			break
		}
		for _, tk := range hc.Tasks {
			if tk.State == casework.TaskPending || tk.State == casework.TaskWorking {
				if _, err := e.hub.DeptAction(ctx, tk.Department, c.ID, tk.Item, syncapi.ActionComplete, syncapi.DeptAction{}); err != nil {
					t.Fatalf("complete %s: %v", tk.Item, err)
				}
			}
		}
	}
	progressURL := casework.ProgressURL(public, c.Number, casework.LookupCode(c))
	for i := 0; i < 100; i++ { // the notifier works in the background: poll, at most ~10 s
		run("progress again", chromedp.Navigate(progressURL), chromedp.WaitVisible(chromedp.CSS("footer")))
		if body = text("progress", "main"); strings.Contains(body, "已全部办结") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(body, "已全部办结") {
		t.Fatalf("the 办结 notice is not on the progress page:\n%s", body)
	}
	run("to rating", chromedp.Click(chromedp.CSS(".rate a")), chromedp.WaitVisible(chromedp.CSS(`input[name=level]`)),
		chromedp.Click(chromedp.CSS(`input[name=level][value="2"]`)),
		chromedp.SetValue(chromedp.ID("comment"), "等候时间太长"))
	shot("rate")
	run("rate", chromedp.Click(chromedp.CSS(`form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".rated")))
	if body = text("rated", "main"); !strings.Contains(body, "不满意") || !strings.Contains(body, e.cat.Division(office).Name) {
		t.Errorf("rating page after rating:\n%s", body)
	}
	shot("rated")
	run("application taken", chromedp.Navigate(public+"/application?n="+number+"&c="+code), chromedp.WaitVisible(chromedp.CSS("footer")))
	body = text("application", "main")
	if !strings.Contains(body, "已到场受理") || !strings.Contains(body, c.Number) {
		t.Errorf("application page does not show the intake:\n%s", body)
	}
}
