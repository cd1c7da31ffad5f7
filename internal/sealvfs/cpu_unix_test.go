//go:build unix

package sealvfs

import "syscall"

// cpuNanos is the CPU time (user and system) of the process so far: the
// benchmarks report it beside the wall time, which the shared machine and
// fsync make noisy.
func cpuNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
