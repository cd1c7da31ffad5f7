//go:build linux || darwin || freebsd

package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// readNoEcho asks for a password on the terminal with echo off; ok is
// false when standard input is no terminal.
func readNoEcho(prompt string) (string, bool, error) {
	fd := int(os.Stdin.Fd())
	old, err := unix.IoctlGetTermios(fd, ioctlGet)
	if err != nil {
		return "", false, nil
	}
	noEcho := *old
	noEcho.Lflag &^= unix.ECHO
	noEcho.Lflag |= unix.ICANON | unix.ISIG
	if err := unix.IoctlSetTermios(fd, ioctlSet, &noEcho); err != nil {
		return "", false, nil
	}
	defer unix.IoctlSetTermios(fd, ioctlSet, old)
	fmt.Fprint(os.Stderr, prompt)
	s, err := bufio.NewReader(os.Stdin).ReadString('\n')
	fmt.Fprintln(os.Stderr)
	return strings.TrimRight(s, "\r\n"), true, err
}
