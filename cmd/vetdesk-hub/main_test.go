package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"vetdesk/hub"
	"vetdesk/internal/letterseal"
	"vetdesk/internal/opsig"
)

// TestBuildWithoutCgo: the hub builds as a pure Go binary, and the version
// that make dist stamps with -ldflags -X is what `vetdesk-hub -version` says.
func TestBuildWithoutCgo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	out := filepath.Join(t.TempDir(), "vetdesk-hub")
	const stamp = "v9.8.7-3-gabcdef0-dirty"
	cmd := exec.Command("go", "build", "-ldflags", "-X vetdesk/internal/version.Version="+stamp, "-o", out, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build = %v\n%s", err, b)
	}
	got, err := exec.Command(out, "-version").Output()
	if err != nil {
		t.Fatalf("vetdesk-hub -version = %v", err)
	}
	if want := "vetdesk-hub " + stamp + "\n"; string(got) != want {
		t.Errorf("vetdesk-hub -version = %q, want %q", got, want)
	}
}

func TestCommands(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	fpRe := regexp.MustCompile(`fingerprint: ([0-9A-F]{2}(:[0-9A-F]{2}){31})`)
	codeRe := regexp.MustCompile(`code:\s+([0-9A-Z]{4}(-[0-9A-Z]{4}){3})`)
	tests := []struct {
		name    string
		args    []string
		stdin   string
		want    *regexp.Regexp
		wantErr bool
	}{
		{"enrol station", []string{"-data", data, "enrol", "--station", "环翠区服务中心", "--office", "371002"}, "", codeRe, false},
		{"enrol department", []string{"-data", data, "enrol", "--station", "鲸园派出所", "--office", "371002", "--department", "police"}, "", fpRe, false},
		{"reenrol unknown device", []string{"-data", data, "enrol", "--reenrol", "no-such-device"}, "", nil, true},
		{"enrol unknown department", []string{"-data", data, "enrol", "--station", "x", "--office", "371002", "--department", "nope"}, "", nil, true},
		{"first user must be admin", []string{"-data", data, "user", "add", "--login", "c1", "--role", "clerk", "--office", "371002"}, "pw\n", nil, true},
		{"admin", []string{"-data", data, "user", "add", "--login", "admin", "--name", "管理员", "--role", "admin"}, "secret\n", regexp.MustCompile(`user admin \(admin\) added`), false},
		{"clerk", []string{"-data", data, "user", "add", "--login", "c1", "--role", "clerk", "--office", "371002"}, "pw\n", regexp.MustCompile(`user c1`), false},
		{"move clerk", []string{"-data", data, "user", "set", "--login", "c1", "--office", "371003"}, "",
			regexp.MustCompile(`user c1 \(clerk\) office "371003" department "": enabled`), false},
		{"disable clerk", []string{"-data", data, "user", "disable", "--login", "c1"}, "", regexp.MustCompile(`user c1 .*: disabled`), false},
		{"disable unknown", []string{"-data", data, "user", "disable", "--login", "nobody"}, "", nil, true},
		{"dept key with webhook", []string{"-data", data, "dept-key", "--department", "police", "--webhook", "https://police.example/hook"}, "",
			regexp.MustCompile(`api key:\s+vdk_\S+\nkey id:\s+[0-9a-f]{12}\nwebhook secret: \S+`), false},
		{"dept key list", []string{"-data", data, "dept-key", "list"}, "",
			regexp.MustCompile(`ID\s+DEPARTMENT\s+CREATED\s+STATE\s+WEBHOOKS\n[0-9a-f]{12}\s+police\s+\S+ \S+\s+active\s+https://police.example/hook\n`), false},
		{"revoke unknown key id", []string{"-data", data, "revoke", "--dept-key-id", "000000000000"}, "", nil, true},
		{"devices", []string{"-data", data, "devices"}, "", regexp.MustCompile(`^CODE\s+KIND\s+OFFICE\s+STATION\s+DEPARTMENT\s+LAST CONTACT\s+STATE\s+ID\n$`), false}, // codes made, none traded yet
		{"repair clock, nothing ahead", []string{"-data", data, "repair-clock"}, "", regexp.MustCompile(`no op is stamped ahead of the hub's clock`), false},
		{"audit alerts, none", []string{"-data", data, "audit", "alerts"}, "", regexp.MustCompile(`^AT\s+OFFICE\s+STATION\s+DEVICE\s+SEQ\s+REASON\n$`), false},
		{"audit list, none", []string{"-data", data, "audit", "list", "-office", "371002", "-from", "2026-12-01"}, "", regexp.MustCompile(`^AT\s+OFFICE\s+STATION\s+SEQ\s+LOGIN\s+ACTION\s+TARGET\s+OK\s+DETAIL\n$`), false},
		{"audit over, none", []string{"-data", data, "audit", "over", "-threshold", "reveal=1"}, "", regexp.MustCompile(`^DAY\s+OFFICE\s+LOGIN\s+ACTION\s+COUNT\s+THRESHOLD\n$`), false},
		{"audit bad threshold", []string{"-data", data, "audit", "over", "-threshold", "reveal"}, "", nil, true},
		{"audit export", []string{"-data", data, "audit", "list", "-export", filepath.Join(data, "audit.xlsx")}, "", regexp.MustCompile(`^0 entries written to `), false},
		{"audit reset unknown", []string{"-data", data, "audit", "reset", "-device", "nope"}, "", regexp.MustCompile(`^0 entries of nope set aside`), false},
		{"audit hub", []string{"-data", data, "audit", "hub"}, "", regexp.MustCompile(`audit.reset\s+nope[\s\S]*entries, chain verified\n$`), false},
		{"audit bad day", []string{"-data", data, "audit", "list", "-from", "1.12."}, "", nil, true},
		{"no command", []string{"-data", data}, "", nil, true},
	}
	var fps []string
	for _, tt := range tests {
		var out, errb bytes.Buffer
		err := run(ctx, tt.args, strings.NewReader(tt.stdin), &out, &errb)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: run(%q) = %v, want error %v (stderr %s)", tt.name, tt.args, err, tt.wantErr, errb.String())
			continue
		}
		if tt.want != nil && !tt.want.MatchString(out.String()) {
			t.Errorf("%s: run(%q) printed %q, want match %s", tt.name, tt.args, out.String(), tt.want)
		}
		if m := fpRe.FindStringSubmatch(out.String()); m != nil {
			fps = append(fps, m[1])
		}
	}
	if len(fps) != 2 || fps[0] != fps[1] {
		t.Errorf("fingerprints printed = %q, want the same certificate twice", fps)
	}
	for _, f := range []string{"hub-cert.pem", "hub-key.pem", "hub.db", "replica.db"} {
		if _, err := os.Stat(filepath.Join(data, f)); err != nil {
			t.Errorf("data folder lacks %s: %v", f, err)
		}
	}
}

// syncBuf is a goroutine-safe buffer for the server's log.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestServeHealthAndShutdown: serve answers /healthz over its own TLS
// certificate and shuts down cleanly when its context ends (as on SIGTERM).
func TestServeHealthAndShutdown(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuf{}
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"-data", data, "serve", "-listen", "127.0.0.1:0"}, strings.NewReader(""), io.Discard, logs)
	}()
	addrRe := regexp.MustCompile(`"addr":"([^"]+)"`)
	var addr string
	for i := 0; i < 500 && addr == ""; i++ {
		if m := addrRe.FindStringSubmatch(logs.String()); m != nil {
			addr = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if addr == "" {
		t.Fatalf("serve did not log its address: %s", logs.String())
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz = %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "ok" {
		t.Errorf("GET /healthz = %d %q, want 200 ok", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("serve after shutdown = %v, want nil", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("logs lack the stop record: %s", logs.String())
	}
}

// TestVerifyCommand guards `vetdesk-hub verify` (#12): -root prints the
// root public key a letter is checked against; a letter signed under a key
// the hub's root key certified is valid (exit status 0), with what it says
// and the ID check; a changed one is invalid with its reason and a non-zero
// exit status.
func TestVerifyCommand(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	var out bytes.Buffer
	if err := run(ctx, []string{"-data", data, "verify", "-root"}, strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	key, err := hubKey(&common{data: data}) // the key file the first run made
	if err != nil {
		t.Fatal(err)
	}
	root, err := hub.LetterRootKey(data, key)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != root.PublicKey().String() {
		t.Fatalf("verify -root printed %q, want %s", got, root.PublicKey())
	}
	desk, _ := opsig.NewKey()
	now := time.Now()
	cert, _ := letterseal.Certify(root, "HC01", "371002", desk.PublicKey(), now.AddDate(0, 0, -1), now.AddDate(1, 0, 0))
	const id, number = "371002199001012113", "威退役落字〔2026〕第HC01-0001号"
	text, err := letterseal.Seal(desk, cert, letterseal.Letter{Number: number, Case: "371002-2026-HC01-000001", Name: "王海",
		MaskedID: "371002********2113", IDDigest: letterseal.IDDigest(id, number), Station: "鲸园派出所", Issued: now, ValidDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"-data", data, "verify", "-id", id, "-"}, strings.NewReader(text+"\n"), &out, io.Discard); err != nil {
		t.Fatalf("verify(good letter) = %v\n%s", err, out.String())
	}
	if s := out.String(); !strings.HasPrefix(s, "valid\n") || !strings.Contains(s, number) || !strings.Contains(s, "matches") {
		t.Errorf("verify(good letter) printed:\n%s", s)
	}
	parts := strings.Split(text, ".")
	parts[2] = parts[2][:10] + strings.Map(func(r rune) rune { // another signature
		if r == 'A' {
			return 'B'
		}
		return 'A'
	}, parts[2][10:11]) + parts[2][11:]
	out.Reset()
	err = run(ctx, []string{"-data", data, "verify", strings.Join(parts, ".")}, strings.NewReader(""), &out, io.Discard)
	if err == nil || !strings.HasPrefix(out.String(), "invalid: signature does not match") {
		t.Errorf("verify(changed signature) = %v, printed:\n%s", err, out.String())
	}
}

// TestFirstUserRefusalExplains guards the message of `user add` for a first
// user who is not an admin: it says what is allowed, not only "forbidden".
func TestFirstUserRefusalExplains(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"-data", t.TempDir(), "user", "add", "--login", "c1", "--role", "clerk"}, strings.NewReader("pw\n"), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "the first user must be an admin") || !strings.Contains(err.Error(), "--role admin") {
		t.Errorf("user add of a first clerk = %v, want an error saying the first user must be an admin (--role admin)", err)
	}
}

// TestServePublicSite guards `serve -public-listen -public-url`
// (#13): the public site answers on its own listener with the certificate
// of -public-cert, and neither listener answers the other's paths.
func TestServePublicSite(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	certPEM, keyPEM, err := hub.SelfSigned([]string{"banshi.example.cn"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "site.crt"), filepath.Join(dir, "site.key")
	os.WriteFile(certFile, certPEM, 0o600)
	os.WriteFile(keyFile, keyPEM, 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuf{}
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"-data", data, "serve", "-listen", "127.0.0.1:0", "-public-listen", "127.0.0.1:0",
			"-public-url", "https://banshi.example.cn", "-public-cert", certFile, "-public-key", keyFile}, strings.NewReader(""), io.Discard, logs)
	}()
	pubRe := regexp.MustCompile(`"msg":"public site listening","addr":"([^"]+)"`)
	apiRe := regexp.MustCompile(`"msg":"hub listening","addr":"([^"]+)"`)
	var pub, api string
	for i := 0; i < 500 && (pub == "" || api == ""); i++ {
		if m := pubRe.FindStringSubmatch(logs.String()); m != nil {
			pub = m[1]
		}
		if m := apiRe.FindStringSubmatch(logs.String()); m != nil {
			api = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if pub == "" || api == "" {
		t.Fatalf("serve did not log both addresses: %s", logs.String())
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	get := func(url string) (int, string, *tls.ConnectionState) {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatalf("GET %s = %v", url, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.TLS
	}
	code, body, st := get("https://" + pub + "/progress")
	if code != 200 || !strings.Contains(body, "办理进度查询") {
		t.Errorf("public /progress = %d %q", code, body)
	}
	block, _ := pem.Decode(certPEM)
	if !bytes.Equal(st.PeerCertificates[0].Raw, block.Bytes) {
		t.Error("the public site does not present -public-cert")
	}
	if code, _, _ := get("https://" + pub + "/healthz"); code != 404 {
		t.Errorf("public /healthz = %d, want 404", code)
	}
	if code, _, _ := get("https://" + api + "/progress"); code != 404 {
		t.Errorf("device API /progress = %d, want 404", code)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("serve after shutdown = %v, want nil", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// TestServePublicFlagsChecked guards the refusal of a half-configured
// public site before anything listens.
func TestServePublicFlagsChecked(t *testing.T) {
	for _, tt := range []struct {
		listen, url, cert, key string
		ok                     bool
	}{
		{"", "", "", "", true},
		{":8444", "https://banshi.example.cn/vet", "", "", true},
		{":8444", "https://banshi.example.cn", "a.crt", "a.key", true},
		{":8444", "", "", "", false},
		{"", "https://banshi.example.cn", "", "", false},
		{":8444", "http://banshi.example.cn", "", "", false},
		{":8444", "banshi.example.cn", "", "", false},
		{":8444", "https://banshi.example.cn/?x=1", "", "", false},
		{":8444", "https://banshi.example.cn", "a.crt", "", false},
	} {
		if err := checkPublic(tt.listen, tt.url, tt.cert, tt.key); (err == nil) != tt.ok {
			t.Errorf("checkPublic(%q, %q, %q, %q) = %v, want ok %v", tt.listen, tt.url, tt.cert, tt.key, err, tt.ok)
		}
	}
}

// TestPortalKeyCommand guards `vetdesk-hub portal-key`: it prints a key id
// and secret once, and refuses to run without a name.
func TestPortalKeyCommand(t *testing.T) {
	data := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-data", data, "portal-key", "--name", "爱山东"}, strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`key id: pk-\S+\nsecret: [A-Z2-7]{52}\n`).MatchString(out.String()) {
		t.Errorf("output %q", out.String())
	}
	if err := run(context.Background(), []string{"-data", data, "portal-key"}, strings.NewReader(""), io.Discard, io.Discard); err == nil {
		t.Error("portal-key without --name ran")
	}
}
