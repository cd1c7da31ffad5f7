package keyring

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const holdEnv = "VETDESK_KEYRING_HOLD"

// TestHelperHold is the child of TestSecondProcessIsRefusedWhileTheLockIsHeld:
// it opens the key file named by its environment, unlocks it, holds its
// lock (as a rotation does), says "held" and waits to be killed.
func TestHelperHold(t *testing.T) {
	path := os.Getenv(holdEnv)
	if path == "" {
		t.Skip("helper process for TestSecondProcessIsRefusedWhileTheLockIsHeld")
	}
	r, err := Open(path)
	if err == nil {
		err = r.Unlock("admin", "admin-pass-1")
	}
	if err == nil {
		_, err = r.Hold()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hold:", err)
		os.Exit(2)
	}
	fmt.Println("held")
	for { // not select {}: with nothing else running, the runtime would end it as a deadlock
		time.Sleep(time.Hour)
	}
}

// TestSecondProcessIsRefusedWhileTheLockIsHeld runs a second process that
// holds the key file's lock: every change here is refused with ErrBusy and
// its message, and the key file is left as it was. Once that process is
// killed (the OS drops its lock: a crash leaves no stale lock), the same
// change goes through.
func TestSecondProcessIsRefusedWhileTheLockIsHeld(t *testing.T) {
	defer func(w time.Duration) { lockWait = w }(lockWait)
	lockWait = 200 * time.Millisecond // four refusals ahead
	r, path := newRing(t)
	before, _ := os.ReadFile(path)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHold$", "-test.count=1")
	cmd.Env = append(os.Environ(), holdEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	kill := func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
			killed = true
		}
	}
	defer kill()
	if sc := bufio.NewScanner(out); !sc.Scan() || sc.Text() != "held" {
		t.Fatalf("the helper did not take the lock: %q", sc.Text())
	}

	changes := []struct {
		name string
		do   func() error
	}{
		{"SetUser", func() error { return r.SetUser("clerk1", "clerk-pass-1") }},
		{"Rotate", func() error { _, err := r.Rotate(); return err }},
		{"Unlock (counting a failure)", func() error {
			err := reopen(t, path).Unlock("admin", "wrong-pass")
			if !errors.Is(err, ErrBadPassword) {
				t.Errorf("a wrong password under a held lock = %v, want ErrBadPassword too", err)
			}
			return err
		}},
		{"Hold", func() error { _, err := r.Hold(); return err }},
	}
	for _, c := range changes {
		err := c.do()
		if !errors.Is(err, ErrBusy) {
			t.Errorf("%s while another process holds the lock = %v, want ErrBusy", c.name, err)
		} else if !strings.Contains(err.Error(), "another vetdesk is changing the keys; try again") {
			t.Errorf("%s: message %q", c.name, err)
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("refused changes changed the key file")
	}

	kill()
	if err := r.SetUser("clerk1", "clerk-pass-1"); err != nil {
		t.Fatalf("SetUser after the holder died = %v", err)
	}
	if err := reopen(t, path).Unlock("clerk1", "clerk-pass-1"); err != nil {
		t.Errorf("the wrap made after the holder died does not open: %v", err)
	}
}

// TestTwoRingsKeepEachOthersWraps is the lost update the lock prevents: two
// rings of the same key file, opened before either wrote (the window and a
// command line), each add a wrap, and one rotates; every change is in the
// file afterwards.
func TestTwoRingsKeepEachOthersWraps(t *testing.T) {
	_, path := newRing(t)
	window, cli := reopen(t, path), reopen(t, path)
	for _, r := range []*Ring{window, cli} {
		if err := r.Unlock("admin", "admin-pass-1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := cli.SetUser("clerk1", "clerk-pass-1"); err != nil {
		t.Fatal(err)
	}
	next, err := cli.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if err := window.SetUser("clerk2", "clerk-pass-2"); err != nil {
		t.Fatal(err)
	}
	r := reopen(t, path)
	if got := strings.Join(r.Users(), ","); got != "admin,clerk1,clerk2" {
		t.Errorf("users after two writers = %s, want admin,clerk1,clerk2", got)
	}
	if err := r.Unlock("clerk1", "clerk-pass-1"); err != nil {
		t.Fatal(err)
	}
	if keys, err := r.DataKeys(); err != nil || len(keys) != 2 || !bytes.Equal(keys[1], next) {
		t.Errorf("the other ring's rotation was lost: %d keys, %v", len(keys), err)
	}
	if err := window.Committed(next); err != nil {
		t.Errorf("the window commits the rotation it did not start: %v", err)
	}

	// a key file of another store written meanwhile is not changed
	other, err := Create(t.TempDir()+"/"+FileName, "admin", "admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Export(path); err != nil {
		t.Fatal(err)
	}
	if err := window.SetUser("clerk3", "clerk-pass-3"); !errors.Is(err, ErrNotMaster) {
		t.Errorf("SetUser over another store's key file = %v, want ErrNotMaster", err)
	}
}
