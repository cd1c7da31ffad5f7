package syncclient_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/counter"
	"vetdesk/hub"
	"vetdesk/printing"
	"vetdesk/syncclient"
)

// TestReceiptQRIsProgressPage guards the receipt's promise (#13): a desk
// learns its hub's public URL at enrolment; the receipt it prints has a QR
// code that, drawn by pdftoppm at 300 dpi and read back by zbarimg, is the
// progress page's address with the case number and look-up code; fetched
// from the running hub's public listener, that page shows the case's items
// and their states, including the 补正 a department asked for since.
func TestReceiptQRIsProgressPage(t *testing.T) {
	for _, tool := range []string{"pdftoppm", "zbarimg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	public := "https://" + ln.Addr().String() + "/"
	e := newEnv(t, hub.Options{PublicURL: strings.TrimSuffix(public, "/")})
	served := make(chan error, 1)
	go func() { served <- e.hub.ServePublic(ctx, ln, e.srv.TLS.Certificates[0]) }()
	t.Cleanup(func() { cancel(); <-served })

	a := e.desk("鲸园", deskOpt{office: office, login: "clerkA"})
	if got, _ := a.db.Setting(ctx, syncclient.SettingPublicURL); got != strings.TrimSuffix(public, "/") {
		t.Fatalf("after enrolment the desk holds public URL %q, want %q", got, public)
	}
	c := e.newCase(a, casework.NewGenerator(e.cat, 7, genNow), "0193a000-0000-7000-8000-000000000013")
	a.sync(t)
	p := e.desk("公安", deskOpt{office: office, dept: "police", login: "police"})
	p.sync(t)
	p.update(t, c.ID, func(c *casework.Case) error {
		return c.ReturnTask(e.cat, "hukou", "缺少户口簿首页复印件", time.Now().UTC())
	})
	p.sync(t)

	pr, err := printing.New(printing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if d := os.Getenv("VETDESK_PDF_OUT"); d != "" {
		dir = d
	}
	pp := &counter.Printing{Store: a.db, Cat: e.cat, Printer: pr, Dir: filepath.Join(dir, "docs"), Now: time.Now}
	pdf, err := pp.PrintDocument(ctx, a.actor, casework.DocReceipt, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "300", "-gray", "-png", pdf, filepath.Join(dir, "receipt")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "receipt-*.png"))
	var url string
	for _, pg := range pages { // the QR code is on the receipt's last page
		if out, err := exec.Command("zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", pg).Output(); err == nil {
			url = strings.TrimSpace(string(out))
		}
	}
	if url == "" {
		t.Fatalf("zbarimg found no QR code on the receipt's %d pages", len(pages))
	}
	if want := casework.ProgressURL(public, c.Number, casework.LookupCode(c)); url != want {
		t.Fatalf("the receipt's QR code reads %q, want %q", url, want)
	}

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d\n%s", url, resp.StatusCode, page)
	}
	for _, tk := range c.Tasks {
		if !strings.Contains(page, e.cat.Item(tk.Item).Name) {
			t.Errorf("page lacks item %s", e.cat.Item(tk.Item).Name)
		}
	}
	for _, w := range []string{c.Number, "退回补正", "缺少户口簿首页复印件", "待办"} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if id := c.Value(casework.FieldIDNumber); strings.Contains(page, id) {
		t.Error("page shows the full ID number")
	}
}
