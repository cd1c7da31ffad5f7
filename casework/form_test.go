package casework

import (
	"testing"
)

// TestUnifiedFormAllItems builds the one form and the one set of materials
// for a 自主就业 soldier applying for every item (the plan's ten and the two
// national ones) and shows each field and material appears once, and what
// asking once saves.
func TestUnifiedFormAllItems(t *testing.T) {
	cat := loadCity(t)
	values := map[string]string{FieldPlacement: "self_employ", FieldCategory: "军士", "employer_type": "机关事业单位", "has_awards": "是", "training_wish": "职业技能培训"}
	items := cat.EligibleItems("self_employ")
	if len(items) != len(cat.Items) {
		t.Fatalf("EligibleItems(self_employ) = %d items, want all %d", len(items), len(cat.Items))
	}
	form := BuildForm(cat, items, values)
	seen := map[string]int{}
	for _, ff := range form.Fields() {
		seen[ff.Field.Code]++
		if len(ff.Items) == 0 {
			t.Errorf("field %s has no items", ff.Field.Code)
		}
	}
	for code, n := range seen {
		if n != 1 {
			t.Errorf("field %s appears %d times, want once", code, n)
		}
	}
	// every field any item asks for is on the form
	for _, it := range cat.Items {
		for _, ref := range it.Fields {
			if seen[ref.Code] != 1 {
				t.Errorf("field %s of item %s missing from the form", ref.Code, it.Code)
			}
		}
	}
	// groups are contiguous: a group name never comes back
	names := map[string]bool{}
	for _, g := range form.Groups {
		if names[g.Name] {
			t.Errorf("group %s split", g.Name)
		}
		names[g.Name] = true
	}
	if ff := form.Field("annuity_voucher_no"); ff == nil || !ff.Required {
		t.Errorf("annuity_voucher_no = %+v, want required for 机关事业单位", ff)
	}
	if ff := form.Field("awards"); ff == nil || !ff.Required {
		t.Errorf("awards = %+v, want required when has_awards=是", ff)
	}
	if ff := form.Field(FieldIDNumber); ff == nil || len(ff.Items) != len(items) {
		t.Errorf("id_number asked by %v, want all %d items", ff, len(items))
	}

	cl := BuildChecklist(cat, items, values)
	mseen := map[string]int{}
	for _, l := range cl.Lines {
		mseen[l.Material.Code]++
	}
	for code, n := range mseen {
		if n != 1 {
			t.Errorf("material %s appears %d times, want once", code, n)
		}
	}
	if len(cl.Lines) == 0 || cl.Saving.Unified != len(cl.Lines) {
		t.Fatalf("checklist = %d lines, saving %+v", len(cl.Lines), cl.Saving)
	}
	if form.Saving.Saved() <= 0 || cl.Saving.Saved() <= 0 {
		t.Errorf("saving form %+v checklist %+v, want both to save something", form.Saving, cl.Saving)
	}
	t.Logf("一表申请: %d fields if each of the %d items asked separately, %d on the unified form (%d fewer)",
		form.Saving.Separate, len(items), form.Saving.Unified, form.Saving.Saved())
	t.Logf("一套材料: %d materials if each item asked separately, %d on the single checklist (%d fewer)",
		cl.Saving.Separate, cl.Saving.Unified, cl.Saving.Saved())
	for _, l := range cl.Lines {
		t.Logf("  %-28s %v", l.Material.Name, l.Items)
	}
}

func TestFormConditions(t *testing.T) {
	cat := loadCity(t)
	tests := []struct {
		name      string
		items     []string
		values    map[string]string
		field     string
		onForm    bool
		required  bool
		material  string
		materialN int
	}{
		{"annuity not required for enterprise", []string{"pension"}, map[string]string{"employer_type": "企业"}, "annuity_voucher_no", true, false, "annuity_voucher", 0},
		{"annuity required for 机关事业单位", []string{"pension"}, map[string]string{"employer_type": "机关事业单位"}, "annuity_voucher_no", true, true, "annuity_voucher", 1},
		{"placement notice only for 安排工作", []string{"register"}, map[string]string{FieldPlacement: "assigned_job"}, FieldPlacement, true, true, "placement_notice", 1},
		{"no placement notice for 自主就业", []string{"register"}, map[string]string{FieldPlacement: "self_employ"}, FieldPlacement, true, true, "placement_notice", 0},
		{"bank not asked without subsidy", []string{"register", "hukou"}, nil, FieldBankAccount, false, false, "bank_card", 0},
		{"bank asked with subsidy", []string{"subsidy"}, nil, FieldBankAccount, true, true, "bank_card", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ff := BuildForm(cat, tt.items, tt.values).Field(tt.field)
			if (ff != nil) != tt.onForm || (ff != nil && ff.Required != tt.required) {
				t.Errorf("BuildForm(%v).Field(%s) = %+v, want on form %v required %v", tt.items, tt.field, ff, tt.onForm, tt.required)
			}
			n := 0
			for _, l := range BuildChecklist(cat, tt.items, tt.values).Lines {
				if l.Material.Code == tt.material {
					n++
				}
			}
			if n != tt.materialN {
				t.Errorf("BuildChecklist(%v) has %s %d times, want %d", tt.items, tt.material, n, tt.materialN)
			}
		})
	}
}

func TestValidateProblems(t *testing.T) {
	cat := loadCity(t)
	g := NewGenerator(cat, 42, testNow)
	base := g.Draft("c", "371002", true)
	if probs := Validate(cat, base, testNow); HasErrors(probs) {
		t.Fatalf("Validate(generated) = %+v, want no errors", probs)
	}
	tests := []struct {
		name   string
		change func(c *Case)
		field  string
		reason string
		sev    Severity
	}{
		{"missing name", func(c *Case) { c.Values[FieldName] = "" }, FieldName, ReasonRequired, SeverityError},
		{"bad phone", func(c *Case) { c.Values[FieldPhone] = "12345" }, FieldPhone, ReasonPhoneFormat, SeverityError},
		{"odd mobile prefix", func(c *Case) { c.Values[FieldPhone] = "12012345678" }, FieldPhone, ReasonPhonePrefix, SeverityWarning},
		{"landline ok", func(c *Case) { c.Values[FieldPhone] = "0631-5212345" }, FieldPhone, "", ""},
		{"bank too short", func(c *Case) { c.Values[FieldBankAccount] = "62220202" }, FieldBankAccount, ReasonBankFormat, SeverityError},
		{"bank luhn", func(c *Case) {
			v := c.Values[FieldBankAccount]
			last := v[len(v)-1]
			c.Values[FieldBankAccount] = v[:len(v)-1] + string('0'+(last-'0'+1)%10)
		}, FieldBankAccount, ReasonBankLuhn, SeverityWarning},
		{"enlist after discharge", func(c *Case) { c.Values[FieldEnlistDate] = "2026-11-19"; c.Values[FieldDischargeDate] = "2026-11-01" }, FieldDischargeDate, ReasonDateOrder, SeverityError},
		{"discharge in future", func(c *Case) { c.Values[FieldDischargeDate] = "2026-12-30" }, FieldDischargeDate, ReasonDateFuture, SeverityError},
		{"bad date", func(c *Case) { c.Values[FieldEnlistDate] = "2020-02-30" }, FieldEnlistDate, ReasonDateFormat, SeverityError},
		{"enum", func(c *Case) { c.Values["political_status"] = "外星人" }, "political_status", ReasonEnum, SeverityError},
		{"report late", func(c *Case) { c.Values[FieldDischargeDate] = "2026-09-01" }, FieldDischargeDate, ReasonReportLate, SeverityWarning},
		{"awards required when has_awards", func(c *Case) { c.Values["has_awards"] = "是"; c.Values["awards"] = "" }, "awards", ReasonRequired, SeverityError},
		{"ineligible item", func(c *Case) {
			c.Values[FieldPlacement], c.Values[FieldCategory], c.Values["rank"] = "retire", "军士", "一级军士长"
			c.SetItems(cat, []string{"register", "subsidy"})
		}, FieldPlacement, ReasonItemIneligible, SeverityError},
		{"rank of another category", func(c *Case) { c.Values[FieldCategory], c.Values["rank"] = "军官", "列兵" }, "rank", ReasonOptionGroup, SeverityError},
		{"placement vs category", func(c *Case) { c.Values[FieldPlacement] = "transfer"; c.Values[FieldCategory] = "义务兵" }, FieldPlacement, ReasonPlacementCategory, SeverityError},
		{"dependency not selected", func(c *Case) {
			c.SetItems(cat, []string{"register", "idcard"})
		}, "", ReasonItemDependency, SeverityWarning},
		{"no items", func(c *Case) { c.SetItems(cat, nil) }, "", ReasonNoItems, SeverityError},
		{"unknown item", func(c *Case) { c.SetItems(cat, []string{"register", "teleport"}) }, "", ReasonItemUnknown, SeverityError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := g.Draft("c", "371002", true)
			tt.change(c)
			probs := Validate(cat, c, testNow)
			if tt.reason == "" {
				for _, p := range probs {
					if p.Field == tt.field {
						t.Errorf("Validate(%s) = %+v, want none on %s", tt.name, p, tt.field)
					}
				}
				return
			}
			for _, p := range probs {
				if p.Reason == tt.reason && (tt.field == "" || p.Field == tt.field) {
					if p.Severity != tt.sev {
						t.Errorf("Validate(%s) severity = %s, want %s", tt.name, p.Severity, tt.sev)
					}
					return
				}
			}
			t.Errorf("Validate(%s) = %+v, want %s on %q", tt.name, probs, tt.reason, tt.field)
		})
	}
}

func TestValidateReportsEverythingAtOnce(t *testing.T) {
	cat := loadCity(t)
	c := NewCase("x", cat, "371002", testNow)
	c.SetItems(cat, cat.ItemCodes())
	c.Values[FieldPhone] = "abc"
	probs := Validate(cat, c, testNow)
	required := 0
	for _, p := range probs {
		if p.Reason == ReasonRequired {
			required++
		}
	}
	if required < 20 || !hasProblem(probs, FieldPhone, ReasonPhoneFormat) {
		t.Errorf("Validate(empty ten-item case) = %d required problems and phone %v; want all at once", required, hasProblem(probs, FieldPhone, ReasonPhoneFormat))
	}
}
