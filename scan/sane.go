package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// ErrNoSANE is returned when scanimage (Debian's sane-utils) is missing.
var ErrNoSANE = errors.New("scanimage not installed")

// SANE scans through scanimage, SANE's command-line front end, on Linux
// (UOS, Kylin, Debian): any scanner SANE drives, the document cameras with
// a SANE backend among them.
type SANE struct {
	Device     string   // as scanimage -L names it, e.g. "genesys:libusb:001:004"; "" the first found
	Resolution int      // dpi; 0 is 200
	Mode       string   // "Color", "Gray"...; "" leaves the device's default
	Env        []string // extra environment (SANE_CONFIG_DIR...)
}

func (s SANE) command(ctx context.Context, args ...string) (*exec.Cmd, error) {
	path, err := exec.LookPath("scanimage")
	if err != nil {
		return nil, ErrNoSANE
	}
	cmd := exec.CommandContext(ctx, path, args...)
	if len(s.Env) > 0 {
		cmd.Env = append(cmd.Environ(), s.Env...)
	}
	return cmd, nil
}

// Devices lists the scanners SANE finds.
func (s SANE) Devices(ctx context.Context) ([]string, error) {
	cmd, err := s.command(ctx, "-f", "%d%n")
	if err != nil {
		return nil, err
	}
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("scan: scanimage -f: %w", err)
	}
	return strings.Fields(string(out)), nil
}

// Scan scans one page and returns it as PNG.
func (s SANE) Scan(ctx context.Context) ([]byte, error) {
	res := s.Resolution
	if res == 0 {
		res = 200
	}
	args := []string{"--format=png", "--resolution", strconv.Itoa(res)}
	if s.Device != "" {
		args = append([]string{"-d", s.Device}, args...)
	}
	if s.Mode != "" {
		args = append(args, "--mode", s.Mode)
	}
	cmd, err := s.command(ctx, args...)
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("scan: scanimage %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("scan: scanimage gave no image: %s", strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
