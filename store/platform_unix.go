//go:build !windows

package store

import (
	"errors"
	"os"
	"strings"
)

// The file-system specifics of the store, one file per platform: how a
// store file is kept private and how a rename is made durable.

// privateFolder protects the folder of a store file before SQLite opens it.
// On Unix the files themselves are protected (Private), so there is
// nothing to do.
func privateFolder(path string) error { return nil }

// Private makes a store file (and its WAL and shared-memory files, when
// present) readable and writable by the owner only: it holds personal
// data. SQLite creates the WAL and shared-memory files with the main
// file's mode, so doing it once at open covers those made later.
func Private(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// fsyncDir makes a rename in dir durable.
func fsyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !isUnsupportedSync(err) {
		return err
	}
	return nil
}

func isUnsupportedSync(err error) bool {
	return strings.Contains(err.Error(), "invalid argument") || strings.Contains(err.Error(), "not supported")
}
