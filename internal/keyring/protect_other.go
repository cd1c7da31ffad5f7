//go:build !windows

package keyring

import "os"

const isWindows = false

// protect and unprotect leave the content as it is: off Windows the key
// file is owner-only (0600 in the 0700 data folder).
func protect(b []byte) ([]byte, error)   { return b, nil }
func unprotect(b []byte) ([]byte, error) { return b, nil }

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
