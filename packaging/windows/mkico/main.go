// Command mkico writes a Windows icon (.ico) from a PNG: the image scaled to
// 16, 24, 32, 48, 64 and 256 pixels, each stored as an 8-bit RGBA PNG entry
// (the ICO form Windows reads since Vista). make dist uses it for the icon
// resource of vetdesk.exe and the installer.
//
//	go run ./packaging/windows/mkico IN.png OUT.ico
package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"

	"golang.org/x/image/draw"
)

var sizes = []int{16, 24, 32, 48, 64, 256}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: mkico IN.png OUT.ico")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "mkico:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	src, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	var buf bytes.Buffer
	if err := writeICO(&buf, src, sizes); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// writeICO writes src scaled to each size as one PNG entry of an icon file.
func writeICO(w io.Writer, src image.Image, sizes []int) error {
	var images [][]byte
	for _, n := range sizes {
		dst := image.NewNRGBA(image.Rect(0, 0, n, n))
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
		var b bytes.Buffer
		if err := png.Encode(&b, dst); err != nil {
			return err
		}
		images = append(images, b.Bytes())
	}
	// ICONDIR, then one ICONDIRENTRY per image, then the images.
	hdr := []uint16{0, 1, uint16(len(images))}
	if err := binary.Write(w, binary.LittleEndian, hdr); err != nil {
		return err
	}
	offset := 6 + 16*len(images)
	for i, n := range sizes {
		dim := uint8(n)
		if n >= 256 {
			dim = 0 // 0 means 256
		}
		entry := struct {
			W, H, Colours, Reserved uint8
			Planes, BitCount        uint16
			Size, Offset            uint32
		}{dim, dim, 0, 0, 1, 32, uint32(len(images[i])), uint32(offset)}
		if err := binary.Write(w, binary.LittleEndian, entry); err != nil {
			return err
		}
		offset += len(images[i])
	}
	for _, b := range images {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}
