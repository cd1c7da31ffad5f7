package main

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"vetdesk/counter"
)

// TestReportPasswordFromEnvironment guards `vetdesk report -password-env
// VAR`: the workbook is encrypted with the password held in VAR (never
// given on the command line), and an unset variable or a password too
// short is a usage error that writes nothing.
func TestReportPasswordFromEnvironment(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, err := testEnv(t)
	if err != nil {
		t.Fatal(err)
	}
	defer e.st.Close()
	if err := counter.Demo(ctx, e.st, e.cat, e.cliActor(ctx), 5, 3, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VETDESK_TEST_REPORT_PW", "password-of-2026")
	t.Setenv("VETDESK_TEST_SHORT_PW", "short")
	out := filepath.Join(dir, "r.xlsx")
	var u usageError
	for _, env := range []string{"VETDESK_TEST_UNSET_PW", "VETDESK_TEST_SHORT_PW"} {
		if err := cmdReport(ctx, e, []string{"-from", "2000-01-01", "-o", out, "-password-env", env}); !errors.As(err, &u) {
			t.Errorf("report -password-env %s = %v, want a usage error", env, err)
		}
	}
	if err := cmdReport(ctx, e, []string{"-from", "2000-01-01", "-o", out, "-password-env", "VETDESK_TEST_REPORT_PW"}); err != nil {
		t.Fatalf("report -password-env = %v", err)
	}
	if x, err := excelize.OpenFile(out); err == nil {
		x.Close()
		t.Error("the workbook opens without its password")
	}
	x, err := excelize.OpenFile(out, excelize.Options{Password: "password-of-2026"})
	if err != nil {
		t.Fatalf("OpenFile(password) = %v", err)
	}
	x.Close()
}
