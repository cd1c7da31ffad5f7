//go:build !windows

package hub

import "os"

// fileMode sets the mode of a file the hub writes (its TLS key: 0600).
func fileMode(path string, mode os.FileMode) error { return os.Chmod(path, mode) }
