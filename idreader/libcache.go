package idreader

import (
	"path/filepath"
	"sync"
)

// Libraries stay loaded once loaded, for the life of the program: vendor
// SDKs start threads and keep handles to the reader that unloading the
// library would leave dangling (FreeLibrary under a running thread ends the
// process), and loading a library again on every card read costs time.
var loaded struct {
	sync.Mutex
	libs map[string]*library
}

// openLibrary returns the library at path, loading it the first time.
func openLibrary(path string) (*library, error) {
	key := path
	if abs, err := filepath.Abs(path); err == nil {
		key = abs
	}
	loaded.Lock()
	defer loaded.Unlock()
	if l := loaded.libs[key]; l != nil {
		return l, nil
	}
	l, err := loadLibrary(path)
	if err != nil {
		return nil, err
	}
	if loaded.libs == nil {
		loaded.libs = map[string]*library{}
	}
	loaded.libs[key] = l
	return l, nil
}
