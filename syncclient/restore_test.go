package syncclient_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"vetdesk/casework"
	"vetdesk/hub"
	"vetdesk/store"
	"vetdesk/syncclient"
)

// TestRestoreFetchesOwnCasesBack: a desktop restored from a backup taken
// before it accepted (and pushed) two more cases gets those back from the
// hub, and a case it accepts before that sync never reuses their numbers.
func TestRestoreFetchesOwnCasesBack(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{})
	a := e.desk("A", deskOpt{office: office, login: "clerkA"})
	b := e.desk("B", deskOpt{office: office, login: "clerkB"})
	g := casework.NewGenerator(e.cat, 12, genNow)
	id := func(i int) string { return fmt.Sprintf("0199a000-0000-7000-8000-%012d", i) }
	e.newCase(a, g, id(1))
	a.sync(t)
	backup := filepath.Join(t.TempDir(), "before.db")
	if err := a.db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	numbers := map[string]string{}
	for i := 2; i <= 3; i++ {
		c := e.newCase(a, g, id(i))
		numbers[c.Number] = c.ID
	}
	a.sync(t)

	path := a.db.Path()
	a.db.Close()
	if err := store.Restore(backup, path, nil); err != nil {
		t.Fatalf("Restore = %v", err)
	}
	db, err := store.Open(path, store.Options{Catalogue: e.cat})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cl, err := syncclient.New(syncclient.Config{Store: db})
	if err != nil {
		t.Fatal(err)
	}
	a = &desk{name: "A restored", db: db, cl: cl, actor: a.actor}
	e.unlock(a)
	if n := len(caseIDs(t, a.db)); n != 1 {
		t.Fatalf("restored desktop holds %d cases, want the backup's 1", n)
	}
	offline := e.newCase(a, g, id(4)) // before any sync
	if other, dup := numbers[offline.Number]; dup {
		t.Fatalf("case accepted after the restore got number %s, already case %s's", offline.Number, other)
	}
	for range 2 {
		a.sync(t)
		b.sync(t)
	}
	if n := len(caseIDs(t, a.db)); n != 4 {
		t.Errorf("restored desktop holds %d cases after sync, want 4 (its own two came back)", n)
	}
	if got, want := dump(t, a.db, nil), dump(t, b.db, nil); got != want {
		t.Errorf("restored desktop differs from its colleague:\n%s", diffLines(got, want))
	}
	if v, _ := a.db.Setting(ctx, syncclient.SettingRefetchOwn); v != "" {
		t.Errorf("refetch of own ops still on after a complete pull: %q", v)
	}
	if v, _ := a.db.Setting(ctx, store.SettingRestored); v != "" {
		t.Errorf("restored mark still set: %q", v)
	}
	seen := map[string]bool{}
	for _, cid := range caseIDs(t, b.db) {
		c, _ := b.db.Case(ctx, cid)
		if seen[c.Number] {
			t.Errorf("case number %s used twice", c.Number)
		}
		seen[c.Number] = true
	}
}
