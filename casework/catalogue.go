package casework

import (
	"slices"
	"time"
)

// FieldType is the kind of value a form field holds.
type FieldType string

// The field types a catalogue may use.
const (
	TypeText       FieldType = "text"
	TypeDate       FieldType = "date"     // YYYY-MM-DD
	TypeEnum       FieldType = "enum"     // one of Options, or of OptionsFrom
	TypeIDNumber   FieldType = "idnumber" // GB 11643 公民身份号码
	TypePhone      FieldType = "phone"
	TypeBank       FieldType = "bank"       // bank card or passbook number
	TypeMoney      FieldType = "money"      // yuan with at most two decimals
	TypeNumber     FieldType = "number"     // whole number
	TypeBoolean    FieldType = "boolean"    // "是" or "否"
	TypeDivision   FieldType = "division"   // code of a Division
	TypePhoto      FieldType = "photo"      // attachment hash of a photo
	TypeCreditCode FieldType = "creditcode" // GB 32100 统一社会信用代码
	TypeDerived    FieldType = "derived"    // computed from other fields, never typed
)

var knownFieldTypes = map[FieldType]bool{
	TypeText: true, TypeDate: true, TypeEnum: true, TypeIDNumber: true, TypePhone: true,
	TypeBank: true, TypeMoney: true, TypeNumber: true, TypeBoolean: true, TypeDivision: true,
	TypePhoto: true, TypeCreditCode: true, TypeDerived: true,
}

// Option sources for enum fields whose options live elsewhere in the catalogue.
const (
	OptionsPlacements     = "placements"
	OptionsDivisions      = "divisions"
	OptionsPoliceStations = "police_stations"
)

// Well-known field codes the domain itself reads. Everything else is data.
const (
	FieldName          = "name"
	FieldSex           = "sex"
	FieldBirthDate     = "birth_date"
	FieldIDNumber      = "id_number"
	FieldPhone         = "phone"
	FieldCategory      = "personnel_category"
	FieldPlacement     = "placement"
	FieldEnlistDate    = "enlist_date"
	FieldDischargeDate = "discharge_date"
	FieldServiceYears  = "service_years"
	FieldDivision      = "placement_division"
	FieldBankAccount   = "bank_account"
	FieldPoliceStation = "police_station"
)

// Sensitivity says how a field's value must be shown where the full value is
// not needed.
type Sensitivity string

// Sensitivity levels.
const (
	SensitiveNone  Sensitivity = ""
	SensitiveID    Sensitivity = "id"    // show 3710**********123X
	SensitivePhone Sensitivity = "phone" // show 138****5678
	SensitiveBank  Sensitivity = "bank"  // show **** **** 1234
	SensitiveFull  Sensitivity = "full"  // hide entirely (e.g. disability)
	// SensitiveBirth is the birth date, which is digits 7–14 of the ID
	// number: masked wherever the ID is, or the mask would show them.
	SensitiveBirth Sensitivity = "birth" // show ****-**-**
)

// Condition is a rule on the form's values: it holds when the value of Field
// is one of In. A nil condition always holds.
type Condition struct {
	Field string   `json:"field"`
	In    []string `json:"in"`
}

// Holds reports whether the condition holds for values.
func (c *Condition) Holds(values map[string]string) bool {
	if c == nil {
		return true
	}
	v := values[c.Field]
	for _, w := range c.In {
		if v == w {
			return true
		}
	}
	return false
}

// Department is an office that works tasks.
type Department struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Short string `json:"short"`
}

// PlacementType is a 安置方式 with the personnel categories it applies to.
type PlacementType struct {
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	Categories []string `json:"categories"`
	// ReportWithinDays is the calendar days after discharge within which the
	// veteran must report (报到); 0 when the placement reports "按照规定时间"
	// with no fixed number of days. ReportSource names the text.
	ReportWithinDays int    `json:"report_within_days,omitempty"`
	ReportSource     string `json:"report_source,omitempty"`
}

// Division is an org unit: a GB/T 2260 division (IDCode true) or a
// functional zone that has its own office but no code valid in ID numbers.
type Division struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Kind    string `json:"kind"` // city, district, county_city, zone
	Parent  string `json:"parent,omitempty"`
	IDCode  bool   `json:"id_code"`
	Office  string `json:"office,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Address string `json:"address,omitempty"`
}

// PoliceStation is an addressee of the hukou introduction letter.
type PoliceStation struct {
	Code     string `json:"code"`
	Bureau   string `json:"bureau"` // ____公安局 (分局)
	Name     string `json:"name"`   // ____派出所
	Division string `json:"division"`
}

// Field is one question of the unified form.
type Field struct {
	Code         string      `json:"code"`
	Label        string      `json:"label"`
	Type         FieldType   `json:"type"`
	Group        string      `json:"group"`
	Options      []string    `json:"options,omitempty"`
	OptionsFrom  string      `json:"options_from,omitempty"`
	RequiredWhen *Condition  `json:"required_when,omitempty"`
	Help         string      `json:"help,omitempty"`
	Sensitive    Sensitivity `json:"sensitive,omitempty"`
	MaxLen       int         `json:"max_len,omitempty"`
	MinLen       int         `json:"min_len,omitempty"`
}

// Material is one paper or scan the veteran brings.
type Material struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Form  string `json:"form"` // original, copy, original_and_copy, electronic
	Count int    `json:"count"`
	Notes string `json:"notes,omitempty"`
}

// Material forms.
const (
	FormOriginal        = "original"
	FormCopy            = "copy"
	FormOriginalAndCopy = "original_and_copy"
	FormElectronic      = "electronic"
)

// ItemField ties a field to an item; Required applies when When holds. A
// field with If is asked only when If holds.
type ItemField struct {
	Code     string     `json:"code"`
	Required bool       `json:"required"`
	When     *Condition `json:"when,omitempty"`
	If       *Condition `json:"if,omitempty"`
}

// ItemMaterial ties a material to an item; it is needed when When holds.
type ItemMaterial struct {
	Code string     `json:"code"`
	When *Condition `json:"when,omitempty"`
}

// Item is one service of the one-stop package (一件事 事项).
type Item struct {
	Code       string     `json:"code"`
	No         int        `json:"no"`
	Name       string     `json:"name"`
	Department string     `json:"department"`
	Placements []string   `json:"placements,omitempty"` // empty: every placement
	Categories []string   `json:"categories,omitempty"` // personnel categories; empty: every category
	When       *Condition `json:"when,omitempty"`       // applies only when this holds (an unanswered field does not exclude)
	Off        bool       `json:"off,omitempty"`        // switched off (by a district overlay): offered to nobody
	DependsOn  []string   `json:"depends_on,omitempty"`
	// Limits are the item's time limits, 承诺 and 法定 apart, each with its
	// unit and the event it measures. TimeLimitDays is the form of
	// catalogues before weihai-2023.9-r2: a promised limit in working days
	// until the task is done. The loader turns it into a Limit and clears it.
	Limits        []TimeLimit    `json:"limits,omitempty"`
	TimeLimitDays int            `json:"time_limit_days,omitempty"`
	Fields        []ItemField    `json:"fields"`
	Materials     []ItemMaterial `json:"materials"`
	ResultFields  []ItemField    `json:"result_fields,omitempty"`
	Documents     []string       `json:"documents,omitempty"`
	Notes         string         `json:"notes,omitempty"`
}

// EligibleFor reports whether placement may apply for the item.
func (it *Item) EligibleFor(placement string) bool {
	return len(it.Placements) == 0 || slices.Contains(it.Placements, placement)
}

// ForCategory reports whether a member of personnel category (军官, 军士,
// 义务兵) may apply for the item.
func (it *Item) ForCategory(category string) bool {
	return len(it.Categories) == 0 || slices.Contains(it.Categories, category)
}

// Excluded reports whether the item is ruled out for a case with values and
// by which field: the placement, the personnel category or the field of the
// item's condition; no field when the item is switched off.
// Values not given yet exclude nothing, so an item can be ticked before
// every answer is in; validation checks again at acceptance.
func (it *Item) Excluded(values map[string]string) (field string, excluded bool) {
	if it.Off {
		return "", true
	}
	if p := values[FieldPlacement]; p != "" && !it.EligibleFor(p) {
		return FieldPlacement, true
	}
	if c := values[FieldCategory]; c != "" && !it.ForCategory(c) {
		return FieldCategory, true
	}
	if w := it.When; w != nil && values[w.Field] != "" && !w.Holds(values) {
		return w.Field, true
	}
	return "", false
}

// Document codes the counter prints.
const (
	DocReceipt     = "receipt"
	DocNotice      = "notice"
	DocRegForm     = "regform"
	DocHukouLetter = "hukou_letter"
	DocSubsidyForm = "subsidy_form"
)

var knownDocuments = map[string]bool{DocReceipt: true, DocNotice: true, DocRegForm: true, DocHukouLetter: true, DocSubsidyForm: true}

// Catalogue is the whole, validated configuration of items, fields,
// materials and their context. Build one with LoadCatalogue.
type Catalogue struct {
	Version        string
	Name           string
	Effective      string
	Limits         []TimeLimit // limits of the whole package (一件事), 承诺 and 法定
	Departments    []Department
	Placements     []PlacementType
	Divisions      []Division
	PoliceStations []PoliceStation
	Fields         []Field
	Materials      []Material
	Items          []Item
	Calendar       *Calendar
	Subsidy        SubsidyRule
	Rules          Rules
	Areas          AreaCodes

	fields      map[string]*Field
	materials   map[string]*Material
	items       map[string]*Item
	depts       map[string]*Department
	placements  map[string]*PlacementType
	divisions   map[string]*Division
	stations    map[string]*PoliceStation
	groupOrder  map[string]int
	fieldPos    map[string]int
	materialPos map[string]int
}

// Field returns the field with code, or nil.
func (c *Catalogue) Field(code string) *Field { return c.fields[code] }

// Material returns the material with code, or nil.
func (c *Catalogue) Material(code string) *Material { return c.materials[code] }

// Item returns the item with code, or nil.
func (c *Catalogue) Item(code string) *Item { return c.items[code] }

// Department returns the department with code, or nil.
func (c *Catalogue) Department(code string) *Department { return c.depts[code] }

// Placement returns the placement type with code, or nil.
func (c *Catalogue) Placement(code string) *PlacementType { return c.placements[code] }

// PlacementsFor returns, in catalogue order, the placements open to the
// personnel category (义务兵: 自主就业, 安排工作, 供养): those that list it,
// or list no category at all. An empty category gets every placement.
func (c *Catalogue) PlacementsFor(category string) []*PlacementType {
	var out []*PlacementType
	for i := range c.Placements {
		p := &c.Placements[i]
		if category == "" || len(p.Categories) == 0 || slices.Contains(p.Categories, category) {
			out = append(out, p)
		}
	}
	return out
}

// Division returns the division or zone with code, or nil.
func (c *Catalogue) Division(code string) *Division { return c.divisions[code] }

// PoliceStation returns the police station with code, or nil.
func (c *Catalogue) PoliceStation(code string) *PoliceStation { return c.stations[code] }

// ItemCodes returns the item codes in catalogue order.
func (c *Catalogue) ItemCodes() []string {
	out := make([]string, len(c.Items))
	for i, it := range c.Items {
		out[i] = it.Code
	}
	return out
}

// EligibleItems returns the codes of the items placement may apply for.
func (c *Catalogue) EligibleItems(placement string) []string {
	var out []string
	for i := range c.Items {
		if c.Items[i].EligibleFor(placement) && !c.Items[i].Off {
			out = append(out, c.Items[i].Code)
		}
	}
	return out
}

// ItemsFor returns the codes of the items a case with values may apply for:
// placement, personnel category and each item's condition (see
// Item.Excluded).
func (c *Catalogue) ItemsFor(values map[string]string) []string {
	var out []string
	for i := range c.Items {
		if _, ex := c.Items[i].Excluded(values); !ex {
			out = append(out, c.Items[i].Code)
		}
	}
	return out
}

// Options returns the allowed values of an enum field.
func (c *Catalogue) Options(f *Field) []string {
	switch f.OptionsFrom {
	case OptionsPlacements:
		out := make([]string, len(c.Placements))
		for i, p := range c.Placements {
			out[i] = p.Code
		}
		return out
	case OptionsDivisions:
		out := make([]string, len(c.Divisions))
		for i, d := range c.Divisions {
			out[i] = d.Code
		}
		return out
	case OptionsPoliceStations:
		out := make([]string, len(c.PoliceStations))
		for i, p := range c.PoliceStations {
			out[i] = p.Code
		}
		return out
	}
	return f.Options
}

// Kinds and units of time limits.
const (
	LimitPromised = "promised" // 承诺时限: what the office promises
	LimitLegal    = "legal"    // 法定时限: what a law or rule allows
	UnitWorking   = "working"  // 工作日
	UnitCalendar  = "calendar" // 日 (自然日): a last day off work moves to the next working day
)

// TimeLimit is one time limit of an item. It measures one event: from the
// task's start (or the date in field From) until the task is done (or
// until the event Until names, for a limit that runs past the task, such as
// 发证 after the 身份证 application is taken).
type TimeLimit struct {
	Kind   string `json:"kind"` // LimitPromised or LimitLegal
	Days   int    `json:"days"`
	Unit   string `json:"unit"`            // UnitWorking or UnitCalendar
	From   string `json:"from,omitempty"`  // field code of the start date; empty: the task's start
	Until  string `json:"until,omitempty"` // the event measured (a short Chinese name); empty: the task done
	Source string `json:"source,omitempty"`
	Sample bool   `json:"sample,omitempty"` // practice seen elsewhere, 待核实 for this city
}

// MeasuresTask reports whether the limit runs from the task's start to its
// completion, so that it can set the task's due date.
func (l TimeLimit) MeasuresTask() bool { return l.From == "" && l.Until == "" }

// TaskLimit returns the limit that sets a task's due date: the promised
// limit measuring the task, else the legal one; nil when there is none.
func (it *Item) TaskLimit() *TimeLimit {
	var legal *TimeLimit
	for i := range it.Limits {
		l := &it.Limits[i]
		if !l.MeasuresTask() {
			continue
		}
		if l.Kind == LimitPromised {
			return l
		}
		if legal == nil {
			legal = l
		}
	}
	return legal
}

// DueDate returns the date a task of item started on start is due, or the
// zero time when no limit measures the task.
func (c *Catalogue) DueDate(item string, start time.Time) time.Time {
	it := c.Item(item)
	if it == nil {
		return time.Time{}
	}
	l := it.TaskLimit()
	if l == nil {
		return time.Time{}
	}
	return c.Calendar.Deadline(start, l.Days, l.Unit)
}
