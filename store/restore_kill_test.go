package store

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const restoreEnv = "VETDESK_STORE_RESTORE"

// The pair a restore swaps: the store and a companion that says which key
// opens it (the key file, in the vault).
const pairName = "pair"

// TestHelperRestore is the child of TestKillDuringRestore: it writes the
// companion of the backup beside the store (as the vault stages the key
// file) and restores the backup with it, saying "swap" just before the
// journal is written and "done" after.
func TestHelperRestore(t *testing.T) {
	env := os.Getenv(restoreEnv)
	if env == "" {
		t.Skip("helper process for TestKillDuringRestore")
	}
	var dbPath, backup, hexKey string
	fmt.Sscanf(env, "%s %s %s", &dbPath, &backup, &hexKey)
	var key []byte
	fmt.Sscanf(hexKey, "%x", &key)
	fmt.Println("ready")
	staged := filepath.Join(filepath.Dir(dbPath), pairName+".staged")
	if err := os.WriteFile(staged, []byte("new "+hexKey), 0o600); err != nil || syncFile(staged) != nil {
		fmt.Fprintln(os.Stderr, "stage:", err)
		os.Exit(2)
	}
	beforeRestoreCommit = func() { fmt.Println("swap") }
	if err := Restore(backup, dbPath, key, Companion{From: staged, To: filepath.Join(filepath.Dir(dbPath), pairName)}); err != nil {
		fmt.Fprintln(os.Stderr, "restore:", err)
		os.Exit(2)
	}
	fmt.Println("done")
	for {
		time.Sleep(time.Hour)
	}
}

// TestKillDuringRestore kills a process restoring a backup at random
// moments (half of them within a few milliseconds of the journal, where
// the renames are): afterwards, once FinishRestore ran (as the vault runs
// it at every start), the companion names the key of the store in place,
// and the store opens with it, whole: the old pair (its own setting, not
// restored) or the new pair (the backup's setting, marked restored),
// never the new store with the old companion or the other way round.
func TestKillDuringRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	ctx := context.Background()
	dir := t.TempDir()
	oldKey, newKey := testKey(t), testKey(t)
	template := filepath.Join(dir, "template.db")
	writePlainStore(t, template, 100)
	backup := filepath.Join(dir, "backup.db")
	b, err := Open(template, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.SetSetting(ctx, "ui.theme", "new")
	b.Close()
	if err := copyFile(template, backup); err != nil {
		t.Fatal(err)
	}
	if err := Seal(backup, newKey); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 21))
	took := 300 * time.Millisecond // replaced by the first uncut run
	outcomes := map[string]int{}
	for k := range 14 {
		sub := filepath.Join(dir, fmt.Sprint(k))
		os.MkdirAll(sub, 0o700)
		dbPath := filepath.Join(sub, "vetdesk.db")
		if err := copyFile(template, dbPath); err != nil {
			t.Fatal(err)
		}
		o, err := Open(dbPath, Options{Key: oldKey})
		if err != nil {
			t.Fatal(err)
		}
		o.SetSetting(ctx, "ui.theme", "old")
		o.Close()
		os.WriteFile(filepath.Join(sub, pairName), fmt.Appendf(nil, "old %x", oldKey), 0o600)

		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRestore$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %s %x", restoreEnv, dbPath, backup, newKey))
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
		done, swap := make(chan bool, 1), make(chan bool, 1)
		go func() {
			for lines.Scan() {
				if strings.TrimSpace(lines.Text()) == "swap" {
					swap <- true
					continue
				}
				done <- strings.TrimSpace(lines.Text()) == "done"
				return
			}
			done <- false
		}()
		cut := true
		switch {
		case k == 0:
			if !<-done {
				t.Fatal("the uncut restore failed")
			}
			took, cut = time.Since(start), false
		case k%2 == 1:
			select {
			case <-swap:
				select {
				case <-time.After(time.Duration(rng.Int64N(int64(3 * time.Millisecond)))):
				case <-done:
					cut = false
				}
			case <-done:
				cut = false
			}
		default:
			select {
			case <-time.After(time.Duration(rng.Int64N(int64(took) * 5 / 4))):
			case <-done:
				cut = false
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()

		if err := FinishRestore(dbPath); err != nil {
			t.Fatalf("kill %d: FinishRestore = %v", k, err)
		}
		os.Remove(filepath.Join(sub, pairName+".staged")) // the caller's leftover copy
		raw, err := os.ReadFile(filepath.Join(sub, pairName))
		if err != nil {
			t.Fatalf("kill %d: the companion: %v", k, err)
		}
		side, hexKey, _ := strings.Cut(string(raw), " ")
		var key []byte
		fmt.Sscanf(hexKey, "%x", &key)
		db, err := Open(dbPath, Options{Key: key})
		if err != nil {
			t.Fatalf("kill %d: the %s companion's key does not open the store: %v", k, side, err)
		}
		if err := db.IntegrityCheck(ctx); err != nil {
			t.Errorf("kill %d: %v", k, err)
		}
		theme, _ := db.Setting(ctx, "ui.theme")
		restored, _ := db.Setting(ctx, SettingRestored)
		n, _ := db.CaseCount(ctx, "371002")
		db.Close()
		if theme != side || (side == "new") != (restored != "") || n == 0 {
			t.Fatalf("kill %d: companion %s, store theme %q, restored %q, %d cases: a mix", k, side, theme, restored, n)
		}
		left, _ := filepath.Glob(filepath.Join(sub, "*restore*"))
		if len(left) != 0 {
			t.Errorf("kill %d: left behind: %v", k, left)
		}
		if cut {
			outcomes[side]++
		}
	}
	t.Logf("one restore took %v; after the cuts: %v", took, outcomes)
}
