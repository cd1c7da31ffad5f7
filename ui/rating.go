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

// 好差评 and 就业培训 on the case screen (#13): the case's rating, or the
// form that records one given at the counter; under the 就业培训 task, the
// veteran's sign-ups from the public site.

// RatingLevelName is the Chinese name of a rating level.
func RatingLevelName(l casework.RatingLevel) string { return T("rating.level." + string(l)) }

// ratingBox is the case screen's 好差评 card: the rating when there is
// one, else the level, the comment and 记录评价.
func (s *CaseScreen) ratingBox() fyne.CanvasObject {
	if s.C == nil || s.C.State == casework.CaseDraft || s.d.User.Role == store.RoleHandler {
		return nil
	}
	r, err := s.d.Svc.Store.CaseRating(s.d.ctx(), s.C.ID)
	if err != nil {
		return widget.NewLabel(ErrorText(err))
	}
	if r != nil {
		text := T("case.rating.given", map[string]any{"Level": RatingLevelName(r.Level), "Source": T("case.rating.source." + r.Source),
			"Date": r.At.Local().Format("2006-01-02")})
		if r.Comment != "" {
			text += "  ·  " + r.Comment
		}
		if r.Level.Bad() {
			if r.Closed {
				text += "  ·  " + T("case.rating.closed", map[string]any{"Note": r.CloseNote})
			} else {
				text += "  ·  " + T("case.rating.open", map[string]any{"Due": r.Due.Format("2006-01-02")})
			}
		}
		s.Rating = widget.NewLabel(text)
		s.Rating.Wrapping = fyne.TextWrapWord
		return widget.NewCard("", T("case.rating"), s.Rating)
	}
	var names []string
	for _, l := range casework.RatingLevels {
		names = append(names, RatingLevelName(l))
	}
	s.RateLevel = widget.NewSelect(names, nil)
	s.RateLevel.PlaceHolder = T("case.rating.level")
	s.RateComment = widget.NewEntry()
	s.RateComment.SetPlaceHolder(T("case.rating.comment"))
	s.RateButton = widget.NewButton(T("case.rating.record"), s.recordRating)
	return widget.NewCard("", T("case.rating"), container.NewBorder(nil, nil, s.RateLevel, s.RateButton, s.RateComment))
}

// recordRating records the level and comment chosen as given at the counter.
func (s *CaseScreen) recordRating() {
	i := s.RateLevel.SelectedIndex()
	if i < 0 {
		s.Message.SetText(T("case.rating.pick"))
		return
	}
	l := casework.RatingLevels[i]
	err := s.d.Svc.Store.RecordRating(s.d.ctx(), s.d.Actor(), s.C.ID, store.RatingDetail{Level: l, Comment: s.RateComment.Text, Source: store.RatingDesk})
	switch {
	case errors.Is(err, store.ErrBadRating):
		s.Message.SetText(T("case.rating.bad"))
		return
	case errors.Is(err, store.ErrRated):
		s.Message.SetText(T("case.rating.already"))
	case err != nil:
		s.Message.SetText(ErrorText(err))
		return
	default:
		msg := T("case.rating.recorded")
		if l.Bad() {
			msg += " " + T("case.rating.followup")
		}
		s.Message.SetText(msg)
	}
	s.Reload()
}

// signupLines words the sign-ups of the case for its 就业培训 task.
func (s *CaseScreen) signupLines() []string {
	ss, err := s.d.Svc.Store.CaseSignups(s.d.ctx(), s.C.ID)
	if err != nil {
		return []string{ErrorText(err)}
	}
	var out []string
	for _, su := range ss {
		parts := []string{T("case.signup", map[string]any{"Kind": T("case.signup.kind." + su.Kind), "Title": su.Title, "Org": su.Org}),
			su.At.Local().Format("2006-01-02")}
		if su.Phone != "" {
			parts = append(parts, T("case.signup.phone", map[string]any{"Phone": s.sensitive(casework.SensitivePhone, su.Phone)}))
		}
		out = append(out, strings.Join(parts, "  ·  "))
	}
	return out
}

// employmentItemNo is the number of the item sign-ups belong to: 3,
// 退役军人就业和培训 (catalogue items are numbered as the plan numbers them).
const employmentItemNo = 3
