package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
)

// formGroup is one group of the unified form as laid out (基本信息, 服役信息, …).
type formGroup struct {
	name   string
	fields []*casework.FormField
}

// initKeys sets up the intake's keyboard layer (intake_keys.go).
func (s *IntakeScreen) initKeys() {
	s.fieldOf = map[fyne.Focusable]string{}
	s.prefilled = map[string]string{}
	s.matKeys = map[string]*keyRadio{}
	s.index = container.NewVBox()
	s.nav = &focusNav{
		order: func() []fyne.Focusable { return s.order },
		skip: func(o fyne.Focusable) bool {
			code := s.fieldOf[o]
			return code != "" && s.isPrefilled(code)
		},
		group: func(o fyne.Focusable) []fyne.Focusable {
			if c, ok := o.(*navCheck); ok {
				var items []fyne.Focusable
				found := false
				for _, it := range s.cat.Items {
					items = append(items, s.Items[it.Code])
					found = found || s.Items[it.Code] == c
				}
				if found {
					return items
				}
			}
			return nil
		},
		scroll: func() *container.Scroll { return s.scroll },
	}
	for _, w := range []navigable{s.ID, s.Category, s.Placement, s.Review, s.Accept, s.SaveBtn} {
		w.setNav(s.nav)
	}
	for _, c := range s.Items {
		c.setNav(s.nav)
	}
}

// prefill marks fields as filled from what is already known (the ID
// number, the roster, the ID card): Tab passes over them while they keep
// that value, and their label says 已预填.
func (s *IntakeScreen) prefill(codes ...string) {
	for _, code := range codes {
		if v := s.C.Values[code]; v != "" {
			s.prefilled[code] = v
		}
	}
}

// NewIntakeScreenFromApplication opens draft c started from an online
// application: every value it came with is pre-filled, marked so and
// passed over by Tab.
func NewIntakeScreenFromApplication(d *Desk, c *casework.Case) *IntakeScreen {
	s := NewIntakeScreenFor(d, c)
	for code := range c.Values {
		s.prefill(code)
	}
	s.rebuild()
	return s
}

// isPrefilled reports whether field code still holds its pre-filled value.
func (s *IntakeScreen) isPrefilled(code string) bool {
	v, ok := s.prefilled[code]
	return ok && s.C != nil && s.C.Values[code] == v
}

// missing counts the required fields of g still empty.
func (s *IntakeScreen) missing(g formGroup) int {
	n := 0
	for _, ff := range g.fields {
		if ff.Required && ff.Field.Type != casework.TypeDerived && s.C.Values[ff.Field.Code] == "" {
			n++
		}
	}
	return n
}

// refreshIndex shows the form's groups beside it, each with what is still
// missing; a click (or Ctrl+PageDown/PageUp) jumps to the group.
func (s *IntakeScreen) refreshIndex() {
	if s.C == nil {
		return
	}
	s.index.Objects = nil
	s.index.Add(widget.NewLabelWithStyle(T("intake.index.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	for i, g := range s.groups {
		i := i
		text := g.name + " · " + T("intake.index.done")
		imp := widget.LowImportance
		if n := s.missing(g); n > 0 {
			text = g.name + " · " + T("intake.index.missing", map[string]any{"N": n})
			imp = widget.MediumImportance
		}
		b := widget.NewButton(text, func() { s.jumpGroup(i) })
		b.Alignment = widget.ButtonAlignLeading
		b.Importance = imp
		s.index.Add(b)
	}
	s.index.Refresh()
	s.refreshSide()
}

// refreshSide lays the side panel out again after the index or the
// problems changed size, from the top.
func (s *IntakeScreen) refreshSide() {
	if s.side == nil {
		return
	}
	s.side.Content.Refresh()
	s.side.ScrollToTop()
	s.side.Refresh()
}

// GroupNames returns the side index's lines, for tests.
func (s *IntakeScreen) GroupNames() []string {
	var out []string
	for _, g := range s.groups {
		out = append(out, fmt.Sprintf("%s:%d", g.name, s.missing(g)))
	}
	return out
}

// groupOf returns the index of the group holding the focused field, or -1.
func (s *IntakeScreen) groupOf(o fyne.Focusable) int {
	code := s.fieldOf[o]
	for i, g := range s.groups {
		for _, ff := range g.fields {
			if ff.Field.Code == code {
				return i
			}
		}
	}
	return -1
}

// jumpGroup focuses group i's first required field still empty, else its
// first field that takes the keyboard.
func (s *IntakeScreen) jumpGroup(i int) {
	if i < 0 || i >= len(s.groups) {
		return
	}
	var first fyne.Focusable
	for _, ff := range s.groups[i].fields {
		in := s.Inputs[ff.Field.Code]
		if in == nil || in.Focusable() == nil || !usable(in.Focusable()) {
			continue
		}
		if first == nil {
			first = in.Focusable()
		}
		if ff.Required && s.C.Values[ff.Field.Code] == "" {
			first = in.Focusable()
			break
		}
	}
	if first != nil {
		s.focus(first)
	}
}

// NextGroup jumps to the next group of the form (Ctrl+PageDown).
func (s *IntakeScreen) NextGroup() {
	if s.C == nil {
		return
	}
	s.jumpGroup(s.groupOf(s.d.Win.Canvas().Focused()) + 1)
}

// PrevGroup jumps to the previous group (Ctrl+PageUp); from before the
// form it goes to the last group.
func (s *IntakeScreen) PrevGroup() {
	if s.C == nil {
		return
	}
	i := s.groupOf(s.d.Win.Canvas().Focused())
	if i < 0 {
		i = len(s.groups)
	}
	s.jumpGroup(i - 1)
}

// focus gives o the keyboard and brings it into view (also when it had the
// keyboard already).
func (s *IntakeScreen) focus(o fyne.Focusable) {
	s.d.Win.Canvas().Focus(o)
	if co, ok := o.(fyne.CanvasObject); ok {
		s.nav.reveal(co)
	}
}

// scanInto brings a scan into material code (Space on its status): the
// camera's offered image if one waits, else the scanner's page, else a
// file to choose.
func (s *IntakeScreen) scanInto(code string) {
	switch {
	case len(s.scans.pending) > 0:
		s.attachOffered()
	case s.scans.device != "":
		s.ScanNow()
	default:
		s.attach(code)
	}
}

// ShortcutHelp is the line of shortcuts the window shows on the intake.
func (s *IntakeScreen) ShortcutHelp() string { return T("shell.shortcuts.intake") }
