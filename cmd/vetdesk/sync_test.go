package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"vetdesk/syncclient"
)

// TestEnrolRefusesPlainHTTP: `vetdesk enrol -hub http://…` is refused
// with ErrNotHTTPS before anything is sent, and saves nothing.
func TestEnrolRefusesPlainHTTP(t *testing.T) {
	ctx := context.Background()
	var reached atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	defer srv.Close()
	e, err := testEnv(t)
	if err != nil {
		t.Fatal(err)
	}
	defer e.st.Close()
	err = cmdEnrol(ctx, e, []string{"-hub", srv.URL, "-fingerprint", strings.Repeat("ab", 32), "-code", "ABCD-EFGH"})
	if !errors.Is(err, syncclient.ErrNotHTTPS) {
		t.Errorf("vetdesk enrol -hub %s = %v, want ErrNotHTTPS", srv.URL, err)
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the plain http hub got %d requests, want none", n)
	}
	if url, _ := e.st.Setting(ctx, syncclient.SettingHubURL); url != "" {
		t.Errorf("hub address saved after a refused enrolment: %q", url)
	}
}
