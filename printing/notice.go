package printing

import (
	"fmt"
	"io"
	"slices"
	"time"

	"vetdesk/casework"
)

// NoticeProblem is one thing to correct that is not a missing material,
// already worded for the veteran by the caller (the ui words validation
// problems). Item is the item code it concerns, empty for the whole case.
type NoticeProblem struct {
	Item string
	Text string
}

// NoticeData is what the 一次性告知书 shows.
type NoticeData struct {
	Case     *casework.Case
	Cat      *casework.Catalogue
	Office   OfficeInfo
	Clerk    string
	Problems []NoticeProblem
	// Correction prints the 材料补正一次性告知书; it is also printed when
	// any task of the case was returned by its department.
	Correction bool
	Printed    time.Time // the notice's date
}

// Notice writes the 一次性告知书 (or 材料补正一次性告知书): item by item, the
// materials still missing, the problems passed in and, for tasks a
// department returned, their reasons; then the office phone and the
// closing sentence.
func (p *Printer) Notice(w io.Writer, d NoticeData) (Result, error) {
	if d.Case == nil || d.Cat == nil {
		return Result{}, fmt.Errorf("printing: notice: %w", errNoCase)
	}
	c, cat, cs := p.newCanvas(), d.Cat, d.Case
	wd, com := p.words["notice"], p.words["common"]
	correction := d.Correction
	for _, t := range cs.Tasks {
		correction = correction || t.State == casework.TaskReturned
	}
	title, intro := wd.s("title"), "intro"
	if correction {
		title, intro = wd.s("title_correction"), "intro_correction"
	}
	W := c.width()
	y := c.top + 8
	c.centre(y, title, 22, true)
	y += 8
	if cs.Number != "" {
		num := wd.f("number", map[string]any{"Number": cs.Number})
		c.text(c.right-c.measure(num, 11), y, num, 11, false)
	}
	y += 8
	const size = 12
	lh := lineH(size)
	// ensure starts a new page when h more millimetres would not fit.
	ensure := func(h float64) {
		if y+h > c.bottom {
			c.newPage()
			y = c.top
		}
	}
	write := func(x float64, s string, bold bool) {
		ensure(c.paraHeight(c.right-x, s, size))
		y = c.para(x, y, c.right-x, s, size, bold)
	}
	write(c.left, wd.f("greeting", map[string]any{"Name": cs.Value(casework.FieldName)}), false)
	write(c.left+2*size*ptMM, wd.f(intro, map[string]any{"Number": cs.Number}), false)
	y += 2

	lines := cs.Checklist(cat).Lines
	sections := 0
	indent := c.left + 2*size*ptMM
	for _, code := range cs.Items {
		var body []string
		for _, ln := range lines {
			ms := cs.Materials[ln.Material.Code]
			if (ms != nil && ms.Status.Received()) || !slices.Contains(ln.Items, code) {
				continue
			}
			body = append(body, wd.f("material_line", map[string]any{
				"N": len(body) + 1, "Name": ln.Material.Name,
				"Form": com.s("form_" + ln.Material.Form), "Count": com.f("count", map[string]any{"N": max(ln.Material.Count, 1)}),
			}))
		}
		for _, pr := range d.Problems {
			if pr.Item == code {
				body = append(body, wd.f("problem_line", map[string]any{"N": len(body) + 1, "Text": pr.Text}))
			}
		}
		t := cs.Task(code)
		returned := t != nil && t.State == casework.TaskReturned
		if returned {
			body = append(body, wd.f("returned_line", map[string]any{"N": len(body) + 1, "Reason": t.Reason}))
		}
		if len(body) == 0 {
			continue
		}
		sections++
		head := map[string]any{"No": cnNum(sections), "Name": itemName(cat, code)}
		key := "item_heading"
		if returned {
			key, head["Dept"] = "returned_heading", deptName(cat, t.Department)
		}
		ensure(lh * 2)
		write(indent, wd.f(key, head), true)
		for _, b := range body {
			write(indent+size*ptMM, b, false)
		}
	}
	var other []string
	for _, pr := range d.Problems {
		if pr.Item == "" || !cs.HasItem(pr.Item) {
			other = append(other, wd.f("problem_line", map[string]any{"N": len(other) + 1, "Text": pr.Text}))
		}
	}
	if len(other) > 0 {
		sections++
		ensure(lh * 2)
		write(indent, wd.f("other_heading", map[string]any{"No": cnNum(sections)}), true)
		for _, b := range other {
			write(indent+size*ptMM, b, false)
		}
	}
	if sections == 0 {
		write(indent, wd.s("nothing"), false)
	}
	y += 3
	ensure(lh*8 + 20)
	write(indent, wd.s("closing"), false)
	y += 2
	info := map[string]any{"Phone": d.Office.Phone, "Address": d.Office.Address, "Clerk": d.Clerk}
	write(indent, wd.f("contact", info), false)
	if d.Office.Address != "" {
		write(indent, wd.f("address", info), false)
	}
	y += lh / 2
	ensure(sealH + lh*3)
	top := y
	y = p.sealBlock(c, y, d.Office.Name, d.Printed, wd.s("seal"))
	c.text(c.left, top+sealH-4, wd.f("clerk", info), size, false)
	y += lh
	y += lh * 1.6
	c.text(c.left, y, wd.s("sign"), size, false)
	c.line(c.left+c.measure(wd.s("sign"), size), y+1, c.left+0.5*W, y+1, 0.25)
	sd := wd.s("sign_date") + "      " + com.s("blank_date")
	c.text(c.right-c.measure(sd, size), y, sd, size, false)
	c.numberPages(p.words["common"], cs.Number)
	return p.render(w, c, docInfo{title: title + " " + cs.Number, when: d.Printed})
}
