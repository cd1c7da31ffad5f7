package report

import (
	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
)

// detailWriter streams the 案件明细 sheet, one row per case as the cases
// arrive; the rows keep the order of the source. The cells of each row are
// made on the caller's goroutine, in batches, and written to the stream by
// a goroutine of the writer's own, so that reading the source and
// aggregating overlap with excelize's work on the rows.
type detailWriter struct {
	s     *sheetWriter
	st    *styles
	cat   *casework.Catalogue
	full  bool
	ncol  int
	n     int
	items map[string]int // item code -> column index of its state

	cur     *batch
	batches chan *batch // filled, to the writing goroutine
	free    chan *batch // written, back for reuse
	errc    chan error  // the writing goroutine's result
	closed  bool
}

// batch holds the cells of up to batchRows rows.
type batch struct {
	cells []excelize.Cell
	rows  int
}

const batchRows = 512

var detailFixed = []column{
	{"序号", 7}, {"案件编号", 24}, {"受理日期", 11}, {"受理单位", 12}, {"姓名", 9}, {"性别", 5},
	{"公民身份号码", 21}, {"联系电话", 13}, {"人员类别", 8}, {"安置方式", 13}, {"安置地", 10},
	{"银行账号", 21}, {"案件状态", 9}, {"办结日期", 11}, {"申请事项数", 7}, {"已办结事项", 7}, {"逾期事项", 7},
}

func newDetailWriter(f *excelize.File, st *styles, cat *casework.Catalogue, h heading, full bool) (*detailWriter, error) {
	cols := append([]column(nil), detailFixed...)
	items := map[string]int{}
	for i := range cat.Items {
		items[cat.Items[i].Code] = len(cols)
		cols = append(cols, column{itemHead(&cat.Items[i]), 11})
	}
	s, err := openSheet(f, st, string(SheetDetail), cols, 5)
	if err != nil {
		return nil, err
	}
	sub := "案件明细表"
	if !full {
		sub += "(敏感信息已脱敏)"
	}
	if err := s.heading(h, sub); err != nil {
		return nil, err
	}
	if err := s.header(58); err != nil {
		return nil, err
	}
	w := &detailWriter{s: s, st: st, cat: cat, full: full, ncol: len(cols), items: items,
		batches: make(chan *batch, 2), free: make(chan *batch, 3), errc: make(chan error, 1)}
	for i := 0; i < cap(w.free); i++ {
		w.free <- &batch{cells: make([]excelize.Cell, batchRows*len(cols))}
	}
	go w.drain()
	return w, nil
}

// drain writes the batches to the stream; after an error it keeps taking
// batches, unwritten, so the producer never blocks.
func (w *detailWriter) drain() {
	var err error
	vals := make([]any, w.ncol)
	for b := range w.batches {
		for r := 0; r < b.rows && err == nil; r++ {
			row := b.cells[r*w.ncol : (r+1)*w.ncol]
			for i := range row {
				vals[i] = &row[i]
				if row[i] == (excelize.Cell{}) {
					vals[i] = nil
				}
			}
			err = w.s.putPlain(vals)
		}
		w.free <- b
	}
	w.errc <- err
}

func (w *detailWriter) masked(mask func(string) string, v string) string {
	if w.full || v == "" {
		return v
	}
	return mask(v)
}

// row adds the case; tasks is what the aggregate found about its tasks.
func (w *detailWriter) row(c *casework.Case, tasks []taskInfo) error {
	if w.cur == nil {
		w.cur = <-w.free // a failed drain keeps recycling; its error comes out of close
		w.cur.rows = 0
	}
	w.n++
	st, v := w.st, c.Values
	done, late := 0, 0
	for _, ti := range tasks {
		if ti.t.State == casework.TaskDone {
			done++
		}
		if ti.overdue {
			late++
		}
	}
	closed := c.State == casework.CaseDone || c.State == casework.CaseWithdrawn
	vals := w.cur.cells[w.cur.rows*w.ncol : (w.cur.rows+1)*w.ncol]
	vals[0] = cl(st.textC, w.n)
	vals[1] = cl(st.text, c.Number)
	vals[2] = dateCell(st.date, dayOf(c.AcceptedAt), true)
	vals[3] = cl(st.text, officeName(w.cat, c.Office))
	vals[4] = cl(st.text, v[casework.FieldName])
	vals[5] = cl(st.textC, v[casework.FieldSex])
	vals[6] = cl(st.text, w.masked(casework.MaskID, v[casework.FieldIDNumber]))
	vals[7] = cl(st.text, w.masked(casework.MaskPhone, v[casework.FieldPhone]))
	vals[8] = cl(st.textC, v[casework.FieldCategory])
	vals[9] = cl(st.text, placementName(w.cat, c.Placement()))
	vals[10] = cl(st.text, officeName(w.cat, v[casework.FieldDivision]))
	vals[11] = cl(st.text, w.masked(casework.MaskBank, v[casework.FieldBankAccount]))
	vals[12] = cl(st.textC, caseStateLabel(c.State))
	vals[13] = dateCell(st.date, dayOf(c.ClosedAt), closed && !c.ClosedAt.IsZero())
	vals[14] = cl(st.integer, len(c.Items))
	vals[15] = cl(st.integer, done)
	vals[16] = cl(st.integer, late)
	for i := len(detailFixed); i < len(vals); i++ {
		vals[i] = excelize.Cell{} // items not applied for: no cell at all
	}
	for _, ti := range tasks {
		col, ok := w.items[ti.t.Item]
		if !ok {
			continue
		}
		label := taskStateLabel(ti.t.State)
		if ti.overdue {
			label += "(逾期)"
		}
		vals[col] = cl(st.textC, label)
	}
	if w.cur.rows++; w.cur.rows == batchRows {
		w.batches <- w.cur
		w.cur = nil
	}
	return nil
}

// close stops the writing goroutine and returns its error; it is safe to
// call more than once.
func (w *detailWriter) close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.cur != nil && w.cur.rows > 0 {
		w.batches <- w.cur
	}
	w.cur = nil
	close(w.batches)
	return <-w.errc
}

// finish writes what is left, sets the autofilter over the rows written
// and ends the stream.
func (w *detailWriter) finish() error {
	if err := w.close(); err != nil {
		return err
	}
	if err := w.s.filter(headerRow, w.s.row, w.ncol); err != nil {
		return err
	}
	return w.s.flush()
}
