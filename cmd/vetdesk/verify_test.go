package main

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"vetdesk/internal/letterseal"
	"vetdesk/internal/opsig"
	"vetdesk/syncclient"
)

// TestVerifyCommandLine guards `vetdesk verify` (#12): with the hub's root
// key the desk kept at enrolment, a certified letter is valid and exits 0;
// one under another root is refused with its reason and a non-zero exit;
// a desk that never received the root key says so.
func TestVerifyCommandLine(t *testing.T) {
	ctx := context.Background()
	e, err := openEnv(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer e.st.Close()
	run := func(args ...string) (string, error) {
		t.Helper()
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		old := os.Stdout
		os.Stdout = w
		err = cmdVerify(ctx, e, args)
		os.Stdout = old
		w.Close()
		out, _ := io.ReadAll(r)
		return string(out), err
	}
	root, _ := opsig.NewKey()
	other, _ := opsig.NewKey()
	desk, _ := opsig.NewKey()
	now := time.Now()
	seal := func(root *opsig.Key) string {
		cert, _ := letterseal.Certify(root, "HC01", "371002", desk.PublicKey(), now.AddDate(0, 0, -1), now.AddDate(1, 0, 0))
		s, err := letterseal.Seal(desk, cert, letterseal.Letter{Number: "威退役落字〔2026〕第HC01-0001号", Case: "371002-2026-HC01-000001",
			Name: "王海", MaskedID: "371002********2113", Station: "鲸园派出所", Issued: now, ValidDays: 30})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good, rogue := seal(root), seal(other)
	if _, err := run(good); !errors.Is(err, syncclient.ErrNoLetterKey) {
		t.Errorf("verify without the root key = %v, want ErrNoLetterKey", err)
	}
	if err := e.st.SetSetting(ctx, syncclient.SettingHubRootKey, root.PublicKey().String()); err != nil {
		t.Fatal(err)
	}
	if out, err := run(good); err != nil || !strings.HasPrefix(out, "valid\n") {
		t.Errorf("verify(good) = %q, %v", out, err)
	}
	if out, err := run(rogue); err == nil || !strings.HasPrefix(out, "invalid: signed with a key the hub never certified") {
		t.Errorf("verify(another root's letter) = %q, %v", out, err)
	}
}
