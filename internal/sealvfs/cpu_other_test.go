//go:build !unix

package sealvfs

// cpuNanos is not measured here.
func cpuNanos() int64 { return 0 }
