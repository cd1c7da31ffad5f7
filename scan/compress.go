package scan

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/gif" // decoders the cameras' and scanners' formats need
	"image/jpeg"
	_ "image/png"
	"io"
	"math"

	_ "golang.org/x/image/bmp"
	xdraw "golang.org/x/image/draw"
	_ "golang.org/x/image/tiff"
)

// Limits bound what Compress keeps.
type Limits struct {
	// MaxPixels is the most pixels a stored image has; larger ones are
	// scaled down, keeping their proportions.
	MaxPixels int
	// Quality is the JPEG quality, 1–100.
	Quality int
	// MaxInput is the largest file read, in bytes.
	MaxInput int64
}

// DefaultLimits keep an A4 page legible at about 250 dpi (6 megapixels,
// 2,900 × 2,050) and make a page of typed text a JPEG of a few hundred KB.
var DefaultLimits = Limits{MaxPixels: 6_000_000, Quality: 82, MaxInput: 64 << 20}

// ErrNotImage is returned for content no decoder reads (a PDF, a partly
// written file).
var ErrNotImage = errors.New("not an image")

// Compress reads an image (JPEG, PNG, BMP, TIFF, GIF) and returns it as a
// JPEG within lim: scaled down to MaxPixels and encoded at Quality. A JPEG
// already within MaxPixels is kept as it is (encoding it again would only
// lose detail).
func Compress(r io.Reader, lim Limits) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, lim.MaxInput+1))
	if err != nil {
		return nil, fmt.Errorf("scan: read: %w", err)
	}
	if int64(len(b)) > lim.MaxInput {
		return nil, fmt.Errorf("scan: image over %d bytes", lim.MaxInput)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("scan: %w", ErrNotImage)
	}
	if format == "jpeg" && cfg.Width*cfg.Height <= lim.MaxPixels {
		if _, err := jpeg.Decode(bytes.NewReader(b)); err != nil {
			return nil, fmt.Errorf("scan: %w: %v", ErrNotImage, err)
		}
		return b, nil
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("scan: %w: %v", ErrNotImage, err)
	}
	img = shrink(img, lim.MaxPixels)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, img, &jpeg.Options{Quality: lim.Quality}); err != nil {
		return nil, fmt.Errorf("scan: jpeg: %w", err)
	}
	return out.Bytes(), nil
}

// shrink scales img down to at most max pixels.
func shrink(img image.Image, max int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w*h <= max {
		return img
	}
	f := math.Sqrt(float64(max) / float64(w*h))
	nw, nh := max1(int(float64(w)*f)), max1(int(float64(h)*f))
	var dst draw.Image
	if _, gray := img.(*image.Gray); gray {
		dst = image.NewGray(image.Rect(0, 0, nw, nh)) // a grey scan stays a grey JPEG
	} else {
		dst = image.NewRGBA(image.Rect(0, 0, nw, nh))
	}
	xdraw.BiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}
