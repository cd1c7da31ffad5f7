package casework

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Rules are the cross-field checks a catalogue keeps as data (rules.json,
// optional: a catalogue without it has none).
type Rules struct {
	OptionGroups  []OptionGroup  `json:"option_groups,omitempty"`
	ServiceMonths []ServiceRange `json:"service_months,omitempty"`
	MinYears      []MinYears     `json:"min_years,omitempty"`
}

// OptionGroup ties the options of Field to the value of By: when By holds a
// value listed in Groups, Field must be one of that value's options (军衔 by
// 人员类别: no 列兵 among 军官). A mismatch is an error.
type OptionGroup struct {
	Field  string              `json:"field"`
	By     string              `json:"by"`
	Groups map[string][]string `json:"groups"`
	Source string              `json:"source,omitempty"`
}

// ServiceRange is the length of service that fits a personnel category;
// outside it validation warns (a veteran may leave early, so never an error).
type ServiceRange struct {
	Category  string `json:"category"`
	MinMonths int    `json:"min_months,omitempty"`
	MaxMonths int    `json:"max_months,omitempty"`
	Source    string `json:"source,omitempty"`
	Sample    bool   `json:"sample,omitempty"`
}

// MinYears asks that the date in Field lies at least Years before the date
// in Before, when When holds; otherwise validation warns (结婚满2年 for
// 投靠配偶, 退役军人安置条例 §45).
type MinYears struct {
	Field  string     `json:"field"`
	Before string     `json:"before"`
	Years  int        `json:"years"`
	When   *Condition `json:"when,omitempty"`
	Source string     `json:"source,omitempty"`
}

// Reasons reported by the rules.
const (
	ReasonOptionGroup   = "option_group"   // Arg: the field the value does not fit (人员类别)
	ReasonServiceLength = "service_length" // warning; Arg: the personnel category, Limit: the service length
	ReasonMinYears      = "min_years"      // warning; Arg: the years, Limit: the label of the later date
)

func (c *Catalogue) checkRules() error {
	r := c.Rules
	for _, g := range r.OptionGroups {
		f, by := c.fields[g.Field], c.fields[g.By]
		if f == nil || by == nil || len(g.Groups) == 0 {
			return fmt.Errorf("option group %s by %s: unknown field or no groups", g.Field, g.By)
		}
		opts := c.Options(f)
		for k, list := range g.Groups {
			if !slices.Contains(c.Options(by), k) {
				return fmt.Errorf("option group %s: %q is not an option of %s", g.Field, k, g.By)
			}
			for _, o := range list {
				if !slices.Contains(opts, o) {
					return fmt.Errorf("option group %s: %q is not an option of %s", g.Field, o, g.Field)
				}
			}
		}
	}
	for _, s := range r.ServiceMonths {
		if !c.knownCategory(s.Category) || s.MinMonths < 0 || s.MaxMonths < 0 || s.MaxMonths > 0 && s.MaxMonths < s.MinMonths {
			return fmt.Errorf("service months of %q: unknown category or bad range %d..%d", s.Category, s.MinMonths, s.MaxMonths)
		}
	}
	for _, m := range r.MinYears {
		a, b := c.fields[m.Field], c.fields[m.Before]
		if a == nil || b == nil || a.Type != TypeDate || b.Type != TypeDate || m.Years <= 0 {
			return fmt.Errorf("min years %s before %s: both must be date fields and years positive", m.Field, m.Before)
		}
		if err := c.checkCondition(m.When); err != nil {
			return fmt.Errorf("min years %s: %w", m.Field, err)
		}
	}
	return nil
}

// ServiceYears derives 服役年限 from the 入伍 and 退役 dates: whole years,
// or years to one decimal place ("2", "2.5", "12.3"); empty when either date
// is missing or they are not in order.
func ServiceYears(enlist, discharge string) string {
	months, ok := serviceMonths(enlist, discharge)
	if !ok {
		return ""
	}
	tenths := (months*20 + 12) / 24 // months/12 in tenths, half up
	if tenths%10 == 0 {
		return strconv.Itoa(tenths / 10)
	}
	return fmt.Sprintf("%d.%d", tenths/10, tenths%10)
}

func serviceMonths(enlist, discharge string) (int, bool) {
	a, err1 := time.Parse(dateLayout, strings.TrimSpace(enlist))
	b, err2 := time.Parse(dateLayout, strings.TrimSpace(discharge))
	if err1 != nil || err2 != nil {
		return 0, false
	}
	months, _, err := ServiceLength(a, b)
	return months, err == nil
}

// Derive fills the derived fields of values from the others: 服役年限 from
// the service dates. Accept calls it; so does the intake as the clerk types.
func Derive(values map[string]string) {
	if y := ServiceYears(values[FieldEnlistDate], values[FieldDischargeDate]); y != "" {
		values[FieldServiceYears] = y
	} else {
		delete(values, FieldServiceYears)
	}
}

// ServiceFits returns the warning for a service length that does not fit
// the personnel category in values, or nil.
func (c *Catalogue) ServiceFits(values map[string]string) *Problem {
	months, ok := serviceMonths(values[FieldEnlistDate], values[FieldDischargeDate])
	cat := values[FieldCategory]
	if !ok || cat == "" {
		return nil
	}
	for _, s := range c.Rules.ServiceMonths {
		if s.Category != cat {
			continue
		}
		if months < s.MinMonths || s.MaxMonths > 0 && months > s.MaxMonths {
			return &Problem{Field: FieldServiceYears, Severity: SeverityWarning, Reason: ReasonServiceLength, Arg: cat, Limit: fmt.Sprintf("%d年%d个月", months/12, months%12)}
		}
	}
	return nil
}

// ruleChecks applies the catalogue's rules to the fields on the form.
func ruleChecks(cat *Catalogue, c *Case, val func(string) string) []Problem {
	var probs []Problem
	for _, g := range cat.Rules.OptionGroups {
		v, by := val(g.Field), val(g.By)
		if opts, ok := g.Groups[by]; ok && v != "" && !slices.Contains(opts, v) {
			probs = append(probs, Problem{Field: g.Field, Severity: SeverityError, Reason: ReasonOptionGroup, Arg: g.By})
		}
	}
	if val(FieldEnlistDate) != "" && val(FieldCategory) != "" {
		if p := cat.ServiceFits(c.Values); p != nil {
			probs = append(probs, *p)
		}
	}
	for _, m := range cat.Rules.MinYears {
		if !m.When.Holds(c.Values) {
			continue
		}
		a, err1 := time.Parse(dateLayout, val(m.Field))
		b, err2 := time.Parse(dateLayout, val(m.Before))
		if err1 != nil || err2 != nil {
			continue
		}
		if a.AddDate(m.Years, 0, 0).After(b) {
			probs = append(probs, Problem{Field: m.Field, Severity: SeverityWarning, Reason: ReasonMinYears, Arg: strconv.Itoa(m.Years), Limit: cat.Field(m.Before).Label})
		}
	}
	return probs
}
