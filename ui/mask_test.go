package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/store"
)

// TestRevealedNumbersMaskAgain: on 案件详情 the birth date is masked with
// the ID (its digits are the birth date); 显示完整号码 shows both, audited,
// and can be undone; shown values mask again after a while and when the
// clerk leaves the case.
func TestRevealedNumbersMaskAgain(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	in := NewIntakeScreen(f.desk)
	v := f.fillIntake(t, in, true)
	var timers []func()
	f.desk.After = func(_ time.Duration, fn func()) { timers = append(timers, fn) }
	id, birth := v[casework.FieldIDNumber], in.C.Value(casework.FieldBirthDate)
	cs := NewCaseScreen(f.desk, in.C.ID)
	f.desk.Show(cs)
	shows := func(s string) bool { return strings.Contains(cs.Header.Text+deepText(cs.Fields), s) }
	if shows(id) || shows(birth) {
		t.Fatalf("masked case shows the ID %v or the birth date %v (%s)", shows(id), shows(birth), birth)
	}
	test.Tap(cs.ShowFull)
	if !shows(id) || !shows(birth) || cs.ShowFull.Text != T("case.hide.full") {
		t.Fatalf("after 显示完整号码: ID shown %v, birth shown %v, button %q", shows(id), shows(birth), cs.ShowFull.Text)
	}
	log, _ := f.st.AuditLog(context.Background(), 100)
	audited := map[string]bool{}
	for _, e := range log {
		if e.Action == store.ActionReveal {
			audited[strings.TrimPrefix(e.Target, in.C.ID+"/")] = true
		}
	}
	if !audited[casework.FieldIDNumber] || !audited[casework.FieldBirthDate] {
		t.Errorf("reveals audited: %v; want the ID and the birth date", audited)
	}
	test.Tap(cs.ShowFull)
	if shows(id) || shows(birth) || cs.ShowFull.Text != T("case.show.full") {
		t.Fatalf("after 隐藏完整号码: ID shown %v, birth shown %v", shows(id), shows(birth))
	}
	// a while after a reveal the values mask again by themselves
	test.Tap(cs.ShowFull)
	if len(timers) == 0 {
		t.Fatal("a reveal set no timer to mask again")
	}
	timers[len(timers)-1]()
	if shows(id) || shows(birth) {
		t.Errorf("after the reveal time the case still shows full values")
	}
	// leaving the case masks too
	test.Tap(cs.ShowFull)
	f.desk.Open("nav.search")
	if shows(id) || shows(birth) {
		t.Errorf("after leaving the case it still holds full values")
	}
}

// deepText joins the label texts under o, inside widgets too.
func deepText(o fyne.CanvasObject) string {
	var b strings.Builder
	for _, x := range test.LaidOutObjects(o) {
		if l, ok := x.(*widget.Label); ok {
			b.WriteString(l.Text + "\n")
		}
	}
	return b.String()
}
