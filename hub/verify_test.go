package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"vetdesk/casework"
	"vetdesk/internal/letterseal"
	"vetdesk/internal/opsig"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// certifyOverHTTP asks h to certify key for the device of tok, as a desk
// does at enrolment, and returns the answer's status and body.
func certifyOverHTTP(t *testing.T, h *Hub, tok string, key *opsig.Key) (int, syncapi.LetterKeyResponse) {
	t.Helper()
	body, _ := json.Marshal(syncapi.LetterKeyRequest{PublicKey: key.Public()})
	req := httptest.NewRequest(http.MethodPost, syncapi.PathLetterKey, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	h.Handler().ServeHTTP(rec, req)
	var resp syncapi.LetterKeyResponse
	json.Unmarshal(rec.Body.Bytes(), &resp)
	return rec.Code, resp
}

var verdictRe = regexp.MustCompile(`<h2 class="\w+">([^<]*)</h2>`)

func postVerify(h *Hub, code, id string) *httptest.ResponseRecorder {
	form := url.Values{"code": {code}, "id": {id}}
	req := httptest.NewRequest(http.MethodPost, "/verify", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.Handler().ServeHTTP(rec, req)
	return rec
}

// TestLetterKeyEndpoint guards the certification of desk keys: a station
// device gets its key certified under the hub's root key, for its own code
// and office; a department device and a request without a credential are
// refused; the root key comes from the hub's owner-only key file, is not
// the recovery key itself, and is the same after a restart.
func TestLetterKeyEndpoint(t *testing.T) {
	dir := t.TempDir()
	h, err := Open(dir, Options{Catalogue: testCatalogue(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	station := enrolID(t, h, uuid.NewString(), "HC01", "")
	dept := enrolID(t, h, uuid.NewString(), "PD01", "police")
	key, _ := opsig.NewKey()
	status, resp := certifyOverHTTP(t, h, station, key)
	if status != http.StatusOK {
		t.Fatalf("station: status %d", status)
	}
	c, err := letterseal.ParseCert(resp.Certificate)
	if err != nil || c.Check(h.root.PublicKey()) != nil || c.Desk != "HC01" || c.Office != office || c.Pub.String() != key.Public() ||
		resp.RootKey != h.RootPublicKey() {
		t.Errorf("certificate %+v (%v) under root %s", c, err, resp.RootKey)
	}
	if status, _ := certifyOverHTTP(t, h, dept, key); status != http.StatusForbidden {
		t.Errorf("department device: status %d, want 403", status)
	}
	if status, _ := certifyOverHTTP(t, h, "no-such-token", key); status != http.StatusUnauthorized {
		t.Errorf("no credential: status %d, want 401", status)
	}
	if fi, err := os.Stat(filepath.Join(dir, RecoveryKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	if h.RootPublicKey() == h.RecoveryPublic() {
		t.Error("the letter root key is the recovery key: signing and decryption share a key pair")
	}
	root := h.RootPublicKey()
	h.Close()
	h2, err := Open(dir, Options{Catalogue: testCatalogue(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	if h2.RootPublicKey() != root {
		t.Error("the root key changed across a restart")
	}
}

// TestVerifyPage guards the police stations' /verify page (#12): the form
// is served; a letter signed by a certified desk is 有效 (and the ID the
// bearer shows is checked against it); a changed letter, one under a key the
// hub never certified and an expired one are 无效 with their reason; a
// letter whose number the desk voided (the void reached the hub by sync)
// is 已作废; every check is audited.
func TestVerifyPage(t *testing.T) {
	ctx := context.Background()
	var shift time.Duration
	now := func() time.Time { return genNow.Add(shift) }
	h := newTestHub(t, Options{Now: now})
	d := clockDesk(t, h, "HC01", testUsers[1], func() time.Time { return genNow })
	oc, err := h.CreateEnrolCode(ctx, EnrolSpec{ForDevice: d.id}) // enrolled again: the test holds its token
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := h.enrol(ctx, oc, d.id, "HC01", "HC01")
	if err != nil {
		t.Fatal(err)
	}
	key, _ := opsig.NewKey()
	_, resp := certifyOverHTTP(t, h, tok, key)

	cat := testCatalogue(t)
	c := casework.NewGenerator(cat, 3, genNow).Draft(uuid.NewString(), office, true)
	if _, err := d.db.AcceptCase(ctx, d.actor, cat, c); err != nil {
		t.Fatal(err)
	}
	id := c.Value(casework.FieldIDNumber)
	seal := func(k *opsig.Key, cert []byte, number string) string {
		t.Helper()
		s, err := letterseal.Seal(k, cert, letterseal.Letter{Number: number, Case: c.Number, Name: c.Value(casework.FieldName),
			MaskedID: casework.MaskID(id), IDDigest: letterseal.IDDigest(id, number), Station: "鲸园派出所", Issued: genNow, ValidDays: 30})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	const n1, n2 = "威退役落字〔2026〕第HC01-0001号", "威退役落字〔2026〕第HC01-0002号"
	good, voided := seal(key, resp.Certificate, n1), seal(key, resp.Certificate, n2)
	rogueRoot, _ := opsig.NewKey()
	rogueCert, _ := letterseal.Certify(rogueRoot, "HC01", office, key.PublicKey(), genNow.AddDate(0, 0, -1), genNow.AddDate(1, 0, 0))
	uncertified := seal(key, rogueCert, n1)
	g, v := strings.Split(good, "."), strings.Split(voided, ".")
	tampered := strings.Join([]string{g[0], v[1], g[2], g[3]}, ".") // letter 2's payload under letter 1's signature

	for _, ev := range [][2]string{{store.EventLetter, n1}, {store.EventLetter, n2}, {store.EventLetterVoid, n2}} {
		if err := d.db.RecordEvent(ctx, d.actor, c.ID, ev[0], ev[1]); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range d.pushResp(t, h).Results {
		if r.Status != syncapi.Accepted {
			t.Fatalf("push: %+v", r)
		}
	}

	get := httptest.NewRecorder()
	h.Handler().ServeHTTP(get, httptest.NewRequest(http.MethodGet, "/verify", nil))
	if get.Code != http.StatusOK || !strings.Contains(get.Body.String(), "落户介绍信核验") || !strings.Contains(get.Body.String(), `name="code"`) {
		t.Fatalf("GET /verify: %d %s", get.Code, get.Body.String())
	}
	tests := []struct {
		name, code, id string
		later          time.Duration
		want           []string // the verdict first
	}{
		{"valid", good, "", 0, []string{"有效", c.Value(casework.FieldName), casework.MaskID(id), "2026-12-20"}},
		{"valid, ID matches", good, id, 0, []string{"有效", "与介绍信一致。"}},
		{"valid, another ID", good, "110101199003074514", 0, []string{"有效", "不一致"}},
		{"tampered", tampered, "", 0, []string{"无效", "内容与签名不符"}},
		{"key never certified", uncertified, "", 0, []string{"无效", "未经本中心认证"}},
		{"expired", good, "", 31 * 24 * time.Hour, []string{"无效", "已过有效期"}},
		{"voided number", voided, "", 0, []string{"已作废", n2}},
		{"not a letter", "VETDESK:" + c.Number + ":K7Q2", "", 0, []string{"无效", "无法识别"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shift = tt.later
			defer func() { shift = 0 }()
			rec := postVerify(h, tt.code, tt.id)
			body := rec.Body.String()
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
			if m := verdictRe.FindStringSubmatch(body); m == nil || m[1] != tt.want[0] {
				t.Errorf("verdict %q, want %q", m, tt.want[0])
			}
		})
	}
	log, err := h.db.AuditLog(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range log {
		if e.Action == "verify_letter" {
			n++
		}
	}
	if n != len(tests) {
		t.Errorf("audit has %d letter checks, want %d", n, len(tests))
	}
}

// TestVerifyPageRateLimited guards the limit of checks per client address:
// VerifyRate a minute are answered, the next is refused with 429 (the hub's
// clock stands still here).
func TestVerifyPageRateLimited(t *testing.T) {
	h := newTestHub(t, Options{Now: func() time.Time { return genNow }})
	for i := range VerifyRate {
		if rec := postVerify(h, "VDL1.X", ""); rec.Code != http.StatusOK {
			t.Fatalf("check %d: status %d", i+1, rec.Code)
		}
	}
	if rec := postVerify(h, "VDL1.X", ""); rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "过于频繁") {
		t.Errorf("check %d: status %d, want 429", VerifyRate+1, rec.Code)
	}
}
