package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/store"
)

// FollowUpsEntry is the 整改 navigation entry (#13): the follow-ups of the
// 差评 of the supervisor's office, from the store (ratings sync like every
// event of a case).
func FollowUpsEntry() ExtraScreen {
	return ExtraScreen{Key: "nav.followups", Roles: []string{store.RoleSupervisor, store.RoleAdmin},
		Build: func(d *Desk) fyne.CanvasObject { return NewFollowUpsScreen(d).Content() }}
}

// FollowUpsScreen lists the 整改 follow-ups, open ones first, due soonest
// first; each open one takes a note and 整改完成.
type FollowUpsScreen struct {
	d      *Desk
	List   *fyne.Container
	Status *widget.Label
	Notes  map[string]*widget.Entry  // by rating id, open ones
	Close  map[string]*widget.Button // by rating id, open ones
	Rows   []casework.Rating
}

// NewFollowUpsScreen loads the follow-ups.
func NewFollowUpsScreen(d *Desk) *FollowUpsScreen {
	s := &FollowUpsScreen{d: d, List: container.NewVBox(), Status: widget.NewLabel("")}
	s.Status.Wrapping = fyne.TextWrapWord
	s.Reload()
	return s
}

// Reload reads the follow-ups again.
func (s *FollowUpsScreen) Reload() {
	s.List.Objects = nil
	s.Notes, s.Close = map[string]*widget.Entry{}, map[string]*widget.Button{}
	rs, err := s.d.Svc.Store.FollowUps(s.d.ctx(), s.d.Actor())
	if err != nil {
		s.Status.SetText(ErrorText(err))
		return
	}
	s.Rows = rs
	if len(rs) == 0 {
		s.List.Add(widget.NewLabel(T("followups.none")))
	}
	today := s.d.Svc.Now()
	for _, r := range rs {
		parts := []string{r.CaseNumber, RatingLevelName(r.Level), T("case.rating.source." + r.Source), r.At.Local().Format("2006-01-02")}
		if r.Comment != "" {
			parts = append(parts, r.Comment)
		}
		label := widget.NewLabel("")
		label.Wrapping = fyne.TextWrapWord
		if r.Closed {
			parts = append(parts, T("case.rating.closed", map[string]any{"Note": r.CloseNote}))
			label.SetText(strings.Join(parts, "  ·  "))
			s.List.Add(label)
			continue
		}
		parts = append(parts, T("case.rating.open", map[string]any{"Due": r.Due.Format("2006-01-02")}))
		if r.Overdue(today) {
			parts = append(parts, T("followups.overdue"))
			label.Importance = widget.DangerImportance
		}
		label.SetText(strings.Join(parts, "  ·  "))
		note := widget.NewEntry()
		note.SetPlaceHolder(T("followups.note"))
		r := r
		btn := widget.NewButton(T("followups.close"), func() { s.CloseWith(r.ID) })
		open := widget.NewButton(T("followups.case"), func() { s.d.Show(NewCaseScreen(s.d, r.CaseID)) })
		s.Notes[r.ID], s.Close[r.ID] = note, btn
		s.List.Add(container.NewVBox(label, container.NewBorder(nil, nil, nil, container.NewHBox(btn, open), note)))
	}
	s.List.Refresh()
}

// CloseWith closes the follow-up id with the note typed beside it.
func (s *FollowUpsScreen) CloseWith(id string) {
	for _, r := range s.Rows {
		if r.ID != id {
			continue
		}
		err := s.d.Svc.Store.CloseFollowUp(s.d.ctx(), s.d.Actor(), r, s.Notes[id].Text)
		switch {
		case errors.Is(err, store.ErrBadRating):
			s.Status.SetText(T("followups.need_note"))
			return
		case err != nil:
			s.Status.SetText(ErrorText(err))
			return
		}
		s.Status.SetText(T("followups.closed", map[string]any{"Case": r.CaseNumber}))
		s.Reload()
		return
	}
}

// Content returns the screen.
func (s *FollowUpsScreen) Content() fyne.CanvasObject {
	top := container.NewVBox(widget.NewLabelWithStyle(T("nav.followups"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel(T("followups.help")))
	return container.NewBorder(top, s.Status, nil, nil, wheelView(s.List))
}
