package casework

import (
	"slices"
	"testing"
)

// TestEligibility guards who may apply for which item, per placement and
// personnel category and the items' own conditions: no 养老保险转移接续 for
// 退休 (军人保险法 §19), 医保关系转移接续 only for 职工医保, 就业和培训 for
// every placement with job support only for 逐月领取退役金, 自主就业 and 复员,
// the subsidy only for 自主就业 soldiers, 预备役登记 not for 退休 and 供养.
func TestEligibility(t *testing.T) {
	cat := loadCity(t)
	all := cat.ItemCodes()
	without := func(drop ...string) []string {
		var out []string
		for _, c := range all {
			if !slices.Contains(drop, c) {
				out = append(out, c)
			}
		}
		return out
	}
	const worker, resident = "职工基本医疗保险", "城乡居民基本医疗保险"
	tests := []struct {
		placement, category, scheme string
		want                        []string
		jobSupport                  bool
	}{
		{"retire", "军官", worker, without("subsidy", "pension", "reserve"), false},
		{"retire", "军士", resident, without("subsidy", "pension", "medical_transfer", "reserve"), false},
		{"transfer", "军官", worker, without("subsidy"), false},
		{"monthly_pension", "军官", worker, without("subsidy"), true},
		{"monthly_pension", "军士", resident, without("subsidy", "medical_transfer"), true},
		{"demob", "军官", worker, without("subsidy"), true},
		{"self_employ", "军士", worker, all, true},
		{"self_employ", "义务兵", resident, without("medical_transfer"), true},
		{"self_employ", "军官", worker, without("subsidy"), true}, // a 军官 is no 退役士兵: no subsidy whatever the placement says
		{"assigned_job", "军士", worker, without("subsidy"), false},
		{"assigned_job", "义务兵", resident, without("subsidy", "medical_transfer"), false},
		{"support", "军士", worker, without("subsidy", "reserve"), false},
		{"support", "义务兵", "", without("subsidy", "reserve"), false}, // scheme not answered yet: item 9 stays open
	}
	for _, tt := range tests {
		t.Run(tt.placement+"/"+tt.category+"/"+tt.scheme, func(t *testing.T) {
			values := map[string]string{FieldPlacement: tt.placement, FieldCategory: tt.category, "medical_scheme": tt.scheme}
			if got := cat.ItemsFor(values); !slices.Equal(got, tt.want) {
				t.Errorf("ItemsFor(%v) = %v, want %v", values, got, tt.want)
			}
			form := BuildForm(cat, []string{"employment"}, values)
			if got := form.Field("job_wish") != nil; got != tt.jobSupport {
				t.Errorf("BuildForm(employment, %s) asks job_wish = %v, want %v", tt.placement, got, tt.jobSupport)
			}
			if form.Field("training_wish") == nil || !form.Field("training_wish").Required {
				t.Errorf("BuildForm(employment, %s) lacks a required training_wish (适应性培训 is for every placement)", tt.placement)
			}
			// validation agrees: applying for an item outside the set is an error
			c := NewCase("x", cat, "371002", testNow)
			for k, v := range values {
				c.Values[k] = v
			}
			c.SetItems(cat, all)
			for _, code := range all {
				excluded := false
				for _, p := range Validate(cat, c, testNow) {
					if p.Item == code && (p.Reason == ReasonItemIneligible || p.Reason == ReasonItemCondition) {
						excluded = true
					}
				}
				if excluded == slices.Contains(tt.want, code) {
					t.Errorf("Validate(%v) excludes %s = %v, want %v", values, code, excluded, !slices.Contains(tt.want, code))
				}
			}
		})
	}
}

// TestOverlaySwitchesItemsOff guards that a district can switch the two
// national items off: nobody is offered them, applying for one is refused,
// and items that depend on them no longer warn about the dependency.
func TestOverlaySwitchesItemsOff(t *testing.T) {
	city := loadCity(t)
	off := true
	cat, err := city.WithOverlay(&Overlay{Version: "rc-off", ChangeItems: map[string]ItemChange{"social_insurance": {Off: &off}, "reserve": {Off: &off}}}, "off.json")
	if err != nil {
		t.Fatalf("WithOverlay(off) = %v", err)
	}
	values := map[string]string{FieldPlacement: "self_employ", FieldCategory: "军士", "medical_scheme": "职工基本医疗保险"}
	for _, got := range [][]string{cat.ItemsFor(values), cat.EligibleItems("self_employ")} {
		if slices.Contains(got, "social_insurance") || slices.Contains(got, "reserve") || len(got) != len(city.Items)-2 {
			t.Errorf("items offered = %v, want all but the two switched off", got)
		}
	}
	if city.Item("reserve").Off {
		t.Error("the overlay switched the city's item off")
	}
	c := NewCase("o", cat, "371002", testNow)
	for k, v := range values {
		c.Values[k] = v
	}
	c.SetItems(cat, []string{"register", "hukou", "sscard", "reserve"})
	probs := Validate(cat, c, testNow)
	if p := findProblem(probs, ReasonItemOff); p == nil || p.Item != "reserve" || p.Severity != SeverityError {
		t.Errorf("Validate(reserve switched off) = %+v, want item_off on reserve", probs)
	}
	if hasProblemArg(probs, ReasonItemDependency, "social_insurance") {
		t.Error("sscard warns about social_insurance, which is switched off")
	}
}
