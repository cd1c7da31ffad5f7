package ui

import (
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
)

// TestMaterialCountMatchesList: 事项目录's "一套材料" count is the number
// of different materials it lists (conditional ones included: it used to
// count only those needed with no answer given), and the intake's counts
// (under 一表申请 and at the checklist) are the materials listed, also
// after an answer adds one.
func TestMaterialCountMatchesList(t *testing.T) {
	f := newFixture(t)
	cs := NewCatalogueScreen(f.cat)
	listed := map[string]bool{}
	for _, ai := range cs.Items.Items {
		for _, o := range test.LaidOutObjects(ai.Detail) {
			if l, ok := o.(*widget.Label); ok {
				for _, line := range strings.Split(l.Text, "\n") {
					if name, ok := strings.CutPrefix(line, "· "); ok {
						listed[name] = true
					}
				}
			}
		}
	}
	_, conditional := casework.AllMaterials(f.cat, f.cat.ItemCodes())
	total := 0
	for _, it := range f.cat.Items {
		total += len(it.Materials)
	}
	want := T("catalogue.summary", map[string]any{"Separate": casework.BuildForm(f.cat, f.cat.ItemCodes(), nil).Saving.Separate,
		"Unified": casework.BuildForm(f.cat, f.cat.ItemCodes(), nil).Saving.Unified, "MSeparate": total, "MUnified": len(listed), "MConditional": conditional})
	if len(listed) == 0 || cs.Summary.Text != want {
		t.Errorf("事项目录 lists %d materials; summary %q, want %q", len(listed), cs.Summary.Text, want)
	}

	f.desk.LoggedIn(f.clerk)
	in := NewIntakeScreen(f.desk)
	f.fillIntake(t, in, false)
	check := func(when string) {
		n := len(in.matBox.Objects)
		cl := casework.BuildChecklist(f.cat, in.C.Items, in.C.Values)
		if in.MatCount.Text != T("intake.materials.count", map[string]any{"N": n}) || cl.Saving.Unified != n ||
			!strings.Contains(in.Saving.Text, "一套材料:"+itoa(n)+"份") {
			t.Errorf("%s: %d materials listed; count %q, saving %q", when, n, in.MatCount.Text, in.Saving.Text)
		}
	}
	check("filled intake")
	if w := in.Inputs["has_awards"]; w != nil && w.Radio != nil {
		other := "是"
		if w.Radio.Selected == "是" {
			other = "否"
		}
		w.Radio.SetSelected(other)
		check("after 立功受奖 changed")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
