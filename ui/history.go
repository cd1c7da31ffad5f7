package ui

import (
	"encoding/json"
	"sort"
	"strings"
	"time"

	"vetdesk/casework"
	"vetdesk/store"
)

// The 办理记录 reads as sentences: who did what and when, with field labels
// and values as the screens show them, times local.

// historyFields are the bookkeeping fields a timeline does not mention.
var historyFields = map[string]bool{"updated_at": true, "catalogue_version": true, "created_by": true, "created_at": true, "station": true}

// maxChanges is how many changes of one entry are listed before "等 N 项".
const maxChanges = 8

// eventLine words one timeline entry as a sentence.
func eventLine(cat *casework.Catalogue, e store.Event) string {
	who := e.UserName
	if who == "" {
		who = T("history.someone")
	}
	return T("case.event", map[string]any{"When": e.At.Local().Format("2006-01-02 15:04"), "Who": who, "What": describeEvent(cat, e)})
}

// describeEvent says what one timeline entry did; sensitive values arrive
// masked from the store.
func describeEvent(cat *casework.Catalogue, e store.Event) string {
	if e.Entity == store.EntityEvent {
		switch e.Action {
		case "accept":
			return T("history.accept", map[string]any{"Number": e.Detail})
		case store.EventLetter:
			return T("history.letter", map[string]any{"Number": e.Detail})
		case store.EventLetterVoid:
			return T("history.letter_void", map[string]any{"Number": e.Detail})
		}
		return strings.TrimSpace(e.Action + " " + e.Detail)
	}
	var parts []string
	created, entered := false, false
	changes := append([]store.Change(nil), e.Changes...)
	sort.SliceStable(changes, func(i, j int) bool { return fieldRank(cat, changes[i].Field) < fieldRank(cat, changes[j].Field) })
	for _, ch := range changes {
		if historyFields[ch.Field] {
			continue
		}
		if e.Entity == store.EntityCase && ch.Field == "state" && ch.Old == "" {
			if ch.New == string(casework.CaseDraft) {
				created = true
				continue
			}
			entered = true // a whole case arriving at once (an import)
		}
		label, v := changeText(cat, e.Entity, ch.Field, ch.New)
		if label == "" {
			continue
		}
		if v == "" {
			parts = append(parts, T("history.cleared", map[string]any{"Field": label}))
		} else {
			parts = append(parts, T("history.set", map[string]any{"Field": label, "Value": v}))
		}
	}
	more := 0
	if len(parts) > maxChanges {
		more = len(parts) - maxChanges
		parts = parts[:maxChanges]
	}
	list := strings.Join(parts, ",")
	if more > 0 {
		list += T("history.more", map[string]any{"N": more})
	}
	_, code, _ := strings.Cut(e.EntityID, "/")
	switch e.Entity {
	case store.EntityTask:
		name := code
		if it := cat.Item(code); it != nil {
			name = it.Name
		}
		return T("history.task", map[string]any{"Item": name, "Changes": list})
	case store.EntityMaterial:
		name := code
		if m := cat.Material(code); m != nil {
			name = m.Name
		}
		return T("history.material", map[string]any{"Material": name, "Changes": list})
	}
	if entered {
		return T("history.entered", map[string]any{"Changes": list})
	}
	if created {
		if list == "" {
			return T("history.created")
		}
		return T("history.created.with", map[string]any{"Changes": list})
	}
	if list == "" {
		return T("history.saved")
	}
	return T("history.case", map[string]any{"Changes": list})
}

// fieldRank orders a case's changes as the form does: the case's own
// fields first, then the form's values in catalogue order.
func fieldRank(cat *casework.Catalogue, field string) int {
	code, ok := strings.CutPrefix(field, "v:")
	if !ok {
		return -1
	}
	for i, f := range cat.Fields {
		if f.Code == code {
			return i
		}
	}
	return len(cat.Fields)
}

// changeText gives the label of a changed field and its new value as the
// screens show it; an empty label means the change is not worth telling.
func changeText(cat *casework.Catalogue, entity, field, v string) (label, value string) {
	if code, ok := strings.CutPrefix(field, "v:"); ok {
		f := cat.Field(code)
		if f == nil {
			return code, clip(v)
		}
		switch {
		case f.Type == casework.TypePhoto && v != "":
			v = T("intake.material.attached", map[string]any{"N": 1})
		case f.Sensitive == casework.SensitiveNone:
			v = OptionLabel(cat, f, v)
		}
		return f.Label, clip(v)
	}
	switch field {
	case "state":
		switch entity {
		case store.EntityTask:
			return T("history.field.task_state"), TaskStateName(casework.TaskState(v))
		case store.EntityMaterial:
			return "", ""
		}
		return T("case.state"), CaseStateName(casework.CaseState(v))
	case "status":
		return T("history.field.status"), MaterialStatusName(casework.MaterialStatus(v))
	case "number":
		return T("case.number"), v
	case "office":
		if d := cat.Division(v); d != nil {
			v = d.Name
		}
		return T("case.office"), v
	case "items":
		var codes, names []string
		_ = json.Unmarshal([]byte(v), &codes)
		for _, c := range codes {
			if it := cat.Item(c); it != nil {
				names = append(names, it.Name)
			} else {
				names = append(names, c)
			}
		}
		return T("history.field.items"), strings.Join(names, "、")
	case "attachments":
		var hashes []string
		_ = json.Unmarshal([]byte(v), &hashes)
		if len(hashes) == 0 {
			return T("history.field.attachments"), ""
		}
		return T("history.field.attachments"), T("intake.material.attached", map[string]any{"N": len(hashes)})
	case "department":
		if d := cat.Department(v); d != nil {
			v = d.Name
		}
		return T("history.field.department"), v
	case "due":
		return T("history.field.due"), localDate(v)
	case "accepted_at":
		return T("case.accepted"), localTime(v)
	case "closed_at":
		return T("history.field.closed"), localTime(v)
	case "started":
		return T("history.field.started"), localTime(v)
	case "finished":
		return T("history.field.finished"), localTime(v)
	case "reason", "withdraw_reason":
		return T("history.field.reason"), clip(v)
	case "note":
		return T("history.field.note"), clip(v)
	case "result":
		var res map[string]string
		_ = json.Unmarshal([]byte(v), &res)
		keys := make([]string, 0, len(res))
		for k := range res {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var out []string
		for _, k := range keys {
			l := k
			if f := cat.Field(k); f != nil {
				l = f.Label
			}
			out = append(out, l+" "+clip(res[k]))
		}
		return T("tasks.result"), strings.Join(out, "、")
	}
	return "", ""
}

// localTime shows a stored time (RFC 3339, UTC) in local time to the minute.
func localTime(v string) string {
	if v == "" {
		return ""
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return v
	}
	return t.Local().Format("2006-01-02 15:04")
}

// localDate shows a stored due time as its local date.
func localDate(v string) string {
	if v == "" {
		return ""
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return v
	}
	return t.Local().Format("2006-01-02")
}

func clip(v string) string {
	if r := []rune(v); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return v
}
