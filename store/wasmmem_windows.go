package store

import (
	_ "unsafe" // go:linkname

	"golang.org/x/sys/windows"
)

// The SQLite of github.com/ncruces/go-sqlite3 keeps each connection's
// memory in one reserved range made with VirtualAlloc2 and memory
// placeholders when kernelbase.dll exports the placeholder functions, and
// panics when the reservation fails. Wine 8 (the Windows tests run under
// it) exports them but refuses MEM_RESERVE_PLACEHOLDER with "invalid
// parameter". Where a probe reservation fails, the driver is told the
// functions are missing, and it uses ordinary Go memory, as it does on
// Windows releases before 10 1803. On Windows that supports placeholders
// nothing changes.

//go:linkname wasmVirtualAlloc2 github.com/ncruces/go-sqlite3/internal/sqlite3_wrap.procVirtualAlloc2
var wasmVirtualAlloc2 *windows.LazyProc

const (
	memReservePlaceholder = 0x00040000 // MEM_RESERVE_PLACEHOLDER
)

func init() {
	if wasmVirtualAlloc2 == nil || wasmVirtualAlloc2.Find() != nil || placeholdersWork(wasmVirtualAlloc2) {
		return
	}
	wasmVirtualAlloc2 = windows.NewLazySystemDLL("kernelbase.dll").NewProc("VirtualAlloc2 (placeholders refused)")
}

// placeholdersWork reserves and frees one 64 KiB placeholder range.
func placeholdersWork(valloc2 *windows.LazyProc) bool {
	const size = 64 << 10
	addr, _, _ := valloc2.Call(^uintptr(0), 0, size, windows.MEM_RESERVE|memReservePlaceholder, windows.PAGE_NOACCESS, 0, 0)
	if addr == 0 {
		return false
	}
	windows.VirtualFree(addr, 0, windows.MEM_RELEASE)
	return true
}
