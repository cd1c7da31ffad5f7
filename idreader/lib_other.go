//go:build !linux && !darwin && !freebsd && !netbsd && !windows

package idreader

import "fmt"

type library struct{}

func loadLibrary(path string) (*library, error) {
	return nil, fmt.Errorf("load %s: no dynamic loading on this system: %w", path, ErrLibrary)
}

func (l *library) bind(fptr any, name string) error { return ErrLibrary }
func (l *library) has(name string) bool             { return false }

const defaultWLTName = "libwlt.so"
