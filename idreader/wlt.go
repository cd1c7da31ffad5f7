package idreader

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
)

// The card's photo is 102×126 pixels compressed as WLT; only the vendors'
// decoders read it. Two forms are in use, and the photo library may export
// either:
//
//	int unpack(char *src, char *dst, int bmpSave);   libwlt.so (Linux SDKs): src the 1024 WLT
//	                                                 bytes, dst at least 38862 bytes; 1: decoded
//	int GetBmp(char *file_name, int intf);           WltRS.dll: decodes the file NAME.wlt into
//	                                                 NAME.bmp beside it; intf 1 serial, 2 USB; 1: decoded
//
// unpack's dst is taken as a whole BMP file when it starts with "BM", else
// as the BMP's pixel rows (24-bit, bottom-up, each padded to 4 bytes).
const (
	photoW, photoH = 102, 126
	bmpRow         = (photoW*3 + 3) &^ 3
	bmpFileSize    = 54 + bmpRow*photoH // 38862
)

func decodeWLT(libPath string, wlt []byte, usb bool) ([]byte, error) {
	lib, err := openLibrary(libPath)
	if err != nil {
		return nil, err
	}
	switch {
	case lib.has("unpack"):
		var unpack func(src, dst *byte, bmpSave int32) int32
		if err := lib.bind(&unpack, "unpack"); err != nil {
			return nil, err
		}
		src := make([]byte, max(len(wlt), 1024))
		copy(src, wlt)
		dst := make([]byte, bmpFileSize+1024)
		if r := unpack(&src[0], &dst[0], 0); r != 1 {
			return nil, fmt.Errorf("wlt unpack: %d: %w", r, ErrRead)
		}
		if bytes.HasPrefix(dst, []byte("BM")) {
			return dst[:bmpFileSize], nil
		}
		return withBMPHeader(dst[:bmpRow*photoH]), nil
	case lib.has("GetBmp"):
		var getBmp func(file *byte, intf int32) int32
		if err := lib.bind(&getBmp, "GetBmp"); err != nil {
			return nil, err
		}
		dir, err := os.MkdirTemp("", "vetdesk-wlt-*")
		if err != nil {
			return nil, fmt.Errorf("wlt: %w", err)
		}
		defer os.RemoveAll(dir)
		name := filepath.Join(dir, "zp.wlt")
		if err := os.WriteFile(name, wlt, 0o600); err != nil {
			return nil, fmt.Errorf("wlt: %w", err)
		}
		intf := int32(1)
		if usb {
			intf = 2
		}
		cname := append([]byte(name), 0)
		if r := getBmp(&cname[0], intf); r != 1 {
			return nil, fmt.Errorf("wlt GetBmp: %d: %w", r, ErrRead)
		}
		b, err := os.ReadFile(filepath.Join(dir, "zp.bmp"))
		if err != nil {
			return nil, fmt.Errorf("wlt GetBmp wrote no bmp: %w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("%s exports neither unpack nor GetBmp: %w", libPath, ErrLibrary)
}

// withBMPHeader puts a 24-bit BMP header before the photo's pixel rows.
func withBMPHeader(pix []byte) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("BM")
	binary.Write(&b, le, uint32(bmpFileSize))
	binary.Write(&b, le, uint32(0))
	binary.Write(&b, le, uint32(54))
	binary.Write(&b, le, uint32(40))
	binary.Write(&b, le, int32(photoW))
	binary.Write(&b, le, int32(photoH))
	binary.Write(&b, le, uint16(1))
	binary.Write(&b, le, uint16(24))
	binary.Write(&b, le, uint32(0))
	binary.Write(&b, le, uint32(len(pix)))
	binary.Write(&b, le, int32(3780))
	binary.Write(&b, le, int32(3780))
	binary.Write(&b, le, uint32(0))
	binary.Write(&b, le, uint32(0))
	b.Write(pix)
	return b.Bytes()
}
