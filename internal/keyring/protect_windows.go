package keyring

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

const isWindows = true

var dpapiEntropy = []byte("vetdesk keyring v1")

// protect seals the key file's content with DPAPI in machine scope
// (CRYPTPROTECT_LOCAL_MACHINE): only this computer opens it, so a copied
// key file is no use elsewhere even with a clerk's password.
func protect(b []byte) ([]byte, error) {
	var out windows.DataBlob
	err := windows.CryptProtectData(blob(b), nil, blob(dpapiEntropy), 0, nil,
		windows.CRYPTPROTECT_LOCAL_MACHINE|windows.CRYPTPROTECT_UI_FORBIDDEN, &out)
	if err != nil {
		return nil, err
	}
	return takeBlob(&out), nil
}

func unprotect(b []byte) ([]byte, error) {
	var out windows.DataBlob
	err := windows.CryptUnprotectData(blob(b), nil, blob(dpapiEntropy), 0, nil, windows.CRYPTPROTECT_UI_FORBIDDEN, &out)
	if err != nil {
		return nil, err
	}
	return takeBlob(&out), nil
}

func blob(b []byte) *windows.DataBlob {
	if len(b) == 0 {
		return &windows.DataBlob{}
	}
	return &windows.DataBlob{Size: uint32(len(b)), Data: &b[0]}
}

func takeBlob(d *windows.DataBlob) []byte {
	defer windows.LocalFree(windows.Handle(unsafe.Pointer(d.Data)))
	return append([]byte(nil), unsafe.Slice(d.Data, d.Size)...)
}

// syncDir: Windows has no directory fsync; MoveFileEx in os.Rename is
// what there is.
func syncDir(string) {}
