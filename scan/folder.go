package scan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// imageExts are the files a document camera saves that are offered.
var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".bmp": true, ".tif": true, ".tiff": true}

// IsImageFile reports whether path has the extension of an image a camera saves.
func IsImageFile(path string) bool { return imageExts[strings.ToLower(filepath.Ext(path))] }

// Settle is how long a new file must stay unchanged before it is offered:
// a camera's software writes a large file in several goes.
const Settle = 500 * time.Millisecond

// WatchFolder calls found with the path of each image file that appears in
// dir (made or moved there, not those already in it) once it has stopped
// growing for settle, until ctx ends. found runs on WatchFolder's goroutine.
func WatchFolder(ctx context.Context, dir string, settle time.Duration, found func(path string)) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("scan: watch %s: %w", dir, err)
	}
	defer w.Close()
	if err := w.Add(dir); err != nil {
		return fmt.Errorf("scan: watch %s: %w", dir, err)
	}
	var mu sync.Mutex
	timers := map[string]*time.Timer{}
	sizes := map[string]int64{}
	done := map[string]time.Time{} // offered files by modification time
	var check func(path string)
	schedule := func(path string) {
		mu.Lock()
		defer mu.Unlock()
		if t := timers[path]; t != nil {
			t.Stop()
		}
		timers[path] = time.AfterFunc(settle, func() { check(path) })
	}
	check = func(path string) {
		fi, err := os.Stat(path)
		if err != nil || fi.IsDir() || ctx.Err() != nil {
			return
		}
		mu.Lock()
		grew := sizes[path] != fi.Size()
		sizes[path] = fi.Size()
		seen := done[path].Equal(fi.ModTime())
		mu.Unlock()
		switch {
		case grew || fi.Size() == 0:
			schedule(path) // still being written
		case !seen:
			mu.Lock()
			done[path] = fi.ModTime()
			mu.Unlock()
			found(path)
		}
	}
	defer func() {
		mu.Lock()
		for _, t := range timers {
			t.Stop()
		}
		mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Has(fsnotify.Create|fsnotify.Write) && IsImageFile(ev.Name) {
				schedule(ev.Name)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			return fmt.Errorf("scan: watch %s: %w", dir, err)
		}
	}
}
