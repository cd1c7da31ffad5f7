//go:build !windows

package printing

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// A saved document holds personal data, so it is the owner's only: the
// file 0600 (os.CreateTemp's mode, kept by the rename) and a folder
// SaveAtomic makes 0700. lp streams the file to CUPS as the clerk and a
// viewer runs as the clerk, so neither needs more.

// PrivateDir makes dir, a folder of documents the desk keeps for itself
// (the data folder's documents/), owner-only: made 0700 when missing; a
// folder an earlier version left open (0755, its PDFs 0644) is made 0700
// and its files 0600. A folder already 0700 costs one stat, so it is
// called before every save. Subfolders are left alone.
func PrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm() == 0o700 {
		return nil
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed meanwhile
		}
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(filepath.Join(dir, e.Name()), info.Mode().Perm()&0o700); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}
