// Package version holds the version the build stamped into the program:
// `make dist` sets Version to `git describe --tags --always --dirty` with
//
//	-ldflags "-X vetdesk/internal/version.Version=..."
//
// A plain `go build` or `go run` leaves it at "dev".
package version

// Version is the stamped version, "dev" when nothing was stamped.
var Version = "dev"
