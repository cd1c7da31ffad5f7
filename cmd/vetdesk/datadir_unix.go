//go:build !windows

package main

import (
	"os"
	"path/filepath"
)

// defaultDataDir is the user's configuration folder's vetdesk.
func defaultDataDir() string {
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "vetdesk")
	}
	return ".vetdesk-data"
}
