package casework

import "sort"

// AllMaterials is the checklist of items whatever the answers: every
// material any answer can call for (立功受奖 proof, 残疾军人证, the training
// form …), each once, in catalogue order; conditional counts the lines
// needed only on some answers. The catalogue's overview lists these, so its
// count is the number of materials it lists; a case's checklist
// (BuildChecklist) is the part its answers call for.
func AllMaterials(cat *Catalogue, items []string) (cl *Checklist, conditional int) {
	cl = &Checklist{}
	idx := map[string]int{}
	always := map[string]bool{}
	for _, code := range orderItems(cat, items) {
		for _, ref := range cat.Item(code).Materials {
			cl.Saving.Separate++
			if ref.When == nil {
				always[ref.Code] = true
			}
			i, ok := idx[ref.Code]
			if !ok {
				i = len(cl.Lines)
				idx[ref.Code] = i
				cl.Lines = append(cl.Lines, ChecklistLine{Material: cat.Material(ref.Code)})
			}
			cl.Lines[i].Items = append(cl.Lines[i].Items, code)
		}
	}
	sort.SliceStable(cl.Lines, func(i, j int) bool {
		return cat.materialIndex(cl.Lines[i].Material.Code) < cat.materialIndex(cl.Lines[j].Material.Code)
	})
	cl.Saving.Unified = len(cl.Lines)
	return cl, len(cl.Lines) - len(always)
}
