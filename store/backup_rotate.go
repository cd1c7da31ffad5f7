package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// SettingBackupLast holds the time of the last backup that succeeded (any
// kind: chosen by the clerk, automatic, command line).
const SettingBackupLast = "backup.last_at"

// BackupInfo is what a backup wrote.
type BackupInfo struct {
	Path string
	Size int64 // bytes of the store copy (the scans beside it not counted)
	At   time.Time
}

// backupPrefix and backupExt name the copies BackupInto writes; pruning
// touches only files named so.
const (
	backupPrefix = "vetdesk-"
	backupExt    = ".db"
)

// BackupName is the file name of a backup taken at t, sortable by time.
func BackupName(t time.Time) string {
	return backupPrefix + t.Local().Format("20060102-150405") + backupExt
}

// BackupFile backs the store up to dest like Backup, first creating dest's
// folder (owner-only) when it is missing, and records the time of the
// backup (LastBackup). It returns the file and its size.
func (db *DB) BackupFile(ctx context.Context, dest string) (BackupInfo, error) {
	if err := checkPathLen(dest); err != nil { // before its folders are made
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o700); err != nil {
		return BackupInfo{}, fmt.Errorf("backup to %s: %w", dest, err)
	}
	if err := db.Backup(ctx, dest); err != nil {
		return BackupInfo{}, err
	}
	fi, err := os.Stat(dest)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("backup to %s: %w", dest, err)
	}
	info := BackupInfo{Path: dest, Size: fi.Size(), At: db.now()}
	if err := db.SetSetting(ctx, SettingBackupLast, formatTime(info.At)); err != nil {
		return info, fmt.Errorf("backup to %s: %w", dest, err)
	}
	return info, nil
}

// LastBackup returns when the last backup succeeded; zero when never.
func (db *DB) LastBackup(ctx context.Context) (time.Time, error) {
	v, err := db.Setting(ctx, SettingBackupLast)
	if err != nil {
		return time.Time{}, err
	}
	return parseTime(v), nil
}

// BackupInto writes a backup named by BackupName into dir (created when
// missing) and then keeps only the newest keep backups there (keep <= 0
// keeps all).
func (db *DB) BackupInto(ctx context.Context, dir string, keep int) (BackupInfo, error) {
	info, err := db.BackupFile(ctx, filepath.Join(dir, BackupName(db.now())))
	if err != nil {
		return info, err
	}
	if err := PruneBackups(dir, keep); err != nil {
		return info, err
	}
	return info, nil
}

// AutoBackup runs BackupInto when the last backup is at least every old
// (or there was none); ran says whether it did. every <= 0 turns it off.
func (db *DB) AutoBackup(ctx context.Context, dir string, every time.Duration, keep int) (info BackupInfo, ran bool, err error) {
	if every <= 0 {
		return info, false, nil
	}
	last, err := db.LastBackup(ctx)
	if err != nil {
		return info, false, err
	}
	if !last.IsZero() && db.now().Sub(last) < every {
		return info, false, nil
	}
	info, err = db.BackupInto(ctx, dir, keep)
	return info, true, err
}

// PruneBackups removes all but the newest keep backups named by BackupName
// in dir, each with its scans folder; other files are left alone.
func PruneBackups(dir string, keep int) error {
	if keep <= 0 {
		return nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("prune backups in %s: %w", dir, err)
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(n, backupPrefix) && strings.HasSuffix(n, backupExt) {
			names = append(names, n)
		}
	}
	if len(names) <= keep {
		return nil
	}
	sort.Strings(names) // the names sort by time
	for _, n := range names[:len(names)-keep] {
		p := filepath.Join(dir, n)
		if err := os.Remove(p); err != nil {
			return fmt.Errorf("prune backups: %w", err)
		}
		if err := os.RemoveAll(p + AttachmentsSuffix); err != nil {
			return fmt.Errorf("prune backups: %w", err)
		}
	}
	return nil
}
