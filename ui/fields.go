package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
)

// commitEntry is an Entry that reports when the clerk leaves it, so a
// draft is saved field by field without saving on every key press.
type commitEntry struct {
	widget.Entry
	onLeave func()
	nav     *focusNav // the intake's keyboard layer (intake_keys.go), or nil
}

func (e *commitEntry) setNav(n *focusNav) { e.nav = n }

// AcceptsTab hands Tab to the nav, when there is one.
func (e *commitEntry) AcceptsTab() bool { return e.nav != nil || e.Entry.AcceptsTab() }

// FocusGained brings the entry into view.
func (e *commitEntry) FocusGained() {
	e.Entry.FocusGained()
	if e.nav != nil {
		e.nav.reveal(e)
	}
}

func (e *commitEntry) KeyDown(ev *fyne.KeyEvent) {
	e.Entry.KeyDown(ev)
	if e.nav != nil {
		e.nav.keyDown(ev)
	}
}

func (e *commitEntry) KeyUp(ev *fyne.KeyEvent) {
	e.Entry.KeyUp(ev)
	if e.nav != nil {
		e.nav.keyUp(ev)
	}
}

// TypedKey gives Tab to the nav.
func (e *commitEntry) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyTab && e.nav != nil {
		e.nav.tab(e)
		return
	}
	e.Entry.TypedKey(ev)
}

func newCommitEntry() *commitEntry {
	e := &commitEntry{}
	e.ExtendBaseWidget(e)
	return e
}

// TypedShortcut runs a window shortcut, else edits as an Entry does.
func (e *commitEntry) TypedShortcut(s fyne.Shortcut) {
	if globalShortcut(e, s) {
		return
	}
	e.Entry.TypedShortcut(s)
}

// FocusLost saves what was typed.
func (e *commitEntry) FocusLost() {
	e.Entry.FocusLost()
	if e.onLeave != nil {
		e.onLeave()
	}
}

// FieldInput is the widget of one form field with its problem label.
type FieldInput struct {
	Field   *casework.Field
	Entry   *commitEntry       // text-like fields
	Select  *navSelect         // enum and division fields: chosen by typing
	Radio   *widget.RadioGroup // boolean fields
	Key     *keyRadio          // Radio as one keyboard stop
	Derived *widget.Label      // computed fields
	Photo   *navButton         // photo fields: attach a file; the value is its hash
	Problem *canvas.Text
	Label   *widget.Label
	codes   []string
	labels  []string
}

// newFieldInput makes the input for f; changed is called with the new value
// after each change, commit when the value should be saved.
func newFieldInput(cat *casework.Catalogue, f *casework.Field, changed func(string), commit func()) *FieldInput {
	in := &FieldInput{Field: f, Problem: canvas.NewText("", theme.Color(theme.ColorNameError)), Label: widget.NewLabel(f.Label)}
	in.Problem.TextSize = theme.TextSize() * 0.85
	switch f.Type {
	case casework.TypeEnum, casework.TypeDivision:
		in.codes, in.labels = Options(cat, f)
		in.Select = newNavSelect(in.labels, func(label string) {
			changed(in.codeOf(label))
			commit()
		})
	case casework.TypeBoolean:
		in.Radio = widget.NewRadioGroup([]string{"是", "否"}, func(v string) {
			changed(v)
			commit()
		})
		in.Radio.Horizontal = true
		in.Key = newKeyRadio(in.Radio)
	case casework.TypeDerived:
		in.Derived = widget.NewLabel("")
	case casework.TypePhoto:
		in.Photo = newNavButton(T("intake.material.attach"), nil)
	default:
		e := newCommitEntry()
		switch f.Type {
		case casework.TypeDate:
			e.SetPlaceHolder("YYYY-MM-DD")
		}
		if f.Help != "" && e.PlaceHolder == "" {
			e.SetPlaceHolder(f.Help)
		}
		e.OnChanged = changed
		e.onLeave = commit
		in.Entry = e
	}
	return in
}

func (in *FieldInput) codeOf(label string) string {
	for i, l := range in.labels {
		if l == label {
			return in.codes[i]
		}
	}
	return ""
}

// Set shows value v without firing change callbacks.
func (in *FieldInput) Set(v string) {
	switch {
	case in.Select != nil:
		for i, c := range in.codes {
			if c == v {
				if in.Select.Selected != in.labels[i] {
					in.Select.Selected = in.labels[i]
					in.Select.Refresh()
				}
				return
			}
		}
		in.Select.Selected = ""
		in.Select.Refresh()
	case in.Radio != nil:
		if in.Radio.Selected != v {
			in.Radio.Selected = v
			in.Radio.Refresh()
		}
	case in.Derived != nil:
		in.Derived.SetText(v)
	case in.Photo != nil:
		if v == "" {
			in.Photo.SetText(T("intake.material.attach"))
		} else {
			in.Photo.SetText(T("intake.material.attached", map[string]any{"N": 1}))
		}
	default:
		if in.Entry.Text != v {
			cb := in.Entry.OnChanged
			in.Entry.OnChanged = nil
			in.Entry.SetText(v)
			in.Entry.OnChanged = cb
		}
	}
}

// SelectCode chooses option code as if the clerk picked it.
func (in *FieldInput) SelectCode(code string) {
	for i, c := range in.codes {
		if c == code {
			in.Select.SetSelected(in.labels[i])
			return
		}
	}
}

// Focusable returns what takes the keyboard for this field, or nil.
func (in *FieldInput) Focusable() fyne.Focusable {
	switch {
	case in.Select != nil:
		return in.Select
	case in.Key != nil:
		return in.Key
	case in.Entry != nil:
		return in.Entry
	case in.Photo != nil:
		return in.Photo
	}
	return nil
}

// ShowProblem shows msg under the field (empty clears it).
func (in *FieldInput) ShowProblem(msg string, warning bool) {
	in.Problem.Text = msg
	if warning {
		in.Problem.Color = theme.Color(theme.ColorNameWarning)
	} else {
		in.Problem.Color = theme.Color(theme.ColorNameError)
	}
	in.Problem.Refresh()
}

// Row lays out label, input and problem.
func (in *FieldInput) Row(required bool) fyne.CanvasObject {
	label := in.Field.Label
	if required {
		label += " *"
	}
	in.Label.SetText(label)
	var obj fyne.CanvasObject
	switch {
	case in.Select != nil:
		obj = in.Select
	case in.Key != nil:
		obj = in.Key
	case in.Derived != nil:
		obj = in.Derived
	case in.Photo != nil:
		obj = container.NewHBox(in.Photo)
	default:
		obj = in.Entry
	}
	return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(190, 36), in.Label), nil,
		container.NewVBox(obj, in.Problem))
}
