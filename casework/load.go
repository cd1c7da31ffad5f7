package casework

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

var errDuplicate = errors.New("duplicate")

// ErrBadCatalogue is matched by every *CatalogueError.
var ErrBadCatalogue = errors.New("bad catalogue")

// CatalogueError names the file and the code at fault in a refused catalogue.
type CatalogueError struct {
	File   string // file the entry came from
	Code   string // code of the entry at fault
	Reason string // machine-readable: duplicate_code, dangling_ref, cycle, unknown_field_type, …
	Detail string // English detail for logs
}

func (e *CatalogueError) Error() string {
	return fmt.Sprintf("catalogue %s: %s %q: %s", e.File, e.Reason, e.Code, e.Detail)
}

// Is makes errors.Is(err, ErrBadCatalogue) true.
func (e *CatalogueError) Is(target error) bool { return target == ErrBadCatalogue }

// Catalogue file names inside a catalogue folder.
const (
	FileMeta           = "catalogue.json"
	FileDepartments    = "departments.json"
	FilePlacements     = "placements.json"
	FileDivisions      = "divisions.json"
	FilePoliceStations = "police_stations.json"
	FileFields         = "fields.json"
	FileMaterials      = "materials.json"
	FileItems          = "items.json"
	FileCalendar       = "calendar.json"
	FileSubsidy        = "subsidy.json"
	FileRules          = "rules.json" // optional
)

type catalogueMeta struct {
	Version   string      `json:"version"`
	Name      string      `json:"name"`
	Effective string      `json:"effective"`
	Limits    []TimeLimit `json:"limits,omitempty"`
}

// raw is a catalogue before validation, with the file each entry came from.
type raw struct {
	meta           catalogueMeta
	departments    []Department
	placements     []PlacementType
	divisions      []Division
	stations       []PoliceStation
	fields         []Field
	materials      []Material
	items          []Item
	calendar       []CalendarYear
	subsidy        SubsidyRule
	rules          Rules
	origin         map[string]string // "item:code" -> file
	areas          AreaCodes
	overlayVersion []string
}

// LoadCatalogue reads and validates the catalogue in folder dir of fsys.
// areas is the GB/T 2260 code list for ID validation (see LoadAreaCodes); it
// may be nil, and then area codes are not checked.
func LoadCatalogue(fsys fs.FS, dir string, areas AreaCodes) (*Catalogue, error) {
	r := &raw{origin: map[string]string{}, areas: areas}
	read := func(name string, into any) error {
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return fmt.Errorf("catalogue %s: %w", name, err)
		}
		return decodeStrict(name, b, into)
	}
	steps := []struct {
		name string
		into any
	}{
		{FileMeta, &r.meta}, {FileDepartments, &r.departments}, {FilePlacements, &r.placements},
		{FileDivisions, &r.divisions}, {FilePoliceStations, &r.stations}, {FileFields, &r.fields},
		{FileMaterials, &r.materials}, {FileItems, &r.items}, {FileCalendar, &r.calendar}, {FileSubsidy, &r.subsidy},
	}
	for _, s := range steps {
		if err := read(s.name, s.into); err != nil {
			return nil, err
		}
	}
	if err := read(FileRules, &r.rules); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, d := range r.departments {
		r.note("department", d.Code, FileDepartments)
	}
	for _, p := range r.placements {
		r.note("placement", p.Code, FilePlacements)
	}
	for _, d := range r.divisions {
		r.note("division", d.Code, FileDivisions)
	}
	for _, s := range r.stations {
		r.note("police_station", s.Code, FilePoliceStations)
	}
	for _, f := range r.fields {
		r.note("field", f.Code, FileFields)
	}
	for _, m := range r.materials {
		r.note("material", m.Code, FileMaterials)
	}
	for _, it := range r.items {
		r.note("item", it.Code, FileItems)
	}
	return r.build()
}

// note records where an entry came from; the first file wins so duplicates
// are reported against the file that added the second one by check.
func (r *raw) note(kind, code, file string) {
	k := kind + ":" + code
	if _, ok := r.origin[k]; !ok {
		r.origin[k] = file
	}
}

func (r *raw) file(kind, code string) string {
	if f, ok := r.origin[kind+":"+code]; ok {
		return f
	}
	return kind + "s"
}

func decodeStrict(name string, b []byte, into any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return &CatalogueError{File: name, Reason: "syntax", Detail: err.Error()}
	}
	if dec.More() {
		return &CatalogueError{File: name, Reason: "syntax", Detail: "trailing data after the JSON value"}
	}
	return nil
}

// build validates r and indexes it into a Catalogue.
func (r *raw) build() (*Catalogue, error) {
	c := &Catalogue{
		Version: r.meta.Version, Name: r.meta.Name, Effective: r.meta.Effective, Limits: r.meta.Limits,
		Departments: r.departments, Placements: r.placements, Divisions: r.divisions,
		PoliceStations: r.stations, Fields: r.fields, Materials: r.materials, Items: r.items,
		Subsidy: r.subsidy, Rules: r.rules, Areas: r.areas,
		fields: map[string]*Field{}, materials: map[string]*Material{}, items: map[string]*Item{},
		depts: map[string]*Department{}, placements: map[string]*PlacementType{},
		divisions: map[string]*Division{}, stations: map[string]*PoliceStation{}, groupOrder: map[string]int{},
		fieldPos: map[string]int{}, materialPos: map[string]int{},
	}
	if len(r.overlayVersion) > 0 {
		c.Version += "+" + strings.Join(r.overlayVersion, "+")
	}
	if c.Version == "" {
		return nil, &CatalogueError{File: FileMeta, Reason: "missing_version", Detail: "catalogue has no version"}
	}
	bad := func(kind, code, reason, format string, args ...any) error {
		return &CatalogueError{File: r.file(kind, code), Code: code, Reason: reason, Detail: fmt.Sprintf(format, args...)}
	}
	// index with duplicate checks
	errs := []error{
		index(r, "department", c.Departments, func(d *Department) string { return d.Code }, c.depts),
		index(r, "placement", c.Placements, func(p *PlacementType) string { return p.Code }, c.placements),
		index(r, "division", c.Divisions, func(d *Division) string { return d.Code }, c.divisions),
		index(r, "police_station", c.PoliceStations, func(s *PoliceStation) string { return s.Code }, c.stations),
		index(r, "field", c.Fields, func(f *Field) string { return f.Code }, c.fields),
		index(r, "material", c.Materials, func(m *Material) string { return m.Code }, c.materials),
		index(r, "item", c.Items, func(it *Item) string { return it.Code }, c.items),
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for i, f := range c.Fields {
		c.fieldPos[f.Code] = i
		if _, ok := c.groupOrder[f.Group]; !ok {
			c.groupOrder[f.Group] = len(c.groupOrder)
		}
	}
	for i, m := range c.Materials {
		c.materialPos[m.Code] = i
	}
	// references
	for _, d := range c.Divisions {
		if d.Parent != "" && c.divisions[d.Parent] == nil {
			return nil, bad("division", d.Code, "dangling_ref", "parent %q unknown", d.Parent)
		}
		if d.IDCode && c.Areas != nil && !c.Areas.Known(d.Code) {
			return nil, bad("division", d.Code, "dangling_ref", "code is not in the GB/T 2260 list")
		}
	}
	for _, s := range c.PoliceStations {
		if c.divisions[s.Division] == nil {
			return nil, bad("police_station", s.Code, "dangling_ref", "division %q unknown", s.Division)
		}
	}
	for _, f := range c.Fields {
		if !knownFieldTypes[f.Type] {
			return nil, bad("field", f.Code, "unknown_field_type", "type %q", f.Type)
		}
		if f.Type == TypeEnum && len(f.Options) == 0 && f.OptionsFrom == "" {
			return nil, bad("field", f.Code, "enum_without_options", "enum field has no options")
		}
		switch f.OptionsFrom {
		case "", OptionsPlacements, OptionsDivisions, OptionsPoliceStations:
		default:
			return nil, bad("field", f.Code, "dangling_ref", "options_from %q unknown", f.OptionsFrom)
		}
		if f.Label == "" || f.Group == "" {
			return nil, bad("field", f.Code, "missing_label", "field needs a label and a group")
		}
		if err := c.checkCondition(f.RequiredWhen); err != nil {
			return nil, bad("field", f.Code, "dangling_ref", "required_when: %v", err)
		}
	}
	for _, m := range c.Materials {
		switch m.Form {
		case FormOriginal, FormCopy, FormOriginalAndCopy, FormElectronic:
		default:
			return nil, bad("material", m.Code, "unknown_form", "form %q", m.Form)
		}
		if m.Name == "" {
			return nil, bad("material", m.Code, "missing_label", "material needs a name")
		}
	}
	for i := range c.Items {
		if it := &c.Items[i]; it.TimeLimitDays > 0 && len(it.Limits) == 0 {
			it.Limits = []TimeLimit{{Kind: LimitPromised, Days: it.TimeLimitDays, Unit: UnitWorking}}
			it.TimeLimitDays = 0
		}
	}
	for _, l := range c.Limits {
		if err := c.checkLimit(l); err != nil {
			return nil, &CatalogueError{File: FileMeta, Reason: "bad_time_limit", Detail: err.Error()}
		}
	}
	for _, p := range c.Placements {
		if p.ReportWithinDays < 0 {
			return nil, bad("placement", p.Code, "bad_time_limit", "report_within_days %d", p.ReportWithinDays)
		}
	}
	for _, it := range c.Items {
		if c.depts[it.Department] == nil {
			return nil, bad("item", it.Code, "dangling_ref", "department %q unknown", it.Department)
		}
		for _, p := range it.Placements {
			if c.placements[p] == nil {
				return nil, bad("item", it.Code, "dangling_ref", "placement %q unknown", p)
			}
		}
		for _, k := range it.Categories {
			if !c.knownCategory(k) {
				return nil, bad("item", it.Code, "dangling_ref", "category %q unknown", k)
			}
		}
		if err := c.checkCondition(it.When); err != nil {
			return nil, bad("item", it.Code, "dangling_ref", "when: %v", err)
		}
		for _, d := range it.DependsOn {
			if c.items[d] == nil {
				return nil, bad("item", it.Code, "dangling_ref", "depends_on %q unknown", d)
			}
		}
		if it.TimeLimitDays < 0 || it.TimeLimitDays > 0 && len(it.Limits) > 0 {
			return nil, bad("item", it.Code, "bad_time_limit", "time_limit_days %d: negative, or given beside limits", it.TimeLimitDays)
		}
		for _, l := range it.Limits {
			if err := c.checkLimit(l); err != nil {
				return nil, bad("item", it.Code, "bad_time_limit", "%v", err)
			}
		}
		seen := map[string]bool{}
		for _, refs := range [][]ItemField{it.Fields, it.ResultFields} {
			for _, f := range refs {
				if c.fields[f.Code] == nil {
					return nil, bad("item", it.Code, "dangling_ref", "field %q unknown", f.Code)
				}
				if seen[f.Code] {
					return nil, bad("item", it.Code, "duplicate_code", "field %q listed twice", f.Code)
				}
				seen[f.Code] = true
				if err := c.checkCondition(f.When); err != nil {
					return nil, bad("item", it.Code, "dangling_ref", "field %q: %v", f.Code, err)
				}
				if err := c.checkCondition(f.If); err != nil {
					return nil, bad("item", it.Code, "dangling_ref", "field %q: %v", f.Code, err)
				}
			}
		}
		mseen := map[string]bool{}
		for _, m := range it.Materials {
			if c.materials[m.Code] == nil {
				return nil, bad("item", it.Code, "dangling_ref", "material %q unknown", m.Code)
			}
			if mseen[m.Code] {
				return nil, bad("item", it.Code, "duplicate_code", "material %q listed twice", m.Code)
			}
			mseen[m.Code] = true
			if err := c.checkCondition(m.When); err != nil {
				return nil, bad("item", it.Code, "dangling_ref", "material %q: %v", m.Code, err)
			}
		}
		for _, d := range it.Documents {
			if !knownDocuments[d] {
				return nil, bad("item", it.Code, "dangling_ref", "document %q unknown", d)
			}
		}
	}
	if code, ok := c.findCycle(); ok {
		return nil, bad("item", code, "cycle", "depends_on forms a cycle through %q", code)
	}
	cal, err := NewCalendar(r.calendar)
	if err != nil {
		return nil, &CatalogueError{File: FileCalendar, Reason: "bad_calendar", Detail: err.Error()}
	}
	c.Calendar = cal
	if err := c.checkRules(); err != nil {
		return nil, &CatalogueError{File: FileRules, Reason: "bad_rule", Detail: err.Error()}
	}
	if err := c.Subsidy.check(c); err != nil {
		return nil, &CatalogueError{File: FileSubsidy, Reason: "bad_subsidy", Detail: err.Error()}
	}
	return c, nil
}

// index fills into with the entries of list by code, refusing an empty or
// repeated code.
func index[T any](r *raw, kind string, list []T, code func(*T) string, into map[string]*T) error {
	for i := range list {
		p := &list[i]
		k := code(p)
		if k == "" || into[k] != nil {
			return &CatalogueError{File: r.file(kind, k), Code: k, Reason: "duplicate_code", Detail: kind + " code empty or repeated"}
		}
		into[k] = p
	}
	return nil
}

func (c *Catalogue) checkCondition(cond *Condition) error {
	if cond == nil {
		return nil
	}
	if c.fields[cond.Field] == nil {
		return fmt.Errorf("condition on unknown field %q", cond.Field)
	}
	if len(cond.In) == 0 {
		return fmt.Errorf("condition on %q lists no values", cond.Field)
	}
	return nil
}

// checkLimit refuses a limit of unknown kind or unit, of no days, or
// counting from a field that is not a date.
func (c *Catalogue) checkLimit(l TimeLimit) error {
	if l.Kind != LimitPromised && l.Kind != LimitLegal {
		return fmt.Errorf("limit kind %q is neither %s nor %s", l.Kind, LimitPromised, LimitLegal)
	}
	if l.Unit != UnitWorking && l.Unit != UnitCalendar {
		return fmt.Errorf("limit unit %q is neither %s nor %s", l.Unit, UnitWorking, UnitCalendar)
	}
	if l.Days <= 0 {
		return fmt.Errorf("limit of %d days", l.Days)
	}
	if l.From != "" {
		if f := c.fields[l.From]; f == nil || f.Type != TypeDate {
			return fmt.Errorf("limit counts from %q, which is not a date field", l.From)
		}
	}
	return nil
}

// knownCategory reports whether some placement type lists the personnel
// category.
func (c *Catalogue) knownCategory(k string) bool {
	for _, p := range c.Placements {
		if slices.Contains(p.Categories, k) {
			return true
		}
	}
	return false
}

// findCycle returns an item on a depends_on cycle, if any.
func (c *Catalogue) findCycle() (string, bool) {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var visit func(code string) (string, bool)
	visit = func(code string) (string, bool) {
		color[code] = grey
		for _, d := range c.items[code].DependsOn {
			switch color[d] {
			case grey:
				return d, true
			case white:
				if at, ok := visit(d); ok {
					return at, true
				}
			}
		}
		color[code] = black
		return "", false
	}
	for _, it := range c.Items {
		if color[it.Code] == white {
			if at, ok := visit(it.Code); ok {
				return at, true
			}
		}
	}
	return "", false
}

// fieldIndex orders fields by group (first appearance) then file order.
func (c *Catalogue) fieldIndex(code string) int {
	if i, ok := c.fieldPos[code]; ok {
		return c.groupOrder[c.Fields[i].Group]<<16 + i
	}
	return 1 << 30
}

func (c *Catalogue) materialIndex(code string) int {
	if i, ok := c.materialPos[code]; ok {
		return i
	}
	return 1 << 30
}

// AreaCode is one GB/T 2260 division code.
type AreaCode struct {
	Name       string
	Historical bool
	// Abolished is the year a historical code went out of use, 0 when
	// unknown or current: nobody born after that year was given it.
	Abolished int
}

// AreaCodes is the set of division codes valid in ID numbers.
type AreaCodes map[string]AreaCode

// Known reports whether code is in the list, current or historical.
func (a AreaCodes) Known(code string) bool {
	_, ok := a[code]
	return ok
}

// LoadAreaCodes reads a code list: lines "code<TAB>name<TAB>status" where
// status is current or historical, and for a historical code optionally
// "<TAB>year", the year it was abolished; lines starting with # are
// comments.
func LoadAreaCodes(r io.Reader) (AreaCodes, error) {
	out := AreaCodes{}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) < 2 || len(parts[0]) != 6 || !allDigits(parts[0]) {
			return nil, fmt.Errorf("area codes line %d: want code<TAB>name<TAB>status, got %q", n, line)
		}
		ac := AreaCode{Name: parts[1]}
		if len(parts) > 2 && parts[2] == "historical" {
			ac.Historical = true
		}
		if len(parts) > 3 && ac.Historical {
			y, err := strconv.Atoi(parts[3])
			if err != nil || y < 1949 || y > 2100 {
				return nil, fmt.Errorf("area codes line %d: abolished year %q", n, parts[3])
			}
			ac.Abolished = y
		}
		out[parts[0]] = ac
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("area codes: %w", err)
	}
	return out, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// LoadFrom loads the area code list at areasPath and the catalogue in dir,
// both from fsys: the usual way to load the embedded city catalogue.
func LoadFrom(fsys fs.FS, dir, areasPath string) (*Catalogue, error) {
	f, err := fsys.Open(areasPath)
	if err != nil {
		return nil, fmt.Errorf("area codes: %w", err)
	}
	defer f.Close()
	areas, err := LoadAreaCodes(f)
	if err != nil {
		return nil, err
	}
	return LoadCatalogue(fsys, dir, areas)
}
