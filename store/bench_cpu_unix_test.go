//go:build unix

package store

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used so far (user and
// system), and whether the platform tells it: the searches' benchmark
// reports it per search beside the wall-clock percentiles, which on the
// shared machine measure its load as much as the search.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
