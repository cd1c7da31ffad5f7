package main

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"vetdesk/counter"
)

// TestFindCommandLine guards the arguments of `vetdesk find`: the words of
// the query and -n may come in any order, -n N prints N lines, and no
// query is a usage error.
func TestFindCommandLine(t *testing.T) {
	ctx := context.Background()
	e, err := testEnv(t)
	if err != nil {
		t.Fatal(err)
	}
	defer e.st.Close()
	if err := counter.Demo(ctx, e.st, e.cat, e.cliActor(ctx), 12, 7, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		t.Helper()
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		old := os.Stdout
		os.Stdout = w
		err = cmdFind(ctx, e, args)
		os.Stdout = old
		w.Close()
		out, _ := io.ReadAll(r)
		return string(out), err
	}
	for _, args := range [][]string{{"1", "-n", "2"}, {"-n", "2", "1"}} {
		out, err := run(args...)
		if lines := strings.Split(strings.TrimSpace(out), "\n"); err != nil || len(lines) != 2 {
			t.Errorf("vetdesk find %q = %q, %v; want 2 lines", args, out, err)
		}
	}
	var u usageError
	if _, err := run("-n", "3"); !errors.As(err, &u) {
		t.Errorf("vetdesk find -n 3 = %v, want a usage error", err)
	}
	log, err := e.st.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	finds := 0
	for _, a := range log {
		if a.Action == counter.ActionFind {
			finds++
			if a.UserID != e.user.ID || a.Login != e.user.Login {
				t.Errorf("find audited as %s (%s), want the user of -as %s", a.Login, a.UserID, e.user.Login)
			}
		}
	}
	if finds != 2 {
		t.Errorf("%d finds audited, want 2", finds)
	}
}
