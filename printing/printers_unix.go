//go:build !windows

package printing

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// sendJob prints the job's PDF with lp at 100 % on A4, or opens it with the
// system viewer where there is no lp.
func sendJob(ctx context.Context, job Job) error {
	pdfPath, printer := job.PDF, job.Printer
	if lp, err := exec.LookPath("lp"); err == nil {
		args := append([]string{}, lpNoScaling...)
		if printer != "" {
			args = append(args, "-d", printer)
		}
		args = append(args, "--", pdfPath)
		out, err := exec.CommandContext(ctx, lp, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("print %s with lp: %s: %w", filepath.Base(pdfPath), strings.TrimSpace(string(out)), err)
		}
		return nil
	}
	var cmd *exec.Cmd
	if runtime.GOOS == "darwin" {
		cmd = exec.CommandContext(ctx, "open", pdfPath)
	} else {
		if _, err := exec.LookPath("xdg-open"); err != nil {
			return fmt.Errorf("print %s: %w", filepath.Base(pdfPath), ErrNoViewer)
		}
		cmd = exec.CommandContext(ctx, "xdg-open", pdfPath)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("open %s: %s: %w", filepath.Base(pdfPath), strings.TrimSpace(string(out)), err)
	}
	return nil
}

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
