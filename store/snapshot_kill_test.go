package store

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

const adoptEnv = "VETDESK_STORE_ADOPT"

// TestHelperAdopt is the child of TestKillDuringAdoption: it adopts the
// snapshot named by its environment into the store named there.
func TestHelperAdopt(t *testing.T) {
	paths := os.Getenv(adoptEnv)
	if paths == "" {
		t.Skip("helper process for TestKillDuringAdoption")
	}
	var desk, snap string
	fmt.Sscanf(paths, "%s %s", &desk, &snap)
	db, err := Open(desk, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	fmt.Println("ready")
	if _, err := db.AdoptSnapshot(context.Background(), snap, nil, map[string]string{"sync.cursor": "42"}); err != nil {
		fmt.Fprintln(os.Stderr, "adopt:", err)
		os.Exit(2)
	}
	fmt.Println("done")
	select {}
}

// TestKillDuringAdoption kills a process adopting a snapshot at random
// moments: afterwards the store opens, passes the integrity check and is
// either the old one (no case, no cursor) or the new one (the snapshot's
// cases, its cursor), never a mix.
func TestKillDuringAdoption(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	ctx := context.Background()
	dir := t.TempDir()
	template := filepath.Join(dir, "template.db")
	if _, err := snapshotHub(t).WriteSnapshot(ctx, template, "371002"); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	took := 200 * time.Millisecond // replaced by the first uncut run
	outcomes := map[string]int{}
	for k := range 12 {
		desk := filepath.Join(dir, fmt.Sprintf("desk%d.db", k))
		snap := filepath.Join(dir, fmt.Sprintf("snap%d.db", k))
		d, err := Open(desk, Options{})
		if err != nil {
			t.Fatal(err)
		}
		d.SetSetting(ctx, "ui.theme", "dark")
		d.Close()
		if err := copyFile(template, snap); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperAdopt$", "-test.count=1")
		cmd.Env = append(os.Environ(), adoptEnv+"="+desk+" "+snap)
		cmd.Stderr = os.Stderr
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		lines.Scan() // ready
		start := time.Now()
		if k == 0 {
			lines.Scan() // done: measure one whole adoption
			took = time.Since(start)
		} else {
			time.Sleep(time.Duration(rng.Int64N(int64(took) * 3 / 2)))
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()

		d, err = Open(desk, Options{})
		if err != nil {
			t.Fatalf("kill %d: Open = %v", k, err)
		}
		if err := d.IntegrityCheck(ctx); err != nil {
			t.Errorf("kill %d: %v", k, err)
		}
		n, _ := d.CaseCount(ctx, "371002")
		cursor, _ := d.Setting(ctx, "sync.cursor")
		theme, _ := d.Setting(ctx, "ui.theme")
		switch {
		case n == 0 && cursor == "" && theme == "dark":
			outcomes["old"]++
		case n == 30 && cursor == "42" && theme == "dark":
			outcomes["new"]++
		default:
			t.Errorf("kill %d: store holds %d cases, cursor %q, theme %q: a mix", k, n, cursor, theme)
		}
		d.Close()
	}
	t.Logf("one adoption took %v; after the kills: %v", took, outcomes)
}
