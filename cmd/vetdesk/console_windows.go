package main

import (
	"log"
	"os"

	"golang.org/x/sys/windows"
)

// vetdesk.exe is linked as a GUI program (-H windowsgui) so that the desk
// opens without a console window behind it. Its subcommands (print, report,
// backup, demo, sync, ...) still print: when started with arguments from a
// console and without redirected output, it attaches to that console.
// Go writes to a console handle with WriteConsoleW, in UTF-16, so Chinese
// reads right whatever the console's code page (936 on a Chinese Windows)
// without changing it; output redirected to a file or a pipe is UTF-8.
func init() {
	if len(os.Args) < 2 {
		return
	}
	if h, err := windows.GetStdHandle(windows.STD_OUTPUT_HANDLE); err == nil && h != 0 && h != windows.InvalidHandle {
		return // output already goes somewhere: a pipe, a file or Wine's terminal
	}
	const attachParentProcess = ^uint32(0) // ATTACH_PARENT_PROCESS
	attach := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")
	if r, _, _ := attach.Call(uintptr(attachParentProcess)); r == 0 {
		return
	}
	if f, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
		os.Stdout, os.Stderr = f, f
		log.SetOutput(f) // slog's default handler writes through log
	}
}
