package main

import (
	"os"
	"path/filepath"
)

// defaultDataDir is %ProgramData%\vetdesk when it exists: the installer
// makes it, shared by the clerks of the PC and closed to other accounts by
// its access control list. Otherwise (no installer, a copied exe) it is the
// user's own %LOCALAPPDATA%\vetdesk: local, not roaming, since the store is
// large and personal data must not follow a profile to other PCs.
func defaultDataDir() string {
	if pd := os.Getenv("ProgramData"); pd != "" {
		d := filepath.Join(pd, "vetdesk")
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	if la := os.Getenv("LOCALAPPDATA"); la != "" {
		return filepath.Join(la, "vetdesk")
	}
	return ".vetdesk-data"
}
