package main

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"vetdesk/casework"
	"vetdesk/internal/letterseal"
	"vetdesk/internal/opsig"
	"vetdesk/store"
	"vetdesk/syncclient"
)

// TestVerifyCommandLine guards `vetdesk verify` (#12): with the hub's root
// key the desk kept at enrolment, a certified letter is valid and exits 0;
// one under another root is refused with its reason and a non-zero exit;
// a desk that never received the root key says so.
func TestVerifyCommandLine(t *testing.T) {
	ctx := context.Background()
	e, err := testEnv(t)
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
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

// TestVoidLetterAsUserReachesHub guards that a void made on the command
// line can reach the hub's /verify (#12): print and void-letter -as log
// the user in with the password of VETDESK_PASSWORD (which unlocks the
// store), so the letter events are theirs and signed (the hub sets aside
// ops of the command line's own actor).
func TestVoidLetterAsUserReachesHub(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Setenv(PasswordEnv, "s3cret-pass")
	e, err := openEnvAs(ctx, dir, "", "admin") // a new folder: admin is its first administrator
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetDevice(ctx, store.Device{Code: "HC01", Office: "371002"}); err != nil {
		t.Fatal(err)
	}
	c := casework.NewGenerator(e.cat, 1, time.Now()).Draft(uuid.NewString(), "371002", true)
	if _, err := e.st.AcceptCase(ctx, e.cliActor(ctx), e.cat, c); err != nil {
		t.Fatal(err)
	}
	e.close()
	if err := runCommand(ctx, dir, "print", []string{"-save", "-as", "admin", casework.DocHukouLetter, c.Number}); err != nil {
		t.Fatalf("print -as admin = %v", err)
	}
	if err := runCommand(ctx, dir, "void-letter", []string{"-as", "admin", c.Number, "填写错误"}); err != nil {
		t.Fatalf("void-letter -as admin = %v", err)
	}
	e, err = openEnvAs(ctx, dir, "", "admin")
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	u := e.user
	pub, _, _ := e.st.UserKey(ctx, u.ID)
	k, _ := opsig.ParsePublic(pub)
	ops, _ := e.st.Outbox(ctx, 1000)
	var got []string
	for _, op := range ops {
		if op.Entity != store.EntityEvent || !strings.HasPrefix(op.Fields["action"], "letter") {
			continue
		}
		if op.User != u.ID || !k.Verify(opsig.Op{ID: op.ID, Device: op.Device, User: op.User, Wall: op.HLC.Wall, Logical: op.HLC.Logical,
			Entity: op.Entity, EntityID: op.EntityID, CaseID: op.CaseID, Fields: op.Fields}, op.Sig) {
			t.Errorf("%s event by %s: not signed by the admin's key", op.Fields["action"], op.User)
		}
		got = append(got, op.Fields["action"])
	}
	if strings.Join(got, ",") != store.EventLetter+","+store.EventLetterVoid {
		t.Errorf("letter events in the outbox: %v, want issue then void", got)
	}
}
