//go:build !windows

package printing

import "os"

// shareable lets the print spooler (CUPS runs filters as its own user) and
// viewers read a saved document.
func shareable(path string) error { return os.Chmod(path, 0o644) }
