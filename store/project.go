package store

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"vetdesk/casework"
)

// ekey names one entity inside a case: ("case", ""), ("material", code),
// ("task", item).
type ekey struct{ entity, key string }

const valuePrefix = "v:"

// caseFields flattens c into the fields of its entities, as the ops and the
// fields table hold them. Empty strings mean unset.
func caseFields(c *casework.Case) map[ekey]map[string]string {
	out := map[ekey]map[string]string{}
	cf := map[string]string{
		"number":            c.Number,
		"state":             string(c.State),
		"office":            c.Office,
		"station":           c.Station,
		"catalogue_version": c.CatalogueVersion,
		"items":             jsonOrEmpty(c.Items, len(c.Items) == 0),
		"created_at":        formatTime(c.CreatedAt),
		"accepted_at":       formatTime(c.AcceptedAt),
		"closed_at":         formatTime(c.ClosedAt),
		"updated_at":        formatTime(c.UpdatedAt),
		"created_by":        c.CreatedBy,
		"withdraw_reason":   c.WithdrawReason,
	}
	for k, v := range c.Values {
		cf[valuePrefix+k] = v
	}
	out[ekey{EntityCase, ""}] = cf
	for code, m := range c.Materials {
		if m == nil {
			continue
		}
		out[ekey{EntityMaterial, code}] = map[string]string{
			"status":      string(m.Status),
			"attachments": jsonOrEmpty(m.Attachments, len(m.Attachments) == 0),
			"note":        m.Note,
		}
	}
	for _, t := range c.Tasks {
		if t == nil {
			continue
		}
		out[ekey{EntityTask, t.Item}] = map[string]string{
			"department": t.Department,
			"state":      string(t.State),
			"reason":     t.Reason,
			"started":    formatTime(t.Started),
			"due":        formatTime(t.Due),
			"finished":   formatTime(t.Finished),
			"result":     jsonOrEmpty(t.Result, len(t.Result) == 0),
			"updated_at": formatTime(t.UpdatedAt),
		}
	}
	return out
}

func jsonOrEmpty(v any, empty bool) string {
	if empty {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// frow is one row of the fields table of a case.
type frow struct{ entity, key, field, value string }

// buildCase makes the case from its field rows; ok is false when the case
// entity has no field (an op of a material arrived before its case).
func buildCase(id string, rows []frow) (*casework.Case, bool) {
	c := &casework.Case{ID: id, Values: map[string]string{}, Materials: map[string]*casework.MaterialState{}}
	tasks := map[string]*casework.Task{}
	ok := false
	for _, r := range rows {
		switch r.entity {
		case EntityCase:
			ok = true
			setCaseField(c, r.field, r.value)
		case EntityMaterial:
			m := c.Materials[r.key]
			if m == nil {
				m = &casework.MaterialState{Code: r.key}
				c.Materials[r.key] = m
			}
			switch r.field {
			case "status":
				m.Status = casework.MaterialStatus(r.value)
			case "attachments":
				m.Attachments = nil
				if r.value != "" {
					_ = json.Unmarshal([]byte(r.value), &m.Attachments)
				}
			case "note":
				m.Note = r.value
			}
		case EntityTask:
			t := tasks[r.key]
			if t == nil {
				t = &casework.Task{Item: r.key}
				tasks[r.key] = t
			}
			setTaskField(t, r.field, r.value)
		}
	}
	if len(tasks) > 0 {
		pos := map[string]int{}
		for i, it := range c.Items {
			pos[it] = i
		}
		for _, t := range tasks {
			c.Tasks = append(c.Tasks, t)
		}
		sortTasks(c.Tasks, pos)
	}
	return c, ok
}

// sortTasks orders tasks as their items are ordered in pos (the case's
// item list); tasks of items not listed come last, by code.
func sortTasks(tasks []*casework.Task, pos map[string]int) {
	sort.Slice(tasks, func(i, j int) bool {
		pi, iok := pos[tasks[i].Item]
		pj, jok := pos[tasks[j].Item]
		if iok != jok {
			return iok
		}
		if pi != pj {
			return pi < pj
		}
		return tasks[i].Item < tasks[j].Item
	})
}

func setCaseField(c *casework.Case, field, v string) {
	if code, ok := strings.CutPrefix(field, valuePrefix); ok {
		if v != "" {
			c.Values[code] = v
		}
		return
	}
	switch field {
	case "number":
		c.Number = v
	case "state":
		c.State = casework.CaseState(v)
	case "office":
		c.Office = v
	case "station":
		c.Station = v
	case "catalogue_version":
		c.CatalogueVersion = v
	case "items":
		c.Items = nil
		if v != "" {
			_ = json.Unmarshal([]byte(v), &c.Items)
		}
	case "created_at":
		c.CreatedAt = parseTime(v)
	case "accepted_at":
		c.AcceptedAt = parseTime(v)
	case "closed_at":
		c.ClosedAt = parseTime(v)
	case "updated_at":
		c.UpdatedAt = parseTime(v)
	case "created_by":
		c.CreatedBy = v
	case "withdraw_reason":
		c.WithdrawReason = v
	}
}

func setTaskField(t *casework.Task, field, v string) {
	switch field {
	case "department":
		t.Department = v
	case "state":
		t.State = casework.TaskState(v)
	case "reason":
		t.Reason = v
	case "started":
		t.Started = parseTime(v)
	case "due":
		t.Due = parseTime(v)
	case "finished":
		t.Finished = parseTime(v)
	case "result":
		t.Result = nil
		if v != "" {
			_ = json.Unmarshal([]byte(v), &t.Result)
		}
	case "updated_at":
		t.UpdatedAt = parseTime(v)
	}
}

// fieldRows reads the field rows of case rid inside w.
func (w *wtx) fieldRows(rid int64) ([]frow, error) {
	rows, err := w.query(`SELECT entity, key, field, value FROM fields WHERE case_rid = ?`, rid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []frow
	for rows.Next() {
		var r frow
		if err := rows.Scan(&r.entity, &r.key, &r.field, &r.value); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// refreshCase rebuilds the projections of case rid from its fields.
func (w *wtx) refreshCase(rid int64, t touched) error {
	var id, oldNumber, oldName, oldIDNum, oldPhone, oldItems string
	err := w.queryRow(`SELECT id, number, name, id_number, phone, items FROM cases WHERE rid = ?`, rid).
		Scan(&id, &oldNumber, &oldName, &oldIDNum, &oldPhone, &oldItems)
	if err != nil {
		return fmt.Errorf("refresh case %d: %w", rid, err)
	}
	rows, err := w.fieldRows(rid)
	if err != nil {
		return fmt.Errorf("refresh case %s: %w", id, err)
	}
	c, _ := buildCase(id, rows)
	missing := 0
	for _, m := range c.Materials {
		if m.Status == casework.MaterialRequired {
			missing++
		}
	}
	items := jsonOrEmpty(c.Items, len(c.Items) == 0)
	name, idNum, phone := c.Values[casework.FieldName], strings.ToUpper(c.Values[casework.FieldIDNumber]), c.Values[casework.FieldPhone]
	_, err = w.exec(`UPDATE cases SET number = ?, state = ?, office = ?, station = ?, name = ?, id_number = ?, phone = ?,
		items = ?, created_at = ?, accepted_at = ?, updated_at = ?, closed_at = ?, missing_materials = ?, created_by = ? WHERE rid = ?`,
		c.Number, string(c.State), c.Office, c.Station, name, idNum, phone, items,
		formatTime(c.CreatedAt), formatTime(c.AcceptedAt), formatTime(c.UpdatedAt), formatTime(c.ClosedAt), missing, c.CreatedBy, rid)
	if err != nil {
		return fmt.Errorf("refresh case %s: %w", id, err)
	}
	if items != oldItems {
		if err := w.replaceItems(rid, oldItems, c.Items); err != nil {
			return fmt.Errorf("refresh case %s items: %w", id, err)
		}
	}
	if t.tasks {
		if err := w.replaceTasks(rid, c.Tasks); err != nil {
			return fmt.Errorf("refresh case %s tasks: %w", id, err)
		}
	}
	if oldNumber != c.Number || oldName != name || oldIDNum != idNum || oldPhone != phone {
		old := caseGrams(oldName, oldIDNum, oldPhone, oldNumber)
		cur := caseGrams(name, idNum, phone, c.Number)
		for g := range old {
			if !cur[g] {
				if _, err := w.exec(`DELETE FROM grams WHERE gram = ? AND case_rid = ?`, g, rid); err != nil {
					return fmt.Errorf("refresh case %s grams: %w", id, err)
				}
			}
		}
		// the new postings are merged later, with other cases' (grams.go)
		for g := range cur {
			if !old[g] {
				if err := w.notePending(rid); err != nil {
					return fmt.Errorf("refresh case %s grams: %w", id, err)
				}
				break
			}
		}
	}
	return nil
}

func (w *wtx) replaceItems(rid int64, oldItems string, items []string) error {
	var old []string
	if oldItems != "" {
		_ = json.Unmarshal([]byte(oldItems), &old)
	}
	for _, it := range old {
		if _, err := w.exec(`DELETE FROM case_items WHERE item = ? AND case_rid = ?`, it, rid); err != nil {
			return err
		}
	}
	for _, it := range items {
		if _, err := w.exec(`INSERT OR IGNORE INTO case_items (item, case_rid) VALUES (?, ?)`, it, rid); err != nil {
			return err
		}
	}
	return nil
}

func (w *wtx) replaceTasks(rid int64, tasks []*casework.Task) error {
	if _, err := w.exec(`DELETE FROM tasks WHERE case_rid = ?`, rid); err != nil {
		return err
	}
	for _, t := range tasks {
		_, err := w.exec(`INSERT INTO tasks (case_rid, item, department, state, reason, started, due, finished, result, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, rid, t.Item, t.Department, string(t.State), t.Reason,
			formatTime(t.Started), formatTime(t.Due), formatTime(t.Finished), jsonOrEmpty(t.Result, len(t.Result) == 0), formatTime(t.UpdatedAt))
		if err != nil {
			return err
		}
	}
	return nil
}
