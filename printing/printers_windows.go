package printing

import (
	"context"
	"errors"
	"fmt"
	"image"
	"path/filepath"
	"slices"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The Windows spooler: the printer list (EnumPrintersW, GetDefaultPrinterW)
// and the print path (GDI on a printer DC). The geometry is in spool.go.

var (
	winspool              = windows.NewLazySystemDLL("winspool.drv")
	procEnumPrinters      = winspool.NewProc("EnumPrintersW")
	procGetDefaultPrinter = winspool.NewProc("GetDefaultPrinterW")
	procOpenPrinter       = winspool.NewProc("OpenPrinterW")
	procClosePrinter      = winspool.NewProc("ClosePrinter")
	procDocumentProps     = winspool.NewProc("DocumentPropertiesW")

	gdi32             = windows.NewLazySystemDLL("gdi32.dll")
	procCreateDC      = gdi32.NewProc("CreateDCW")
	procDeleteDC      = gdi32.NewProc("DeleteDC")
	procGetDeviceCaps = gdi32.NewProc("GetDeviceCaps")
	procStartDoc      = gdi32.NewProc("StartDocW")
	procEndDoc        = gdi32.NewProc("EndDoc")
	procAbortDoc      = gdi32.NewProc("AbortDoc")
	procStartPage     = gdi32.NewProc("StartPage")
	procEndPage       = gdi32.NewProc("EndPage")
	procStretchDIBits = gdi32.NewProc("StretchDIBits")
)

const (
	printerEnumLocal       = 0x2
	printerEnumConnections = 0x4

	// GetDeviceCaps indices
	horzRes         = 8
	vertRes         = 10
	logPixelsX      = 88
	logPixelsY      = 90
	physicalWidth   = 110
	physicalHeight  = 111
	physicalOffsetX = 112
	physicalOffsetY = 113

	dibRGBColors = 0
	srcCopy      = 0x00CC0020

	dmOutBuffer = 2 // DocumentPropertiesW modes
	dmInBuffer  = 8
)

// printerInfo4 is PRINTER_INFO_4W.
type printerInfo4 struct {
	PrinterName *uint16
	ServerName  *uint16
	Attributes  uint32
}

// systemPrinters lists the spooler's local printers and connections
// (EnumPrintersW level 4), the default printer first.
func systemPrinters(ctx context.Context) ([]string, error) {
	if err := procEnumPrinters.Find(); err != nil {
		return nil, fmt.Errorf("printers: %w", err)
	}
	flags := uintptr(printerEnumLocal | printerEnumConnections)
	var needed, returned uint32
	var buf []byte
	for range 3 { // the list may grow between the two calls
		var p uintptr
		if len(buf) > 0 {
			p = uintptr(unsafe.Pointer(&buf[0]))
		}
		r, _, err := procEnumPrinters.Call(flags, 0, 4, p, uintptr(len(buf)),
			uintptr(unsafe.Pointer(&needed)), uintptr(unsafe.Pointer(&returned)))
		if r != 0 {
			break
		}
		if !errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER) || needed == 0 {
			return nil, fmt.Errorf("printers: EnumPrinters: %w", err)
		}
		buf = make([]byte, needed)
		returned = 0
	}
	var names []string
	if returned > 0 && len(buf) > 0 {
		infos := unsafe.Slice((*printerInfo4)(unsafe.Pointer(&buf[0])), returned)
		for _, in := range infos {
			if n := windows.UTF16PtrToString(in.PrinterName); n != "" && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	if def, err := defaultPrinter(); err == nil && def != "" {
		names = slices.DeleteFunc(names, func(n string) bool { return n == def })
		names = slices.Insert(names, 0, def)
	}
	return names, nil
}

// errNoDefaultPrinter is returned when a job names no printer and the
// system has no default one.
var errNoDefaultPrinter = errors.New("no default printer is set")

// defaultPrinter returns the name of the user's default printer.
func defaultPrinter() (string, error) {
	if err := procGetDefaultPrinter.Find(); err != nil {
		return "", err
	}
	n := uint32(256)
	for range 3 {
		buf := make([]uint16, n)
		r, _, err := procGetDefaultPrinter.Call(uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n)))
		if r != 0 {
			return windows.UTF16ToString(buf), nil
		}
		switch {
		case errors.Is(err, windows.ERROR_FILE_NOT_FOUND):
			return "", errNoDefaultPrinter
		case !errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER):
			return "", fmt.Errorf("GetDefaultPrinter: %w", err)
		}
	}
	return "", fmt.Errorf("GetDefaultPrinter: %w", windows.ERROR_INSUFFICIENT_BUFFER)
}

// sendJob draws the job's pages at the printer's resolution and sends them
// to the spooler through GDI at 100 %: A4 asked for in the printer's
// DEVMODE, each page rasterised from the display list (the preview's
// renderer) in bands and drawn 1:1 with StretchDIBits, placed by
// devicePlacement with the printer's offset. No dialog, no viewer.
func sendJob(ctx context.Context, job Job) error {
	if job.Doc == nil || job.Draw == nil {
		return fmt.Errorf("print %s: the job has no document to draw", filepath.Base(job.PDF))
	}
	name := job.Printer
	if name == "" {
		def, err := defaultPrinter()
		if err != nil {
			return fmt.Errorf("print %s: %w", filepath.Base(job.PDF), err)
		}
		name = def
	}
	if err := spool(ctx, job, name); err != nil {
		return fmt.Errorf("print %s on %s: %w", filepath.Base(job.PDF), name, err)
	}
	return nil
}

func spool(ctx context.Context, job Job, printer string) error {
	// The pages are drawn without the offset and moved by it in device
	// pixels (devicePlacement).
	l := job.Doc.Layout()
	pages, q, err := job.Doc.WithOffset(0, 0).pageList(job.Draw)
	if err != nil {
		return err
	}
	hdc, dev, err := openPrinterDC(printer)
	if err != nil {
		return err
	}
	defer procDeleteDC.Call(hdc)
	pl, err := devicePlacement(dev, l.OffsetXMM, l.OffsetYMM)
	if err != nil {
		return err
	}
	// The job's title without ".pdf": CUPS (behind Wine, or a Windows
	// print server's) types a job by its name's extension, and the
	// spooler sends what GDI drew, not a PDF.
	docName, _ := windows.UTF16PtrFromString(strings.TrimSuffix(filepath.Base(job.PDF), filepath.Ext(job.PDF)))
	di := docInfoW{Size: int32(unsafe.Sizeof(docInfoW{})), DocName: docName}
	if r, _, err := procStartDoc.Call(hdc, uintptr(unsafe.Pointer(&di))); int32(r) <= 0 {
		return fmt.Errorf("StartDoc: %w", err)
	}
	done := false
	defer func() {
		if !done {
			procAbortDoc.Call(hdc)
		}
	}()
	for i, items := range pages {
		if err := ctx.Err(); err != nil {
			return err
		}
		if r, _, err := procStartPage.Call(hdc); int32(r) <= 0 {
			return fmt.Errorf("page %d: StartPage: %w", i+1, err)
		}
		if err := q.drawPage(items, dev, pl, func(bits, bmi []byte, w, h int, at image.Point) error {
			return stretchDIBits(hdc, bits, bmi, w, h, at)
		}); err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
		if r, _, err := procEndPage.Call(hdc); int32(r) <= 0 {
			return fmt.Errorf("page %d: EndPage: %w", i+1, err)
		}
	}
	if r, _, err := procEndDoc.Call(hdc); int32(r) <= 0 {
		return fmt.Errorf("EndDoc: %w", err)
	}
	done = true
	return nil
}

// openPrinterDC makes a device context on printer with portrait A4 at
// 100 % asked for, and reads its geometry. The caller deletes the DC.
func openPrinterDC(printer string) (hdc uintptr, dev device, err error) {
	pname, err := windows.UTF16PtrFromString(printer)
	if err != nil {
		return 0, device{}, err
	}
	dm, err := a4DevMode(pname) // nil: the driver's defaults
	if err != nil {
		return 0, device{}, err
	}
	var dmp uintptr
	if len(dm) > 0 {
		dmp = uintptr(unsafe.Pointer(&dm[0]))
	}
	driver, _ := windows.UTF16PtrFromString("WINSPOOL")
	hdc, _, err = procCreateDC.Call(uintptr(unsafe.Pointer(driver)), uintptr(unsafe.Pointer(pname)), 0, dmp)
	if hdc == 0 {
		return 0, device{}, fmt.Errorf("CreateDC: %w", err)
	}
	caps := func(i int) int { r, _, _ := procGetDeviceCaps.Call(hdc, uintptr(i)); return int(int32(r)) }
	dev = device{DPIX: caps(logPixelsX), DPIY: caps(logPixelsY), OffX: caps(physicalOffsetX), OffY: caps(physicalOffsetY),
		Width: caps(horzRes), Height: caps(vertRes), PaperW: caps(physicalWidth), PaperH: caps(physicalHeight)}
	return hdc, dev, nil
}

// stretchDIBits draws the w × h DIB 1:1 with its top left at at (GDI
// coordinates).
func stretchDIBits(hdc uintptr, bits, bmi []byte, w, h int, at image.Point) error {
	r, _, err := procStretchDIBits.Call(hdc, uintptr(at.X), uintptr(at.Y), uintptr(w), uintptr(h),
		0, 0, uintptr(w), uintptr(h), uintptr(unsafe.Pointer(&bits[0])), uintptr(unsafe.Pointer(&bmi[0])), dibRGBColors, srcCopy)
	if r == 0 || uint32(r) == 0xFFFFFFFF {
		return fmt.Errorf("StretchDIBits %dx%d at %v: %w", w, h, at, err)
	}
	return nil
}

// docInfoW is DOCINFOW.
type docInfoW struct {
	Size     int32
	DocName  *uint16
	Output   *uint16
	Datatype *uint16
	Type     uint32
}

// a4DevMode returns the printer's DEVMODEW with portrait A4 at 100 % asked
// for, merged by the driver; nil when the driver has none to give.
func a4DevMode(printer *uint16) ([]byte, error) {
	var h windows.Handle
	if r, _, err := procOpenPrinter.Call(uintptr(unsafe.Pointer(printer)), uintptr(unsafe.Pointer(&h)), 0); r == 0 {
		return nil, fmt.Errorf("OpenPrinter: %w", err)
	}
	defer procClosePrinter.Call(uintptr(h))
	n, _, _ := procDocumentProps.Call(0, uintptr(h), uintptr(unsafe.Pointer(printer)), 0, 0, 0)
	if int32(n) < devModeSize {
		return nil, nil
	}
	dm := make([]byte, n)
	p := uintptr(unsafe.Pointer(&dm[0]))
	if r, _, _ := procDocumentProps.Call(0, uintptr(h), uintptr(unsafe.Pointer(printer)), p, 0, dmOutBuffer); int32(r) < 0 {
		return nil, nil
	}
	setDevModeA4(dm)
	if r, _, _ := procDocumentProps.Call(0, uintptr(h), uintptr(unsafe.Pointer(printer)), p, p, dmInBuffer|dmOutBuffer); int32(r) < 0 {
		return nil, nil
	}
	return dm, nil
}
