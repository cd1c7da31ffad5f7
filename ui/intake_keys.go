package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The intake's keyboard layer. Fyne moves the focus on Tab through every
// focusable widget in tree order and never scrolls (fyne-io/fyne#3029).
// The intake's widgets therefore take Tab themselves (fyne.Tabbable) and
// hand it to their focusNav, which moves along the intake's own order:
// pre-filled fields are passed over going forward (Shift+Tab still reaches
// them), the item checkboxes are one stop (arrows move inside). Every
// widget tells the nav when it gains the focus, however it got it (Tab,
// Enter, a click, the jump to the first problem), and the nav scrolls it
// into view with some of the form above it.

// focusContext is how much of the form stays visible above the focused
// widget: its label row and a little of the field before.
const focusContext = 56

// focusNav moves the keyboard through one screen's widgets.
type focusNav struct {
	// order is the Tab order; skip says whether Tab forward passes over a
	// widget (pre-filled); group gives the widgets that are one Tab stop.
	order  func() []fyne.Focusable
	skip   func(fyne.Focusable) bool
	group  func(fyne.Focusable) []fyne.Focusable
	scroll func() *container.Scroll
	shift  bool // Shift held, as KeyDown and KeyUp told
}

// navigable is what the nav's widgets share.
type navigable interface {
	fyne.Focusable
	setNav(*focusNav)
}

func (n *focusNav) canvas(o fyne.CanvasObject) fyne.Canvas {
	return fyne.CurrentApp().Driver().CanvasForObject(o)
}

// keyDown and keyUp track Shift for Shift+Tab.
func (n *focusNav) keyDown(ev *fyne.KeyEvent) {
	if ev.Name == desktop.KeyShiftLeft || ev.Name == desktop.KeyShiftRight {
		n.shift = true
	}
}

func (n *focusNav) keyUp(ev *fyne.KeyEvent) {
	if ev.Name == desktop.KeyShiftLeft || ev.Name == desktop.KeyShiftRight {
		n.shift = false
	}
}

// back reports whether Tab now goes backwards.
func (n *focusNav) back() bool {
	if d, ok := fyne.CurrentApp().Driver().(desktop.Driver); ok && d.CurrentKeyModifiers()&fyne.KeyModifierShift != 0 {
		return true
	}
	return n.shift
}

// usable reports whether o can take the keyboard now.
func usable(o fyne.Focusable) bool {
	if d, ok := o.(fyne.Disableable); ok && d.Disabled() {
		return false
	}
	if co, ok := o.(fyne.CanvasObject); ok && !co.Visible() {
		return false
	}
	return true
}

// tab moves on from `from`, backwards with Shift.
func (n *focusNav) tab(from fyne.Focusable) {
	n.move(from, n.back())
}

// next moves forward from `from` (Enter).
func (n *focusNav) next(from fyne.Focusable) { n.move(from, false) }

func (n *focusNav) move(from fyne.Focusable, back bool) {
	order := n.order()
	at := -1
	for i, o := range order {
		if o == from {
			at = i
		}
	}
	c := n.canvas(from.(fyne.CanvasObject))
	if c == nil {
		return
	}
	if at < 0 {
		if back {
			c.FocusPrevious()
		} else {
			c.FocusNext()
		}
		return
	}
	var fromGroup []fyne.Focusable
	if n.group != nil {
		fromGroup = n.group(from)
	}
	step := 1
	if back {
		step = -1
	}
	for k := 1; k <= len(order); k++ {
		o := order[((at+step*k)%len(order)+len(order))%len(order)]
		if !usable(o) || containsFocusable(fromGroup, o) {
			continue
		}
		if n.group != nil {
			if g := n.group(o); len(g) > 0 && firstUsable(g) != o {
				continue // a group is entered at its first usable member
			}
		}
		if !back && n.skip != nil && n.skip(o) {
			continue
		}
		c.Focus(o)
		return
	}
}

func containsFocusable(list []fyne.Focusable, o fyne.Focusable) bool {
	for _, x := range list {
		if x == o {
			return true
		}
	}
	return false
}

func firstUsable(list []fyne.Focusable) fyne.Focusable {
	for _, o := range list {
		if usable(o) {
			return o
		}
	}
	return nil
}

// within moves inside the group of `from` (arrow keys): by one, or stays.
func (n *focusNav) within(from fyne.Focusable, step int) {
	if n.group == nil {
		return
	}
	g := n.group(from)
	at := -1
	for i, o := range g {
		if o == from {
			at = i
		}
	}
	if at < 0 {
		return
	}
	for i := at + step; i >= 0 && i < len(g); i += step {
		if usable(g[i]) {
			if c := n.canvas(from.(fyne.CanvasObject)); c != nil {
				c.Focus(g[i])
			}
			return
		}
	}
}

// reveal scrolls o into the visible part of the scroll, with focusContext
// above it; it does nothing for what lies outside the scroll.
func (n *focusNav) reveal(o fyne.CanvasObject) {
	if n.scroll == nil {
		return
	}
	sc := n.scroll()
	if sc == nil || sc.Content == nil {
		return
	}
	drv := fyne.CurrentApp().Driver()
	y := drv.AbsolutePositionForObject(o).Y - drv.AbsolutePositionForObject(sc.Content).Y
	h := o.Size().Height
	if y < 0 || y+h > sc.Content.Size().Height {
		return // not in the scroll
	}
	view := sc.Size().Height
	off := sc.Offset.Y
	switch {
	case y-focusContext < off:
		off = y - focusContext
	case y+h > off+view:
		off = y + h - view + theme.Padding()
		if y-focusContext < off { // taller than the view: its top wins
			off = y - focusContext
		}
	default:
		return
	}
	maxOff := sc.Content.Size().Height - view
	if off > maxOff {
		off = maxOff
	}
	if off < 0 {
		off = 0
	}
	sc.ScrollToOffset(fyne.NewPos(sc.Offset.X, off))
}

// navSelect is a Select that is chosen by typing (chooser), confirmed with
// Enter, and takes part in the intake's Tab order.
type navSelect struct {
	widget.Select
	nav    *focusNav
	choose chooser
}

func newNavSelect(options []string, changed func(string)) *navSelect {
	s := &navSelect{}
	s.Options = options
	s.OnChanged = changed
	s.PlaceHolder = T("common.choose")
	s.ExtendBaseWidget(s)
	return s
}

func (s *navSelect) setNav(n *focusNav) { s.nav = n }

// AcceptsTab lets the nav move the focus.
func (s *navSelect) AcceptsTab() bool { return s.nav != nil }

func (s *navSelect) FocusGained() {
	s.choose.reset()
	s.Select.FocusGained()
	if s.nav != nil {
		s.nav.reveal(s)
	}
}

func (s *navSelect) KeyDown(ev *fyne.KeyEvent) {
	if s.nav != nil {
		s.nav.keyDown(ev)
	}
}

func (s *navSelect) KeyUp(ev *fyne.KeyEvent) {
	if s.nav != nil {
		s.nav.keyUp(ev)
	}
}

// TypedRune chooses the option typed so far names.
func (s *navSelect) TypedRune(r rune) {
	if i := s.choose.add(s.Options, r); i >= 0 && i != s.SelectedIndex() {
		s.SetSelectedIndex(i)
	}
}

// TypedKey: Enter confirms and moves on, Tab goes to the nav, the rest
// (Space and the arrows) as a Select.
func (s *navSelect) TypedKey(ev *fyne.KeyEvent) {
	switch {
	case ev.Name == fyne.KeyTab && s.nav != nil:
		s.nav.tab(s)
	case (ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter) && s.nav != nil:
		s.nav.next(s)
	case ev.Name == fyne.KeySpace || ev.Name == fyne.KeyUp || ev.Name == fyne.KeyDown || ev.Name == fyne.KeyLeft || ev.Name == fyne.KeyRight:
		s.choose.reset()
		s.Select.TypedKey(ev)
	}
}

// navCheck is a Check in the intake's Tab order; the arrows move inside
// its group (the items).
type navCheck struct {
	widget.Check
	nav *focusNav
}

func newNavCheck(label string, changed func(bool)) *navCheck {
	c := &navCheck{}
	c.Text = label
	c.OnChanged = changed
	c.ExtendBaseWidget(c)
	return c
}

func (c *navCheck) setNav(n *focusNav) { c.nav = n }
func (c *navCheck) AcceptsTab() bool   { return c.nav != nil }

func (c *navCheck) FocusGained() {
	c.Check.FocusGained()
	if c.nav != nil {
		c.nav.reveal(c)
	}
}

func (c *navCheck) KeyDown(ev *fyne.KeyEvent) {
	if c.nav != nil {
		c.nav.keyDown(ev)
	}
}

func (c *navCheck) KeyUp(ev *fyne.KeyEvent) {
	if c.nav != nil {
		c.nav.keyUp(ev)
	}
}

func (c *navCheck) TypedKey(ev *fyne.KeyEvent) {
	if c.nav == nil {
		c.Check.TypedKey(ev)
		return
	}
	switch ev.Name {
	case fyne.KeyTab:
		c.nav.tab(c)
	case fyne.KeyReturn, fyne.KeyEnter:
		c.nav.next(c)
	case fyne.KeyDown, fyne.KeyRight:
		c.nav.within(c, 1)
	case fyne.KeyUp, fyne.KeyLeft:
		c.nav.within(c, -1)
	default:
		c.Check.TypedKey(ev)
	}
}

// navButton is a Button in the intake's Tab order; Enter presses it too.
type navButton struct {
	widget.Button
	nav *focusNav
}

func newNavButton(label string, tapped func()) *navButton {
	b := &navButton{}
	b.Text = label
	b.OnTapped = tapped
	b.ExtendBaseWidget(b)
	return b
}

func (b *navButton) setNav(n *focusNav) { b.nav = n }
func (b *navButton) AcceptsTab() bool   { return b.nav != nil }

func (b *navButton) FocusGained() {
	b.Button.FocusGained()
	if b.nav != nil {
		b.nav.reveal(b)
	}
}

func (b *navButton) KeyDown(ev *fyne.KeyEvent) {
	if b.nav != nil {
		b.nav.keyDown(ev)
	}
}

func (b *navButton) KeyUp(ev *fyne.KeyEvent) {
	if b.nav != nil {
		b.nav.keyUp(ev)
	}
}

func (b *navButton) TypedKey(ev *fyne.KeyEvent) {
	switch {
	case ev.Name == fyne.KeyTab && b.nav != nil:
		b.nav.tab(b)
	case ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter:
		if !b.Disabled() && b.OnTapped != nil {
			b.OnTapped()
		}
	default:
		b.Button.TypedKey(ev)
	}
}

// keyRadio makes a RadioGroup one keyboard stop, framed while focused:
// typing chooses (the option's number, text or pinyin initials: 1 or s for
// 是), the arrows step through the options, Space runs onSpace when set (a
// material's scan), Enter moves on. The group's own items still take the
// mouse. The keys are named in the window's shortcut line, not beside the
// group (a hint shown on focus changed the row's width, and the form moved
// under the focus).
type keyRadio struct {
	widget.BaseWidget
	Group   *widget.RadioGroup
	onSpace func()
	nav     *focusNav
	choose  chooser
	focused bool
	frame   *canvas.Rectangle
}

func newKeyRadio(g *widget.RadioGroup) *keyRadio {
	k := &keyRadio{Group: g}
	k.ExtendBaseWidget(k)
	return k
}

func (k *keyRadio) setNav(n *focusNav) { k.nav = n }
func (k *keyRadio) AcceptsTab() bool   { return k.nav != nil }

func (k *keyRadio) CreateRenderer() fyne.WidgetRenderer {
	k.frame = canvas.NewRectangle(color.Transparent)
	k.frame.StrokeWidth = 2
	k.frame.CornerRadius = theme.InputRadiusSize()
	return &keyRadioRenderer{k: k, objects: []fyne.CanvasObject{k.frame, k.Group}}
}

func (k *keyRadio) FocusGained() {
	k.focused = true
	k.choose.reset()
	k.Refresh()
	if k.nav != nil {
		k.nav.reveal(k)
	}
}

func (k *keyRadio) FocusLost() {
	k.focused = false
	k.Refresh()
}

func (k *keyRadio) KeyDown(ev *fyne.KeyEvent) {
	if k.nav != nil {
		k.nav.keyDown(ev)
	}
}

func (k *keyRadio) KeyUp(ev *fyne.KeyEvent) {
	if k.nav != nil {
		k.nav.keyUp(ev)
	}
}

func (k *keyRadio) selectedIndex() int {
	for i, o := range k.Group.Options {
		if o == k.Group.Selected {
			return i
		}
	}
	return -1
}

// TypedRune chooses by typing; Space runs onSpace.
func (k *keyRadio) TypedRune(r rune) {
	if k.Group.Disabled() {
		return
	}
	if r == ' ' {
		if k.onSpace != nil {
			k.onSpace()
		}
		return
	}
	if i := k.choose.add(k.Group.Options, r); i >= 0 && k.Group.Options[i] != k.Group.Selected {
		k.Group.SetSelected(k.Group.Options[i])
	}
}

func (k *keyRadio) TypedKey(ev *fyne.KeyEvent) {
	n := len(k.Group.Options)
	switch ev.Name {
	case fyne.KeyTab:
		if k.nav != nil {
			k.nav.tab(k)
		}
	case fyne.KeyReturn, fyne.KeyEnter:
		if k.nav != nil {
			k.nav.next(k)
		}
	case fyne.KeyRight, fyne.KeyDown:
		if n > 0 && !k.Group.Disabled() {
			k.choose.reset()
			k.Group.SetSelected(k.Group.Options[(k.selectedIndex()+1)%n])
		}
	case fyne.KeyLeft, fyne.KeyUp:
		if n > 0 && !k.Group.Disabled() {
			k.choose.reset()
			i := k.selectedIndex() - 1
			if i < 0 {
				i = n - 1
			}
			k.Group.SetSelected(k.Group.Options[i])
		}
	}
}

type keyRadioRenderer struct {
	k       *keyRadio
	objects []fyne.CanvasObject
}

func (r *keyRadioRenderer) Layout(size fyne.Size) {
	r.objects[0].Resize(size)
	r.objects[1].Resize(size)
}

func (r *keyRadioRenderer) MinSize() fyne.Size { return r.objects[1].MinSize() }

func (r *keyRadioRenderer) Refresh() {
	r.k.frame.StrokeColor = color.Transparent
	if r.k.focused {
		r.k.frame.StrokeColor = theme.Color(theme.ColorNameFocus)
	}
	r.k.frame.Refresh()
	r.objects[1].Refresh()
}

func (r *keyRadioRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *keyRadioRenderer) Destroy()                     {}
