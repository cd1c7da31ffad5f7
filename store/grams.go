package store

import (
	"context"
	"fmt"
	"log"
	"slices"
	"sync/atomic"
	"time"
)

// The postings of a saved case reach the search index (grams) later, many
// cases in one transaction: a save notes the case in grams_pending (one row
// at the table's end, migration 0007) instead of writing its 30-odd
// postings, each on its own page of the index. The merger below adds them
// when no save has come for mergeIdle, or at once when pendingCap cases are
// waiting, mergeChunk cases a transaction so that a save arriving meanwhile
// waits for one chunk at most, and then, if the store is still idle,
// checkpoints the WAL (idleCheckpoint). Until then the search takes the pending
// cases as candidates and checks them by their rows (Query.where).
//
// Variables, not constants, for the tests.
var (
	mergeIdle  = 2 * time.Second
	mergeChunk = 64
	pendingCap = 512
)

// gramMerger runs mergeGrams in the background for one open store.
type gramMerger struct {
	wake    chan struct{} // a case was noted pending (buffered, 1)
	stop    chan struct{}
	done    chan struct{}
	last    atomic.Int64 // unix nanoseconds of the last note
	pending atomic.Int64 // cases waiting, as far as this process knows
}

// notePending records, inside w, that the postings of case rid are to be
// merged into grams.
func (w *wtx) notePending(rid int64) error {
	res, err := w.exec(`INSERT OR IGNORE INTO grams_pending (case_rid) VALUES (?)`, rid)
	if err != nil {
		return err
	}
	if m := w.db.merge; m != nil {
		if n, _ := res.RowsAffected(); n > 0 {
			m.pending.Add(n) // a rollback leaves it high: mergeGrams recounts
		}
		m.last.Store(time.Now().UnixNano())
		select {
		case m.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// mergeGrams adds the postings of up to max pending cases, lowest row id
// first, to grams in one write transaction, and returns how many cases it
// merged and how many still wait.
func (db *DB) mergeGrams(ctx context.Context, max int) (merged, left int, err error) {
	err = db.write(ctx, func(w *wtx) error {
		rows, err := w.query(`SELECT p.case_rid, coalesce(c.number, ''), coalesce(c.name, ''), coalesce(c.id_number, ''), coalesce(c.phone, '')
			FROM grams_pending p LEFT JOIN cases c ON c.rid = p.case_rid ORDER BY p.case_rid LIMIT ?`, max)
		if err != nil {
			return err
		}
		type posting struct {
			gram string
			rid  int64
		}
		var all []posting
		var last int64
		for rows.Next() {
			var rid int64
			var number, name, idNum, phone string
			if err := rows.Scan(&rid, &number, &name, &idNum, &phone); err != nil {
				rows.Close()
				return err
			}
			for g := range caseGrams(name, idNum, phone, number) {
				all = append(all, posting{g, rid})
			}
			last = rid
			merged++
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if merged == 0 {
			return nil
		}
		// in the index's order: each page is found once, from its
		// neighbour's path
		slices.SortFunc(all, func(a, b posting) int {
			if a.gram != b.gram {
				if a.gram < b.gram {
					return -1
				}
				return 1
			}
			return int(a.rid - b.rid)
		})
		for _, p := range all {
			if _, err := w.exec(`INSERT OR IGNORE INTO grams (gram, case_rid) VALUES (?, ?)`, p.gram, p.rid); err != nil {
				return err
			}
		}
		// the rows read were the lowest pending ones: no other is at or
		// below the last of them
		if _, err := w.exec(`DELETE FROM grams_pending WHERE case_rid <= ?`, last); err != nil {
			return err
		}
		return w.queryRow(`SELECT count(*) FROM grams_pending`).Scan(&left)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("merge search postings: %w", err)
	}
	if m := db.merge; m != nil {
		m.pending.Store(int64(left))
	}
	return merged, left, nil
}

// MergeGrams merges every pending case's postings now (a bulk load's end,
// the benchmarks, the tests); the merger does it in the background.
func (db *DB) MergeGrams(ctx context.Context) error {
	for {
		_, left, err := db.mergeGrams(ctx, mergeChunk*4)
		if err != nil || left == 0 {
			return err
		}
	}
}

// startMerger starts the background merge of db's pending postings.
func (db *DB) startMerger() {
	db.merge = &gramMerger{wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go db.merge.run(db)
	db.wakeMerger() // the postings an earlier run left
}

// wakeMerger counts the pending cases again and wakes the merger if any
// wait: at open, and after a snapshot brought its own.
func (db *DB) wakeMerger() {
	m := db.merge
	if m == nil {
		return
	}
	var n int64
	if err := db.sql.QueryRow(`SELECT count(*) FROM grams_pending`).Scan(&n); err == nil && n > 0 {
		m.pending.Store(n)
		select {
		case m.wake <- struct{}{}:
		default:
		}
	}
}

// stopMerger stops the merger and waits for a chunk it is merging.
func (db *DB) stopMerger() {
	if m := db.merge; m != nil {
		select {
		case <-m.stop:
		default:
			close(m.stop)
		}
		<-m.done
	}
}

func (m *gramMerger) run(db *DB) {
	defer close(m.done)
	// a chunk is never cancelled: Close waits for it (a cancelled
	// transaction is rolled back by database/sql in another goroutine,
	// racing the pool's close)
	ctx := context.Background()
	for {
		select {
		case <-m.stop:
			return
		case <-m.wake:
		}
		merged := false
		for m.pending.Load() > 0 {
			// wait until no save has come for mergeIdle, unless too many
			// cases wait
			if idle := time.Duration(time.Now().UnixNano() - m.last.Load()); idle < mergeIdle && m.pending.Load() < int64(pendingCap) {
				select {
				case <-m.stop:
					return
				case <-time.After(mergeIdle - idle):
				}
				continue
			}
			select {
			case <-m.stop:
				return
			default:
			}
			if _, _, err := db.mergeGrams(ctx, mergeChunk); err != nil {
				// the postings stay pending and found: the next note
				// tries again
				log.Printf("store %s: %v", db.path, err)
				merged = false
				break
			}
			merged = true
		}
		// idle (no save for mergeIdle) and merged: checkpoint now, so the
		// next saves start a new WAL instead of one of them copying a
		// thousand pages back into the database (wal_autocheckpoint)
		if merged && time.Duration(time.Now().UnixNano()-m.last.Load()) >= mergeIdle {
			if err := db.idleCheckpoint(ctx); err != nil {
				log.Printf("store %s: %v", db.path, err)
			}
		}
	}
}

// idleCheckpoint copies the WAL's pages into the database without waiting
// for readers or writers (PASSIVE): what the merger does when the store is
// idle, so that the checkpoint's work, deciphering and enciphering every
// page again on a sealed store, is not a clerk's wait in a save.
func (db *DB) idleCheckpoint(ctx context.Context) error {
	db.gate.RLock()
	defer db.gate.RUnlock()
	if _, err := db.sql.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}
