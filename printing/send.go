package printing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// ErrNoViewer is returned by Send when there is neither CUPS nor a known
// system viewer to hand the file to.
var ErrNoViewer = errors.New("no printer command or system viewer found")

// Send prints the PDF at pdfPath. Where CUPS's lp exists it runs
// lp [-d printer] -o … file at 100 % on A4 (lpNoScaling; an empty printer
// means the default destination) and returns lp's message on failure; otherwise it opens the file with the
// system viewer (xdg-open, open or rundll32) for the clerk to print.
func Send(ctx context.Context, pdfPath, printer string) error {
	if _, err := os.Stat(pdfPath); err != nil {
		return fmt.Errorf("print %s: %w", pdfPath, err)
	}
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
	switch runtime.GOOS {
	case "windows":
		cmd = exec.CommandContext(ctx, "rundll32", "url.dll,FileProtocolHandler", pdfPath)
	case "darwin":
		cmd = exec.CommandContext(ctx, "open", pdfPath)
	default:
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

// SaveAtomic writes what render produces to dir/name: into a temporary file
// in dir first, synced, then renamed over the target, so a reader never
// sees half a PDF and a failed render leaves any old file alone.
func SaveAtomic(dir, name string, render func(io.Writer) error) (path string, err error) {
	if name == "" || name != filepath.Base(name) {
		return "", fmt.Errorf("save %q: name must be a plain file name", name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("save %s: %w", name, err)
	}
	f, err := os.CreateTemp(dir, "."+name+".tmp*")
	if err != nil {
		return "", fmt.Errorf("save %s: %w", name, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := render(f); err != nil {
		return "", fmt.Errorf("save %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("save %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("save %s: %w", name, err)
	}
	if err := shareable(tmp); err != nil {
		return "", fmt.Errorf("save %s: %w", name, err)
	}
	path = filepath.Join(dir, name)
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("save %s: %w", name, err)
	}
	if d, err := os.Open(dir); err == nil { // make the rename durable
		_ = d.Sync()
		d.Close()
	}
	return path, nil
}
