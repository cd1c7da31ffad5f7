package casework

import "sort"

// FormField is one field of the unified form with the items that ask for it.
type FormField struct {
	Field    *Field
	Items    []string // item codes, catalogue order
	Required bool
}

// FormGroup is a titled group of the unified form.
type FormGroup struct {
	Name   string
	Fields []*FormField
}

// Saving compares asking each item separately with asking once.
type Saving struct {
	Separate int // sum over items of what each item asks for
	Unified  int // what the unified form or checklist asks for
}

// Saved returns how many questions or papers asking once saves.
func (s Saving) Saved() int { return s.Separate - s.Unified }

// Form is the unified registration form (一表申请) for a set of items.
type Form struct {
	Groups []FormGroup
	Saving Saving
	byCode map[string]*FormField
}

// Field returns the form field with code, or nil when the form does not ask it.
func (f *Form) Field(code string) *FormField { return f.byCode[code] }

// Fields returns every field of the form in order.
func (f *Form) Fields() []*FormField {
	var out []*FormField
	for _, g := range f.Groups {
		out = append(out, g.Fields...)
	}
	return out
}

// BuildForm returns the unified form for items: the union of the fields the
// items need, each once, grouped in catalogue order, each knowing which items
// need it and whether it is required given values (which carry the
// placement type and the other answers that conditions look at). A field is
// required when an item asks for it as required and the item's condition
// holds, or when the field's own required_when rule holds. Unknown item
// codes are skipped (validation reports them).
func BuildForm(cat *Catalogue, items []string, values map[string]string) *Form {
	form := &Form{byCode: map[string]*FormField{}}
	for _, code := range orderItems(cat, items) {
		it := cat.Item(code)
		for _, ref := range it.Fields {
			if ref.If != nil && !ref.If.Holds(values) {
				continue
			}
			form.Saving.Separate++
			ff := form.byCode[ref.Code]
			if ff == nil {
				ff = &FormField{Field: cat.Field(ref.Code)}
				form.byCode[ref.Code] = ff
			}
			ff.Items = append(ff.Items, code)
			if ref.Required && ref.When.Holds(values) {
				ff.Required = true
			}
		}
	}
	var all []*FormField
	for _, ff := range form.byCode {
		if rw := ff.Field.RequiredWhen; rw != nil && rw.Holds(values) {
			ff.Required = true
		}
		all = append(all, ff)
	}
	sort.Slice(all, func(i, j int) bool {
		return cat.fieldIndex(all[i].Field.Code) < cat.fieldIndex(all[j].Field.Code)
	})
	for _, ff := range all {
		g := ff.Field.Group
		if n := len(form.Groups); n == 0 || form.Groups[n-1].Name != g {
			form.Groups = append(form.Groups, FormGroup{Name: g})
		}
		last := &form.Groups[len(form.Groups)-1]
		last.Fields = append(last.Fields, ff)
	}
	form.Saving.Unified = len(all)
	return form
}

// ChecklistLine is one material of the checklist with the items that use it.
type ChecklistLine struct {
	Material *Material
	Items    []string
}

// Checklist is the single set of materials (一套材料) for a set of items.
type Checklist struct {
	Lines  []ChecklistLine
	Saving Saving
}

// BuildChecklist returns the union of the materials the items need given
// values, each once and tied to every item that uses it, in catalogue order.
func BuildChecklist(cat *Catalogue, items []string, values map[string]string) *Checklist {
	cl := &Checklist{}
	idx := map[string]int{}
	for _, code := range orderItems(cat, items) {
		for _, ref := range cat.Item(code).Materials {
			if !ref.When.Holds(values) {
				continue
			}
			cl.Saving.Separate++
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
	return cl
}

// orderItems returns the known items among codes, deduplicated, in
// catalogue order.
func orderItems(cat *Catalogue, codes []string) []string {
	want := map[string]bool{}
	for _, c := range codes {
		want[c] = true
	}
	var out []string
	for _, it := range cat.Items {
		if want[it.Code] {
			out = append(out, it.Code)
		}
	}
	return out
}
