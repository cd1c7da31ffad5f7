//go:build !linux && !darwin && !freebsd && !windows

package main

// readNoEcho: no terminal handling here; the password is read as a line.
func readNoEcho(string) (string, bool, error) { return "", false, nil }
