package store

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
)

const killEnv = "VETDESK_STORE_KILL_DB"

func digest(t testing.TB, c interface{}) string {
	sum := sha256.Sum256([]byte(fmt.Sprint(c)))
	return hex.EncodeToString(sum[:8])
}

// TestHelperProcess is the child of TestKillNeverLosesSaves: it writes
// cases in a loop and prints "id digest" after each save returned.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(killEnv)
	if path == "" {
		t.Skip("helper process for TestKillNeverLosesSaves")
	}
	ctx := context.Background()
	db, err := Open(path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	if err := db.SetDevice(ctx, Device{Code: "KT01", Office: "371002"}); err != nil {
		fmt.Fprintln(os.Stderr, "set device:", err)
		os.Exit(2)
	}
	cat := testCatalogue(t)
	g := newGen(t, uint64(os.Getpid()))
	for i := 0; ; i++ {
		c := g.Draft(uuid.NewString(), "371002", i%2 == 0)
		if i%3 == 2 {
			if _, err := db.AcceptCase(ctx, clerk, cat, c); err != nil {
				fmt.Fprintln(os.Stderr, "accept:", err)
				os.Exit(2)
			}
		} else if err := db.SaveCase(ctx, clerk, c); err != nil {
			fmt.Fprintln(os.Stderr, "save:", err)
			os.Exit(2)
		}
		fmt.Printf("%s %s\n", c.ID, digest(t, caseJSON(t, c)))
	}
}

// TestKillNeverLosesSaves kills a writing child process with SIGKILL at
// random moments; after each kill the file must open, pass the integrity
// check and hold every case whose save had returned, whole.
func TestKillNeverLosesSaves(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kill.db")
	saved := map[string]string{}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	const kills = 20
	for k := range kills {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), killEnv+"="+path)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// wait for the first save, then let it run a random while
		first, ok := <-lines
		if !ok {
			cmd.Wait()
			t.Fatalf("kill %d: child wrote nothing", k)
		}
		got := []string{first}
		deadline := time.After(time.Duration(20+rng.IntN(250)) * time.Millisecond)
	run:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break run
				}
				got = append(got, l)
			case <-deadline:
				break run
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines {
			got = append(got, l)
		}
		cmd.Wait()
		for _, l := range got {
			id, d, ok := strings.Cut(l, " ")
			if !ok || strings.HasPrefix(l, "---") || strings.HasPrefix(l, "=== ") {
				continue
			}
			saved[id] = d
		}

		db, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("kill %d: Open = %v", k, err)
		}
		if err := db.IntegrityCheck(ctx); err != nil {
			t.Fatalf("kill %d: %v", k, err)
		}
		for id, d := range saved {
			c, err := db.Case(ctx, id)
			if err != nil {
				t.Fatalf("kill %d: Case(%s) = %v, want the saved case", k, id, err)
			}
			if got := digest(t, caseJSON(t, c)); got != d {
				t.Fatalf("kill %d: Case(%s) digest = %s, want %s", k, id, got, d)
			}
		}
		db.Close()
	}
	t.Logf("%d kills, %d saved cases checked", kills, len(saved))
}
