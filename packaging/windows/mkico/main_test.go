package main

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// TestWriteICO: each size becomes one directory entry whose bytes are a PNG
// of that size (256 written as 0), at the offset the entry names.
func TestWriteICO(t *testing.T) {
	src := image.NewRGBA64(image.Rect(0, 0, 256, 256))
	for y := 0; y < 256; y++ {
		for x := 0; x < 256; x++ {
			src.Set(x, y, color.RGBA64{R: uint16(x) << 8, G: uint16(y) << 8, A: 0xffff})
		}
	}
	tests := []struct {
		name  string
		sizes []int
	}{
		{"one small", []int{16}},
		{"all", sizes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := writeICO(&buf, src, tt.sizes); err != nil {
				t.Fatal(err)
			}
			b := buf.Bytes()
			if got := binary.LittleEndian.Uint16(b[2:]); got != 1 {
				t.Fatalf("type = %d, want 1 (icon)", got)
			}
			if got := int(binary.LittleEndian.Uint16(b[4:])); got != len(tt.sizes) {
				t.Fatalf("count = %d, want %d", got, len(tt.sizes))
			}
			for i, n := range tt.sizes {
				e := b[6+16*i:]
				w := int(e[0])
				if w == 0 {
					w = 256
				}
				size, off := binary.LittleEndian.Uint32(e[8:]), binary.LittleEndian.Uint32(e[12:])
				img, err := png.Decode(bytes.NewReader(b[off : off+size]))
				if err != nil {
					t.Fatalf("entry %d: %v", i, err)
				}
				if w != n || img.Bounds().Dx() != n || img.Bounds().Dy() != n {
					t.Errorf("entry %d: dir says %d, png is %v, want %d", i, w, img.Bounds(), n)
				}
			}
		})
	}
}
