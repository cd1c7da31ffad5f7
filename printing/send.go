package printing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ErrNoViewer is returned by Send, where there is no spooler of its own
// (not Windows), when there is neither CUPS nor a known system viewer to
// hand the file to.
var ErrNoViewer = errors.New("no printer command or system viewer found")

// Job is one document to print.
type Job struct {
	// PDF is the document as saved; CUPS prints this file.
	PDF string
	// Printer names the queue; empty means the system's default.
	Printer string
	// Doc is the Printer that drew the PDF, placed for this printer (its
	// offset), and Draw draws the document again with a Printer like it:
	// the Windows path rasterises the pages from this display list, the
	// one the preview draws, instead of reading the PDF.
	Doc  *Printer
	Draw func(q *Printer, w io.Writer) (Result, error)
}

// Send prints job at 100 % on A4. Where CUPS's lp exists (Linux) it runs
// lp [-d printer] -o … file (lpNoScaling) and returns lp's message on
// failure; on a unix without lp it opens the PDF with the system viewer
// (xdg-open, open) for the clerk to print (printers_unix.go). On Windows
// it draws the pages itself at the printer's resolution and sends them
// straight to the spooler through GDI, with no viewer and no dialog
// (printers_windows.go, geometry in spool.go).
func Send(ctx context.Context, job Job) error {
	if _, err := os.Stat(job.PDF); err != nil {
		return fmt.Errorf("print %s: %w", job.PDF, err)
	}
	return sendJob(ctx, job)
}

// SaveAtomic writes what render produces to dir/name: into a temporary file
// in dir first, synced, then renamed over the target, so a reader never
// sees half a PDF and a failed render leaves any old file alone. The file
// is the owner's only (0600), and so is dir when SaveAtomic makes it
// (0700): a document holds personal data.
func SaveAtomic(dir, name string, render func(io.Writer) error) (path string, err error) {
	if name == "" || name != filepath.Base(name) {
		return "", fmt.Errorf("save %q: name must be a plain file name", name)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
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
