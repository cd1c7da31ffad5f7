package report

import (
	"fmt"
	"time"

	"github.com/xuri/excelize/v2"
)

var summaryCols = []column{
	{"受理单位", 16}, {"事项", 34}, {"受理事项数", 10}, {"已办结", 9}, {"办理中", 9}, {"退回补正", 9},
	{"不予办理", 9}, {"已撤销", 9}, {"逾期未办结", 10}, {"按时办结率", 10}, {"平均办结用时(工作日)", 12},
}

const summaryNote = "说明:1.受理事项数为统计期间内受理的案件所申请的事项数,办理状态为统计截至日的状态;" +
	"2.办理中含待办、等待前置事项和正在办理;3.逾期未办结指未办结且已超过办理时限(按工作日计)的事项;" +
	"4.按时办结率=在时限内办结的事项数÷有办理时限的已办结事项数;5.办结用时自事项开始办理之日起按工作日计算,法定节假日不计。"

// summaryRow returns the cells of one row of figures after the two label
// cells.
func summaryRow(st *styles, label1, label2 string, c *counts, total bool) []any {
	txt, num, pct, dec := st.text, st.integer, st.pct, st.dec
	if total {
		txt, num, pct, dec = st.totText, st.totInt, st.totPct, st.totDec
	}
	rate, rok := c.onTimeRate()
	avg, aok := c.avgDays()
	return []any{
		cl(txt, label1), cl(txt, label2),
		cl(num, c.received), cl(num, c.done), cl(num, c.open), cl(num, c.returned),
		cl(num, c.refused), cl(num, c.cancelled), cl(num, c.overdue),
		optFloat(pct, rate, rok), optFloat(dec, avg, aok),
	}
}

func writeSummary(f *excelize.File, st *styles, a *aggregate, h heading) error {
	s, err := openSheet(f, st, string(SheetSummary), summaryCols, 2)
	if err != nil {
		return err
	}
	if err := s.heading(h, "汇总表"); err != nil {
		return err
	}
	if err := s.header(32); err != nil {
		return err
	}
	all := &counts{}
	for _, off := range a.offices() {
		name := officeName(a.cat, off)
		sub := &counts{}
		items := a.byOff[off]
		for _, it := range a.items(items) {
			c := items[it]
			sub.merge(c)
			if err := s.put(summaryRow(st, name, itemName(a.cat, it), c, false), 0); err != nil {
				return err
			}
		}
		all.merge(sub)
		if err := s.put(summaryRow(st, name, "小计", sub, true), 0); err != nil {
			return err
		}
	}
	if err := s.put(summaryRow(st, "合计", "", all, true), 0); err != nil {
		return err
	}
	last := s.row
	s.skip(1)
	if err := s.merged(summaryNote, st.note, len(summaryCols), 54); err != nil {
		return err
	}
	if err := s.filter(headerRow, last-1, len(summaryCols)); err != nil {
		return err
	}
	return s.flush()
}

// deptCols are the columns of the department table; the overdue list
// below it shares the widths.
var deptCols = []column{
	{"承办部门", 24}, {"接收事项数", 10}, {"已办结", 12}, {"办理中", 22}, {"逾期未办结", 12},
	{"按时办结率", 11}, {"平均办结用时(工作日)", 11}, {"90%办结用时(工作日)", 11}, {"", 11},
}

var overdueHeads = []string{"案件编号", "姓名", "受理单位", "事项", "承办部门", "开始办理日期", "到期日期", "逾期(工作日)", "当前状态"}

func writeDepartments(f *excelize.File, st *styles, a *aggregate, h heading) error {
	s, err := openSheetTitles(f, st, string(SheetDepartment), deptCols, 0, false)
	if err != nil {
		return err
	}
	if err := s.heading(h, "部门办理时效统计表"); err != nil {
		return err
	}
	nd := len(deptCols) - 1
	head := make([]any, nd)
	for i := range head {
		head[i] = cl(st.header, deptCols[i].head)
	}
	if err := s.put(head, 32); err != nil {
		return err
	}
	all := &counts{hist: map[int]int{}}
	row := func(name string, c *counts, total bool) []any {
		txt, num, pct, dec := st.text, st.integer, st.pct, st.dec
		if total {
			txt, num, pct, dec = st.totText, st.totInt, st.totPct, st.totDec
		}
		rate, rok := c.onTimeRate()
		avg, aok := c.avgDays()
		p90, pok := c.percentile(0.9)
		if !total {
			txt = st.textW // department names are long
		}
		return []any{
			cl(txt, name), cl(num, c.received), cl(num, c.done), cl(num, c.open+c.returned), cl(num, c.overdue),
			optFloat(pct, rate, rok), optFloat(dec, avg, aok), optFloat(num, float64(p90), pok),
		}
	}
	for _, d := range a.departments() {
		c := a.byDept[d]
		if c == nil {
			c = &counts{hist: map[int]int{}}
		}
		all.merge(c)
		height := 0.0
		if name := deptName(a.cat, d); len([]rune(name)) > 12 {
			height = 30 // two lines
		}
		if err := s.put(row(deptName(a.cat, d), c, false), height); err != nil {
			return err
		}
	}
	if err := s.put(row("合计", all, true), 0); err != nil {
		return err
	}
	s.skip(1)
	over := a.sortedOverdue()
	if err := s.merged(fmt.Sprintf("逾期未办结事项清单(共%d项,按到期日期由早到晚排列)", len(over)), st.section, len(deptCols), 24); err != nil {
		return err
	}
	first := s.row + 1
	head = make([]any, len(overdueHeads))
	for i, v := range overdueHeads {
		head[i] = cl(st.header, v)
	}
	if err := s.put(head, 24); err != nil {
		return err
	}
	for _, o := range over {
		if err := s.put([]any{
			cl(st.text, o.caseNumber), cl(st.text, o.name), cl(st.text, officeName(a.cat, o.office)),
			cl(st.textW, itemName(a.cat, o.item)), cl(st.text, deptShort(a.cat, o.dept)),
			dateCell(st.date, o.started, o.started != dayOf(time.Time{})), dateCell(st.date, o.due, true),
			cl(st.integer, o.late), cl(st.textC, taskStateLabel(o.state)),
		}, 0); err != nil {
			return err
		}
	}
	if err := s.filter(first, s.row, len(overdueHeads)); err != nil {
		return err
	}
	return s.flush()
}

var trendCols = []column{{"月份", 12}, {"受理案件数", 12}, {"办结案件数", 12}, {"办结事项数", 12}, {"按时办结率", 12}}

func writeTrend(f *excelize.File, st *styles, a *aggregate, h heading) error {
	s, err := openSheet(f, st, string(SheetTrend), trendCols, 1)
	if err != nil {
		return err
	}
	if err := s.heading(h, "月度趋势"); err != nil {
		return err
	}
	if err := s.header(24); err != nil {
		return err
	}
	first := s.row + 1
	monthFmt := `yyyy"年"m"月"`
	mst, err := f.NewStyle(&excelize.Style{
		Font: &excelize.Font{Family: fontName, Size: 10}, CustomNumFmt: &monthFmt,
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"},
		Border: []excelize.Border{
			{Type: "left", Color: "808080", Style: 1}, {Type: "right", Color: "808080", Style: 1},
			{Type: "top", Color: "808080", Style: 1}, {Type: "bottom", Color: "808080", Style: 1},
		},
	})
	if err != nil {
		return err
	}
	total := &month{}
	for _, k := range a.monthRange() {
		m := a.months[k]
		if m == nil {
			m = &month{}
		}
		total.accepted += m.accepted
		total.closed += m.closed
		total.tasksDone += m.tasksDone
		total.onTime += m.onTime
		total.timed += m.timed
		d := dayOf(time.Date(k/12, time.Month(k%12+1), 1, 0, 0, 0, 0, time.UTC))
		if err := s.put([]any{
			dateCell(mst, d, true), cl(st.integer, m.accepted), cl(st.integer, m.closed), cl(st.integer, m.tasksDone),
			ratio(st.pct, m.onTime, m.timed),
		}, 0); err != nil {
			return err
		}
	}
	last := s.row
	if err := s.put([]any{
		cl(st.totText, "合计"), cl(st.totInt, total.accepted), cl(st.totInt, total.closed), cl(st.totInt, total.tasksDone),
		ratio(st.totPct, total.onTime, total.timed),
	}, 0); err != nil {
		return err
	}
	s.skip(1)
	if err := s.merged("说明:受理案件数按受理日期计;办结案件数、办结事项数和按时办结率按办结日期计,含统计期间以前受理、在期间内办结的案件。",
		st.note, len(trendCols), 42); err != nil {
		return err
	}
	if err := s.filter(headerRow, last, len(trendCols)); err != nil {
		return err
	}
	if last >= first {
		if err := addTrendChart(f, first, last); err != nil {
			return err
		}
	}
	return s.flush()
}

// ratio is a cell of a/b, empty when b is zero.
func ratio(style, a, b int) excelize.Cell {
	return optFloat(style, float64(a)/float64(max(b, 1)), b > 0)
}

func addTrendChart(f *excelize.File, first, last int) error {
	sheet := "'" + string(SheetTrend) + "'"
	series := func(col, color string) excelize.ChartSeries {
		return excelize.ChartSeries{
			Name:       fmt.Sprintf("%s!$%s$%d", sheet, col, headerRow),
			Categories: fmt.Sprintf("%s!$A$%d:$A$%d", sheet, first, last),
			Values:     fmt.Sprintf("%s!$%s$%d:$%s$%d", sheet, col, first, col, last),
			Line:       excelize.LineOptions{Width: 2.25},
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}},
			Marker:     excelize.ChartMarker{Symbol: "circle", Size: 5},
		}
	}
	err := f.AddChart(string(SheetTrend), "G3", &excelize.Chart{
		Type:   excelize.Line,
		Series: []excelize.ChartSeries{series("B", "4472C4"), series("C", "ED7D31")},
		Format: excelize.GraphicOptions{OffsetX: 10, OffsetY: 4},
		Dimension: excelize.ChartDimension{
			Width: 720, Height: 360,
		},
		Title: excelize.ChartTitle{Paragraph: []excelize.RichTextRun{
			{Text: "受理与办结案件数", Font: &excelize.Font{Family: fontName, Size: 12, Bold: true}},
		}},
		Legend: excelize.ChartLegend{Position: "bottom", Font: &excelize.Font{Family: fontName, Size: 9}},
		XAxis:  excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "yyyy-mm"}, Font: excelize.Font{Family: fontName, Size: 8, Color: "262626"}},
		YAxis:  excelize.ChartAxis{MajorGridLines: true, Font: excelize.Font{Family: fontName, Size: 9, Color: "262626"}},
	})
	if err != nil {
		return fmt.Errorf("add chart: %w", err)
	}
	return nil
}
