package idreader

import (
	"fmt"
	"path/filepath"
	"reflect"
	"runtime"

	"golang.org/x/sys/windows"
)

// library is a vendor DLL loaded with LoadLibrary. vetdesk.exe is 64-bit:
// it needs the vendor's 64-bit DLL.
type library struct {
	path string
	dll  *windows.DLL
}

// loadLibrary loads the DLL at path. The DLLs it needs are looked for in
// its own folder first (LOAD_WITH_ALTERED_SEARCH_PATH): a vendor's
// termb.dll or sdtapi.dll comes with the DLLs it loads beside it, which a
// plain LoadLibrary would look for beside vetdesk.exe.
func loadLibrary(path string) (*library, error) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs // the altered search needs a full path
	}
	h, err := windows.LoadLibraryEx(path, 0, windows.LOAD_WITH_ALTERED_SEARCH_PATH)
	if err != nil {
		return nil, fmt.Errorf("load %s: %v: %w", path, err, ErrLibrary)
	}
	return &library{path: path, dll: &windows.DLL{Name: path, Handle: h}}, nil
}

// bind points the function variable fptr (a func of int32, uint32 and
// pointer arguments returning int32) at the DLL's function name.
func (l *library) bind(fptr any, name string) error {
	p, err := l.dll.FindProc(name)
	if err != nil {
		return fmt.Errorf("%s has no %s: %w", l.path, name, ErrLibrary)
	}
	fv := reflect.ValueOf(fptr).Elem()
	ft := fv.Type()
	fv.Set(reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
		a := make([]uintptr, len(args))
		for i, v := range args {
			switch v.Kind() {
			case reflect.Pointer:
				a[i] = v.Pointer()
			case reflect.Int, reflect.Int32:
				a[i] = uintptr(v.Int())
			case reflect.Uint32:
				a[i] = uintptr(v.Uint())
			}
		}
		r, _, _ := p.Call(a...)
		runtime.KeepAlive(args) // the buffers stay put while the DLL writes them
		return []reflect.Value{reflect.ValueOf(int32(r)).Convert(ft.Out(0))}
	}))
	return nil
}

// has reports whether the DLL exports name.
func (l *library) has(name string) bool {
	_, err := l.dll.FindProc(name)
	return err == nil
}

// defaultWLTName is the general interface's photo decoder beside its library.
const defaultWLTName = "WltRS.dll"
