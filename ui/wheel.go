package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// wheelFactor is how far one notch of the mouse wheel moves a form. The
// desktop driver gives 25 px a notch, about one line; three lines is what
// people expect of a wheel.
const wheelFactor = 3

// wheelLayer lies over a scrolled form and takes the mouse wheel wherever
// the pointer is. Without it the wheel goes to the innermost scrollable
// widget under the pointer, and every Entry has its own scroller that
// swallows it: the form scrolled only over its labels. The layer takes
// nothing but the wheel, so taps, hovers and the keyboard reach the
// widgets below.
type wheelLayer struct {
	widget.BaseWidget
	scroll *container.Scroll
}

func newWheelLayer(s *container.Scroll) *wheelLayer {
	w := &wheelLayer{scroll: s}
	w.ExtendBaseWidget(w)
	return w
}

// Scrolled moves the form by wheelFactor times the wheel's delta.
func (w *wheelLayer) Scrolled(ev *fyne.ScrollEvent) {
	e := *ev
	e.Scrolled = fyne.NewDelta(ev.Scrolled.DX*wheelFactor, ev.Scrolled.DY*wheelFactor)
	w.scroll.Scrolled(&e)
}

func (w *wheelLayer) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewWithoutLayout())
}

// wheelScroll returns a vertical scroll of content with a wheelLayer over
// it: the scroll to keep, and the object to lay out.
func wheelScroll(content fyne.CanvasObject) (*container.Scroll, fyne.CanvasObject) {
	s := container.NewVScroll(content)
	return s, container.NewStack(s, newWheelLayer(s))
}

// wheelView is wheelScroll for a screen that does not keep its scroll.
func wheelView(content fyne.CanvasObject) fyne.CanvasObject {
	_, v := wheelScroll(content)
	return v
}
