package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/syncapi"
	"vetdesk/syncclient"
)

// SyncService is the desktop's side of sync, handed in by cmd/vetdesk.
type SyncService interface {
	// Client returns the running client, or nil before enrolment.
	Client() *syncclient.Client
	// Enrol trades a one-time code for a device credential and starts syncing.
	Enrol(ctx context.Context, opt syncclient.EnrolOptions) error
}

// SyncScreen shows the truth about sync: online or not, operations waiting,
// the last success, operations the hub set aside with their reasons, and
// conflicts with both values, which the clerk may settle. Before enrolment
// it offers the enrolment form.
type SyncScreen struct {
	d         *Desk
	State     *widget.Label
	Now       *widget.Button
	Aside     *fyne.Container
	Conflicts *fyne.Container
	HubURL    *shortcutEntry
	Finger    *shortcutEntry
	Code      *shortcutEntry
	EnrolBtn  *widget.Button
	Message   *widget.Label
}

// NewSyncScreen builds the sync screen.
func NewSyncScreen(d *Desk) *SyncScreen {
	s := &SyncScreen{d: d, State: widget.NewLabel(""), Aside: container.NewVBox(), Conflicts: container.NewVBox(),
		HubURL: newEntry(), Finger: newEntry(), Code: newEntry(), Message: widget.NewLabel("")}
	s.State.Wrapping = fyne.TextWrapWord
	s.Message.Wrapping = fyne.TextWrapWord
	s.HubURL.SetPlaceHolder("https://hub.example:8443")
	s.Now = widget.NewButton(T("sync.now"), s.SyncNow)
	s.EnrolBtn = widget.NewButton(T("sync.enrol"), s.enrol)
	s.Refresh()
	return s
}

// SyncNow starts a sync round, or says why there is none and what to do.
func (s *SyncScreen) SyncNow() {
	c := s.client()
	switch {
	case c != nil:
		c.Kick()
		s.Message.SetText(T("sync.kicked"))
	case s.d.User.Role == "admin" && s.d.Svc.Sync != nil:
		s.Message.SetText(T("sync.now.unenrolled.admin"))
		if s.Code != nil {
			s.d.Win.Canvas().Focus(s.HubURL)
		}
	default:
		s.Message.SetText(T("sync.now.unenrolled"))
	}
}

func (s *SyncScreen) client() *syncclient.Client {
	if s.d.Svc.Sync == nil {
		return nil
	}
	return s.d.Svc.Sync.Client()
}

// Refresh reads the status, the set-aside ops and the conflicts again.
func (s *SyncScreen) Refresh() {
	ctx := s.d.ctx()
	st := s.d.Svc.Store
	var lines []string
	if c := s.client(); c != nil {
		stat := c.Status()
		if stat.Online {
			lines = append(lines, T("sync.online"))
		} else {
			lines = append(lines, T("dash.sync.offline"))
		}
		if !stat.LastSuccess.IsZero() {
			lines = append(lines, T("dash.sync.last", map[string]any{"When": stat.LastSuccess.Local().Format("2006-01-02 15:04:05")}))
		} else {
			lines = append(lines, T("dash.sync.never"))
		}
		if stat.LastError != "" {
			lines = append(lines, T("sync.failing", map[string]any{"N": stat.Failures}))
		}
		if key := transportRefusal(stat.Err); key != "" {
			lines = append(lines, T(key))
		}
		if stat.SnapshotSize > 0 {
			lines = append(lines, T("sync.snapshot", map[string]any{"Got": stat.SnapshotGot >> 20, "Size": stat.SnapshotSize >> 20}))
		} else if stat.Syncing {
			lines = append(lines, T("sync.running"))
		}
	} else if url, _ := st.Setting(ctx, syncclient.SettingHubURL); url != "" {
		// restored from a backup on another machine: the credential stayed out
		dev, _ := st.Device(ctx)
		lines = append(lines, T("sync.reenrol", map[string]any{"ID": dev.ID}))
	} else {
		lines = append(lines, T("sync.not.enrolled"))
	}
	ss, err := st.SyncState(ctx)
	if err == nil {
		lines = append(lines, T("dash.sync.pending", map[string]any{"N": ss.Outbox}))
	}
	s.State.SetText(strings.Join(lines, "\n"))
	s.Aside.Objects = nil
	if ops, err := st.SetAsideOps(ctx); err == nil {
		for _, a := range ops {
			l := widget.NewLabel(T("sync.aside.row", map[string]any{"When": a.Op.HLC.Time().Local().Format("2006-01-02 15:04"), "What": s.describe(a.Op.Entity, a.Op.EntityID, a.Op.CaseID), "Reason": asideReason(a.Reason)}))
			l.Wrapping = fyne.TextWrapWord
			s.Aside.Add(l)
		}
	}
	s.Aside.Refresh()
	s.Conflicts.Objects = nil
	if cs, err := st.Conflicts(ctx); err == nil {
		for _, c := range cs {
			c := c
			label := c.Field
			if code, ok := strings.CutPrefix(c.Field, "v:"); ok {
				if f := s.d.Svc.Cat.Field(code); f != nil {
					label = f.Label
				}
			}
			text := T("sync.conflict.row", map[string]any{"What": s.describe(c.Entity, c.EntityID, c.CaseID), "Field": label, "Local": c.LocalValue, "Remote": c.RemoteValue})
			l := widget.NewLabel(text)
			l.Wrapping = fyne.TextWrapWord
			keep := widget.NewButton(T("sync.keep.local"), func() { s.resolve(c.ID, true) })
			take := widget.NewButton(T("sync.keep.remote"), func() { s.resolve(c.ID, false) })
			s.Conflicts.Add(container.NewBorder(nil, nil, nil, container.NewHBox(keep, take), l))
		}
	}
	s.Conflicts.Refresh()
}

func (s *SyncScreen) describe(entity, entityID, caseID string) string {
	what := caseID
	if c, err := s.d.Svc.Store.Case(s.d.ctx(), caseID); err == nil {
		what = c.Number
		if what == "" {
			what = CaseStateName(casework.CaseDraft)
		}
		what += " " + c.Value(casework.FieldName)
	}
	if _, code, ok := strings.Cut(entityID, "/"); ok {
		if it := s.d.Svc.Cat.Item(code); it != nil && entity == "task" {
			what += " · " + it.Name
		} else if m := s.d.Svc.Cat.Material(code); m != nil {
			what += " · " + m.Name
		}
	}
	return what
}

// resolve settles conflict id, keeping the local value (re-applied as a new
// change) or the hub's.
func (s *SyncScreen) resolve(id int64, keepLocal bool) {
	if err := s.d.Svc.Store.ResolveConflict(s.d.ctx(), s.d.Actor(), id, keepLocal); err != nil {
		s.Message.SetText(ErrorText(err))
		return
	}
	if c := s.client(); c != nil {
		c.Kick()
	}
	s.Refresh()
}

func (s *SyncScreen) enrol() {
	if s.d.Svc.Sync == nil {
		return
	}
	opt := syncclient.EnrolOptions{HubURL: strings.TrimSpace(s.HubURL.Text), Fingerprint: strings.TrimSpace(s.Finger.Text), Code: strings.TrimSpace(s.Code.Text), By: s.d.Actor()}
	if opt.HubURL == "" || opt.Fingerprint == "" || opt.Code == "" {
		s.Message.SetText(T("setup.err.required"))
		return
	}
	s.Message.SetText(T("common.working"))
	go func() {
		err := s.d.Svc.Sync.Enrol(context.Background(), opt)
		fyne.Do(func() {
			if errors.Is(err, syncclient.ErrAlreadyEnrolled) {
				dev, _ := s.d.Svc.Store.Device(context.Background())
				s.Message.SetText(T("sync.enrol.reenrol", map[string]any{"ID": dev.ID}))
				return
			}
			if key := transportRefusal(err); key != "" {
				s.Message.SetText(T("sync.enrol.failed", map[string]any{"Ref": T(key)}))
				return
			}
			if err != nil {
				s.Message.SetText(T("sync.enrol.failed", map[string]any{"Ref": fmt.Sprint(ErrorText(err))}))
				return
			}
			s.Message.SetText(T("sync.enrol.done"))
			s.Refresh()
		})
	}()
}

// Content returns the screen.
func (s *SyncScreen) Content() fyne.CanvasObject {
	box := container.NewVBox(
		widget.NewLabelWithStyle(T("nav.sync"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		s.State, container.NewHBox(s.Now, widget.NewButton(T("dash.refresh"), s.Refresh)),
		widget.NewCard(T("sync.aside"), T("sync.aside.hint"), s.Aside),
		widget.NewCard(T("sync.conflicts"), T("sync.conflicts.hint"), s.Conflicts),
	)
	if s.client() == nil && s.d.User.Role == "admin" {
		box.Add(widget.NewCard(T("sync.enrol"), T("sync.enrol.hint"), widget.NewForm(
			widget.NewFormItem(T("settings.hub"), s.HubURL),
			widget.NewFormItem(T("sync.fingerprint"), s.Finger),
			widget.NewFormItem(T("sync.code"), s.Code),
		)))
		box.Add(s.EnrolBtn)
	}
	box.Add(s.Message)
	return wheelView(container.NewPadded(box))
}

// transportRefusal is the message key of an error that refused the hub's
// transport (not https, a malformed or mismatched pin), or "".
func transportRefusal(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, syncclient.ErrNotHTTPS):
		return "sync.https"
	case errors.Is(err, syncclient.ErrBadFingerprint):
		return "sync.fingerprint.bad"
	case errors.Is(err, syncclient.ErrPinMismatch):
		return "sync.pin"
	}
	return ""
}

// asideReason is the hub's reason for setting an op aside as the clerk
// reads it: a Chinese sentence for the kind of reason (the hub's reasons
// start with their kind, "scope: …", "size: …"), else the hub's words after
// a general sentence. The raw reason stays in the store for support.
func asideReason(r string) string {
	if r == syncapi.ReasonClock {
		return T("sync.reason.clock")
	}
	if kind := syncapi.ReasonKind(r); kind != "" {
		return T("sync.reason." + kind)
	}
	return T("sync.reason.other", map[string]any{"Reason": r})
}
