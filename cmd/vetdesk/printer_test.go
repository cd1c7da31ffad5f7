package main

import (
	"context"
	"errors"
	"testing"

	"vetdesk/casework"
	"vetdesk/counter"
	"vetdesk/store"
)

// TestPrinterCommand guards `vetdesk printer`: an admin sets a document's
// queue and its offset as 设置 does; a bad offset or an unknown document
// is a usage error, and a clerk is refused.
func TestPrinterCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Setenv(PasswordEnv, "s3cret-pass")
	e, err := openEnvAs(ctx, dir, "", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.CreateUser(ctx, e.userActor(), store.User{Login: "clerk", Name: "李受理", Role: store.RoleClerk}, "s3cret-pass"); err != nil {
		t.Fatal(err)
	}
	clerk, err := e.st.Login(ctx, "clerk", "s3cret-pass") // the clerk's first login here gives them a key
	if err == nil {
		err = e.vault.AfterLogin(ctx, clerk, "s3cret-pass")
	}
	if err != nil {
		t.Fatal(err)
	}
	e.close()
	var u usageError
	for _, args := range [][]string{
		{"-as", "admin", "-offset", "31,0", casework.DocHukouLetter, "q1"},
		{"-as", "admin", "letter", "q1"},
	} {
		if err := runCommand(ctx, dir, "printer", args); !errors.As(err, &u) {
			t.Errorf("printer %q = %v, want a usage error", args, err)
		}
	}
	if err := runCommand(ctx, dir, "printer", []string{"-as", "clerk", casework.DocHukouLetter, "q1"}); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("printer as a clerk = %v, want ErrForbidden", err)
	}
	if err := runCommand(ctx, dir, "printer", []string{"-as", "admin", "-offset", "3,-2", casework.DocHukouLetter, "q1"}); err != nil {
		t.Fatal(err)
	}
	e, err = openEnvAs(ctx, dir, "", "admin")
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	q, _ := e.st.Setting(ctx, counter.PrinterSetting(casework.DocHukouLetter))
	off, _ := e.st.Setting(ctx, counter.OffsetSetting("q1"))
	if q != "q1" || off != "3,-2" {
		t.Fatalf("settings after printer: queue %q, offset %q", q, off)
	}
}
