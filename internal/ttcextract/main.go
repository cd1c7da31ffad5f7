// Command ttcextract copies one face out of a TrueType Collection (.ttc)
// into a standalone single-font sfnt file (.ttf).
//
// Fyne and fpdf only read single-file TrueType fonts, while Debian ships
// WenQuanYi Micro Hei as a collection. This tool is used to produce
// assets/fonts/wqy-microhei.ttf:
//
//	go run ./internal/ttcextract \
//		-in /usr/share/fonts/truetype/wqy/wqy-microhei.ttc \
//		-out assets/fonts/wqy-microhei.ttf
//
// The tables of the chosen face are copied verbatim into a new file with
// recomputed offsets, 4-byte padding, per-table checksums and the
// checkSumAdjustment field of the head table (fontset.ExtractFace, which
// also reads Windows' msyh.ttc and simsun.ttc at run time).
package main

import (
	"flag"
	"fmt"
	"os"

	"vetdesk/fontset"
)

func main() {
	in := flag.String("in", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "input TrueType collection")
	out := flag.String("out", "assets/fonts/wqy-microhei.ttf", "output TrueType file")
	face := flag.Int("face", 0, "index of the face to extract")
	flag.Parse()

	if err := run(*in, *out, *face); err != nil {
		fmt.Fprintln(os.Stderr, "ttcextract:", err)
		os.Exit(1)
	}
}

func run(in, out string, face int) error {
	src, err := os.ReadFile(in)
	if err != nil {
		return fmt.Errorf("read collection: %w", err)
	}
	dst, err := fontset.ExtractFace(src, face)
	if err != nil {
		return fmt.Errorf("extract face %d from %s: %w", face, in, err)
	}
	if err := os.WriteFile(out, dst, 0o644); err != nil {
		return fmt.Errorf("write font: %w", err)
	}
	return nil
}
