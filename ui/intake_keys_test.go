package ui

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/idreader"
)

// startTenItems opens an intake at 1024×700 (a counter PC's screen), types
// the script's ID number and chooses 军士 and 自主就业 by keyboard: all ten
// items are ticked.
func startTenItems(t *testing.T, f *fixture) (*IntakeScreen, *keyboard, map[string]string) {
	t.Helper()
	f.win.Resize(fyne.NewSize(1024, 700))
	f.desk.LoggedIn(f.clerk)
	s := NewIntakeScreen(f.desk)
	f.desk.Show(s)
	v := intakeScript(f.cat)
	k := &keyboard{c: f.win.Canvas()}
	k.typeText(v[casework.FieldIDNumber])
	k.enter()
	if s.C == nil && s.Offer != nil { // a draft of the ID waits (screenshots): start anew
		s.Offer.New.OnTapped()
	}
	if s.C == nil {
		t.Fatalf("ID refused: %s", s.IDInfo.Text)
	}
	chooseOption(k, s.Category, v[casework.FieldCategory])
	k.tab()
	chooseOption(k, s.Placement, "自主就业")
	if len(s.C.Items) != len(f.cat.Items) {
		t.Fatalf("%d items ticked for 自主就业, want %d", len(s.C.Items), len(f.cat.Items))
	}
	return s, k, v
}

func focusedObject(t *testing.T, f *fixture) fyne.CanvasObject {
	t.Helper()
	o, ok := f.win.Canvas().Focused().(fyne.CanvasObject)
	if !ok {
		t.Fatalf("nothing focused")
	}
	return o
}

// TestTabKeepsFocusInView guards the scrolling to the focus: Tab through
// the whole ten-item 自主就业 intake, then Shift+Tab back to the start;
// after every key the focused widget lies inside the visible part of the
// scroll.
func TestTabKeepsFocusInView(t *testing.T) {
	f := newFixture(t)
	s, k, _ := startTenItems(t, f)
	check := func(dir string, i int) {
		o := focusedObject(t, f)
		if !inView(s.scroll, o) {
			y := fyne.CurrentApp().Driver().AbsolutePositionForObject(o).Y
			t.Errorf("%s %d: the focused %T (field %q) is at y=%.0f, outside the view (offset %.0f, height %.0f)",
				dir, i, o, s.fieldOf[o.(fyne.Focusable)], y, s.scroll.Offset.Y, s.scroll.Size().Height)
		}
	}
	seen := map[fyne.Focusable]bool{}
	for i := 0; i < 200 && f.win.Canvas().Focused() != fyne.Focusable(s.SaveBtn); i++ {
		k.tab()
		seen[f.win.Canvas().Focused()] = true
		check("Tab", i)
	}
	if !seen[s.Accept] {
		t.Fatalf("Tab never reached 受理")
	}
	for code, in := range s.Inputs {
		if fo := in.Focusable(); fo != nil && usable(fo) && !seen[fo] && !s.isPrefilled(code) {
			t.Errorf("Tab never reached %s", in.Field.Label)
		}
	}
	for i := 0; i < 200 && f.win.Canvas().Focused() != fyne.Focusable(s.ID); i++ {
		k.shiftTab()
		check("Shift+Tab", i)
	}
	if f.win.Canvas().Focused() != fyne.Focusable(s.ID) {
		t.Errorf("Shift+Tab did not lead back to the ID number")
	}
}

// TestRefusedAcceptShowsFirstProblem guards 受理 refused: the focus goes to
// the first field with an error, scrolled into view, and the list of
// problems is in the window beside the form, wherever the form is.
func TestRefusedAcceptShowsFirstProblem(t *testing.T) {
	f := newFixture(t)
	s, _, v := startTenItems(t, f)
	s.scroll.ScrollToTop()
	s.focus(s.Accept) // the clerk tabs to 受理 …
	s.Accept.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if s.C.State != casework.CaseDraft {
		t.Fatalf("an empty form was accepted")
	}
	name := s.Inputs[casework.FieldName].Entry
	if f.win.Canvas().Focused() != fyne.Focusable(name) {
		t.Fatalf("focus after a refused 受理 is on %T, want the 姓名 entry", f.win.Canvas().Focused())
	}
	if !inView(s.scroll, name) {
		t.Errorf("the first problem, 姓名, is outside the view")
	}
	// a problem far down the form: fill the rest, leave 缴费起始日期 empty
	for code, val := range v {
		if code != "contribution_start" {
			s.C.Values[code] = val
		}
	}
	s.scroll.ScrollToTop()
	s.AcceptNow()
	start := s.Inputs["contribution_start"].Entry
	if f.win.Canvas().Focused() != fyne.Focusable(start) || !inView(s.scroll, start) {
		t.Errorf("refused 受理: focus %T, 缴费起始日期 in view %v; want it focused and in view", f.win.Canvas().Focused(), inView(s.scroll, start))
	}
	drv := fyne.CurrentApp().Driver()
	y := drv.AbsolutePositionForObject(s.Problems).Y
	if !strings.Contains(s.Problems.Text, "缴费起始日期") || y < 0 || y > f.win.Canvas().Size().Height-20 || !s.Problems.Visible() {
		t.Errorf("the problems (%q) are at y=%.0f of a %.0f px window", s.Problems.Text, y, f.win.Canvas().Size().Height)
	}
	if !isShownIn(f.win.Content(), s.Problems) || isShownIn(s.scroll, s.Problems) {
		t.Errorf("the problems list is inside the scrolled form, not beside it")
	}
}

func isShownIn(parent, o fyne.CanvasObject) bool {
	found := false
	walkAll(parent, func(x fyne.CanvasObject) { found = found || x == o })
	return found
}

// TestTypingIntoSelectsAndDates guards typing to choose and dates: pinyin
// initials choose 群众, a number chooses, Enter confirms and moves on, a
// yes/no question takes s/f, a date typed 2023.9.1 shows as 2023-09-01.
func TestTypingIntoSelectsAndDates(t *testing.T) {
	f := newFixture(t)
	s, k, _ := startTenItems(t, f)
	c := f.win.Canvas()
	pol := s.Inputs["political_status"]
	s.focus(pol.Select)
	k.typeText("qz")
	if got := s.C.Value("political_status"); got != "群众" {
		t.Errorf("qz in 政治面貌 chose %q, want 群众", got)
	}
	k.enter()
	if c.Focused() == fyne.Focusable(pol.Select) {
		t.Errorf("Enter on a select did not move on")
	}
	edu := s.Inputs["education"]
	s.focus(edu.Select)
	k.typeText("2")
	if got := s.C.Value("education"); got != "大学本科" {
		t.Errorf("2 in 文化程度 chose %q, want 大学本科", got)
	}
	s.focus(s.Category)
	k.typeText("yw")
	if s.Category.Selected != "义务兵" {
		t.Errorf("yw in 人员类别 chose %q, want 义务兵", s.Category.Selected)
	}
	k.typeText("js")
	if s.Category.Selected != "军士" {
		t.Errorf("js in 人员类别 chose %q, want 军士", s.Category.Selected)
	}
	yes := s.Inputs["holds_id_card"]
	s.focus(yes.Key)
	k.typeText("f")
	if got := s.C.Value("holds_id_card"); got != "否" {
		t.Errorf("f on 是否持有居民身份证 chose %q, want 否", got)
	}
	k.typeText("1")
	if got := s.C.Value("holds_id_card"); got != "是" {
		t.Errorf("1 on 是否持有居民身份证 chose %q, want 是", got)
	}
	for _, typed := range []string{"20230901", "2023.9.1", "2023-9-1", "2023年9月1日"} {
		e := s.Inputs[casework.FieldEnlistDate].Entry
		s.focus(e)
		e.SetText("")
		k.typeText(typed)
		k.tab()
		if e.Text != "2023-09-01" || s.C.Value(casework.FieldEnlistDate) != "2023-09-01" {
			t.Errorf("%q typed into 入伍时间 shows %q, stored %q; want 2023-09-01", typed, e.Text, s.C.Value(casework.FieldEnlistDate))
		}
	}
}

// TestTabSkipsPrefilled guards what is known: fields from the ID number and
// the roster are marked 已预填 and passed over by Tab; Shift+Tab reaches
// them; a field changed by the clerk is no longer passed over.
func TestTabSkipsPrefilled(t *testing.T) {
	f := newFixture(t)
	v := intakeScript(f.cat)
	f.withRoster(t, v)
	f.win.Resize(fyne.NewSize(1024, 700))
	f.desk.LoggedIn(f.clerk)
	s := NewIntakeScreen(f.desk)
	f.desk.Show(s)
	c := f.win.Canvas()
	k := &keyboard{c: c}
	k.typeText(v[casework.FieldIDNumber])
	k.enter()
	if s.C == nil || s.Placement.Selected != "自主就业" {
		t.Fatalf("roster not applied: placement %q", s.Placement.Selected)
	}
	// category and placement came from the roster: Enter on the ID goes on
	// to the items
	if _, ok := c.Focused().(*navCheck); !ok {
		t.Errorf("after the ID number with a roster pre-fill the focus is on %T, want the items", c.Focused())
	}
	for _, code := range []string{casework.FieldName, casework.FieldSex, casework.FieldBirthDate, "political_status"} {
		in := s.Inputs[code]
		if !strings.Contains(in.Label.Text, T("intake.prefilled")) {
			t.Errorf("%s's label %q is not marked %s", code, in.Label.Text, T("intake.prefilled"))
		}
	}
	k.tab() // leaves the items
	seen := map[string]bool{}
	for i := 0; i < 30; i++ {
		seen[s.fieldOf[c.Focused()]] = true
		k.tab()
	}
	for _, code := range []string{casework.FieldName, casework.FieldSex, casework.FieldBirthDate, "political_status", "ethnicity"} {
		if seen[code] {
			t.Errorf("Tab stopped on the pre-filled %s", code)
		}
	}
	if !seen["marital_status"] || !seen["hukou_type"] {
		t.Errorf("Tab passed over fields not pre-filled (saw %v)", seen)
	}
	// back with Shift+Tab: the pre-filled are reached
	s.focus(s.Inputs["marital_status"].Select)
	k.shiftTab()
	if s.fieldOf[c.Focused()] != "political_status" {
		t.Errorf("Shift+Tab from 婚姻状况 went to %q, want the pre-filled 政治面貌", s.fieldOf[c.Focused()])
	}
	// the clerk corrects it: no longer pre-filled
	k.typeText("gq")
	if s.isPrefilled("political_status") {
		t.Errorf("政治面貌 changed to %q is still taken as pre-filled", s.C.Value("political_status"))
	}
}

// TestGroupIndexAndJump guards the orientation: the side index lists the
// form's groups with what is still missing in each, Ctrl+PageDown and
// Ctrl+PageUp jump between groups, and the window shows the intake's
// shortcuts.
func TestGroupIndexAndJump(t *testing.T) {
	f := newFixture(t)
	s, k, _ := startTenItems(t, f)
	names := s.GroupNames()
	if len(names) < 5 || !strings.HasPrefix(names[0], "基本信息:") || names[0] == "基本信息:0" {
		t.Fatalf("side index %v, want 基本信息 first with fields missing", names)
	}
	idx := textOfButtons(s.index)
	if !strings.Contains(idx, "基本信息 · "+T("intake.index.missing", map[string]any{"N": s.missing(s.groups[0])})) {
		t.Errorf("the side index reads %q", idx)
	}
	c := f.win.Canvas()
	s.focus(s.Inputs[casework.FieldName].Entry)
	k.ctrl(fyne.KeyPageDown)
	if g := s.groupOf(c.Focused()); g != 1 {
		t.Errorf("Ctrl+PageDown from 姓名 went to group %d, want 1 (%s)", g, s.groups[1].name)
	}
	if !inView(s.scroll, focusedObject(t, f)) {
		t.Errorf("the group jumped to is not in view")
	}
	k.ctrl(fyne.KeyPageDown)
	k.ctrl(fyne.KeyPageUp)
	if g := s.groupOf(c.Focused()); g != 1 {
		t.Errorf("Ctrl+PageDown, Ctrl+PageUp from group 1 ended in group %d", g)
	}
	// the missing count follows what is typed
	before := s.missing(s.groups[0])
	e := s.Inputs[casework.FieldName].Entry
	s.focus(e)
	k.typeText("王堃")
	k.tab()
	if after := s.missing(s.groups[0]); after != before-1 {
		t.Errorf("基本信息 missing %d after typing 姓名, want %d", after, before-1)
	}
	if idx := textOfButtons(s.index); !strings.Contains(idx, "基本信息 · "+T("intake.index.missing", map[string]any{"N": before - 1})) {
		t.Errorf("after typing 姓名 the side index reads %q, want 基本信息 missing %d", idx, before-1)
	}
	if !strings.Contains(f.desk.keyHelp.Text, "Ctrl+PgDn") || !strings.Contains(f.desk.keyHelp.Text, "Ctrl+N") {
		t.Errorf("the window's shortcut line on the intake reads %q", f.desk.keyHelp.Text)
	}
	f.desk.Open("nav.search")
	if strings.Contains(f.desk.keyHelp.Text, "Ctrl+PgDn") {
		t.Errorf("the search screen shows the intake's shortcuts: %q", f.desk.keyHelp.Text)
	}
}

func textOfButtons(o fyne.CanvasObject) string {
	var b strings.Builder
	walk(o, func(x fyne.CanvasObject) {
		if bt, ok := x.(*widget.Button); ok {
			b.WriteString(bt.Text + "\n")
		}
	})
	return b.String()
}

// TestMaterialsByKeyboard guards the checklist by keyboard: a number or
// pinyin initials give a material its status; Space attaches the scan the
// document camera offers.
func TestMaterialsByKeyboard(t *testing.T) {
	f := newFixture(t)
	s, k, _ := startTenItems(t, f)
	var code string
	for c := range s.matKeys {
		if code == "" || c < code {
			code = c
		}
	}
	mk := s.matKeys[code]
	s.focus(mk)
	if !inView(s.scroll, mk) {
		t.Errorf("the focused material is not in view")
	}
	k.typeText("2")
	if st := s.C.Materials[code].Status; st != casework.MaterialOriginal {
		t.Errorf("2 on material %s gave %s, want %s", code, st, casework.MaterialOriginal)
	}
	k.typeText("f")
	if st := s.C.Materials[code].Status; st != casework.MaterialCopy {
		t.Errorf("f (复印件) on material %s gave %s, want %s", code, st, casework.MaterialCopy)
	}
	// the camera has offered an image: Space attaches it here
	path := filepath.Join(t.TempDir(), "page.png")
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 40, 60))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	s.scans.pending = []string{path}
	k.space()
	if n := len(s.C.Materials[code].Attachments); n != 1 {
		t.Errorf("Space on material %s attached %d scans, want 1 (%s)", code, n, s.scans.Info.Text)
	}
}

// TestTabSkipsCardFields guards the ID card's pre-fill: after Ctrl+R the
// card's fields are marked 已预填 and Tab from the items passes over them
// (and over 出生日期 and 性别 from the number) to the first field to type.
func TestTabSkipsCardFields(t *testing.T) {
	l := fakeReaders(t)
	f := newFixture(t)
	f.setReader(t, idreader.SDKGeneral, l.General)
	f.desk.LoggedIn(f.clerk)
	s := NewIntakeScreen(f.desk)
	f.desk.Show(s)
	s.ID.TypedShortcut(ctrl(fyne.KeyR))
	if s.C == nil {
		t.Fatalf("after Ctrl+R no draft: %q", s.CardInfo.Text)
	}
	s.Placement.SetSelected("自主就业")
	for _, code := range []string{casework.FieldName, fieldEthnicity, fieldAddress, fieldHoldsIDCard} {
		if in := s.Inputs[code]; in == nil || !strings.Contains(in.Label.Text, T("intake.prefilled")) {
			t.Errorf("%s from the card is not marked %s", code, T("intake.prefilled"))
		}
	}
	k := &keyboard{c: f.win.Canvas()}
	for _, it := range f.cat.Items {
		if usable(s.Items[it.Code]) {
			s.focus(s.Items[it.Code])
			break
		}
	}
	k.tab()
	if got := s.fieldOf[f.win.Canvas().Focused()]; got != "political_status" {
		t.Errorf("Tab from the items after a card reading went to %q, want political_status (姓名, 性别, 民族, 出生日期 are known)", got)
	}
}

// TestApplicationPrefillSkipped guards an intake started from an online
// application: what the application gave is marked 已预填, and the intake
// opens on the first field still to fill, past them.
func TestApplicationPrefillSkipped(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	v := intakeScript(f.cat)
	c := casework.NewCase("app-case-1", f.cat, "371002", fixedNow)
	for _, code := range []string{casework.FieldIDNumber, casework.FieldBirthDate, casework.FieldSex, casework.FieldCategory,
		casework.FieldPlacement, casework.FieldName, casework.FieldPhone, "ethnicity", "political_status"} {
		c.Values[code] = v[code]
	}
	var items []string
	for _, it := range f.cat.Items {
		items = append(items, it.Code)
	}
	c.SetItems(f.cat, items)
	c.RefreshMaterials(f.cat)
	s := NewIntakeScreenFromApplication(f.desk, c)
	f.desk.Show(s)
	for _, code := range []string{casework.FieldName, casework.FieldPhone, "political_status"} {
		if !strings.Contains(s.Inputs[code].Label.Text, T("intake.prefilled")) {
			t.Errorf("%s from the application is not marked %s", code, T("intake.prefilled"))
		}
	}
	if _, ok := f.win.Canvas().Focused().(*navCheck); !ok {
		t.Errorf("the intake from an application opens on %T, want the items (ID, category and placement are known)", f.win.Canvas().Focused())
	}
	k := &keyboard{c: f.win.Canvas()}
	k.tab()
	if got := s.fieldOf[f.win.Canvas().Focused()]; got != "marital_status" {
		t.Errorf("Tab from the items went to %q, want marital_status (姓名 … 政治面貌 are known)", got)
	}
}
