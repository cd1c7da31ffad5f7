package idreader

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// The 公安部 general interface (sdtapi.dll / libsdtapi.so), as its
// documentation gives it (__stdcall on 32-bit Windows; one convention on
// amd64 and arm64):
//
//	int SDT_OpenPort(int iPort);                                        0x90: opened
//	int SDT_ClosePort(int iPort);                                       0x90
//	int SDT_StartFindIDCard(int iPort, unsigned char *pucManaInfo, int iIfOpen);  0x9f: card found
//	int SDT_SelectIDCard(int iPort, unsigned char *pucManaMsg, int iIfOpen);      0x90: selected
//	int SDT_ReadBaseMsg(int iPort, unsigned char *pucCHMsg, unsigned int *puiCHMsgLen,
//	                    unsigned char *pucPHMsg, unsigned int *puiPHMsgLen, int iIfOpen); 0x90: read
//
// iIfOpen 0 uses the port SDT_OpenPort opened. The text (pucCHMsg, 256
// bytes) is UCS-2LE in fixed-width fields (see baseFields); the photo
// (pucPHMsg, 1024 bytes) is WLT, decoded by the photo library (wlt.go).
const (
	sdtOK    = 0x90
	sdtFound = 0x9f
)

// sdtMu serialises calls into the SDKs: they keep their state in globals.
var sdtMu sync.Mutex

type general struct {
	cfg  Config
	lib  *library
	port int // the open port, 0 when none

	openPort   func(port int32) int32
	closePort  func(port int32) int32
	findCard   func(port int32, mana *byte, ifOpen int32) int32
	selectCard func(port int32, mana *byte, ifOpen int32) int32
	readBase   func(port int32, text *byte, textLen *uint32, photo *byte, photoLen *uint32, ifOpen int32) int32
}

func openGeneral(cfg Config) (*general, error) {
	lib, err := openLibrary(cfg.Library)
	if err != nil {
		return nil, err
	}
	g := &general{cfg: cfg, lib: lib}
	for _, b := range []struct {
		f    any
		name string
	}{
		{&g.openPort, "SDT_OpenPort"}, {&g.closePort, "SDT_ClosePort"}, {&g.findCard, "SDT_StartFindIDCard"},
		{&g.selectCard, "SDT_SelectIDCard"}, {&g.readBase, "SDT_ReadBaseMsg"},
	} {
		if err := lib.bind(b.f, b.name); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// open opens the configured port, or the first USB port with a reader.
func (g *general) open() error {
	if g.port != 0 {
		return nil
	}
	for _, p := range ports(g.cfg.Port) {
		if g.openPort(int32(p)) == sdtOK {
			g.port = p
			return nil
		}
	}
	if g.cfg.Port == 0 {
		return fmt.Errorf("sdtapi: no reader on USB ports 1001-1016: %w", ErrNoReader)
	}
	return fmt.Errorf("sdtapi: port %d: %w", g.cfg.Port, ErrNoReader)
}

func (g *general) Read(ctx context.Context) (Card, error) {
	sdtMu.Lock()
	defer sdtMu.Unlock()
	if err := g.open(); err != nil {
		return Card{}, err
	}
	p := int32(g.port)
	var mana [32]byte
	if r := g.findCard(p, &mana[0], 0); r != sdtFound {
		return Card{}, fmt.Errorf("sdtapi: find card: %#x: %w", r, ErrNoCard)
	}
	if r := g.selectCard(p, &mana[0], 0); r != sdtOK {
		return Card{}, fmt.Errorf("sdtapi: select card: %#x: %w", r, ErrNoCard)
	}
	if err := ctx.Err(); err != nil {
		return Card{}, err
	}
	text := make([]byte, 512)
	photo := make([]byte, 2048)
	textLen, photoLen := uint32(256), uint32(1024)
	if r := g.readBase(p, &text[0], &textLen, &photo[0], &photoLen, 0); r != sdtOK {
		return Card{}, fmt.Errorf("sdtapi: read: %#x: %w", r, ErrRead)
	}
	var c Card
	if err := decodeBase(text[:min(int(textLen), len(text))], &c); err != nil {
		return Card{}, fmt.Errorf("sdtapi: %w", err)
	}
	wlt := photo[:min(int(photoLen), len(photo))]
	c.Photo, c.PhotoErr = g.decodePhoto(wlt)
	return c, nil
}

// decodePhoto decodes the WLT photo with the photo library.
func (g *general) decodePhoto(wlt []byte) ([]byte, error) {
	path := g.cfg.PhotoLibrary
	if path == "" {
		path = filepath.Join(filepath.Dir(g.cfg.Library), defaultWLTName)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("photo library %s: %v: %w", path, err, ErrLibrary)
	}
	b, err := decodeWLT(path, wlt, g.port > 1000)
	if err != nil {
		return nil, err
	}
	return bmpToPNG(b)
}

func (g *general) Close() error {
	sdtMu.Lock()
	defer sdtMu.Unlock()
	if g.port != 0 {
		g.closePort(int32(g.port))
		g.port = 0
	}
	return nil // the library stays loaded (libcache.go)
}
