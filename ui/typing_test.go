package ui

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/counter"
	"vetdesk/printing"
	"vetdesk/store"
)

// keyboard sends key events to a window's canvas the way Fyne's desktop
// driver (internal/driver/glfw, window.go processKeyPressed and
// processCharInput) delivers a physical key: KeyDown to the focused
// widget, Tab and Shift+Tab to the focus chain unless the focused widget
// accepts Tab, Ctrl chords as shortcuts, then TypedKey, then the character
// as TypedRune, then KeyUp. It counts keystrokes: one per key pressed, a
// chord (Shift+Tab, Ctrl+P) once, one per CJK character (committed by the
// input method or pasted: the same in every variant measured).
type keyboard struct {
	c     fyne.Canvas
	n     int
	shift bool
	// onTab runs after every Tab and Shift+Tab.
	onTab func()
}

func (k *keyboard) focused() fyne.Focusable { return k.c.Focused() }

func (k *keyboard) keyDown(ev *fyne.KeyEvent) {
	if f, ok := k.focused().(desktop.Keyable); ok {
		f.KeyDown(ev)
	}
}

func (k *keyboard) keyUp(ev *fyne.KeyEvent) {
	if f, ok := k.focused().(desktop.Keyable); ok {
		f.KeyUp(ev)
	}
}

// press sends one key with modifiers mod and, for a printable key, its
// character r (0 for none).
func (k *keyboard) press(name fyne.KeyName, mod fyne.KeyModifier, r rune) {
	k.n++
	shift := &fyne.KeyEvent{Name: desktop.KeyShiftLeft}
	if mod&fyne.KeyModifierShift != 0 {
		k.keyDown(shift)
	}
	ev := &fyne.KeyEvent{Name: name}
	k.keyDown(ev)
	defer func() {
		k.keyUp(ev)
		if mod&fyne.KeyModifierShift != 0 {
			k.keyUp(shift)
		}
	}()
	other := mod &^ fyne.KeyModifierShift
	if name == fyne.KeyTab && other == 0 {
		if t, ok := k.focused().(fyne.Tabbable); !ok || !t.AcceptsTab() {
			if mod == 0 {
				k.c.(interface{ FocusNext() }).FocusNext()
			} else {
				k.c.(interface{ FocusPrevious() }).FocusPrevious()
			}
			if k.onTab != nil {
				k.onTab()
			}
			return
		}
		defer func() {
			if k.onTab != nil {
				k.onTab()
			}
		}()
	}
	if other != 0 {
		sc := &desktop.CustomShortcut{KeyName: name, Modifier: mod}
		if f, ok := k.focused().(fyne.Shortcutable); ok {
			f.TypedShortcut(sc)
		} else {
			k.c.(interface{ TypedShortcut(fyne.Shortcut) }).TypedShortcut(sc)
		}
		return
	}
	if f := k.focused(); f != nil {
		f.TypedKey(ev)
	} else if h := k.c.OnTypedKey(); h != nil {
		h(ev)
	}
	if r != 0 {
		if f := k.focused(); f != nil {
			f.TypedRune(r)
		} else if h := k.c.OnTypedRune(); h != nil {
			h(r)
		}
	}
}

func (k *keyboard) key(name fyne.KeyName)  { k.press(name, 0, 0) }
func (k *keyboard) tab()                   { k.press(fyne.KeyTab, 0, 0) }
func (k *keyboard) shiftTab()              { k.press(fyne.KeyTab, fyne.KeyModifierShift, 0) }
func (k *keyboard) ctrl(name fyne.KeyName) { k.press(name, fyne.KeyModifierShortcutDefault, 0) }
func (k *keyboard) space()                 { k.press(fyne.KeySpace, 0, ' ') }
func (k *keyboard) enter()                 { k.key(fyne.KeyReturn) }
func (k *keyboard) typeText(s string)      { k.typeRunes([]rune(s)) }
func (k *keyboard) typeRunes(rs []rune) {
	for _, r := range rs {
		name := keyNameOf(r)
		if name == "" { // a CJK character: the input method commits it as text
			k.n++
			if f := k.focused(); f != nil {
				f.TypedRune(r)
			}
			continue
		}
		k.press(name, 0, r)
	}
}

// keyNameOf is the key that types ASCII character r ("" for others).
func keyNameOf(r rune) fyne.KeyName {
	switch {
	case r == ' ':
		return fyne.KeySpace
	case r == '-':
		return fyne.KeyMinus
	case r == '.':
		return fyne.KeyPeriod
	case r == '/':
		return fyne.KeySlash
	case r == ',':
		return fyne.KeyComma
	case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		return fyne.KeyName(string(unicode.ToUpper(r)))
	case r < 0x80:
		return fyne.KeyUnknown
	}
	return ""
}

// inView reports whether o lies inside the visible part of scroll.
func inView(scroll *container.Scroll, o fyne.CanvasObject) bool {
	drv := fyne.CurrentApp().Driver()
	top := drv.AbsolutePositionForObject(scroll).Y
	bottom := top + scroll.Size().Height
	y := drv.AbsolutePositionForObject(o).Y
	return y >= top-0.5 && y+o.Size().Height <= bottom+0.5
}

// intakeScript is the fixed script of a ten-item 自主就业 intake: the
// values the clerk types, the same for every measurement.
func intakeScript(cat *casework.Catalogue) map[string]string {
	g := casework.NewGenerator(cat, 77, fixedNow)
	var v map[string]string
	for {
		v = g.Values()
		if v[casework.FieldPlacement] == "self_employ" {
			break
		}
	}
	v["employer_type"] = "企业"
	v["medical_scheme"] = "职工基本医疗保险" // keeps 医保关系转移接续, so all ten items apply
	return v
}

// intakeRun is the outcome of driving one intake by keyboard.
type intakeRun struct {
	keys    int // keystrokes from the empty intake to the printed receipt
	text    int // of them, the characters of values typed into entries
	tabs    int // Tab and Shift+Tab presses
	unseen  int // Tabs after which the focused widget was outside the view
	fields  int // fields the clerk answered
	caseID  string
	values  map[string]string
	elapsed time.Duration
}

func textOr(l *widget.Label) string {
	if l == nil {
		return "(no message)"
	}
	return l.Text
}

// withPrinter gives the desk a PDF printer into a temporary documents
// folder, so the receipt is really printed.
func (f *fixture) withPrinter(t testing.TB) {
	pr, err := printing.New(printing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	docs := filepath.Join(t.TempDir(), "documents")
	n := 0
	f.desk.Svc.Printer = &counter.Printing{Store: f.st, Cat: f.cat, Printer: pr, Dir: docs,
		Now: func() time.Time { n++; return fixedNow.Add(time.Duration(n) * time.Second) }}
	ctx := context.Background()
	_ = f.st.SetSetting(ctx, SettingPhone, "0631-5200000")
	_ = f.st.SetSetting(ctx, SettingAddress, "威海市环翠区新威路1号")
	f.docs = docs
}

// withRoster puts the script's identity and contact values in the roster,
// as an imported 退役军人名册 would have them.
func (f *fixture) withRoster(t testing.TB, v map[string]string) {
	vals := map[string]string{}
	for _, code := range []string{casework.FieldName, casework.FieldCategory, casework.FieldPlacement, casework.FieldPhone,
		"ethnicity", "political_status", "education", casework.FieldEnlistDate, casework.FieldDischargeDate, "unit", "rank"} {
		if v[code] != "" {
			vals[code] = v[code]
		}
	}
	if _, _, err := f.st.PutRoster(context.Background(), []store.RosterEntry{{IDNumber: v[casework.FieldIDNumber], Hash: "script", Values: vals}}); err != nil {
		t.Fatal(err)
	}
	f.desk.Svc.Roster = func(ctx context.Context, idNumber string) map[string]string {
		got, _ := f.st.RosterValues(ctx, idNumber)
		return got
	}
}

// driveIntake works intake s from the empty screen to the printed
// receipt by keyboard only, typing script v; after every Tab it checks
// whether the focused widget is in view.
func driveIntake(t testing.TB, f *fixture, s *IntakeScreen, v map[string]string) intakeRun {
	t.Helper()
	c := f.win.Canvas()
	run := intakeRun{values: v}
	k := &keyboard{c: c}
	k.onTab = func() {
		run.tabs++
		if o, ok := c.Focused().(fyne.CanvasObject); ok && s.scroll != nil && inside(s.scroll, o) && !inView(s.scroll, o) {
			run.unseen++
		}
	}
	start := time.Now()
	if c.Focused() != s.ID {
		t.Fatalf("the intake opens with the focus on %T, not the ID number", c.Focused())
	}
	k.typeText(v[casework.FieldIDNumber])
	k.enter()
	if s.C == nil {
		t.Fatalf("ID %s refused: %s", v[casework.FieldIDNumber], s.IDInfo.Text)
	}
	owner := map[fyne.Focusable]string{}          // a field's widget (radio items included) → its code
	material := map[fyne.Focusable]string{}       // a material's status radio items → the material
	radioLabel := func(o fyne.Focusable) string { // a radio item's label
		rv := reflect.ValueOf(o)
		if rv.Kind() == reflect.Pointer && rv.Elem().Kind() == reflect.Struct {
			if l := rv.Elem().FieldByName("Label"); l.IsValid() && l.Kind() == reflect.String {
				return l.String()
			}
		}
		return ""
	}
	keyOwner := map[fyne.Focusable]string{}    // a yes/no question's keyboard stop → its field
	keyMaterial := map[fyne.Focusable]string{} // a material's keyboard stop → the material
	index := func() {
		for code, mk := range s.matKeys {
			keyMaterial[mk] = code
		}
		for code, in := range s.Inputs {
			if in.Key != nil {
				keyOwner[in.Key] = code
			}
			if fo := in.Focusable(); fo != nil {
				owner[fo] = code
			}
			if in.Radio != nil {
				walkAll(in.Radio, func(o fyne.CanvasObject) {
					if fo, ok := o.(fyne.Focusable); ok {
						owner[fo] = code
					}
				})
			}
		}
		for code, rg := range s.Materials {
			walkAll(rg, func(o fyne.CanvasObject) {
				if fo, ok := o.(fyne.Focusable); ok {
					material[fo] = code
				}
			})
		}
	}
	original := MaterialStatusName(casework.MaterialOriginal)
	accepted := false
	for step := 0; step < 2000 && !accepted; step++ {
		index()
		fo := c.Focused()
		switch {
		case fo == nil:
			t.Fatalf("nothing focused after %d keys", k.n)
		case fo == fyne.Focusable(s.Category):
			chooseOption(k, s.Category, v[casework.FieldCategory])
		case fo == fyne.Focusable(s.Placement):
			chooseOption(k, s.Placement, s.cat.Placement(v[casework.FieldPlacement]).Name)
		case keyOwner[fo] != "":
			code := keyOwner[fo]
			in := s.Inputs[code]
			if want := v[code]; want != "" && in.Radio.Selected != want {
				k.typeText(shortestTyping(in.Radio.Options, want))
				run.fields++
			}
		case keyMaterial[fo] != "":
			if s.C.Materials[keyMaterial[fo]].Status == casework.MaterialRequired {
				k.typeText(shortestTyping(s.Materials[keyMaterial[fo]].Options, original))
			}
		case fo == fyne.Focusable(s.Accept):
			k.space()
			if s.C.State == casework.CaseDraft {
				t.Fatalf("受理 refused after %d keys (category %q rank %q, script %q %q):\n%s", k.n, s.C.Value(casework.FieldCategory), s.C.Value("rank"), v[casework.FieldCategory], v["rank"], s.Problems.Text)
			}
			accepted = true
			continue
		case owner[fo] != "":
			code := owner[fo]
			in := s.Inputs[code]
			want := v[code]
			switch {
			case want == "":
			case in.Entry != nil && fo == fyne.Focusable(in.Entry):
				if in.Entry.Text != want {
					if in.Entry.Text != "" {
						k.ctrl(fyne.KeyA)
					}
					if in.Field.Type == casework.TypeDate {
						want = strings.ReplaceAll(want, "-", "") // 20230901 is a date too
					}
					before := k.n
					k.typeText(want)
					run.text += k.n - before
					run.fields++
				}
			case in.Select != nil && fo == fyne.Focusable(in.Select):
				if in.codeOf(in.Select.Selected) != want {
					for i, oc := range in.codes {
						if oc == want {
							chooseOption(k, in.Select, in.labels[i])
						}
					}
					run.fields++
				}
			case in.Radio != nil:
				if radioLabel(fo) == want && in.Radio.Selected != want {
					k.space()
					run.fields++
				}
			}
		case material[fo] != "":
			if radioLabel(fo) == original && s.C.Materials[material[fo]].Status == casework.MaterialRequired {
				k.space()
			}
		}
		k.tab()
	}
	if !accepted {
		t.Fatalf("受理 not reached after %d keys", k.n)
	}
	k.ctrl(fyne.KeyP) // the receipt
	// printing runs off the UI goroutine: wait for its message
	for i := 0; i < 6000 && (s.printMsg == nil || s.printMsg.Text == "" || s.printMsg.Text == T("common.working")); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if s.printMsg == nil || !strings.Contains(s.printMsg.Text, ".pdf") {
		t.Fatalf("Ctrl+P after 受理: %q, want the receipt printed", textOr(s.printMsg))
	}
	run.keys = k.n
	run.elapsed = time.Since(start)
	run.caseID = s.C.ID
	return run
}

// chooseOption picks label in sel by typing the shortest pinyin
// initials (or text start) that choose it.
func chooseOption(k *keyboard, sel *navSelect, label string) {
	if sel.Selected != label {
		k.typeText(shortestTyping(sel.Options, label))
	}
}

// shortestTyping is what a clerk types to choose label among options: the
// shortest start of its pinyin initials that chooses it, else its number.
func shortestTyping(options []string, label string) string {
	want := -1
	for i, o := range options {
		if o == label {
			want = i
		}
	}
	var ini []rune
	for _, r := range label {
		if r < 0x80 {
			ini = append(ini, unicode.ToLower(r))
		} else if p := pinyinInitials[r]; p != "" {
			ini = append(ini, []rune(p)[0])
		} else {
			break
		}
	}
	for n := 1; n <= len(ini); n++ {
		if matchOption(options, string(ini[:n])) == want {
			return string(ini[:n])
		}
	}
	return strconv.Itoa(want + 1)
}

// chooseByArrows picks label in a plain Select by keyboard: Right and Left
// step through the options without opening the list (cheaper than Space,
// arrows and Enter): how the figures before typing-to-choose were taken.
func chooseByArrows(k *keyboard, sel *widget.Select, label string) {
	want := -1
	for i, o := range sel.Options {
		if o == label {
			want = i
		}
	}
	if want < 0 || sel.SelectedIndex() == want {
		return
	}
	n, cur := len(sel.Options), sel.SelectedIndex()
	fwd, back := want+1, n-want
	if cur >= 0 {
		fwd, back = (want-cur+n)%n, (cur-want+n)%n
	}
	if fwd <= back {
		for range fwd {
			k.key(fyne.KeyRight)
		}
	} else {
		for range back {
			k.key(fyne.KeyLeft)
		}
	}
}

// inside reports whether o is part of parent's tree.
func inside(parent, o fyne.CanvasObject) bool {
	found := false
	walkAll(parent, func(x fyne.CanvasObject) {
		if x == o {
			found = true
		}
	})
	return found
}

// checkAccepted compares the stored case with the script.
func checkAccepted(t testing.TB, f *fixture, run intakeRun) {
	t.Helper()
	got, err := f.st.Case(context.Background(), run.caseID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State == casework.CaseDraft || got.Number == "" || len(got.Tasks) != len(f.cat.Items) {
		t.Fatalf("stored case: state %s number %q, %d tasks; want accepted with %d", got.State, got.Number, len(got.Tasks), len(f.cat.Items))
	}
	for _, ff := range casework.BuildForm(f.cat, got.Items, got.Values).Fields() {
		code := ff.Field.Code
		if want := run.values[code]; want != "" && ff.Field.Type != casework.TypeDerived && ff.Field.Type != casework.TypePhoto && got.Value(code) != want {
			t.Errorf("%s (%s) = %q, want %q", ff.Field.Label, code, got.Value(code), want)
		}
	}
	for code, ms := range got.Materials {
		if ms.Status == casework.MaterialRequired {
			t.Errorf("material %s still missing, want 原件", code)
		}
	}
}

// TestKeyboardIntakeMeasured drives a whole ten-item 自主就业 intake by
// keyboard through 受理 and the receipt, and checks the accepted case.
func TestKeyboardIntakeMeasured(t *testing.T) {
	f := newFixture(t)
	f.withPrinter(t)
	f.desk.LoggedIn(f.clerk)
	s := NewIntakeScreen(f.desk)
	f.desk.Show(s)
	run := driveIntake(t, f, s, intakeScript(f.cat))
	checkAccepted(t, f, run)
	if ents, _ := os.ReadDir(f.docs); len(ents) == 0 {
		t.Errorf("Ctrl+P after 受理 printed no receipt into %s", f.docs)
	}
	if run.unseen > 0 {
		t.Errorf("after %d of %d Tabs the focused widget was outside the visible part of the intake", run.unseen, run.tabs)
	}
	t.Logf("%d keystrokes, %d Tabs, %d fields typed, %d Tabs left the focus out of view", run.keys, run.tabs, run.fields, run.unseen)
}

// BenchmarkKeyboardIntake reports keystrokes and seconds for the scripted
// ten-item intake, from an empty intake and from a roster pre-fill.
func BenchmarkKeyboardIntake(b *testing.B) {
	for _, tc := range []struct {
		name   string
		roster bool
	}{{"empty", false}, {"roster", true}} {
		b.Run(tc.name, func(b *testing.B) {
			var keys, unseen, text int
			var secs float64
			for b.Loop() {
				b.StopTimer()
				f := newFixture(b)
				f.withPrinter(b)
				v := intakeScript(f.cat)
				if tc.roster {
					f.withRoster(b, v)
				}
				f.desk.LoggedIn(f.clerk)
				s := NewIntakeScreen(f.desk)
				f.desk.Show(s)
				b.StartTimer()
				run := driveIntake(b, f, s, v)
				keys, unseen, text = run.keys, run.unseen, run.text
				secs += run.elapsed.Seconds()
			}
			b.ReportMetric(float64(keys), "keys/intake")
			b.ReportMetric(float64(unseen), "unseen-tabs/intake")
			b.ReportMetric(float64(keys-text), "other-keys/intake") // all but the values' text: moving, choosing, accepting
			b.ReportMetric(secs/float64(b.N), "s/intake")
		})
	}
}
