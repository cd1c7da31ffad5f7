package idreader

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// 华视 (Chinavision) CVR readers' termb.dll / libtermb.so, as their SDK
// (V7.1.6) documents it:
//
//	int CVR_InitComm(int Port);         1: opened (1001–1016 USB, 1–16 serial)
//	int CVR_Authenticate(void);         1: a card is on the reader and authenticated
//	int CVR_Read_Content(int Active);   1: read; Active 1 reads text and photo and
//	                                    writes the photo as zp.bmp
//	int CVR_CloseComm(void);
//	int GetPeopleName(char *strTmp, int *strLen);   and GetPeopleSex, GetPeopleNation,
//	    GetPeopleBirthday, GetPeopleAddress, GetPeopleIDCode, GetDepartment,
//	    GetStartDate, GetEndDate: the field as text in the system code page (GBK on
//	    Chinese Windows), strLen its length; 1: given
//
// zp.bmp lands in the library's folder (Windows) or the working directory;
// both are looked at, and cleared before each reading.
type huashi struct {
	cfg    Config
	lib    *library
	opened bool

	initComm     func(port int32) int32
	authenticate func() int32
	readContent  func(active int32) int32
	closeComm    func() int32
	fields       map[string]func(buf *byte, n *int32) int32
}

// huashiFields are the text getters, by the rawCard field they fill.
var huashiFields = []struct{ field, fn string }{
	{"name", "GetPeopleName"}, {"sex", "GetPeopleSex"}, {"nation", "GetPeopleNation"},
	{"birth", "GetPeopleBirthday"}, {"address", "GetPeopleAddress"}, {"id", "GetPeopleIDCode"},
	{"authority", "GetDepartment"}, {"from", "GetStartDate"}, {"to", "GetEndDate"},
}

func openHuashi(cfg Config) (*huashi, error) {
	lib, err := openLibrary(cfg.Library)
	if err != nil {
		return nil, err
	}
	h := &huashi{cfg: cfg, lib: lib, fields: map[string]func(*byte, *int32) int32{}}
	binds := []struct {
		f    any
		name string
	}{
		{&h.initComm, "CVR_InitComm"}, {&h.authenticate, "CVR_Authenticate"},
		{&h.readContent, "CVR_Read_Content"}, {&h.closeComm, "CVR_CloseComm"},
	}
	getters := make([]func(*byte, *int32) int32, len(huashiFields))
	for i, f := range huashiFields {
		binds = append(binds, struct {
			f    any
			name string
		}{&getters[i], f.fn})
	}
	for _, b := range binds {
		if err := lib.bind(b.f, b.name); err != nil {
			return nil, err
		}
	}
	for i, f := range huashiFields {
		h.fields[f.field] = getters[i]
	}
	return h, nil
}

func (h *huashi) open() error {
	if h.opened {
		return nil
	}
	for _, p := range ports(h.cfg.Port) {
		if h.initComm(int32(p)) == 1 {
			h.opened = true
			return nil
		}
	}
	if h.cfg.Port == 0 {
		return fmt.Errorf("termb: no reader on USB ports 1001-1016: %w", ErrNoReader)
	}
	return fmt.Errorf("termb: port %d: %w", h.cfg.Port, ErrNoReader)
}

// photoFiles are the places zp.bmp may be written to.
func (h *huashi) photoFiles() []string {
	out := []string{filepath.Join(filepath.Dir(h.cfg.Library), "zp.bmp")}
	if wd, err := os.Getwd(); err == nil {
		if p := filepath.Join(wd, "zp.bmp"); p != out[0] {
			out = append(out, p)
		}
	}
	return out
}

func (h *huashi) Read(ctx context.Context) (Card, error) {
	sdtMu.Lock()
	defer sdtMu.Unlock()
	if err := h.open(); err != nil {
		return Card{}, err
	}
	if r := h.authenticate(); r != 1 {
		return Card{}, fmt.Errorf("termb: authenticate: %d: %w", r, ErrNoCard)
	}
	if err := ctx.Err(); err != nil {
		return Card{}, err
	}
	for _, p := range h.photoFiles() {
		os.Remove(p) // a photo left from the card before must not pass for this one
	}
	if r := h.readContent(1); r != 1 {
		return Card{}, fmt.Errorf("termb: read: %d: %w", r, ErrRead)
	}
	text := map[string]string{}
	for _, f := range huashiFields {
		buf := make([]byte, 256)
		n := int32(len(buf) - 1)
		if r := h.fields[f.field](&buf[0], &n); r != 1 {
			return Card{}, fmt.Errorf("termb: %s: %d: %w", f.fn, r, ErrRead)
		}
		if n < 0 || int(n) > len(buf) {
			n = int32(len(buf))
		}
		text[f.field] = local(buf[:n])
	}
	raw := rawCard{name: text["name"], sex: text["sex"], nation: text["nation"], birth: text["birth"], address: text["address"],
		id: text["id"], authority: text["authority"], from: text["from"], to: text["to"]}
	var c Card
	if err := raw.decode(&c); err != nil {
		return Card{}, fmt.Errorf("termb: %w", err)
	}
	c.PhotoErr = errors.New("termb wrote no zp.bmp")
	for _, p := range h.photoFiles() {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		c.Photo, c.PhotoErr = bmpToPNG(b)
		break
	}
	return c, nil
}

func (h *huashi) Close() error {
	sdtMu.Lock()
	defer sdtMu.Unlock()
	if h.opened {
		h.closeComm()
		h.opened = false
	}
	return nil // the library stays loaded (libcache.go)
}
