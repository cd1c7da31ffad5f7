package casework

import "testing"

// TestAllMaterialsCountsWhatAnyAnswerNeeds: the overview's checklist holds
// every material of the items once, conditional ones too, and each case's
// checklist is a part of it that includes the conditional lines its
// answers call for.
func TestAllMaterialsCountsWhatAnyAnswerNeeds(t *testing.T) {
	cat := loadCity(t)
	items := cat.ItemCodes()
	all, conditional := AllMaterials(cat, items)
	distinct, cond := map[string]bool{}, map[string]bool{}
	uncond := map[string]bool{}
	for _, it := range cat.Items {
		for _, ref := range it.Materials {
			distinct[ref.Code] = true
			if ref.When != nil {
				cond[ref.Code] = true
			} else {
				uncond[ref.Code] = true
			}
		}
	}
	wantCond := 0
	for c := range cond {
		if !uncond[c] {
			wantCond++
		}
	}
	if all.Saving.Unified != len(distinct) || len(all.Lines) != len(distinct) || conditional != wantCond || wantCond == 0 {
		t.Fatalf("AllMaterials = %d lines (%d conditional), want %d (%d)", len(all.Lines), conditional, len(distinct), wantCond)
	}
	none := BuildChecklist(cat, items, nil)
	if len(none.Lines) != len(all.Lines)-conditional {
		t.Errorf("BuildChecklist(no answers) = %d lines, want %d unconditional", len(none.Lines), len(all.Lines)-conditional)
	}
}
