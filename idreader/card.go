package idreader

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SDK names, as 设置 stores them.
const (
	SDKGeneral = "sdtapi" // the 公安部 general interface: sdtapi.dll / libsdtapi.so
	SDKHuashi  = "termb"  // 华视 CVR: termb.dll / libtermb.so
)

// SDKs lists the supported SDKs.
var SDKs = []string{SDKGeneral, SDKHuashi}

// Errors a reading ends with; the desk words each for the clerk.
var (
	ErrNotConfigured = errors.New("no id card reader configured")
	ErrLibrary       = errors.New("id card reader library not loaded")
	ErrNoReader      = errors.New("no id card reader on the port")
	ErrNoCard        = errors.New("no id card on the reader")
	ErrRead          = errors.New("id card could not be read")
)

// Card is what a 居民身份证 holds, decoded.
type Card struct {
	Name      string
	Sex       string // 男 or 女 (empty when the card's code is neither)
	Ethnicity string // the GB/T 3304 name, e.g. 汉族
	Birth     string // YYYY-MM-DD
	Address   string
	IDNumber  string
	Authority string // 签发机关
	ValidFrom string // YYYY-MM-DD
	ValidTo   string // YYYY-MM-DD, or 长期
	Photo     []byte // PNG of the card's photo; nil when it could not be decoded
	PhotoErr  error  // why Photo is nil
}

// Validity is the card's 有效期限 as printed on it: 2015.01.01-2035.01.01.
func (c Card) Validity() string {
	if c.ValidFrom == "" && c.ValidTo == "" {
		return ""
	}
	dots := func(s string) string { return strings.ReplaceAll(s, "-", ".") }
	return dots(c.ValidFrom) + "-" + dots(c.ValidTo)
}

// Config says which SDK reads the card and where it is.
type Config struct {
	SDK     string // SDKGeneral or SDKHuashi
	Library string // path of the SDK's library (sdtapi.dll, libtermb.so...)
	// PhotoLibrary is the WLT photo decoder of the general interface
	// (wltrs.dll, libwlt.so); empty: the usual name beside Library.
	PhotoLibrary string
	// Port is 1001–1016 for USB readers, 1–16 for serial ones; 0 tries the
	// USB ports in turn.
	Port int
}

// ParsePort reads a port as 设置 holds it: empty or 0 for automatic.
func ParsePort(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || !(n == 0 || n >= 1 && n <= 16 || n >= 1001 && n <= 1016) {
		return 0, fmt.Errorf("port %q: want 1001-1016 (USB), 1-16 (serial) or empty", s)
	}
	return n, nil
}

// Reader is one SDK driver with its library loaded.
type Reader interface {
	// Read reads the card on the reader.
	Read(ctx context.Context) (Card, error)
	// Close closes the port; the library stays loaded (libcache.go).
	Close() error
}

// Open loads the SDK of cfg.
func Open(cfg Config) (Reader, error) {
	if cfg.Library == "" {
		return nil, ErrNotConfigured
	}
	switch cfg.SDK {
	case SDKGeneral:
		return openGeneral(cfg)
	case SDKHuashi:
		return openHuashi(cfg)
	case "":
		return nil, ErrNotConfigured
	}
	return nil, fmt.Errorf("id card sdk %q: %w", cfg.SDK, ErrNotConfigured)
}

// Read opens the SDK of cfg, reads the card and closes the port again, so
// the reader is free for the vendor's own tools between readings.
func Read(ctx context.Context, cfg Config) (Card, error) {
	r, err := Open(cfg)
	if err != nil {
		return Card{}, err
	}
	c, err := r.Read(ctx)
	if cerr := r.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return c, err
}

// ports are the ports to try for p.
func ports(p int) []int {
	if p != 0 {
		return []int{p}
	}
	var out []int
	for i := 1001; i <= 1016; i++ {
		out = append(out, i)
	}
	return out
}
