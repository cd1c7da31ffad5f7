package ui

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/scan"
)

// The desk's scanners (设置): the folder a document camera (高拍仪) saves
// into, and a SANE scanner. They are the desk's: anyone may set them.
const (
	SettingScanFolder = "scan.folder"
	SettingScanDevice = "scan.device"
)

// scanBar is the intake's way of taking scans into the materials: new
// images in the camera's folder are offered one at a time for the material
// being collected (ScanTarget: the one the clerk last worked on), and
// 扫描仪扫描 scans straight into it.
type scanBar struct {
	Target   *widget.Select
	Offer    *widget.Label
	Attach   *widget.Button
	Skip     *widget.Button
	ScanBtn  *widget.Button
	Info     *widget.Label
	box      *fyne.Container
	offerRow *fyne.Container
	codes    []string // material codes by Target option
	pending  []string // offered files, oldest first
	stop     context.CancelFunc
	device   string
	// onOffer, when set, runs after a file is offered (tests).
	onOffer func(path string)
}

func (s *IntakeScreen) newScanBar() *scanBar {
	b := &scanBar{Target: widget.NewSelect(nil, nil), Offer: widget.NewLabel(""), Info: widget.NewLabel("")}
	b.Target.PlaceHolder = T("common.choose")
	b.Info.Wrapping = fyne.TextWrapWord
	b.Attach = widget.NewButton(T("scan.attach"), s.attachOffered)
	b.Attach.Importance = widget.HighImportance
	b.Skip = widget.NewButton(T("scan.skip"), s.skipOffered)
	b.ScanBtn = widget.NewButton(T("scan.button"), s.ScanNow)
	b.device, _ = s.d.Svc.Store.Setting(s.d.ctx(), SettingScanDevice)
	b.device = strings.TrimSpace(b.device)
	if b.device == "" {
		b.ScanBtn.Hide()
	}
	b.offerRow = container.NewHBox(b.Offer, b.Attach, b.Skip)
	b.offerRow.Hide()
	b.box = container.NewVBox(container.NewBorder(nil, nil, widget.NewLabel(T("scan.target")), b.ScanBtn, b.Target), b.offerRow, b.Info)
	if folder, _ := s.d.Svc.Store.Setting(s.d.ctx(), SettingScanFolder); strings.TrimSpace(folder) == "" && b.device == "" {
		b.box.Hide() // no camera folder, no scanner: files are attached one by one
	}
	return b
}

// refreshTargets offers the checklist's materials, keeping the choice.
func (s *IntakeScreen) refreshTargets(cl *casework.Checklist) {
	b := s.scans
	cur := b.selected()
	b.codes = b.codes[:0]
	var names []string
	for _, l := range cl.Lines {
		b.codes = append(b.codes, l.Material.Code)
		names = append(names, l.Material.Name)
	}
	b.Target.Options = names
	b.Target.Selected = ""
	for i, c := range b.codes {
		if c == cur {
			b.Target.Selected = names[i]
		}
	}
	if b.Target.Selected == "" && s.C != nil {
		// the first material still to be brought, until the clerk works on one
		for i, c := range b.codes {
			if ms := s.C.Materials[c]; ms != nil && ms.Status == casework.MaterialRequired && len(ms.Attachments) == 0 {
				b.Target.Selected = names[i]
				break
			}
		}
	}
	b.Target.Refresh()
}

func (b *scanBar) selected() string {
	if i := b.Target.SelectedIndex(); i >= 0 && i < len(b.codes) {
		return b.codes[i]
	}
	return ""
}

// collecting makes material code the one scans go to.
func (s *IntakeScreen) collecting(code string) {
	for i, c := range s.scans.codes {
		if c == code {
			s.scans.Target.SetSelectedIndex(i)
		}
	}
}

// watchScans watches the camera's folder while the intake is on screen.
func (s *IntakeScreen) watchScans() {
	dir, _ := s.d.Svc.Store.Setting(s.d.ctx(), SettingScanFolder)
	dir = strings.TrimSpace(dir)
	if dir == "" || s.scans.stop != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.scans.stop = cancel
	go func() {
		err := scan.WatchFolder(ctx, dir, scan.Settle, func(p string) { fyne.Do(func() { s.offerScan(p) }) })
		if err != nil && ctx.Err() == nil {
			fyne.Do(func() { s.scans.Info.SetText(T("scan.err.folder", map[string]any{"Dir": dir})) })
		}
	}()
}

// Leave stops watching the camera's folder and polling the card reader.
func (s *IntakeScreen) Leave() {
	if s.scans.stop != nil {
		s.scans.stop()
		s.scans.stop = nil
	}
	s.stopCardPoll()
}

func (s *IntakeScreen) stopCardPoll() {
	if s.cardPoll != nil {
		s.cardPoll.stop()
		s.cardPoll = nil
	}
}

// Resume watches the camera's folder and polls the reader again after the
// lock.
func (s *IntakeScreen) Resume() {
	s.watchScans()
	s.pollCard()
}

// offerScan queues a new file of the camera's folder and shows the oldest.
func (s *IntakeScreen) offerScan(path string) {
	b := s.scans
	b.pending = append(b.pending, path)
	s.showOffer()
	if b.onOffer != nil {
		b.onOffer(path)
	}
}

func (s *IntakeScreen) showOffer() {
	b := s.scans
	if len(b.pending) == 0 {
		b.offerRow.Hide()
		return
	}
	text := T("scan.offer", map[string]any{"Name": filepath.Base(b.pending[0])})
	if n := len(b.pending); n > 1 {
		text += " " + T("scan.offer.more", map[string]any{"N": n - 1})
	}
	b.Offer.SetText(text)
	b.offerRow.Show()
}

// attachOffered attaches the offered file to the chosen material.
func (s *IntakeScreen) attachOffered() {
	b := s.scans
	if len(b.pending) == 0 {
		return
	}
	code := b.selected()
	if s.C == nil || code == "" {
		b.Info.SetText(T("scan.err.target"))
		return
	}
	path := b.pending[0]
	b.pending = b.pending[1:]
	s.showOffer()
	name := filepath.Base(path)
	// a 12-megapixel picture takes a second or two to shrink on two
	// cores: off the UI goroutine when the desk is Async
	compress := func() ([]byte, string) {
		f, err := os.Open(path)
		if err != nil {
			return nil, T("scan.err.gone", map[string]any{"Name": name})
		}
		defer f.Close()
		data, err := scan.Compress(f, scan.DefaultLimits)
		if err != nil {
			return nil, T("scan.err.image", map[string]any{"Name": name})
		}
		return data, ""
	}
	done := func(data []byte, problem string) {
		b.Attach.Enable()
		if problem != "" {
			b.Info.SetText(problem)
			return
		}
		s.attachScan(code, data)
	}
	if !s.d.Async {
		done(compress())
		return
	}
	b.Attach.Disable()
	b.Info.SetText(T("scan.compressing", map[string]any{"Name": name}))
	go func() {
		data, problem := compress()
		fyne.Do(func() { done(data, problem) })
	}()
}

func (s *IntakeScreen) skipOffered() {
	if len(s.scans.pending) > 0 {
		s.scans.pending = s.scans.pending[1:]
	}
	s.showOffer()
}

// ScanNow scans a page with the SANE scanner of 设置 into the chosen
// material; off the UI goroutine when the desk is Async.
func (s *IntakeScreen) ScanNow() {
	b := s.scans
	code := b.selected()
	if s.C == nil || code == "" {
		b.Info.SetText(T("scan.err.target"))
		return
	}
	sc := scan.SANE{Device: b.device}
	b.Info.SetText(T("scan.scanning"))
	run := func() ([]byte, error) {
		png, err := sc.Scan(s.d.ctx())
		if err != nil {
			return nil, err
		}
		return scan.Compress(bytes.NewReader(png), scan.DefaultLimits)
	}
	done := func(data []byte, err error) {
		switch {
		case errors.Is(err, scan.ErrNoSANE):
			b.Info.SetText(T("scan.err.nosane"))
		case err != nil:
			b.Info.SetText(T("scan.err.sane"))
		default:
			s.attachScan(code, data)
		}
	}
	if !s.d.Async {
		done(run())
		return
	}
	go func() {
		data, err := run()
		fyne.Do(func() { done(data, err) })
	}()
}

// attachScan stores a compressed scan with material code.
func (s *IntakeScreen) attachScan(code string, data []byte) {
	if s.C == nil || s.C.Materials[code] == nil {
		s.scans.Info.SetText(T("scan.err.target"))
		return
	}
	s.attachBytes(code, data) // compressed already
	name := code
	if m := s.cat.Material(code); m != nil {
		name = m.Name
	}
	s.scans.Info.SetText(T("scan.done", map[string]any{"Material": name}))
}

// scanSettings are 设置's rows for the scanners.
type scanSettings struct {
	Folder *shortcutEntry
	Device *shortcutEntry
}

func newScanSettings(get func(string) string) *scanSettings {
	c := &scanSettings{Folder: newEntry(), Device: newEntry()}
	c.Folder.SetText(get(SettingScanFolder))
	c.Folder.SetPlaceHolder(T("scan.folder.hint"))
	c.Device.SetText(get(SettingScanDevice))
	c.Device.SetPlaceHolder(T("scan.device.hint"))
	return c
}

func (c *scanSettings) values(v map[string]string) {
	v[SettingScanFolder] = strings.TrimSpace(c.Folder.Text)
	v[SettingScanDevice] = strings.TrimSpace(c.Device.Text)
}

func (c *scanSettings) formItems() []*widget.FormItem {
	return []*widget.FormItem{widget.NewFormItem(T("scan.folder"), c.Folder), widget.NewFormItem(T("scan.device"), c.Device)}
}
