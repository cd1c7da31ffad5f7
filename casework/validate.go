package casework

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Severity says whether a problem blocks acceptance.
type Severity string

// Severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Problem is one finding of Validate. The ui package words it in Chinese
// from Reason; Arg carries a detail (the other item, the limit).
type Problem struct {
	Field    string   `json:"field,omitempty"` // field code, empty for case-level problems
	Item     string   `json:"item,omitempty"`  // item code, for item problems
	Severity Severity `json:"severity"`
	Reason   string   `json:"reason"`
	Arg      string   `json:"arg,omitempty"`
	Limit    string   `json:"limit,omitempty"` // the limit broken, for report_late: the placement's days
}

// Reasons reported by Validate besides the ID number ones.
const (
	ReasonRequired          = "required"
	ReasonNoItems           = "no_items"
	ReasonItemUnknown       = "item_unknown"
	ReasonItemIneligible    = "item_ineligible"
	ReasonItemCondition     = "item_condition"  // the value of Field (Arg: its code) rules the item out
	ReasonItemOff           = "item_off"        // the item is switched off in this catalogue
	ReasonItemDependency    = "item_dependency" // Arg: the item depended on
	ReasonIDBirthMismatch   = "id_birth_mismatch"
	ReasonIDSexMismatch     = "id_sex_mismatch"
	ReasonPhoneFormat       = "phone_format"
	ReasonPhonePrefix       = "phone_prefix" // warning
	ReasonBankFormat        = "bank_format"
	ReasonBankLuhn          = "bank_luhn" // warning
	ReasonDateFormat        = "date_format"
	ReasonDateOrder         = "date_order" // Arg: the field that must come before
	ReasonDateFuture        = "date_future"
	ReasonReportLate        = "report_late" // warning: Arg is the days since discharge, Limit the placement's days
	ReasonEnum              = "enum"
	ReasonNumberFormat      = "number_format"
	ReasonMoneyFormat       = "money_format"
	ReasonBooleanFormat     = "boolean_format"
	ReasonCreditCode        = "credit_code"
	ReasonTooShort          = "too_short" // Arg: min length
	ReasonTooLong           = "too_long"  // Arg: max length
	ReasonPlacementCategory = "placement_category"
	ReasonDivision          = "division_unknown"
)

// HasErrors reports whether any problem is an error.
func HasErrors(probs []Problem) bool {
	for _, p := range probs {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}

var (
	mobileRe   = regexp.MustCompile(`^1[3-9]\d{9}$`)
	oddMobile  = regexp.MustCompile(`^1\d{10}$`)
	landlineRe = regexp.MustCompile(`^0\d{2,3}-?\d{7,8}$`)
	moneyRe    = regexp.MustCompile(`^\d{1,12}(\.\d{1,2})?$`)
)

// Validate returns every problem of the case at once: items (unknown,
// ineligible for the placement, missing dependencies), then each field of the
// unified form (required, type rules, ID number agreement, date order).
// Fields that the selected items do not ask for are not checked.
func Validate(cat *Catalogue, c *Case, now time.Time) []Problem {
	var probs []Problem
	add := func(p Problem) { probs = append(probs, p) }
	if len(c.Items) == 0 {
		add(Problem{Severity: SeverityError, Reason: ReasonNoItems})
	}
	placement := c.Placement()
	selected := map[string]bool{}
	for _, code := range c.Items {
		selected[code] = true
	}
	for _, code := range c.Items {
		it := cat.Item(code)
		if it == nil {
			add(Problem{Item: code, Severity: SeverityError, Reason: ReasonItemUnknown})
			continue
		}
		switch field, ex := it.Excluded(c.Values); {
		case !ex:
		case field == "":
			add(Problem{Item: code, Severity: SeverityError, Reason: ReasonItemOff})
		case field == FieldPlacement:
			add(Problem{Item: code, Field: FieldPlacement, Severity: SeverityError, Reason: ReasonItemIneligible, Arg: placement})
		default:
			add(Problem{Item: code, Field: field, Severity: SeverityError, Reason: ReasonItemCondition, Arg: field})
		}
		for _, d := range it.DependsOn {
			if dep := cat.Item(d); !selected[d] && dep != nil && !dep.Off {
				add(Problem{Item: code, Severity: SeverityWarning, Reason: ReasonItemDependency, Arg: d})
			}
		}
	}
	form := BuildForm(cat, c.Items, c.Values)
	for _, ff := range form.Fields() {
		v := Normalize(ff.Field, c.Values[ff.Field.Code])
		if v == "" {
			if ff.Required && ff.Field.Type != TypeDerived {
				add(Problem{Field: ff.Field.Code, Severity: SeverityError, Reason: ReasonRequired})
			}
			continue
		}
		for _, p := range checkValue(cat, ff.Field, v, now) {
			add(p)
		}
	}
	probs = append(probs, crossChecks(cat, c, form, now)...)
	return probs
}

// CheckValue returns the problems of one value of field code on its own,
// for checking as the clerk types; v is normalised first. Empty values have
// none.
func CheckValue(cat *Catalogue, code, v string, now time.Time) []Problem {
	f := cat.Field(code)
	v = Normalize(f, v)
	if f == nil || v == "" {
		return nil
	}
	return checkValue(cat, f, v, now)
}

func checkValue(cat *Catalogue, f *Field, v string, now time.Time) []Problem {
	bad := func(sev Severity, reason, arg string) []Problem {
		return []Problem{{Field: f.Code, Severity: sev, Reason: reason, Arg: arg}}
	}
	n := utf8.RuneCountInString(v)
	if f.MinLen > 0 && n < f.MinLen {
		return bad(SeverityError, ReasonTooShort, strconv.Itoa(f.MinLen))
	}
	if f.MaxLen > 0 && n > f.MaxLen {
		return bad(SeverityError, ReasonTooLong, strconv.Itoa(f.MaxLen))
	}
	switch f.Type {
	case TypeIDNumber:
		if _, err := ParseIDNumber(v, cat.Areas, now); err != nil {
			ie := err.(*IDError)
			return bad(SeverityError, ie.Reason, ie.Arg)
		}
	case TypePhone:
		switch {
		case mobileRe.MatchString(v), landlineRe.MatchString(v):
		case oddMobile.MatchString(v):
			return bad(SeverityWarning, ReasonPhonePrefix, "")
		default:
			return bad(SeverityError, ReasonPhoneFormat, "")
		}
	case TypeBank:
		d := strings.ReplaceAll(v, " ", "")
		if len(d) < 15 || len(d) > 19 || !allDigits(d) {
			return bad(SeverityError, ReasonBankFormat, "")
		}
		if !LuhnValid(d) {
			return bad(SeverityWarning, ReasonBankLuhn, "")
		}
	case TypeDate:
		d, err := time.Parse(dateLayout, v)
		if err != nil {
			return bad(SeverityError, ReasonDateFormat, "")
		}
		if d.Year() < 1900 {
			return bad(SeverityError, ReasonDateFormat, "")
		}
	case TypeEnum, TypeDivision:
		opts := cat.Options(f)
		if f.Type == TypeDivision {
			if cat.Division(v) == nil {
				return bad(SeverityError, ReasonDivision, "")
			}
			return nil
		}
		for _, o := range opts {
			if o == v {
				return nil
			}
		}
		return bad(SeverityError, ReasonEnum, "")
	case TypeNumber:
		if !allDigits(v) {
			return bad(SeverityError, ReasonNumberFormat, "")
		}
	case TypeMoney:
		if !moneyRe.MatchString(v) {
			return bad(SeverityError, ReasonMoneyFormat, "")
		}
	case TypeBoolean:
		if v != "是" && v != "否" {
			return bad(SeverityError, ReasonBooleanFormat, "")
		}
	case TypeCreditCode:
		if !CreditCodeValid(v) {
			return bad(SeverityError, ReasonCreditCode, "")
		}
	}
	return nil
}

// crossChecks compares fields with each other: the ID number with birth date
// and sex, the order of dates, the placement with the personnel category.
func crossChecks(cat *Catalogue, c *Case, form *Form, now time.Time) []Problem {
	var probs []Problem
	val := func(code string) string {
		if form.Field(code) == nil {
			return ""
		}
		return cat.NormalizeValue(code, c.Values[code])
	}
	if id := val(FieldIDNumber); id != "" {
		if info, err := ParseIDNumber(id, cat.Areas, now); err == nil {
			if b := val(FieldBirthDate); b != "" && b != info.Birth.Format(dateLayout) {
				probs = append(probs, Problem{Field: FieldBirthDate, Severity: SeverityError, Reason: ReasonIDBirthMismatch, Arg: info.Birth.Format(dateLayout)})
			}
			if s := val(FieldSex); s != "" && s != info.Sex() {
				probs = append(probs, Problem{Field: FieldSex, Severity: SeverityError, Reason: ReasonIDSexMismatch, Arg: info.Sex()})
			}
		}
	}
	today := dateOf(now)
	order := []string{FieldBirthDate, FieldEnlistDate, FieldDischargeDate}
	var prevCode string
	var prev time.Time
	for _, code := range order {
		d, err := time.Parse(dateLayout, val(code))
		if err != nil {
			continue
		}
		if prevCode != "" && !d.After(prev) {
			probs = append(probs, Problem{Field: code, Severity: SeverityError, Reason: ReasonDateOrder, Arg: prevCode})
		}
		prevCode, prev = code, d
	}
	if d, err := time.Parse(dateLayout, val(FieldDischargeDate)); err == nil {
		if d.After(today) {
			probs = append(probs, Problem{Field: FieldDischargeDate, Severity: SeverityError, Reason: ReasonDateFuture})
		} else if p := cat.Placement(val(FieldPlacement)); p != nil && p.ReportWithinDays > 0 && c.HasItem(reportItem(cat)) {
			// the report deadline is the placement's (catalogue data): 自主就业
			// has 30 days, others report 按照规定时间
			if days := int(today.Sub(d).Hours() / 24); days > p.ReportWithinDays {
				probs = append(probs, Problem{Field: FieldDischargeDate, Severity: SeverityWarning, Reason: ReasonReportLate, Arg: strconv.Itoa(days), Limit: strconv.Itoa(p.ReportWithinDays)})
			}
		}
	}
	probs = append(probs, ruleChecks(cat, c, val)...)
	for _, code := range []string{FieldEnlistDate, FieldBirthDate} {
		if d, err := time.Parse(dateLayout, val(code)); err == nil && d.After(today) {
			probs = append(probs, Problem{Field: code, Severity: SeverityError, Reason: ReasonDateFuture})
		}
	}
	if p, catg := cat.Placement(val(FieldPlacement)), val(FieldCategory); p != nil && catg != "" && len(p.Categories) > 0 {
		ok := false
		for _, x := range p.Categories {
			ok = ok || x == catg
		}
		if !ok {
			probs = append(probs, Problem{Field: FieldPlacement, Severity: SeverityError, Reason: ReasonPlacementCategory, Arg: catg})
		}
	}
	return probs
}

// reportItem is the item whose deadline is the 30-day report: the item that
// prints the registration form first in catalogue order, by convention the
// first item.
func reportItem(cat *Catalogue) string {
	if len(cat.Items) == 0 {
		return ""
	}
	return cat.Items[0].Code
}
