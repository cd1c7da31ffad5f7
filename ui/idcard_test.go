package ui

import (
	"bytes"
	"image/png"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"vetdesk/casework"
	"vetdesk/idreader"
	"vetdesk/internal/fakeidcard"
)

func fakeReaders(t *testing.T) fakeidcard.Libs {
	t.Helper()
	if !fakeidcard.HaveGCC() {
		t.Skip("gcc is missing: the fake reader libraries cannot be built (make installs it)")
	}
	l, err := fakeidcard.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// setReader chooses the reader in 设置 as an admin would.
func (f *fixture) setReader(t *testing.T, sdk, lib string) {
	t.Helper()
	f.desk.LoggedIn(f.admin)
	s := NewSettingsScreen(f.desk)
	f.desk.Show(s)
	s.Card.SDK.SetSelected(cardSDKName(sdk))
	s.Card.Library.SetText(lib)
	s.Save()
	if s.Message.Text != T("settings.saved") {
		t.Fatalf("saving the reader in 设置: %q", s.Message.Text)
	}
}

func ctrl(k fyne.KeyName) *desktop.CustomShortcut {
	return &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}
}

// TestReadCardIntoIntake reads each fake reader's card into a new intake
// with Ctrl+R, through the real dynamic-loading binding, and checks every
// field, the ID card material and the photo, kept content-addressed.
func TestReadCardIntoIntake(t *testing.T) {
	l := fakeReaders(t)
	for _, tt := range []struct {
		sdk, lib string
		p        fakeidcard.Person
	}{
		{idreader.SDKGeneral, l.General, fakeidcard.General},
		{idreader.SDKHuashi, l.Huashi, fakeidcard.Huashi},
	} {
		t.Run(tt.sdk, func(t *testing.T) {
			f := newFixture(t)
			f.setReader(t, tt.sdk, tt.lib)
			f.desk.LoggedIn(f.clerk)
			s := NewIntakeScreen(f.desk)
			f.desk.Show(s)
			s.ID.TypedShortcut(ctrl(fyne.KeyR)) // the focused ID entry hands Ctrl+R to the desk
			if s.C == nil {
				t.Fatalf("after Ctrl+R no draft; card info %q, id info %q", s.CardInfo.Text, s.IDInfo.Text)
			}
			v := s.C.Values
			for code, want := range map[string]string{
				casework.FieldIDNumber: tt.p.IDNumber, casework.FieldName: tt.p.Name, casework.FieldSex: tt.p.Sex,
				fieldEthnicity: tt.p.Ethnicity, casework.FieldBirthDate: tt.p.Birth, fieldAddress: tt.p.Address, fieldHoldsIDCard: "是",
			} {
				if v[code] != want {
					t.Errorf("after reading the card %s = %q, want %q", code, v[code], want)
				}
			}
			if s.ID.Text != tt.p.IDNumber || !strings.Contains(s.CardInfo.Text, tt.p.Authority) {
				t.Errorf("screen shows ID %q and %q, want %s and the authority", s.ID.Text, s.CardInfo.Text, tt.p.IDNumber)
			}
			// the photo is the card's, stored content-addressed
			rc, err := f.st.OpenAttachment(v[fieldPhoto])
			if err != nil {
				t.Fatalf("photo %q: %v", v[fieldPhoto], err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil || img.Bounds().Dx() != 102 {
				t.Fatalf("stored photo: %v, %v; want the card's 102×126 PNG", err, img)
			}
			// choosing the items puts the card on its materials
			s.Category.SetSelected("军士")
			s.Placement.SetSelected("自主就业")
			idc := s.C.Materials[materialIDCard]
			if idc == nil || idc.Status != casework.MaterialOriginal || !strings.Contains(idc.Note, tt.p.Authority) {
				t.Errorf("ID card material = %+v, want the original seen with the authority noted", idc)
			}
			if ph := s.C.Materials[materialPhoto]; ph == nil || len(ph.Attachments) != 1 || ph.Attachments[0] != v[fieldPhoto] || ph.Status != casework.MaterialRequired {
				t.Errorf("photo material = %+v, want the card's photo attached and the printed photos still required", ph)
			}
			if in := s.Inputs[casework.FieldName]; in == nil || in.Entry.Text != tt.p.Name {
				t.Errorf("the form's 姓名 shows %v, want %s", in, tt.p.Name)
			}
			// the draft was saved with the card's values
			saved, err := f.st.Case(f.desk.ctx(), s.C.ID)
			if err != nil || saved.Value(casework.FieldName) != tt.p.Name || saved.Materials[materialIDCard].Note == "" {
				t.Errorf("saved draft: %v, name %q", err, saved.Value(casework.FieldName))
			}
		})
	}
}

// TestReadCardProblemsLeaveTyping checks each failure is worded for the
// clerk and typing the ID number still works.
func TestReadCardProblemsLeaveTyping(t *testing.T) {
	l := fakeReaders(t)
	tests := []struct {
		name     string
		sdk, lib string
		noCard   bool
		want     string
	}{
		{"not set up", "", "", false, "idcard.err.unset"},
		{"library missing", idreader.SDKGeneral, filepath.Join(t.TempDir(), "sdtapi.so"), false, "idcard.err.library"},
		{"no card", idreader.SDKHuashi, l.Huashi, true, "idcard.err.nocard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := l.SetNoCard(tt.noCard); err != nil {
				t.Fatal(err)
			}
			f := newFixture(t)
			if tt.sdk != "" {
				f.setReader(t, tt.sdk, tt.lib)
			}
			f.desk.LoggedIn(f.clerk)
			s := NewIntakeScreen(f.desk)
			f.desk.Show(s)
			test.Tap(s.ReadCardBtn)
			if s.CardInfo.Text != T(tt.want) || s.C != nil {
				t.Fatalf("reading: %q (draft %v), want %q and no draft", s.CardInfo.Text, s.C != nil, T(tt.want))
			}
			f.typeInto(s.ID, "11010519491231002X")
			press(s.ID, fyne.KeyReturn)
			if s.C == nil || s.C.Value(casework.FieldIDNumber) != "11010519491231002X" {
				t.Errorf("typing the ID after a failed reading: %q", s.IDInfo.Text)
			}
		})
	}
}

// TestReaderLibraryIsTheAdmins checks a clerk cannot point the desk at a
// library (loading one runs its code) but may change the port.
func TestReaderLibraryIsTheAdmins(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	s := NewSettingsScreen(f.desk)
	if !s.Card.Library.Disabled() || !s.Card.SDK.Disabled() || s.Card.Port.Disabled() {
		t.Errorf("clerk's 设置: library disabled %v, sdk disabled %v, port disabled %v; want true, true, false",
			s.Card.Library.Disabled(), s.Card.SDK.Disabled(), s.Card.Port.Disabled())
	}
	s.Card.Port.SetText("1002")
	s.Save()
	if got, _ := f.st.Setting(f.desk.ctx(), SettingCardPort); got != "1002" {
		t.Errorf("clerk saved port %q, want 1002 (%s)", got, s.Message.Text)
	}
	s.Card.Port.SetText("1017")
	s.Save()
	if !strings.Contains(s.Message.Text, T("idcard.err.port")) {
		t.Errorf("port 1017 saved: %q", s.Message.Text)
	}
}

// TestCardPlacedIsRead: with 放上身份证即读取 on, an open intake polls the
// reader, and the card placed on it fills the intake without a key.
func TestCardPlacedIsRead(t *testing.T) {
	l := fakeReaders(t)
	f := newFixture(t)
	f.setReader(t, idreader.SDKHuashi, l.Huashi)
	set := NewSettingsScreen(f.desk)
	set.Card.Auto.SetChecked(true)
	set.Save()
	f.desk.LoggedIn(f.clerk)
	s := NewIntakeScreen(f.desk)
	read := make(chan struct{}, 4)
	s.onCardPolled = func() { read <- struct{}{} }
	t.Cleanup(s.Leave)
	f.desk.Show(s)
	if s.cardPoll == nil {
		t.Fatal("the intake does not poll the reader")
	}
	select {
	case <-read:
	case <-time.After(30 * time.Second):
		t.Fatal("the card on the reader was not read within 30 s")
	}
	if s.C == nil || s.C.Value(casework.FieldName) != fakeidcard.Huashi.Name || s.C.Value(casework.FieldIDNumber) != fakeidcard.Huashi.IDNumber {
		t.Fatalf("after the card was placed: %v, %q", s.C != nil, s.CardInfo.Text)
	}
	// Ctrl+R reads again through the poll, which holds the reader
	s.C.Values[casework.FieldName] = "改过"
	s.ID.TypedShortcut(ctrl(fyne.KeyR))
	select {
	case <-read:
	case <-time.After(30 * time.Second):
		t.Fatal("Ctrl+R while polling read nothing within 30 s")
	}
	if got := s.C.Value(casework.FieldName); got != fakeidcard.Huashi.Name {
		t.Errorf("after Ctrl+R name = %q, want the card's %s", got, fakeidcard.Huashi.Name)
	}
	s.Leave()
	if s.cardPoll != nil {
		t.Errorf("leaving the intake did not stop the poll")
	}
}
