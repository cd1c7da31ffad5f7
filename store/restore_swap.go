package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// A restore replaces two files that only work as a pair: the store and
// the key file whose data key opens it (counter.Vault). Each is written
// whole beside its place first (<store>.restore-tmp, and the companion the
// caller wrote); then a journal, <store>.restore, names the renames still
// to do, written atomically (temporary file, fsync, rename, folder fsync):
// its arrival is the moment the restore happens. The renames follow, each
// synced, and the journal goes last. After a crash, FinishRestore (called
// by Open, and by the vault before it looks at the key file) finishes
// what the journal names: a rename whose source is gone was done. Without
// a journal the old pair is untouched and the temporary copy is deleted.
// So at every moment the old pair or the new pair opens, whole.

const (
	restoreTmp     = ".restore-tmp"
	restoreJournal = ".restore"
)

// Companion is a file swapped in with a restored store: From, written
// whole (and synced) beside the store by the caller, is renamed to To.
// Both are in the store's folder.
type Companion struct{ From, To string }

type journalRename struct {
	From  string `json:"from"` // names in the store's folder
	To    string `json:"to"`
	Store bool   `json:"store,omitempty"` // the store: its old WAL and shm go first
}

// beforeRestoreCommit, when set (by a test), runs just before the journal
// is written.
var beforeRestoreCommit func()

func checkCompanions(dbPath string, cs []Companion) error {
	dir := filepath.Clean(filepath.Dir(dbPath))
	for _, c := range cs {
		if filepath.Clean(filepath.Dir(c.From)) != dir || filepath.Clean(filepath.Dir(c.To)) != dir {
			return fmt.Errorf("companion %s: not in the store's folder %s", c.To, dir)
		}
		if _, err := os.Stat(c.From); err != nil {
			return fmt.Errorf("companion: %w", err)
		}
	}
	return nil
}

// swapRestored puts the checked copy tmp in place of dbPath, with the
// companions, through the journal.
func swapRestored(dbPath, tmp string, cs []Companion) error {
	renames := []journalRename{{From: filepath.Base(tmp), To: filepath.Base(dbPath), Store: true}}
	for _, c := range cs {
		renames = append(renames, journalRename{From: filepath.Base(c.From), To: filepath.Base(c.To)})
	}
	b, err := json.Marshal(renames)
	if err != nil {
		removeWithSides(tmp)
		return err
	}
	if beforeRestoreCommit != nil {
		beforeRestoreCommit()
	}
	journal := dbPath + restoreJournal
	jtmp := journal + ".tmp"
	if err := os.WriteFile(jtmp, b, 0o600); err != nil {
		os.Remove(jtmp)
		removeWithSides(tmp)
		return err
	}
	if err := syncFile(jtmp); err != nil {
		os.Remove(jtmp)
		removeWithSides(tmp)
		return err
	}
	if err := os.Rename(jtmp, journal); err != nil {
		os.Remove(jtmp)
		removeWithSides(tmp)
		return err
	}
	if err := fsyncDir(filepath.Dir(dbPath)); err != nil {
		return err
	}
	return FinishRestore(dbPath)
}

// FinishRestore finishes a restore of the store at dbPath that a crash
// cut short: with its journal, the renames it names that are not done
// yet, then the journal goes; without, what the restore left beside the
// store is deleted (the old pair was never touched). Callers that keep a
// companion delete their own leftover copy after it. Open calls it.
func FinishRestore(dbPath string) error {
	dir := filepath.Dir(dbPath)
	journal := dbPath + restoreJournal
	os.Remove(journal + ".tmp") // never the commit: its rename is
	b, err := os.ReadFile(journal)
	if errors.Is(err, os.ErrNotExist) {
		if err := removeWithSides(dbPath + restoreTmp); err != nil {
			return fmt.Errorf("finish restore: %w", err)
		}
		return nil
	} else if err != nil {
		return fmt.Errorf("finish restore: %w", err)
	}
	var renames []journalRename
	if err := json.Unmarshal(b, &renames); err != nil {
		return fmt.Errorf("finish restore: journal %s: %w", journal, err)
	}
	for _, r := range renames {
		if filepath.Base(r.From) != r.From || filepath.Base(r.To) != r.To {
			return fmt.Errorf("finish restore: journal %s: %q -> %q is not a name in the folder", journal, r.From, r.To)
		}
		from, to := filepath.Join(dir, r.From), filepath.Join(dir, r.To)
		if !exists(from) {
			continue // done before the crash
		}
		if r.Store {
			for _, side := range []string{"-wal", "-shm", "-journal"} {
				if err := os.Remove(to + side); err != nil && !errors.Is(err, os.ErrNotExist) {
					return fmt.Errorf("finish restore: %w", err)
				}
			}
		}
		if err := os.Rename(from, to); err != nil {
			return fmt.Errorf("finish restore: %w", err)
		}
		if err := fsyncDir(dir); err != nil {
			return fmt.Errorf("finish restore: %w", err)
		}
	}
	if err := os.Remove(journal); err != nil {
		return fmt.Errorf("finish restore: %w", err)
	}
	if err := fsyncDir(dir); err != nil {
		return fmt.Errorf("finish restore: %w", err)
	}
	return nil
}
