//go:build linux || darwin || freebsd || netbsd

package idreader

import (
	"fmt"

	"github.com/ebitengine/purego"
)

// library is a vendor SDK loaded with dlopen (purego: no cgo).
type library struct {
	path   string
	handle uintptr
}

func loadLibrary(path string) (*library, error) {
	h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		return nil, fmt.Errorf("load %s: %v: %w", path, err, ErrLibrary)
	}
	return &library{path: path, handle: h}, nil
}

// bind points the function variable fptr at the library's function name.
func (l *library) bind(fptr any, name string) error {
	sym, err := purego.Dlsym(l.handle, name)
	if err != nil {
		return fmt.Errorf("%s has no %s: %w", l.path, name, ErrLibrary)
	}
	purego.RegisterFunc(fptr, sym)
	return nil
}

// has reports whether the library exports name.
func (l *library) has(name string) bool {
	_, err := purego.Dlsym(l.handle, name)
	return err == nil
}

// defaultWLTName is the general interface's photo decoder beside its library.
const defaultWLTName = "libwlt.so"
