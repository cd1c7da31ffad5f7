package ui

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"

	"vetdesk/casework"
	"vetdesk/internal/keyring"
	"vetdesk/store"
)

// CaseStateName is the Chinese name of a case state.
func CaseStateName(s casework.CaseState) string { return T("case.state." + string(s)) }

// TaskStateName is the Chinese name of a task state.
func TaskStateName(s casework.TaskState) string { return T("task.state." + string(s)) }

// MaterialStatusName is the Chinese name of a material status.
func MaterialStatusName(s casework.MaterialStatus) string { return T("material.status." + string(s)) }

// RoleName is the Chinese name of a role.
func RoleName(role string) string { return T("role." + role) }

// ProblemText words a validation problem in plain Chinese; codes in Arg
// (fields, items) become their labels.
func ProblemText(cat *casework.Catalogue, p casework.Problem) string {
	arg := p.Arg
	switch p.Reason {
	case casework.ReasonDateOrder, casework.ReasonItemCondition, casework.ReasonOptionGroup:
		if f := cat.Field(arg); f != nil {
			arg = f.Label
		}
	case casework.ReasonItemDependency:
		if it := cat.Item(arg); it != nil {
			arg = it.Name
		}
	}
	return T("problem."+p.Reason, map[string]any{"Arg": arg, "Limit": p.Limit})
}

// ProblemSubject names what a problem is about: the field label, or the item
// name, or nothing for case-level problems.
func ProblemSubject(cat *casework.Catalogue, p casework.Problem) string {
	if p.Item != "" && p.Reason != casework.ReasonItemIneligible {
		if it := cat.Item(p.Item); it != nil {
			return it.Name
		}
		return p.Item
	}
	if p.Item != "" {
		if it := cat.Item(p.Item); it != nil {
			return it.Name
		}
	}
	if f := cat.Field(p.Field); f != nil {
		return f.Label
	}
	return ""
}

// OptionLabel shows an enum value as people know it: placement, division
// and police station codes become names.
func OptionLabel(cat *casework.Catalogue, f *casework.Field, v string) string {
	switch {
	case f.OptionsFrom == casework.OptionsPlacements:
		if p := cat.Placement(v); p != nil {
			return p.Name
		}
	case f.OptionsFrom == casework.OptionsDivisions || f.Type == casework.TypeDivision:
		if d := cat.Division(v); d != nil {
			return d.Name
		}
	case f.OptionsFrom == casework.OptionsPoliceStations:
		if s := cat.PoliceStation(v); s != nil {
			return s.Bureau + s.Name + "派出所"
		}
	}
	return v
}

// Options returns the codes and labels of an enum or division field.
func Options(cat *casework.Catalogue, f *casework.Field) (codes, labels []string) {
	codes = cat.Options(f)
	if f.Type == casework.TypeDivision {
		codes = codes[:0:0]
		for _, d := range cat.Divisions {
			codes = append(codes, d.Code)
		}
	}
	labels = make([]string, len(codes))
	for i, c := range codes {
		labels[i] = OptionLabel(cat, f, c)
	}
	return codes, labels
}

// ErrorText turns an error the clerk must hear about into a safe sentence:
// never err.Error(). Errors the clerk can act on have their own sentence
// (the key file busy, a path too long); unknown errors get a generic message with a short
// reference that is logged in full once.
func ErrorText(err error) string {
	switch {
	case errors.Is(err, keyring.ErrBusy): // the command line (rotate-key, recover) is at the key file
		return T("error.keys.busy")
	case errors.Is(err, store.ErrPathTooLong):
		return T("error.path.long", map[string]any{"Max": store.MaxPathLen})
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	ref := hex.EncodeToString(b)
	slog.Error("ui error", "ref", ref, "err", err)
	return T("error.generic", map[string]any{"Ref": ref})
}
