package counter

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"vetdesk/internal/keyring"
	"vetdesk/store"
)

const vaultRestoreEnv = "VETDESK_VAULT_RESTORE"

// TestHelperVaultRestore is the child of TestKillDuringVaultRestore: it
// restores the backup named by its environment into the data folder named
// there, as `vetdesk restore -as admin` does.
func TestHelperVaultRestore(t *testing.T) {
	env := os.Getenv(vaultRestoreEnv)
	if env == "" {
		t.Skip("helper process for TestKillDuringVaultRestore")
	}
	dir, backup, _ := strings.Cut(env, "\n")
	fmt.Println("ready")
	v := NewVault(dir, store.Options{})
	if _, err := v.Restore(context.Background(), backup, "admin", "admin-pass-1"); err != nil {
		fmt.Fprintln(os.Stderr, "restore:", err)
		os.Exit(2)
	}
	fmt.Println("done")
	for {
		time.Sleep(time.Hour)
	}
}

func copyTo(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	out.Close()
}

// TestKillDuringVaultRestore kills `restore` at random moments. The
// backup's data key is not the live store's (the live one was rotated
// after the backup), so a store swapped in without its key file (or the
// other way round) would not open. After every kill the next start
// (Unlock with the admin's password, the same in both) opens a whole
// store: the live one, or the restored one, marked restored.
func TestKillDuringVaultRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	ctx := context.Background()
	template, v, db, actor := unlockedAdmin(t)
	if err := db.SetSetting(ctx, "ui.theme", "backup"); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "b.db")
	if _, err := v.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if err := v.Rotate(ctx, actor); err != nil {
		t.Fatal(err)
	}
	if err := db.SetSetting(ctx, "ui.theme", "live"); err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 33))
	took := 300 * time.Millisecond // replaced by the first uncut run
	outcomes := map[string]int{}
	for k := range 12 {
		dir := filepath.Join(t.TempDir(), "data")
		os.MkdirAll(dir, 0o700)
		copyTo(t, filepath.Join(template, StoreFile), filepath.Join(dir, StoreFile))
		copyTo(t, keyring.Path(template), keyring.Path(dir))
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperVaultRestore$", "-test.count=1")
		cmd.Env = append(os.Environ(), vaultRestoreEnv+"="+dir+"\n"+backup)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		if !lines.Scan() || lines.Text() != "ready" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child did not start: %q", lines.Text())
		}
		start := time.Now()
		done := make(chan bool, 1)
		go func() { done <- lines.Scan() && lines.Text() == "done" }()
		cut := true
		if k == 0 {
			if !<-done {
				t.Fatal("the uncut restore failed")
			}
			took, cut = time.Since(start), false
		} else {
			select {
			// the unwrap (Argon2id) takes most of it; the swap is at the end
			case <-time.After(time.Duration(int64(took)/2 + rng.Int64N(int64(took)*3/4))):
			case <-done:
				cut = false
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()

		nv := NewVault(dir, store.Options{})
		got, err := nv.Unlock(ctx, "admin", "admin-pass-1")
		if err != nil {
			t.Fatalf("kill %d: the next start does not open: %v", k, err)
		}
		if err := got.IntegrityCheck(ctx); err != nil {
			t.Errorf("kill %d: %v", k, err)
		}
		theme, _ := got.Setting(ctx, "ui.theme")
		restored, _ := got.Setting(ctx, store.SettingRestored)
		nv.Close()
		if theme == "" || (theme == "backup") != (restored != "") {
			t.Fatalf("kill %d: theme %q, restored %q: a mix", k, theme, restored)
		}
		left, _ := filepath.Glob(filepath.Join(dir, "*restore*"))
		if len(left) != 0 {
			t.Errorf("kill %d: left behind: %v", k, left)
		}
		if cut {
			outcomes[theme]++
		}
	}
	t.Logf("one restore took %v; after the cuts: %v", took, outcomes)
}
