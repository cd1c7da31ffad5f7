package winetest

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"vetdesk/assets"
	"vetdesk/casework"
	"vetdesk/internal/keyring"
	"vetdesk/report"
	"vetdesk/store"
	"vetdesk/syncclient"
)

// wine is one Wine prefix with the two Windows programs built for it.
type wine struct {
	bin    string // wine64 loader
	prefix string // WINEPREFIX
	exes   string // folder of vetdesk.exe and vetdesk-hub.exe
}

// wineLoader finds Debian's 64-bit Wine loader.
func wineLoader() string {
	for _, p := range []string{"/usr/lib/wine/wine64", "/usr/lib64/wine/wine64"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, n := range []string{"wine64", "wine"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// setup builds the Windows programs and makes the Wine prefix, once for
// the whole test; it skips only when Wine or mingw-w64 is missing (make
// test installs both).
func setup(t *testing.T) *wine {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the Windows programs are not built and run under Wine")
	}
	bin := wineLoader()
	if bin == "" {
		t.Skip("wine64 is not installed (make test installs it): the Windows programs are not run under Wine")
	}
	if _, err := exec.LookPath("x86_64-w64-mingw32-gcc"); err != nil {
		t.Skip("mingw-w64 is not installed (make test installs it): the Windows programs cannot be built")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	w := &wine{bin: bin, prefix: filepath.Join(t.TempDir(), "prefix"), exes: t.TempDir()}

	start := time.Now()
	buildWindows(t, root, w.exes)
	t.Logf("vetdesk.exe and vetdesk-hub.exe (built or copied from $VETDESK_WINDOWS_EXES): %s", time.Since(start).Round(100*time.Millisecond))
	for _, exe := range []string{"vetdesk.exe", "vetdesk-hub.exe"} {
		if fi, err := os.Stat(filepath.Join(w.exes, exe)); err == nil {
			t.Logf("%s: %.1f MB", exe, float64(fi.Size())/(1<<20))
		}
	}

	start = time.Now()
	cmd := exec.Command(filepath.Join(root, "scripts", "wine", "prefix.sh"), w.prefix, t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/wine/prefix.sh = %v\n%s", err, out)
	}
	t.Cleanup(func() {
		k := exec.Command("wineserver", "-k")
		k.Env = w.env()
		_ = k.Run()
	})
	t.Logf("Wine prefix: %s", time.Since(start).Round(100*time.Millisecond))
	return w
}

// wineTags are the build tags of the programs the test runs. Wine 8 refuses
// the memory placeholders (VirtualAlloc2 with MEM_RESERVE_PLACEHOLDER, Windows
// 10 1803 and later) through which github.com/ncruces/go-sqlite3 maps the
// WAL's shared memory on Windows, so every store open fails under it with a
// disk I/O error. sqlite3_dotlk keeps the WAL index in the process's memory
// and locks with lock files instead; the rest of the programs is the same.
// The shipped build (make dist) has no tag.
const wineTags = "sqlite3_dotlk"

// buildWindows puts both programs into dir: the ones in the folder named
// by $VETDESK_WINDOWS_EXES when given (built with the wineTags), else a
// fresh build with scripts/build-windows.sh, the one command that knows the
// Windows build (a relink when Go's build cache is warm), with the
// wineTags.
func buildWindows(t *testing.T, root, dir string) {
	t.Helper()
	if built := os.Getenv("VETDESK_WINDOWS_EXES"); built != "" {
		for _, exe := range []string{"vetdesk.exe", "vetdesk-hub.exe"} {
			data, err := os.ReadFile(filepath.Join(built, exe))
			if err != nil {
				t.Fatalf("$VETDESK_WINDOWS_EXES: %v", err)
			}
			if err := os.WriteFile(filepath.Join(dir, exe), data, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	cmd := exec.Command(filepath.Join(root, "scripts", "build-windows.sh"), dir)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOFLAGS=-tags="+wineTags)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/build-windows.sh = %v\n%s", err, out)
	}
}

// deskPassword is the desks' admin password in these tests.
const deskPassword = "secret"

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func (w *wine) env() []string {
	return append(os.Environ(), "WINEPREFIX="+w.prefix, "WINEARCH=win64", "WINEDEBUG=-all",
		"WINEDLLOVERRIDES=mscoree,mshtml=", "LANG=C.UTF-8", "LC_ALL=", "DISPLAY=")
}

// winPath is the Windows path of a unix path inside the prefix's C: drive.
func (w *wine) winPath(unix string) string {
	rel, err := filepath.Rel(filepath.Join(w.prefix, "drive_c"), unix)
	if err != nil || strings.HasPrefix(rel, "..") {
		panic("not on C: " + unix)
	}
	return `C:\` + strings.ReplaceAll(rel, "/", `\`)
}

// unixPath is the unix path of a Windows path on the prefix's C: drive.
func (w *wine) unixPath(win string) string {
	win = strings.TrimSpace(win)
	if !strings.HasPrefix(strings.ToUpper(win), `C:\`) {
		return ""
	}
	return filepath.Join(w.prefix, "drive_c", filepath.FromSlash(strings.ReplaceAll(win[3:], `\`, "/")))
}

func (w *wine) command(ctx context.Context, exe string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, w.bin, append([]string{filepath.Join(w.exes, exe)}, args...)...)
	cmd.Env = w.env()
	if exe == "vetdesk.exe" {
		// the password of -as admin, which unlocks the encrypted store (and
		// makes admin the first administrator of a new data folder); the
		// hub's admin has the same one, so it still opens after a snapshot.
		// Only the desk gets it: the hub's user add would take it too.
		cmd.Env = append(cmd.Env, "VETDESK_PASSWORD="+deskPassword)
	}
	return cmd
}

// run runs exe under Wine to its end and returns what it printed on stdout.
func (w *wine) run(t *testing.T, stdin, exe string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := w.command(ctx, exe, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q = %v\nstdout: %s\nstderr: %s", exe, args, err, out.String(), errb.String())
	}
	return out.String()
}

// TestWindowsProgramsUnderWine: the Windows builds open their stores
// (no chmod of files SQLite holds open), in a data folder whose path has
// Chinese characters and a space, and do a clerk's and an admin's work:
// demo data, every document saved, a letter printed through the spooler
// to CUPS, a report, backup and restore, and the hub enrolling and syncing
// Linux desktops.
func TestWindowsProgramsUnderWine(t *testing.T) {
	w := setup(t)
	start := time.Now()
	t.Run("desktop", func(t *testing.T) { testDesktop(t, w) })
	t.Logf("desktop under Wine: %s", time.Since(start).Round(100*time.Millisecond))
	start = time.Now()
	t.Run("spooler", func(t *testing.T) { testSpooler(t, w) })
	t.Run("spooler list", func(t *testing.T) { testSpoolerList(t, w) })
	t.Logf("printing through the spooler under Wine: %s", time.Since(start).Round(100*time.Millisecond))
	start = time.Now()
	t.Run("default data folder", func(t *testing.T) { testDefaultDataFolder(t, w) })
	start = time.Now()
	t.Run("hub", func(t *testing.T) { testHub(t, w) })
	t.Logf("hub under Wine: %s", time.Since(start).Round(100*time.Millisecond))
}

// documents are the documents of casework, each with what a case needs
// to have it.
var documents = []struct{ doc, item string }{
	{casework.DocReceipt, ""},
	{casework.DocNotice, ""},
	{casework.DocRegForm, ""},
	{casework.DocHukouLetter, "hukou"},
	{casework.DocSubsidyForm, "subsidy"},
}

func testDesktop(t *testing.T, w *wine) {
	base := filepath.Join(w.prefix, "drive_c", "退役军人 服务站")
	data := filepath.Join(base, "柜台 一")
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dataW := w.winPath(data)

	out := w.run(t, "", "vetdesk.exe", "-data", dataW, "demo", "-as", "admin", "-n", "50")
	if !strings.Contains(out, "loaded 50 demo cases") {
		t.Fatalf("demo printed %q", out)
	}
	if !fileExists(filepath.Join(data, "vetdesk.db")) {
		t.Fatalf("no vetdesk.db in %s", data)
	}
	cases := windowsCases(t, w, data)
	if len(cases) != 50 {
		t.Fatalf("the store written under Wine has %d cases, want 50", len(cases))
	}

	for _, d := range documents {
		i := slices.IndexFunc(cases, func(c *casework.Case) bool {
			return c.State != casework.CaseDraft && c.Number != "" && (d.item == "" || c.HasItem(d.item))
		})
		if i < 0 {
			t.Errorf("%s: no demo case to print it for", d.doc)
			continue
		}
		c := cases[i]
		out := w.run(t, "", "vetdesk.exe", "-data", dataW, "print", "-as", "admin", "-save", d.doc, c.Number)
		pdf := w.unixPath(strings.TrimSpace(out))
		if pdf == "" || !strings.HasPrefix(pdf, filepath.Join(data, "documents")) {
			t.Errorf("print %s %s printed %q, want a PDF in %s", d.doc, c.Number, out, filepath.Join(dataW, "documents"))
			continue
		}
		text, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
		if err != nil {
			t.Errorf("pdftotext %s = %v", pdf, err)
			continue
		}
		if name := c.Values[casework.FieldName]; !strings.Contains(string(text), name) {
			t.Errorf("%s of %s: the PDF's text lacks the name %q:\n%s", d.doc, c.Number, name, text)
		}
	}

	reportW := w.winPath(filepath.Join(base, "报表 2026.xlsx"))
	out = w.run(t, "", "vetdesk.exe", "-data", dataW, "report", "-as", "admin", "-from", "2000-01-01", "-to", "2100-12-31", "-o", reportW)
	var accepted []string // the report counts the cases accepted in its period: all but the drafts
	for _, c := range cases {
		if c.State != casework.CaseDraft && !c.AcceptedAt.IsZero() {
			accepted = append(accepted, c.Number)
		}
	}
	if want := fmt.Sprintf(": %d cases,", len(accepted)); !strings.Contains(out, want) {
		t.Errorf("report printed %q, want %q", out, want)
	}
	detail := sheetText(t, w.unixPath(reportW), string(report.SheetDetail))
	for _, n := range accepted {
		if !strings.Contains(detail, n) {
			t.Errorf("the report's %s sheet lacks case %s", report.SheetDetail, n)
		}
	}

	backupW := w.winPath(filepath.Join(base, "备份 一", "vetdesk 备份.db"))
	if err := os.MkdirAll(filepath.Join(base, "备份 一"), 0o755); err != nil {
		t.Fatal(err)
	}
	out = w.run(t, "", "vetdesk.exe", "-data", dataW, "backup", "-as", "admin", backupW)
	if !strings.Contains(out, "backed up to") {
		t.Errorf("backup printed %q", out)
	}
	restored := filepath.Join(base, "柜台 二")
	w.run(t, "", "vetdesk.exe", "-data", w.winPath(restored), "restore", "-as", "admin", backupW)
	got := windowsCases(t, w, restored)
	if ids(got) != ids(cases) {
		t.Errorf("the restored store has %d cases, not the backed-up 50", len(got))
	}
	// the restored desk works: it prints from the restored data
	if out := w.run(t, "", "vetdesk.exe", "-data", w.winPath(restored), "print", "-as", "admin", "-save", casework.DocReceipt, cases[0].Number); w.unixPath(out) == "" {
		t.Errorf("print after restore printed %q", out)
	}
}

// testDefaultDataFolder: without -data the desk keeps its data in the
// user's %LOCALAPPDATA%\vetdesk, and in %ProgramData%\vetdesk once the
// installer has made that folder.
func testDefaultDataFolder(t *testing.T, w *wine) {
	w.run(t, "", "vetdesk.exe", "demo", "-as", "admin", "-n", "1")
	local, _ := filepath.Glob(filepath.Join(w.prefix, "drive_c", "users", "*", "AppData", "Local", "vetdesk", "vetdesk.db"))
	if len(local) != 1 {
		t.Errorf("without -data and without the installer's folder: %v, want %%LOCALAPPDATA%%\\vetdesk\\vetdesk.db", local)
	}
	shared := filepath.Join(w.prefix, "drive_c", "ProgramData", "vetdesk")
	if err := os.MkdirAll(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	w.run(t, "", "vetdesk.exe", "demo", "-as", "admin", "-n", "1")
	if !fileExists(filepath.Join(shared, "vetdesk.db")) {
		t.Errorf("without -data, with the installer's C:\\ProgramData\\vetdesk: no vetdesk.db there")
	}
}

// syncBuffer is a buffer a process writes to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// readCases reads every case of the store at path with the Linux build of
// the store package.
// windowsCases reads the cases of a Windows desk's data folder. Its store
// is encrypted and its key file sealed with DPAPI, which Linux cannot open,
// so the desk backs itself up: the key file's copy beside a backup is
// without DPAPI, and the admin's password opens it as it would on a
// replacement computer.
func windowsCases(t *testing.T, w *wine, data string) []*casework.Case {
	t.Helper()
	bak := filepath.Join(w.prefix, "drive_c", "read", fmt.Sprintf("%d.db", time.Now().UnixNano()))
	if err := os.MkdirAll(filepath.Dir(bak), 0o700); err != nil {
		t.Fatal(err)
	}
	if out := w.run(t, "", "vetdesk.exe", "-data", w.winPath(data), "backup", "-as", "admin", w.winPath(bak)); !strings.Contains(out, "backed up to") {
		t.Fatalf("backup to read the cases printed %q", out)
	}
	r, err := keyring.Import(bak+keyring.BackupSuffix, filepath.Join(t.TempDir(), keyring.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Unlock("admin", deskPassword); err != nil {
		t.Fatalf("the backup's key file: %v", err)
	}
	keys, err := r.DataKeys()
	if err != nil {
		t.Fatal(err)
	}
	return readCases(t, bak, keys[0])
}

func readCases(t *testing.T, path string, key []byte) []*casework.Case {
	t.Helper()
	st, err := store.Open(path, store.Options{Key: key})
	if err != nil {
		t.Fatalf("store.Open(%s) = %v", path, err)
	}
	defer st.Close()
	var cs []*casework.Case
	if err := st.EachCase(context.Background(), func(c *casework.Case) error { cs = append(cs, c); return nil }); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(cs, func(a, b *casework.Case) int { return strings.Compare(a.ID, b.ID) })
	return cs
}

func ids(cs []*casework.Case) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(c.ID + "\n")
	}
	return b.String()
}

// sheetText is every cell of the workbook's sheet, tab-separated.
func sheetText(t *testing.T, path, sheet string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("open the report %s: %v", path, err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatalf("the report's sheet %s: %v", sheet, err)
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, "\t") + "\n")
	}
	return b.String()
}

func testHub(t *testing.T, w *wine) {
	hubData := w.winPath(filepath.Join(w.prefix, "drive_c", "ProgramData", "退役 中心"))
	w.run(t, "secret\n", "vetdesk-hub.exe", "-data", hubData, "user", "add", "--login", "admin", "--name", "管理员", "--role", "admin")
	w.run(t, "pw\n", "vetdesk-hub.exe", "-data", hubData, "user", "add", "--login", "clerkA", "--name", "王芳", "--role", "clerk", "--office", "371002")
	codeRe := regexp.MustCompile(`code:\s+(\S+)`)
	fpRe := regexp.MustCompile(`fingerprint: (\S+)`)
	var codes []string
	var fp string
	for _, station := range []string{"环翠区 一号窗口", "环翠区 二号窗口", "环翠区 三号窗口"} {
		out := w.run(t, "", "vetdesk-hub.exe", "-data", hubData, "enrol", "--station", station, "--office", "371002")
		c, f := codeRe.FindStringSubmatch(out), fpRe.FindStringSubmatch(out)
		if c == nil || f == nil {
			t.Fatalf("enrol printed %q", out)
		}
		codes, fp = append(codes, c[1]), f[1]
	}

	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	// every office gets snapshots: the Windows desk below adopts one
	serve := w.command(ctx, "vetdesk-hub.exe", "-data", hubData, "serve", "-listen", "127.0.0.1:"+port, "-snapshot-min-cases", "1")
	var logs syncBuffer
	serve.Stdout, serve.Stderr = io.Discard, &logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { serve.Wait(); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	url := "https://127.0.0.1:" + port
	waitHealthy(t, url, done, &logs)

	cat, err := casework.LoadFrom(assets.CatalogueFS, assets.CityCatalogue, assets.AreaCodesFile)
	if err != nil {
		t.Fatal(err)
	}
	deskA := enrolDesk(t, url, fp, codes[0])
	deskB := enrolDesk(t, url, fp, codes[1])
	once(t, deskA) // users and catalogue from the hub
	ctxb := context.Background()
	u, err := deskA.Login(ctxb, "clerkA", "pw") // unlocks the clerk's signing key: the hub takes signed ops only
	if err != nil {
		t.Fatalf("desk A: clerkA, a user of the hub, does not log in: %v", err)
	}
	clerk := store.Actor{UserID: u.ID, Login: u.Login, Name: u.Name, Role: u.Role, Office: u.Office}
	g := casework.NewGenerator(cat, 1, time.Now())
	for i := range 5 {
		c := g.Draft(fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "371002", true)
		if _, err := deskA.AcceptCase(ctxb, clerk, cat, c); err != nil {
			t.Fatalf("desk A: accept a case: %v", err)
		}
	}
	if st := once(t, deskA); st.Outbox != 0 || st.SetAside != 0 {
		t.Errorf("desk A after sync: outbox %d, set aside %d; want everything taken by the hub\nhub log:\n%s", st.Outbox, st.SetAside, logs.String())
	}
	once(t, deskB)
	a, b := linuxCases(t, deskA), linuxCases(t, deskB)
	if len(a) != 5 || ids(a) != ids(b) {
		t.Errorf("desk B has %d cases after sync, desk A %d: want A's 5 through the hub under Wine", len(b), len(a))
	}

	// a Windows desk enrols with the Windows hub and takes the office's
	// cases as a snapshot, which swaps its store file
	deskC := filepath.Join(w.prefix, "drive_c", "退役军人 服务站", "柜台 三")
	out := w.run(t, "", "vetdesk.exe", "-data", w.winPath(deskC), "enrol", "-as", "admin", "-hub", url, "-fingerprint", fp, "-code", codes[2])
	if !strings.Contains(out, "enrolled: device") {
		t.Fatalf("vetdesk.exe enrol printed %q", out)
	}
	sync := w.command(ctx, "vetdesk.exe", "-data", w.winPath(deskC), "sync", "-as", "admin")
	var stdout, stderr bytes.Buffer
	sync.Stdout, sync.Stderr = &stdout, &stderr
	if err := sync.Run(); err != nil || !strings.Contains(stdout.String(), "online=true outbox=0 set-aside=0") {
		t.Errorf("vetdesk.exe sync = %v, printed %q\n%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "snapshot: ") {
		t.Errorf("vetdesk.exe sync did not take a snapshot: %s", stderr.String())
	}
	if c := windowsCases(t, w, deskC); ids(c) != ids(a) {
		t.Errorf("the Windows desk has %d cases after sync, want desk A's 5", len(c))
	}
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

func waitHealthy(t *testing.T, url string, done <-chan struct{}, logs *syncBuffer) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for i := 0; i < 600; i++ {
		select {
		case <-done:
			t.Fatalf("vetdesk-hub.exe serve stopped: %s", logs.String())
		default:
		}
		if resp, err := client.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("vetdesk-hub.exe serve did not answer /healthz within a minute: %s", logs.String())
}

func enrolDesk(t *testing.T, url, fp, code string) *store.DB {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "desk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := syncclient.Enrol(context.Background(), st, syncclient.EnrolOptions{HubURL: url, Fingerprint: fp, Code: code}); err != nil {
		t.Fatalf("enrol with the hub under Wine: %v", err)
	}
	return st
}

func once(t *testing.T, st *store.DB) syncclient.Status {
	t.Helper()
	c, err := syncclient.New(syncclient.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Once(context.Background()); err != nil {
		t.Fatalf("sync with the hub under Wine: %v", err)
	}
	return c.Status()
}

func linuxCases(t *testing.T, st *store.DB) []*casework.Case {
	var cs []*casework.Case
	if err := st.EachCase(context.Background(), func(c *casework.Case) error { cs = append(cs, c); return nil }); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(cs, func(a, b *casework.Case) int { return strings.Compare(a.ID, b.ID) })
	return cs
}

// TestWindowsOnlyCodeVets: the Windows-only files of the pure Go packages
// (the store's folder ACL and its tests, which need a real Windows since
// Wine keeps no ACLs; the ID card reader's DLL binding; the camera folder)
// compile and pass go vet for Windows.
func TestWindowsOnlyCodeVets(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: go vet for Windows is not run")
	}
	cmd := exec.Command("go", "vet", "./store/", "./hub/", "./printing/", "./fontset/", "./cmd/vetdesk-hub/", "./idreader/", "./scan/")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=windows go vet = %v\n%s", err, out)
	}
}
