package printing

import "os"

// PrivateDir makes dir when missing. A file mode protects nothing on
// Windows: a document saved in the data folder's documents/ inherits the
// access control list the store puts on the data folder
// (store/platform_windows.go: the user, SYSTEM and Administrators), and the
// spooler runs as SYSTEM.
func PrivateDir(dir string) error { return os.MkdirAll(dir, 0o700) }
