package hub

import "os"

// fileMode does nothing on Windows: a mode protects nothing there. The
// hub's files inherit the access control list of its data folder, which
// store.Private sets when hub.db opens (store/private_windows.go).
func fileMode(path string, mode os.FileMode) error { return nil }
