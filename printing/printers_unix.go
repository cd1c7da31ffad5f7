//go:build !windows

package printing

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// systemPrinters runs lpstat -e (one destination per line). Without CUPS's
// client there is no list, and no error: the desk prints to the default.
func systemPrinters(ctx context.Context) ([]string, error) {
	lpstat, err := exec.LookPath("lpstat")
	if err != nil {
		return nil, nil
	}
	out, err := exec.CommandContext(ctx, lpstat, "-e").Output()
	if err != nil {
		// lpstat -e exits non-zero when the scheduler has no destinations
		// or is not running; both mean "only the default".
		if len(bytes.TrimSpace(out)) == 0 {
			return nil, nil
		}
		return nil, fmt.Errorf("lpstat -e: %w", err)
	}
	return parseLpstatE(out), nil
}

// parseLpstatE returns the destination names of lpstat -e's output, in order.
func parseLpstatE(out []byte) []string {
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if name := strings.TrimSpace(sc.Text()); name != "" {
			names = append(names, name)
		}
	}
	return names
}
