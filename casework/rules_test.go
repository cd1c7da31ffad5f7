package casework

import (
	"testing"
)

// ruleCase is a 报到+户口 case with values, for the rule tests.
func ruleCase(cat *Catalogue, values map[string]string) *Case {
	c := NewCase("r", cat, "371002", testNow)
	for k, v := range values {
		c.Values[k] = v
	}
	c.SetItems(cat, []string{"register", "hukou"})
	return c
}

func findProblem(probs []Problem, reason string) *Problem {
	for i := range probs {
		if probs[i].Reason == reason {
			return &probs[i]
		}
	}
	return nil
}

// TestRankFitsCategory guards the rank/category check of the catalogue's
// option groups: 列兵 and 上等兵 are 义务兵 ranks, 下士..一级军士长 军士,
// 少尉..上将 军官; any other pairing is an error.
func TestRankFitsCategory(t *testing.T) {
	cat := loadCity(t)
	tests := []struct {
		category, rank string
		ok             bool
	}{
		{"义务兵", "列兵", true},
		{"义务兵", "上等兵", true},
		{"义务兵", "下士", false},
		{"军士", "下士", true},
		{"军士", "一级军士长", true},
		{"军士", "上等兵", false},
		{"军士", "少尉", false},
		{"军官", "少尉", true},
		{"军官", "大校", true},
		{"军官", "少将", true},
		{"军官", "上将", true},
		{"军官", "列兵", false},
		{"军官", "四级军士长", false},
		{"", "列兵", true}, // category not given yet: nothing to compare
	}
	for _, tt := range tests {
		c := ruleCase(cat, map[string]string{FieldCategory: tt.category, "rank": tt.rank})
		p := findProblem(Validate(cat, c, testNow), ReasonOptionGroup)
		if (p == nil) != tt.ok || p != nil && (p.Field != "rank" || p.Severity != SeverityError || p.Arg != FieldCategory) {
			t.Errorf("Validate(%s, %s) option_group = %+v, want ok %v", tt.category, tt.rank, p, tt.ok)
		}
	}
	if probs := CheckValue(cat, "rank", "中将", testNow); len(probs) != 0 {
		t.Errorf("CheckValue(rank, 中将) = %+v, want a known rank", probs)
	}
}

// TestServiceYears guards 服役年限 derived from the 入伍 and 退役 dates, and
// the warning when the length does not fit the personnel category.
func TestServiceYears(t *testing.T) {
	tests := []struct{ enlist, discharge, want string }{
		{"2022-09-10", "2024-09-10", "2"},
		{"2022-09-10", "2024-03-10", "1.5"},
		{"2018-09-01", "2026-12-01", "8.3"},
		{"2010-03-31", "2022-04-30", "12"}, // 144 months and 30 days
		{"2010-03-31", "2022-05-01", "12.1"},
		{"2020-01-01", "2020-12-31", "0.9"},
		{"2024-09-10", "2022-09-10", ""}, // backwards
		{"", "2024-09-10", ""},
		{"2022-9-10", "2024-09-10", ""},
	}
	for _, tt := range tests {
		if got := ServiceYears(tt.enlist, tt.discharge); got != tt.want {
			t.Errorf("ServiceYears(%s, %s) = %q, want %q", tt.enlist, tt.discharge, got, tt.want)
		}
	}
	cat := loadCity(t)
	fits := []struct {
		category, enlist, discharge string
		warn                        bool
	}{
		{"义务兵", "2024-09-10", "2026-09-10", false}, // two years
		{"义务兵", "2024-09-10", "2025-06-10", false}, // early: may happen
		{"义务兵", "2021-09-10", "2026-09-10", true},  // five years is no 义务兵
		{"军士", "2021-09-10", "2026-09-10", false},
		{"军士", "2024-09-10", "2026-09-10", true},  // two years: a 义务兵?
		{"军官", "2024-09-10", "2026-09-10", false}, // no range for 军官
	}
	for _, tt := range fits {
		c := ruleCase(cat, map[string]string{FieldCategory: tt.category, FieldEnlistDate: tt.enlist, FieldDischargeDate: tt.discharge, FieldBirthDate: "2000-01-01"})
		p := findProblem(Validate(cat, c, day("2026-11-20")), ReasonServiceLength)
		if (p != nil) != tt.warn || p != nil && (p.Severity != SeverityWarning || p.Arg != tt.category || p.Field != FieldServiceYears) {
			t.Errorf("Validate(%s %s..%s) service_length = %+v, want warning %v", tt.category, tt.enlist, tt.discharge, p, tt.warn)
		}
	}
	// Accept stores the derived value
	g := NewGenerator(cat, 3, testNow)
	d := g.Draft("s", "371002", true)
	d.Values[FieldServiceYears] = "99"
	if _, err := d.Accept(cat, "371002-2026-HC01-000009", testNow); err != nil {
		t.Fatalf("Accept = %v", err)
	}
	if want := ServiceYears(d.Values[FieldEnlistDate], d.Values[FieldDischargeDate]); d.Values[FieldServiceYears] != want || want == "" {
		t.Errorf("accepted service_years = %q, want %q from the dates", d.Values[FieldServiceYears], want)
	}
}

// TestMarriageYears guards the 条例 §45 warning: 投靠配偶 with less than two
// years of marriage at discharge.
func TestMarriageYears(t *testing.T) {
	cat := loadCity(t)
	tests := []struct {
		settle, married string
		warn            bool
	}{
		{"投靠配偶", "2025-06-01", true},
		{"投靠配偶", "2024-09-30", false},
		{"投靠父母", "2025-06-01", false},
	}
	for _, tt := range tests {
		c := ruleCase(cat, map[string]string{"settle_type": tt.settle, "marriage_date": tt.married, FieldDischargeDate: "2026-09-30"})
		p := findProblem(Validate(cat, c, testNow), ReasonMinYears)
		if (p != nil) != tt.warn || p != nil && p.Severity != SeverityWarning {
			t.Errorf("Validate(%s married %s) min_years = %+v, want warning %v", tt.settle, tt.married, p, tt.warn)
		}
	}
}

// TestOldCaseKeepsItsChecklist guards old cases under a new catalogue: an
// accepted case of an older version keeps the materials it was taken with
// (a material added since is not reported missing), its version stays, and
// its tasks still work; a draft gets the current checklist.
func TestOldCaseKeepsItsChecklist(t *testing.T) {
	cat := loadCity(t)
	c := acceptedCase(t, cat, 8)
	c.CatalogueVersion = "weihai-2023.9-r1"
	delete(c.Materials, "id_card") // r1 had no 居民身份证或居民户口簿
	if got := c.MissingMaterials(cat); len(got) != 0 {
		t.Errorf("MissingMaterials(old accepted case) = %v, want none", got)
	}
	for _, l := range c.Checklist(cat).Lines {
		if l.Material.Code == "id_card" {
			t.Error("old case's checklist holds id_card, added after it was taken")
		}
	}
	if err := c.CompleteTask(cat, "register", nil, testNow); err != nil || c.CatalogueVersion != "weihai-2023.9-r1" {
		t.Errorf("CompleteTask(old case) = %v, version %s; want done under its own version", err, c.CatalogueVersion)
	}
	d := NewCase("d", cat, "371002", testNow)
	d.CatalogueVersion = "weihai-2023.9-r1"
	d.SetItems(cat, []string{"register"})
	delete(d.Materials, "id_card")
	if got := d.MissingMaterials(cat); !slicesContains(got, "id_card") {
		t.Errorf("MissingMaterials(draft) = %v, want id_card", got)
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
