package scan

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/image/bmp"
)

func pattern(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	return img
}

func encode(t *testing.T, img image.Image, format string) []byte {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&b, img)
	case "jpeg":
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 95})
	case "bmp":
		err = bmp.Encode(&b, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCompress(t *testing.T) {
	lim := Limits{MaxPixels: 1_000_000, Quality: 80, MaxInput: 64 << 20}
	smallJPEG := encode(t, pattern(400, 300), "jpeg")
	gray := image.NewGray(image.Rect(0, 0, 1600, 1200))
	tests := []struct {
		name       string
		in         []byte
		w, h       int  // size of the result
		same, grey bool // kept byte for byte; a grey JPEG
		err        error
	}{
		{"large PNG scaled to the pixel limit", encode(t, pattern(2000, 1500), "png"), 1154, 866, false, false, nil},
		{"small JPEG kept as it is", smallJPEG, 400, 300, true, false, nil},
		{"large JPEG scaled", encode(t, pattern(1600, 1200), "jpeg"), 1154, 866, false, false, nil},
		{"small BMP made a JPEG", encode(t, pattern(300, 200), "bmp"), 300, 200, false, false, nil},
		{"grey scan stays grey", encode(t, gray, "png"), 1154, 866, false, true, nil},
		{"a PDF is not an image", []byte("%PDF-1.7\n..."), 0, 0, false, false, ErrNotImage},
		{"a JPEG cut short", smallJPEG[:len(smallJPEG)/2], 0, 0, false, false, ErrNotImage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Compress(bytes.NewReader(tt.in), lim)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Compress() error %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.same != bytes.Equal(out, tt.in) {
				t.Errorf("Compress() kept the input: %v, want %v", !tt.same, tt.same)
			}
			img, err := jpeg.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("Compress() is no JPEG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h || b.Dx()*b.Dy() > lim.MaxPixels {
				t.Errorf("Compress() is %dx%d, want %dx%d", b.Dx(), b.Dy(), tt.w, tt.h)
			}
			if _, g := img.(*image.Gray); g != tt.grey {
				t.Errorf("Compress() grey = %v, want %v", g, tt.grey)
			}
		})
	}
}

// TestWatchFolderOffersNewImages writes an image in two goes, a text file
// and a subfolder into a watched folder: only the image is offered, once,
// when complete; a file there before is not.
func TestWatchFolderOffersNewImages(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "old.jpg"), encode(t, pattern(10, 10), "jpeg"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	found := make(chan string, 10)
	errc := make(chan error, 1)
	ready := make(chan struct{})
	go func() {
		close(ready)
		errc <- WatchFolder(ctx, dir, 200*time.Millisecond, func(p string) { found <- p })
	}()
	<-ready
	time.Sleep(100 * time.Millisecond) // let the watch start; not an assertion
	img := encode(t, pattern(800, 600), "png")
	name := filepath.Join(dir, "IMG_0001.PNG")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(img[:len(img)/2])
	f.Sync()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub.jpg"), 0o755)
	f.Write(img[len(img)/2:])
	f.Close()
	select {
	case p := <-found:
		if p != name {
			t.Fatalf("offered %s, want %s", p, name)
		}
		b, _ := os.ReadFile(p)
		if _, err := Compress(bytes.NewReader(b), DefaultLimits); err != nil {
			t.Errorf("offered file does not decode: %v (offered before complete)", err)
		}
	case err := <-errc:
		t.Fatalf("WatchFolder: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("no image offered within 20 s")
	}
	select {
	case p := <-found:
		t.Errorf("offered again: %s", p)
	case <-time.After(time.Second):
	}
}

// sane returns a scanimage using only SANE's test backend.
func sane(t *testing.T) SANE {
	t.Helper()
	if _, err := exec.LookPath("scanimage"); err != nil {
		t.Skip("scanimage missing (Debian sane-utils; make installs it)")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dll.conf"), []byte("test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return SANE{Env: []string{"SANE_CONFIG_DIR=" + dir}}
}

func TestSANETestBackend(t *testing.T) {
	s := sane(t)
	ctx := context.Background()
	devs, err := s.Devices(ctx)
	if err != nil || len(devs) == 0 || devs[0] != "test:0" {
		t.Fatalf("Devices() = %v, %v; want test:0 first", devs, err)
	}
	s.Device, s.Resolution, s.Mode = "test:0", 100, "Color"
	b, err := s.Scan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Scan() is no PNG: %v", err)
	}
	if img.Bounds().Dx() < 100 {
		t.Errorf("Scan() is %v, want a page at 100 dpi", img.Bounds())
	}
	if _, err := Compress(bytes.NewReader(b), DefaultLimits); err != nil {
		t.Errorf("Compress(scan) error %v", err)
	}
	s.Device = "nosuch:0"
	if _, err := s.Scan(ctx); err == nil {
		t.Errorf("Scan() on a missing device: no error")
	}
}

// BenchmarkCompressCameraPhoto: a 12-megapixel camera picture (4000×3000
// JPEG) scaled to the limit and encoded again, as 附上 does.
func BenchmarkCompressCameraPhoto(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 4000, 3000))
	for y := 0; y < 3000; y++ {
		for x := 0; x < 4000; x++ {
			v := uint8(230 - (x/40+y/25)%3*60) // text-like dark strokes on paper
			img.Set(x, y, color.RGBA{v, v, v - 10, 255})
		}
	}
	var in bytes.Buffer
	jpeg.Encode(&in, img, &jpeg.Options{Quality: 90})
	b.ResetTimer()
	var out []byte
	for i := 0; i < b.N; i++ {
		var err error
		if out, err = Compress(bytes.NewReader(in.Bytes()), DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(in.Len()), "in-bytes")
	b.ReportMetric(float64(len(out)), "out-bytes")
}
