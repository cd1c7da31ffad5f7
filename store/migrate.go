package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed sql/migrations/*.sql
var migrationsFS embed.FS

// migrationSource is where migrations are read from; tests add one.
var migrationSource fs.FS = migrationsFS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations NNNN_name.sql in order.
func migrations() []migration {
	names, err := fs.Glob(migrationSource, "sql/migrations/*.sql")
	if err != nil {
		panic(err) // the pattern is constant
	}
	var out []migration
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			panic("store: bad migration name " + base)
		}
		b, err := fs.ReadFile(migrationSource, n)
		if err != nil {
			panic(err)
		}
		out = append(out, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			panic(fmt.Sprintf("store: migration %s out of sequence", m.name))
		}
	}
	return out
}

func latestVersion() int { return len(migrations()) }

// SchemaVersion is the schema version this program writes.
func SchemaVersion() int { return latestVersion() }

// migrate brings the file to the latest schema, one transaction per
// migration, after an atomic backup when the file already holds a schema.
func (db *DB) migrate(ctx context.Context) error {
	var version int
	if err := db.sql.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return fmt.Errorf("migrate %s: %w", db.path, err)
	}
	all := migrations()
	if version > len(all) {
		return fmt.Errorf("migrate %s: schema %d, this program knows %d: %w", db.path, version, len(all), ErrNewerSchema)
	}
	if version == len(all) {
		return nil
	}
	if version > 0 {
		dest := fmt.Sprintf("%s.v%d.bak", db.path, version)
		if err := db.Backup(ctx, dest); err != nil {
			return fmt.Errorf("migrate %s: backup before migrating: %w", db.path, err)
		}
	}
	for _, m := range all[version:] {
		if err := db.runMigration(ctx, m); err != nil {
			return fmt.Errorf("migrate %s: %s: %w", db.path, m.name, err)
		}
	}
	return nil
}

func (db *DB) runMigration(ctx context.Context, m migration) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA application_id = %d`, applicationID)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, m.version)); err != nil {
		return err
	}
	return tx.Commit()
}
