package ui

import (
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// The window's shortcuts (Ctrl+N, Ctrl+F, Ctrl+S, Ctrl+P) reach the canvas
// only when the focused widget does not take shortcuts itself; an Entry
// takes them all and drops those it does not know. The entries of the
// screens are therefore shortcutEntry (and commitEntry), which hand a
// shortcut they do not handle to the desk of their window.

// desks maps a window's canvas to its desk.
var desks sync.Map // fyne.Canvas -> *Desk

// globalShortcut runs the desk's shortcut s for the window holding o; it
// reports whether one ran.
func globalShortcut(o fyne.CanvasObject, s fyne.Shortcut) bool {
	cs, ok := s.(*desktop.CustomShortcut)
	if !ok || cs.Modifier&(fyne.KeyModifierControl|fyne.KeyModifierSuper) == 0 {
		return false
	}
	c := fyne.CurrentApp().Driver().CanvasForObject(o)
	if c == nil {
		return false
	}
	d, ok := desks.Load(c)
	if !ok {
		return false
	}
	return d.(*Desk).runShortcut(cs)
}

// shortcutEntry is an Entry that lets the window's shortcuts through.
type shortcutEntry struct {
	widget.Entry
}

func newEntry() *shortcutEntry {
	e := &shortcutEntry{}
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip) // as widget.NewEntry
	e.ExtendBaseWidget(e)
	return e
}

func newPasswordEntry() *shortcutEntry {
	e := &shortcutEntry{}
	e.Password = true // the renderer adds the reveal button
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	e.ExtendBaseWidget(e)
	return e
}

func newMultiLineEntry() *shortcutEntry {
	e := &shortcutEntry{}
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	e.ExtendBaseWidget(e)
	return e
}

// TypedShortcut runs a window shortcut, else edits as an Entry does.
func (e *shortcutEntry) TypedShortcut(s fyne.Shortcut) {
	if globalShortcut(e, s) {
		return
	}
	e.Entry.TypedShortcut(s)
}
