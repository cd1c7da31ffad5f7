package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// wtx is one write transaction. Writers are serialised by db.wmu, so the
// clock and the op sequence are assigned in commit order.
type wtx struct {
	ctx   context.Context
	db    *DB
	tx    *sql.Tx
	peers map[string]int64 // peer name -> ref, valid in this transaction
	cases map[string]int64 // case id -> rid, valid in this transaction
	tick  bool             // clock changed: persist it
}

// write runs fn in one IMMEDIATE transaction and commits it.
func (db *DB) write(ctx context.Context, fn func(w *wtx) error) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	w := &wtx{ctx: ctx, db: db, tx: tx, peers: map[string]int64{}, cases: map[string]int64{}}
	saved := db.clock.last
	if err := w.loadClock(); err != nil {
		tx.Rollback()
		return err
	}
	if err := fn(w); err != nil {
		tx.Rollback()
		db.clock.last = maxHLC(saved, db.clock.last) // stay monotonic even after a rollback
		return err
	}
	if w.tick {
		if _, err := w.exec(`INSERT INTO clock (singleton, wall, logical) VALUES (1, ?, ?)
			ON CONFLICT (singleton) DO UPDATE SET wall = excluded.wall, logical = excluded.logical`,
			db.clock.last.Wall, int64(db.clock.last.Logical)); err != nil {
			tx.Rollback()
			return fmt.Errorf("save clock: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// loadClock takes the persisted clock when another process moved it ahead.
func (w *wtx) loadClock() error {
	var wall, logical int64
	err := w.queryRow(`SELECT wall, logical FROM clock`).Scan(&wall, &logical)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("load clock: %w", err)
	}
	w.db.clock.last = maxHLC(w.db.clock.last, HLC{Wall: wall, Logical: uint32(logical)})
	return nil
}

// stmt returns a prepared statement for q, cached on the DB.
func (db *DB) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	db.smu.Lock()
	defer db.smu.Unlock()
	if s, ok := db.stmts[q]; ok {
		return s, nil
	}
	s, err := db.sql.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	db.stmts[q] = s
	return s, nil
}

func (w *wtx) exec(q string, args ...any) (sql.Result, error) {
	s, err := w.db.stmt(w.ctx, q)
	if err != nil {
		return nil, err
	}
	return w.tx.StmtContext(w.ctx, s).ExecContext(w.ctx, args...)
}

func (w *wtx) query(q string, args ...any) (*sql.Rows, error) {
	s, err := w.db.stmt(w.ctx, q)
	if err != nil {
		return nil, err
	}
	return w.tx.StmtContext(w.ctx, s).QueryContext(w.ctx, args...)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

type scanner interface{ Scan(...any) error }

func (w *wtx) queryRow(q string, args ...any) scanner {
	s, err := w.db.stmt(w.ctx, q)
	if err != nil {
		return errRow{err}
	}
	return w.tx.StmtContext(w.ctx, s).QueryRowContext(w.ctx, args...)
}

// pool returns the connection pool for a read to start on, and the
// function to call once the statement has started (its rows may be read
// after): AdoptSnapshot swaps the pool only between reads.
func (db *DB) pool() (*sql.DB, func()) {
	db.gate.RLock()
	return db.sql, db.gate.RUnlock
}

// query runs a cached read outside any transaction.
func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	db.gate.RLock()
	defer db.gate.RUnlock()
	s, err := db.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (db *DB) queryRow(ctx context.Context, q string, args ...any) scanner {
	db.gate.RLock()
	defer db.gate.RUnlock()
	s, err := db.stmt(ctx, q)
	if err != nil {
		return errRow{err}
	}
	return s.QueryRowContext(ctx, args...)
}

// peer returns the ref of a device or user id, adding it when new.
func (w *wtx) peer(name string) (int64, error) {
	if ref, ok := w.peers[name]; ok {
		return ref, nil
	}
	var ref int64
	err := w.queryRow(`INSERT INTO peers (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING ref`, name).Scan(&ref)
	if err != nil {
		return 0, fmt.Errorf("peer %q: %w", name, err)
	}
	w.peers[name] = ref
	return ref, nil
}

// caseRID returns the local row id of case id, adding an empty row when new
// (an op of a material may arrive before the op that creates its case).
func (w *wtx) caseRID(id string) (int64, error) {
	if rid, ok := w.cases[id]; ok {
		return rid, nil
	}
	var rid int64
	err := w.queryRow(`SELECT rid FROM cases WHERE id = ?`, id).Scan(&rid)
	if errors.Is(err, sql.ErrNoRows) {
		err = w.queryRow(`INSERT INTO cases (id) VALUES (?) RETURNING rid`, id).Scan(&rid)
	}
	if err != nil {
		return 0, fmt.Errorf("case row %s: %w", id, err)
	}
	w.cases[id] = rid
	return rid, nil
}

// rawQuery runs a read whose text varies (not worth caching) outside any
// transaction.
func (db *DB) rawQuery(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	p, done := db.pool()
	defer done()
	return p.QueryContext(ctx, q, args...)
}

func (db *DB) rawRow(ctx context.Context, q string, args ...any) *sql.Row {
	p, done := db.pool()
	defer done()
	return p.QueryRowContext(ctx, q, args...)
}
