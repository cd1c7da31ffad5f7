package casework

import (
	"fmt"
	"io/fs"
	"slices"
)

// Overlay is a district's change to the city catalogue, kept in one file so
// the city files are never copied. It may add fields, materials, items and
// police stations, and change existing items' time limits and add fields or
// materials to them. It may not remove or redefine what the city defined.
type Overlay struct {
	Version           string                `json:"version"`  // appended to the city version: weihai-2023r1+wendeng-1
	Division          string                `json:"division"` // the district it belongs to
	AddFields         []Field               `json:"add_fields,omitempty"`
	AddMaterials      []Material            `json:"add_materials,omitempty"`
	AddItems          []Item                `json:"add_items,omitempty"`
	AddPoliceStations []PoliceStation       `json:"add_police_stations,omitempty"`
	ChangeItems       map[string]ItemChange `json:"change_items,omitempty"`
}

// ItemChange changes one existing item.
type ItemChange struct {
	TimeLimitDays *int           `json:"time_limit_days,omitempty"` // days of the limit that sets the due date
	Limits        []TimeLimit    `json:"limits,omitempty"`          // replaces every limit of the item
	Off           *bool          `json:"off,omitempty"`             // switches the item off (or on again)
	AddFields     []ItemField    `json:"add_fields,omitempty"`
	AddMaterials  []ItemMaterial `json:"add_materials,omitempty"`
}

// LoadOverlay reads an overlay file.
func LoadOverlay(fsys fs.FS, name string) (*Overlay, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("overlay %s: %w", name, err)
	}
	var ov Overlay
	if err := decodeStrict(name, b, &ov); err != nil {
		return nil, err
	}
	if ov.Version == "" {
		return nil, &CatalogueError{File: name, Reason: "missing_version", Detail: "overlay has no version"}
	}
	return &ov, nil
}

// WithOverlay returns a new catalogue: c with ov applied, validated as a
// whole. file names the overlay in error messages. c is not changed.
func (c *Catalogue) WithOverlay(ov *Overlay, file string) (*Catalogue, error) {
	if ov.Division != "" && c.Division(ov.Division) == nil {
		return nil, &CatalogueError{File: file, Code: ov.Division, Reason: "dangling_ref", Detail: "overlay division unknown"}
	}
	r := c.toRaw()
	r.overlayVersion = append(r.overlayVersion, ov.Version)
	for _, f := range ov.AddFields {
		if c.Field(f.Code) != nil {
			return nil, &CatalogueError{File: file, Code: f.Code, Reason: "duplicate_code", Detail: "overlay may not redefine a city field"}
		}
		r.fields = append(r.fields, f)
		r.note("field", f.Code, file)
	}
	for _, m := range ov.AddMaterials {
		if c.Material(m.Code) != nil {
			return nil, &CatalogueError{File: file, Code: m.Code, Reason: "duplicate_code", Detail: "overlay may not redefine a city material"}
		}
		r.materials = append(r.materials, m)
		r.note("material", m.Code, file)
	}
	for _, s := range ov.AddPoliceStations {
		if c.PoliceStation(s.Code) != nil {
			return nil, &CatalogueError{File: file, Code: s.Code, Reason: "duplicate_code", Detail: "overlay may not redefine a city police station"}
		}
		r.stations = append(r.stations, s)
		r.note("police_station", s.Code, file)
	}
	for _, it := range ov.AddItems {
		if c.Item(it.Code) != nil {
			return nil, &CatalogueError{File: file, Code: it.Code, Reason: "duplicate_code", Detail: "overlay may not redefine a city item"}
		}
		r.items = append(r.items, it)
		r.note("item", it.Code, file)
	}
	codes := make([]string, 0, len(ov.ChangeItems))
	for code := range ov.ChangeItems {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		ch := ov.ChangeItems[code]
		i := slices.IndexFunc(r.items, func(it Item) bool { return it.Code == code })
		if i < 0 {
			return nil, &CatalogueError{File: file, Code: code, Reason: "dangling_ref", Detail: "overlay changes an unknown item"}
		}
		it := &r.items[i]
		if ch.Off != nil {
			it.Off = *ch.Off
		}
		if ch.Limits != nil {
			it.Limits = slices.Clone(ch.Limits)
			it.TimeLimitDays = 0
		}
		if ch.TimeLimitDays != nil {
			// the days of the limit that sets the due date; a new one is a
			// promised limit in working days
			it.Limits = slices.Clone(it.Limits)
			if *ch.TimeLimitDays <= 0 {
				it.Limits = slices.DeleteFunc(it.Limits, TimeLimit.MeasuresTask)
			} else if i := slices.IndexFunc(it.Limits, func(l TimeLimit) bool { return l.MeasuresTask() && l.Kind == LimitPromised }); i >= 0 {
				it.Limits[i].Days = *ch.TimeLimitDays
			} else if i := slices.IndexFunc(it.Limits, TimeLimit.MeasuresTask); i >= 0 {
				it.Limits[i].Days = *ch.TimeLimitDays
			} else {
				it.Limits = append(it.Limits, TimeLimit{Kind: LimitPromised, Days: *ch.TimeLimitDays, Unit: UnitWorking})
			}
		}
		it.Fields = append(slices.Clone(it.Fields), ch.AddFields...)
		it.Materials = append(slices.Clone(it.Materials), ch.AddMaterials...)
		r.origin["item:"+code] = file
	}
	return r.build()
}

// toRaw copies c back into its unvalidated form, deep enough that changes to
// the copy's slices do not reach c.
func (c *Catalogue) toRaw() *raw {
	r := &raw{
		meta:        catalogueMeta{Version: c.Version, Name: c.Name, Effective: c.Effective, Limits: c.Limits},
		departments: slices.Clone(c.Departments), placements: slices.Clone(c.Placements),
		divisions: slices.Clone(c.Divisions), stations: slices.Clone(c.PoliceStations),
		fields: slices.Clone(c.Fields), materials: slices.Clone(c.Materials), items: slices.Clone(c.Items),
		calendar: c.Calendar.data(), subsidy: c.Subsidy, rules: c.Rules, areas: c.Areas, origin: map[string]string{},
	}
	for _, it := range c.Items {
		r.note("item", it.Code, FileItems)
	}
	for _, f := range c.Fields {
		r.note("field", f.Code, FileFields)
	}
	for _, m := range c.Materials {
		r.note("material", m.Code, FileMaterials)
	}
	return r
}
