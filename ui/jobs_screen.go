package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// PostingBoard is what the 就业培训 screen uses (counter.JobService over the
// sync client, #13): the office's postings on the hub, and publishing one.
type PostingBoard interface {
	Postings(ctx context.Context) ([]syncapi.Posting, error)
	Publish(ctx context.Context, a store.Actor, p syncapi.Posting) ([]casework.Problem, error)
}

// JobsEntry is the 就业培训 navigation entry; board returns the service, or
// nil while the desk is not enrolled with a hub.
func JobsEntry(board func() PostingBoard) ExtraScreen {
	return ExtraScreen{Key: "nav.jobs", Roles: []string{store.RoleClerk, store.RoleSupervisor, store.RoleAdmin},
		Build: func(d *Desk) fyne.CanvasObject { return NewJobsScreen(d, board()).Content() }}
}

// JobsScreen lists the office's courses and job postings with their
// sign-ups, takes a new one typed at the desk, and withdraws one.
type JobsScreen struct {
	d     *Desk
	board PostingBoard

	List                                                 *fyne.Container
	Kind                                                 *widget.Select
	Title, Org, Place, Schedule, Deadline, Contact, Info *widget.Entry
	Publish                                              *widget.Button
	Withdraw                                             map[string]*widget.Button // by posting id
	Status                                               *widget.Label
	Postings                                             []syncapi.Posting
}

var postingKindCodes = []string{casework.PostingCourse, casework.PostingJob}

// NewJobsScreen loads the office's postings (board nil: not enrolled).
func NewJobsScreen(d *Desk, board PostingBoard) *JobsScreen {
	s := &JobsScreen{d: d, board: board, List: container.NewVBox(), Status: widget.NewLabel(""),
		Title: widget.NewEntry(), Org: widget.NewEntry(), Place: widget.NewEntry(), Schedule: widget.NewEntry(),
		Deadline: widget.NewEntry(), Contact: widget.NewEntry(), Info: widget.NewMultiLineEntry()}
	s.Status.Wrapping = fyne.TextWrapWord
	s.Kind = widget.NewSelect([]string{T("case.signup.kind.course"), T("case.signup.kind.job")}, nil)
	s.Kind.SetSelectedIndex(0)
	s.Deadline.SetPlaceHolder("2026-12-31")
	s.Publish = widget.NewButton(T("jobs.publish"), s.publish)
	s.Publish.Importance = widget.HighImportance
	s.Reload()
	return s
}

// Reload reads the office's postings from the hub.
func (s *JobsScreen) Reload() {
	s.List.Objects = nil
	s.Withdraw = map[string]*widget.Button{}
	if s.board == nil {
		s.List.Add(widget.NewLabel(T("jobs.offline")))
		s.Publish.Disable()
		return
	}
	ps, err := s.board.Postings(s.d.ctx())
	if err != nil {
		s.Status.SetText(ErrorText(err))
		return
	}
	s.Postings = ps
	if len(ps) == 0 {
		s.List.Add(widget.NewLabel(T("jobs.none")))
	}
	for _, p := range ps {
		parts := []string{T("case.signup.kind." + p.Kind), p.Title, p.Org}
		if p.Deadline != "" {
			parts = append(parts, T("jobs.until", map[string]any{"Date": p.Deadline}))
		}
		parts = append(parts, T("jobs.signups", map[string]any{"N": p.Signups}))
		if p.Withdrawn {
			parts = append(parts, T("jobs.withdrawn"))
		}
		l := widget.NewLabel(strings.Join(parts, "  ·  "))
		l.Wrapping = fyne.TextWrapWord
		if p.Withdrawn {
			s.List.Add(l)
			continue
		}
		p := p
		b := widget.NewButton(T("jobs.withdraw"), func() { s.withdraw(p) })
		s.Withdraw[p.ID] = b
		s.List.Add(container.NewBorder(nil, nil, nil, b, l))
	}
	s.List.Refresh()
}

func (s *JobsScreen) publish() {
	i := s.Kind.SelectedIndex()
	if i < 0 {
		i = 0
	}
	p := syncapi.Posting{Kind: postingKindCodes[i], Title: s.Title.Text, Org: s.Org.Text, Place: s.Place.Text,
		Schedule: s.Schedule.Text, Deadline: s.Deadline.Text, Contact: s.Contact.Text, Details: s.Info.Text}
	if s.send(p) {
		for _, e := range []*widget.Entry{s.Title, s.Org, s.Place, s.Schedule, s.Deadline, s.Contact, s.Info} {
			e.SetText("")
		}
		s.Status.SetText(T("jobs.published", map[string]any{"Title": p.Title}))
	}
}

func (s *JobsScreen) withdraw(p syncapi.Posting) {
	p.Withdrawn = true
	if s.send(p) {
		s.Status.SetText(T("jobs.withdrawn.done", map[string]any{"Title": p.Title}))
	}
}

// send publishes p and reloads; problems of its values are shown.
func (s *JobsScreen) send(p syncapi.Posting) bool {
	probs, err := s.board.Publish(s.d.ctx(), s.d.Actor(), p)
	if len(probs) > 0 {
		var lines []string
		for _, pr := range probs {
			lines = append(lines, T("jobs.field."+pr.Field)+":"+ProblemText(s.d.Svc.Cat, pr))
		}
		s.Status.SetText(strings.Join(lines, "\n"))
		return false
	}
	if err != nil {
		s.Status.SetText(ErrorText(err))
		return false
	}
	s.Reload()
	return true
}

// Content returns the screen.
func (s *JobsScreen) Content() fyne.CanvasObject {
	form := widget.NewForm(
		widget.NewFormItem(T("jobs.field.kind"), s.Kind),
		widget.NewFormItem(T("jobs.field.title"), s.Title),
		widget.NewFormItem(T("jobs.field.org"), s.Org),
		widget.NewFormItem(T("jobs.field.place"), s.Place),
		widget.NewFormItem(T("jobs.field.schedule"), s.Schedule),
		widget.NewFormItem(T("jobs.field.deadline"), s.Deadline),
		widget.NewFormItem(T("jobs.field.contact"), s.Contact),
		widget.NewFormItem(T("jobs.field.details"), s.Info),
	)
	top := container.NewVBox(widget.NewLabelWithStyle(T("nav.jobs"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel(T("jobs.help")))
	left := container.NewBorder(widget.NewLabel(T("jobs.list")), nil, nil, nil, wheelView(s.List))
	right := container.NewVBox(widget.NewCard("", T("jobs.new"), container.NewVBox(form, s.Publish)), s.Status)
	return container.NewBorder(top, nil, nil, nil, container.NewHSplit(left, wheelView(right)))
}
