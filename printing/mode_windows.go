package printing

// shareable does nothing on Windows: a saved document inherits the access
// control list of the data folder it is saved in, which the store protects
// (store/private_windows.go), and the spooler runs as SYSTEM.
func shareable(path string) error { return nil }
