package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"vetdesk/casework"
)

// wide writes ASCII digits and letters full-width, as the IME does.
func wide(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' {
			return r + 0xFEE0
		}
		return r
	}, s)
}

// TestIntakeNormalisesInput guards the intake's entry points: an ID number
// typed full-width or padded with U+3000 starts the case (it was refused as
// not 18 digits), and a phone typed with +86 and spaces and a name padded
// with spaces are stored, and shown on leaving the field, normalised.
func TestIntakeNormalisesInput(t *testing.T) {
	const id = "11010519491231002X"
	for _, typed := range []string{wide(id), "\u3000" + id[:17] + "x\u3000", wide(id[:6]) + " " + id[6:]} {
		t.Run(typed, func(t *testing.T) {
			f := newFixture(t)
			f.desk.LoggedIn(f.clerk)
			s := NewIntakeScreen(f.desk)
			f.desk.Show(s)
			f.typeInto(s.ID, typed)
			press(s.ID, fyne.KeyReturn)
			if s.C == nil || s.C.Value(casework.FieldIDNumber) != id || s.ID.Text != id {
				t.Fatalf("ID typed %q: case %v, entry %q, message %q; want %s accepted", typed, s.C != nil, s.ID.Text, s.IDInfo.Text, id)
			}
			s.Placement.SetSelected("自主就业")
			for code, in := range map[string]string{casework.FieldPhone: "+86 139 6310 8888", casework.FieldName: "林\u3000涛 ", casework.FieldEnlistDate: "１９６８年９月１日"} {
				if s.Inputs[code] == nil || s.Inputs[code].Entry == nil {
					t.Fatalf("intake has no entry for %s", code)
				}
				f.typeInto(s.Inputs[code].Entry, in)
			}
			want := map[string]string{casework.FieldPhone: "13963108888", casework.FieldName: "林涛", casework.FieldEnlistDate: "1968-09-01"}
			for code, w := range want {
				if got := s.C.Value(code); got != w {
					t.Errorf("stored %s = %q, want %q", code, got, w)
				}
				if got := s.Inputs[code].Entry.Text; got != w {
					t.Errorf("%s entry after leaving shows %q, want %q", code, got, w)
				}
				if p := s.Inputs[code].Problem.Text; p != "" {
					t.Errorf("%s problem = %q, want none", code, p)
				}
			}
		})
	}
}

// TestIntakeOffersPlacementsOfCategory guards that a 义务兵 is offered only
// 自主就业, 安排工作 and 供养, and that a placement the new category does not
// allow is cleared rather than left for validation to catch.
func TestIntakeOffersPlacementsOfCategory(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	s := NewIntakeScreen(f.desk)
	f.desk.Show(s)
	f.typeInto(s.ID, "11010519491231002X")
	press(s.ID, fyne.KeyReturn)
	s.Category.SetSelected("军官")
	s.Placement.SetSelected("转业")
	if s.C.Placement() != "transfer" {
		t.Fatalf("placement 转业 for 军官 not recorded")
	}
	s.Category.SetSelected("义务兵")
	var want []string
	for _, p := range f.cat.PlacementsFor("义务兵") {
		want = append(want, p.Name)
	}
	if !slices.Equal(s.Placement.Options, want) || slices.Contains(s.Placement.Options, "转业") || slices.Contains(s.Placement.Options, "退休") {
		t.Errorf("placements offered to 义务兵 = %v, want %v", s.Placement.Options, want)
	}
	if s.Placement.Selected != "" || s.C.Value(casework.FieldPlacement) != "" {
		t.Errorf("placement after switching to 义务兵 = %q (stored %q), want cleared", s.Placement.Selected, s.C.Value(casework.FieldPlacement))
	}
	s.Placement.SetSelected("自主就业")
	if got := s.C.Placement(); got != "self_employ" {
		t.Errorf("placement chosen from the filtered list = %q, want self_employ", got)
	}
}

// TestSearchNormalisesQuery guards the search box: the ID number typed
// full-width, in groups, or the phone with +86 finds the case.
func TestSearchNormalisesQuery(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	in := NewIntakeScreen(f.desk)
	v := f.fillIntake(t, in, true)
	id, phone := v[casework.FieldIDNumber], v[casework.FieldPhone]
	s := NewSearchScreen(f.desk)
	f.desk.Show(s)
	for _, q := range []string{wide(id), id[:6] + " " + id[6:14] + "\u3000" + id[14:], "+86 " + phone, wide(phone[7:])} {
		s.Query.SetText(q)
		if len(s.Rows) != 1 || s.Rows[0].ID != in.C.ID {
			t.Errorf("search %q = %d rows, want the case", q, len(s.Rows))
		}
	}
}

// TestIntakeRefusesAbolishedArea guards the intake's ID check: 文登市's code
// for someone born after it was abolished is refused with the year.
func TestIntakeRefusesAbolishedArea(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	s := NewIntakeScreen(f.desk)
	f.desk.Show(s)
	first := "37108120160101001"
	f.typeInto(s.ID, first+string(casework.IDCheckDigit(first)))
	press(s.ID, fyne.KeyReturn)
	if want := T("problem.id_area_abolished", map[string]any{"Arg": "2014"}); s.C != nil || s.IDInfo.Text != want || !strings.Contains(want, "2014") {
		t.Errorf("ID of 文登市 born 2016: case %v, message %q, want %q", s.C != nil, s.IDInfo.Text, want)
	}
}
