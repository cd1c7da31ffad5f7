package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
)

// CatalogueScreen lists the catalogue's items with their department, time
// limit, dependencies, materials and fields.
type CatalogueScreen struct {
	cat     *casework.Catalogue
	Items   *widget.Accordion
	Summary *widget.Label
}

// NewCatalogueScreen builds the screen for cat.
func NewCatalogueScreen(cat *casework.Catalogue) *CatalogueScreen {
	s := &CatalogueScreen{cat: cat, Items: widget.NewAccordion()}
	for _, it := range cat.Items {
		s.Items.Append(widget.NewAccordionItem(it.Name, s.itemDetail(&it)))
	}
	form := casework.BuildForm(cat, cat.ItemCodes(), nil)
	// the materials this screen lists, conditional ones included, so the
	// count is the number listed
	cl, conditional := casework.AllMaterials(cat, cat.ItemCodes())
	s.Summary = widget.NewLabel(T("catalogue.summary", map[string]any{
		"Separate": form.Saving.Separate, "Unified": form.Saving.Unified,
		"MSeparate": cl.Saving.Separate, "MUnified": cl.Saving.Unified, "MConditional": conditional,
	}))
	s.Summary.Wrapping = fyne.TextWrapWord
	return s
}

func (s *CatalogueScreen) itemDetail(it *casework.Item) fyne.CanvasObject {
	dept := ""
	if d := s.cat.Department(it.Department); d != nil {
		dept = d.Name
	}
	limit := LimitsText(s.cat, it.Limits)
	var deps []string
	for _, d := range it.DependsOn {
		deps = append(deps, s.cat.Item(d).Name)
	}
	places := T("catalogue.placements.all")
	if len(it.Placements) > 0 {
		var names []string
		for _, p := range it.Placements {
			names = append(names, s.cat.Placement(p).Name)
		}
		places = strings.Join(names, "、")
	}
	var mats []string
	for _, m := range it.Materials {
		mat := s.cat.Material(m.Code)
		mats = append(mats, "· "+mat.Name+"("+T("material.form."+mat.Form)+")")
	}
	var fields []string
	for _, f := range it.Fields {
		fields = append(fields, s.cat.Field(f.Code).Label)
	}
	none := T("catalogue.none")
	form := widget.NewForm(
		widget.NewFormItem(T("catalogue.department"), widget.NewLabel(dept)),
		widget.NewFormItem(T("catalogue.limit"), widget.NewLabel(limit)),
		widget.NewFormItem(T("catalogue.placements"), widget.NewLabel(places)),
		widget.NewFormItem(T("catalogue.depends"), wrapped(orNone(strings.Join(deps, "、"), none))),
		widget.NewFormItem(T("catalogue.materials"), wrapped(orNone(strings.Join(mats, "\n"), none))),
		widget.NewFormItem(T("catalogue.fields"), wrapped(orNone(strings.Join(fields, "、"), none))),
	)
	return form
}

func wrapped(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// Content returns the screen's canvas object.
func (s *CatalogueScreen) Content() fyne.CanvasObject {
	head := container.NewVBox(
		widget.NewLabelWithStyle(T("catalogue.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel(T("catalogue.version", map[string]any{"Version": s.cat.Version})),
		s.Summary,
	)
	return container.NewBorder(head, nil, nil, nil, wheelView(s.Items))
}

// LimitsText words an item's time limits: kind, days in their unit, and the
// event measured when it is not the task's completion.
func LimitsText(cat *casework.Catalogue, limits []casework.TimeLimit) string {
	if len(limits) == 0 {
		return T("catalogue.limit.none")
	}
	var parts []string
	for _, l := range limits {
		s := T("catalogue.limit."+l.Kind) + T("catalogue.limit.unit."+l.Unit, map[string]any{"Days": l.Days})
		if !l.MeasuresTask() {
			from := T("catalogue.limit.task_start")
			if f := cat.Field(l.From); f != nil {
				from = f.Label
			}
			until := l.Until
			if until == "" {
				until = T("catalogue.limit.task_done")
			}
			s += T("catalogue.limit.measures", map[string]any{"From": from, "Until": until})
		}
		if l.Sample {
			s += T("catalogue.limit.sample")
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, T("catalogue.limit.sep"))
}
