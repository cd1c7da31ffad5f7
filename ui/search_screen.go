package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/counter"
	"vetdesk/store"
)

const searchPage = 50

// SearchScreen finds cases as the clerk types: name fragment, ID fragment,
// phone tail or case number, with state and item filters. Results show
// masked ID and phone only.
type SearchScreen struct {
	d       *Desk
	Query   *shortcutEntry
	State   *widget.Select
	Item    *widget.Select
	Results *widget.Table
	Total   *widget.Label
	Prev    *widget.Button
	Next    *widget.Button
	Rows    []store.CaseSummary
	offset  int
	total   int
	states  []casework.CaseState
	items   []string
	names   map[string]string // who started a case, by user ID or login
	// Preset is the dashboard's filter, nil when none.
	Preset    *SearchPreset
	presetBar *fyne.Container
}

// SearchPreset is a filter a dashboard card puts on the search (今日受理,
// 待补材料案件), shown with a way to clear it.
type SearchPreset struct {
	Label string
	Apply func(q *store.Query)
}

// NewSearchScreen builds the search screen and shows the newest cases.
func NewSearchScreen(d *Desk) *SearchScreen { return NewSearchScreenWith(d, nil) }

// NewSearchScreenWith builds the search screen with preset applied.
func NewSearchScreenWith(d *Desk, preset *SearchPreset) *SearchScreen {
	s := &SearchScreen{d: d, Query: newEntry(), Total: widget.NewLabel(""), Preset: preset, presetBar: container.NewHBox()}
	if preset != nil {
		clear := widget.NewButton(T("search.preset.clear"), func() {
			s.Preset = nil
			s.presetBar.Hide()
			s.offset = 0
			s.Run()
		})
		s.presetBar.Objects = []fyne.CanvasObject{widget.NewLabel(T("search.preset", map[string]any{"Filter": preset.Label})), clear}
	} else {
		s.presetBar.Hide()
	}
	s.Query.SetPlaceHolder(T("search.hint"))
	s.Query.OnChanged = func(q string) {
		s.offset = 0
		if counter.LooksLikeCode(q) {
			return // a scanner is typing a receipt's or letter's code
		}
		s.Run()
	}
	s.Query.OnSubmitted = func(string) {
		if !s.openScanned() {
			s.openFirst()
		}
	}
	stateLabels := []string{T("search.state.all")}
	for _, st := range casework.CaseStates {
		s.states = append(s.states, st)
		stateLabels = append(stateLabels, CaseStateName(st))
	}
	s.State = widget.NewSelect(stateLabels, func(string) { s.offset = 0; s.Run() })
	s.State.Selected = stateLabels[0] // 全部状态, without searching yet
	itemLabels := []string{T("search.item.all")}
	for _, it := range d.Svc.Cat.Items {
		s.items = append(s.items, it.Code)
		itemLabels = append(itemLabels, it.Name)
	}
	s.Item = widget.NewSelect(itemLabels, func(string) { s.offset = 0; s.Run() })
	s.Item.Selected = itemLabels[0]
	s.Prev = widget.NewButton(T("search.prev"), func() {
		if s.offset >= searchPage {
			s.offset -= searchPage
			s.Run()
		}
	})
	s.Next = widget.NewButton(T("search.next"), func() {
		if s.offset+searchPage < s.total {
			s.offset += searchPage
			s.Run()
		}
	})
	cols := []string{"search.col.number", "search.col.name", "search.col.id", "search.col.phone", "search.col.state", "search.col.accepted"}
	widths := []float32{220, 90, 180, 120, 80, 150} // 840: fits beside the menu at 1024 px
	s.Results = widget.NewTable(
		func() (int, int) { return len(s.Rows), len(cols) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, o fyne.CanvasObject) { o.(*widget.Label).SetText(s.cell(id.Row, id.Col)) })
	s.Results.ShowHeaderRow = true
	s.Results.CreateHeader = func() fyne.CanvasObject { return widget.NewLabel("") }
	s.Results.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		switch {
		case id.Col == 5 && s.draftsOnly():
			o.(*widget.Label).SetText(T("search.col.started"))
		case id.Col >= 0:
			o.(*widget.Label).SetText(T(cols[id.Col]))
		}
	}
	for i, w := range widths {
		s.Results.SetColumnWidth(i, w)
	}
	s.Results.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(s.Rows) {
			s.open(s.Rows[id.Row])
		}
	}
	s.Run()
	return s
}

func (s *SearchScreen) cell(row, col int) string {
	r := s.Rows[row]
	switch col {
	case 0:
		if r.State == casework.CaseDraft {
			return T("search.draft.resume")
		}
		return r.Number
	case 1:
		return r.Name
	case 2:
		return r.MaskedID
	case 3:
		return r.MaskedPhone
	case 4:
		return CaseStateName(r.State)
	case 5:
		if r.State == casework.CaseDraft {
			if s.names == nil {
				s.names = userNames(s.d)
			}
			who, when := startedBy(r, s.names), r.CreatedAt.Local().Format("01-02 15:04")
			if !s.draftsOnly() { // under 受理时间: say it is a start, not an acceptance
				return T("search.draft.started", map[string]any{"Who": who, "When": when})
			}
			return who + " " + when
		}
		if r.AcceptedAt.IsZero() {
			return ""
		}
		return r.AcceptedAt.Local().Format("2006-01-02 15:04")
	}
	return ""
}

// Run searches with the current query and filters.
func (s *SearchScreen) Run() {
	q := store.Query{Text: casework.NormalizeQuery(s.Query.Text), Limit: searchPage, Offset: s.offset}
	if i := s.State.SelectedIndex(); i > 0 {
		q.States = []casework.CaseState{s.states[i-1]}
	}
	if i := s.Item.SelectedIndex(); i > 0 {
		q.Item = s.items[i-1]
	}
	q.OldestFirst = s.draftsOnly() // the draft waiting longest comes first
	if s.Preset != nil {
		s.Preset.Apply(&q)
	}
	if s.d.User.Role != "admin" && s.d.User.Role != "supervisor" {
		q.Office = s.d.User.Office
	}
	rows, total, err := s.d.Svc.Store.Search(s.d.ctx(), q)
	if err != nil {
		s.Total.SetText(ErrorText(err))
		return
	}
	s.Rows, s.total = rows, total
	s.Total.SetText(T("search.total", map[string]any{"N": total}))
	s.Results.Refresh()
}

// openScanned opens the case of a receipt's or hukou letter's QR code that
// a keyboard-wedge scanner typed into the query; it reports whether the
// query was such a code.
func (s *SearchScreen) openScanned() bool {
	q := s.Query.Text
	number, ok := counter.CaseNumberFromCode(q)
	if !ok {
		if counter.LooksLikeCode(q) {
			s.Total.SetText(T("search.scan.bad"))
			return true
		}
		return false
	}
	c, err := s.d.Svc.Store.CaseByNumber(s.d.ctx(), number)
	if err == nil && s.d.User.Role != "admin" && s.d.User.Role != "supervisor" && c.Office != s.d.User.Office {
		err = store.ErrNotFound // as the search would: another office's case is not listed
	}
	if err != nil {
		s.Total.SetText(T("search.scan.notfound", map[string]any{"Number": number}))
		return true
	}
	s.Query.SetText("") // ready for the next scan when the clerk comes back
	s.open(store.CaseSummary{ID: c.ID, State: c.State})
	return true
}

func (s *SearchScreen) openFirst() {
	if len(s.Rows) > 0 {
		s.open(s.Rows[0])
	}
}

// open shows a case, or continues the intake of a draft (继续受理).
func (s *SearchScreen) open(r store.CaseSummary) {
	if r.State == casework.CaseDraft {
		if c, err := s.d.Svc.Store.Case(s.d.ctx(), r.ID); err == nil && c.State == casework.CaseDraft {
			s.d.Show(NewIntakeScreenFor(s.d, c))
			return
		}
	}
	s.d.Show(NewCaseScreen(s.d, r.ID))
}

// draftsOnly reports whether the state filter is on 草稿.
func (s *SearchScreen) draftsOnly() bool {
	i := s.State.SelectedIndex()
	return i > 0 && s.states[i-1] == casework.CaseDraft
}

// ShowDrafts filters on 草稿: every draft, oldest first.
func (s *SearchScreen) ShowDrafts() {
	for i, st := range s.states {
		if st == casework.CaseDraft {
			s.State.SetSelectedIndex(i + 1)
		}
	}
}

// Focus puts the cursor in the query.
func (s *SearchScreen) Focus() { s.d.Win.Canvas().Focus(s.Query) }

// Content returns the screen.
func (s *SearchScreen) Content() fyne.CanvasObject {
	bar := container.NewBorder(nil, nil, nil, container.NewHBox(s.State, s.Item), s.Query)
	pager := container.NewHBox(s.Total, s.Prev, s.Next)
	title := widget.NewLabelWithStyle(T("search.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	return container.NewBorder(container.NewVBox(title, bar, s.presetBar), pager, nil, nil, s.Results)
}
