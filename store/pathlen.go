package store

import (
	"fmt"
	"path/filepath"
)

// MaxPathLen is the longest path, in bytes once made absolute, that the
// store hands SQLite as a file name (a store, a backup, a snapshot).
// SQLite takes at most 1024 bytes with its terminating NUL, and names
// its side files by suffixing the name ("-journal", "-wal"), as Backup
// and Restore suffix theirs (".tmp-PID", ".restore-tmp"): a longer name
// makes the driver panic ("missing NUL terminator", a 1,015-byte backup
// path here) and leaves the pool hanging on Close. The margin covers the
// longest suffix.
const MaxPathLen = 960

// checkPathLen refuses a path SQLite could not take, before any file is
// touched: ErrPathTooLong, with the length but not the path (which can be
// 1 KB of folder names).
func checkPathLen(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	if len(abs) > MaxPathLen {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrPathTooLong, len(abs), MaxPathLen)
	}
	return nil
}
