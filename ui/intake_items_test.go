package ui

import (
	"context"
	"testing"

	"vetdesk/casework"
	"vetdesk/store"
)

// TestIntakeDropsItemsAnAnswerRulesOut guards the catalogue condition of
// 医保关系转移接续: ticked by default for 自主就业, it is unticked and greyed
// out with its reason once 城乡居民医保 is chosen, and freed again for 职工医保.
func TestIntakeDropsItemsAnAnswerRulesOut(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	s := NewIntakeScreen(f.desk)
	g := casework.NewGenerator(f.cat, 7, fixedNow)
	f.typeInto(s.ID, g.Values()[casework.FieldIDNumber])
	press(s.ID, "Return")
	if s.C == nil {
		t.Fatalf("ID not accepted: %s", s.IDInfo.Text)
	}
	s.Category.SetSelected("军士")
	s.Placement.SetSelected("自主就业")
	chk := s.Items["medical_transfer"]
	if !chk.Checked || chk.Disabled() {
		t.Fatalf("medical_transfer ticked %v disabled %v after 自主就业, want ticked and enabled", chk.Checked, chk.Disabled())
	}
	in := s.Inputs["medical_scheme"]
	if in == nil {
		t.Fatal("medical_scheme not on the form")
	}
	in.SelectCode("城乡居民基本医疗保险")
	if chk.Checked || !chk.Disabled() || s.C.HasItem("medical_transfer") {
		t.Errorf("after 城乡居民医保: ticked %v disabled %v in case %v, want unticked, disabled, out of the case", chk.Checked, chk.Disabled(), s.C.HasItem("medical_transfer"))
	}
	if got, want := s.ItemNotes["medical_transfer"].Text, T("intake.item.excluded", map[string]any{"Field": "医保参保类型"}); got != want {
		t.Errorf("note = %q, want %q", got, want)
	}
	in.SelectCode("职工基本医疗保险")
	if chk.Disabled() {
		t.Errorf("after 职工医保 medical_transfer still disabled")
	}
}

// reported completes the 报到 task of case id as the 服务中心 does after
// intake, so that 恢复户口 (which follows 报到) reaches the police.
func (f *fixture) reported(id string) {
	f.t.Helper()
	a := store.Actor{UserID: f.admin.ID, Login: f.admin.Login, Name: f.admin.Name, Role: f.admin.Role, Office: f.admin.Office}
	if _, err := f.st.UpdateCase(context.Background(), a, id, func(c *casework.Case) error {
		return c.CompleteTask(f.cat, "register", nil, fixedNow)
	}); err != nil {
		f.t.Fatalf("complete register of %s: %v", id, err)
	}
}

// TestIntakeDerivesServiceYears guards #19.18: typing the 入伍 and 退役
// dates fills 服役年限 on the form and in the case, and a length that does
// not fit the 人员类别 is flagged beside it.
func TestIntakeDerivesServiceYears(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	s := NewIntakeScreen(f.desk)
	f.typeInto(s.ID, "11010519491231002X")
	press(s.ID, "Return")
	if s.C == nil {
		t.Fatalf("ID not accepted: %s", s.IDInfo.Text)
	}
	s.Category.SetSelected("义务兵")
	s.Placement.SetSelected("自主就业")
	enlist, discharge, years := s.Inputs[casework.FieldEnlistDate], s.Inputs[casework.FieldDischargeDate], s.Inputs[casework.FieldServiceYears]
	if enlist == nil || discharge == nil || years == nil || years.Derived == nil {
		t.Fatal("the form lacks the service dates or 服役年限")
	}
	f.typeInto(enlist.Entry, "2021-09-10")
	f.typeInto(discharge.Entry, "2026-03-10")
	if got := s.C.Values[casework.FieldServiceYears]; got != "4.5" || years.Derived.Text != "4.5" {
		t.Errorf("服役年限 = %q in the case, %q on the form, want 4.5", got, years.Derived.Text)
	}
	want := ProblemText(f.cat, casework.Problem{Reason: casework.ReasonServiceLength, Arg: "义务兵", Limit: "4年6个月"})
	if years.Problem.Text != want {
		t.Errorf("服役年限 note = %q, want %q", years.Problem.Text, want)
	}
	s.Category.SetSelected("军士")
	if years.Problem.Text != "" {
		t.Errorf("服役年限 note for a 军士 of 4.5 years = %q, want none", years.Problem.Text)
	}
	discharge.Entry.SetText("")
	f.typeInto(discharge.Entry, "2023-09-10")
	if got := years.Derived.Text; got != "2" {
		t.Errorf("服役年限 after changing 退役时间 = %q, want 2", got)
	}
	if years.Problem.Text == "" {
		t.Error("a 军士 of 2 years is not flagged")
	}
}

// TestLimitsText guards how 事项目录 words time limits: kind, unit and the
// event measured when it is not the task's completion.
func TestLimitsText(t *testing.T) {
	f := newFixture(t)
	tests := []struct{ item, want string }{
		{"idcard", "法定60日(自然日)(自身份证受理日期起至发证)"},
		{"medical_transfer", "法定20日(自然日)(待核实)"},
		{"hukou", "承诺3个工作日(待核实)"},
		{"social_insurance", T("catalogue.limit.none")},
	}
	for _, tt := range tests {
		if got := LimitsText(f.cat, f.cat.Item(tt.item).Limits); got != tt.want {
			t.Errorf("LimitsText(%s) = %q, want %q", tt.item, got, tt.want)
		}
	}
}
