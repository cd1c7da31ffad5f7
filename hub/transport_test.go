package hub

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"vetdesk/syncapi"
)

// TestServeSpeaksOnlyTLS guards the hub's side of the transport: Serve
// answers a plain http enrolment with a refusal without running it (the
// one-time code stays unused), and the same request over TLS enrols.
func TestServeSpeaksOnlyTLS(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{})
	cert, err := LoadOrCreateCert(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- h.Serve(sctx, ln, cert) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve = %v", err)
		}
	}()
	code, err := h.CreateEnrolCode(ctx, EnrolSpec{Station: "s1", Office: office})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(syncapi.EnrolRequest{Code: code, DeviceID: "0193f000-0000-7000-8000-00000000d001", Name: "desk"})
	post := func(hc *http.Client, scheme string) (int, string) {
		t.Helper()
		resp, err := hc.Post(scheme+"://"+ln.Addr().String()+syncapi.PathEnrol, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatalf("POST %s enrol = %v", scheme, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, b := post(http.DefaultClient, "http"); st != http.StatusBadRequest || !strings.Contains(b, "HTTPS") {
		t.Errorf("plain http enrol = %d %q, want 400 and a word of HTTPS", st, b)
	}
	tlsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // the hub's own certificate
	if st, b := post(tlsClient, "https"); st != http.StatusOK {
		t.Errorf("enrol over TLS with the code the plain request carried = %d %q, want 200", st, b)
	}
}
