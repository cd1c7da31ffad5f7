package main

import (
	"os"
	"path/filepath"
)

// defaultDataDir is %ProgramData%\vetdesk-hub: a hub on Windows runs as a
// service, whose working directory is System32.
func defaultDataDir() string {
	if pd := os.Getenv("ProgramData"); pd != "" {
		return filepath.Join(pd, "vetdesk-hub")
	}
	return "vetdesk-hub-data"
}
