package counter

import (
	"context"
	"fmt"
	"io"
	"time"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// 网上申请 at the desk (#13): the inbox is the office's applications as the
// hub lists them (the hub scopes them by the desk's office); the decisions
// go to the hub, which notifies the veteran; opening an approved
// application starts an intake pre-filled with its answers and scans.

// AppService is the desk's side of online applications.
type AppService struct {
	Store *store.DB
	Cat   *casework.Catalogue
	Hub   interface {
		Applications(ctx context.Context) ([]syncapi.Application, error)
		DecideApplication(ctx context.Context, id string, d syncapi.ApplicationDecision) (syncapi.Application, error)
		FetchAttachment(ctx context.Context, hash string) error
	}
	Now func() time.Time
}

// Inbox returns the office's applications waiting for a decision first.
// An application whose intake (StartIntake) has been accepted since is
// reported to the hub as taken first, with its case number.
func (s *AppService) Inbox(ctx context.Context) ([]syncapi.Application, error) {
	apps, err := s.Hub.Applications(ctx)
	if err != nil {
		return nil, err
	}
	s.reportTaken(ctx, apps)
	var waiting, rest []syncapi.Application
	for _, a := range apps {
		if a.State == syncapi.AppSubmitted {
			waiting = append(waiting, a)
		} else {
			rest = append(rest, a)
		}
	}
	return append(waiting, rest...), nil
}

// ReportTaken tells the hub, with its case number, of every application
// of the office whose intake (StartIntake) has been accepted on this desk
// and that the hub does not hold as taken yet. The desk calls it once an
// intake is accepted, so the application page shows it without waiting
// for the clerk to open the inbox again (#13). It returns how many it
// reported and the first error.
func (s *AppService) ReportTaken(ctx context.Context) (int, error) {
	apps, err := s.Hub.Applications(ctx)
	if err != nil {
		return 0, err
	}
	return s.reportTaken(ctx, apps)
}

// reportTaken reports the accepted intakes among apps to the hub, each
// replaced in apps by the hub's answer.
func (s *AppService) reportTaken(ctx context.Context, apps []syncapi.Application) (int, error) {
	n := 0
	var first error
	for i, a := range apps {
		if a.State == syncapi.AppTaken || a.State == syncapi.AppReturned {
			continue
		}
		caseID, err := s.Store.Setting(ctx, intakeSetting+a.ID)
		if err != nil || caseID == "" {
			continue
		}
		c, err := s.Store.Case(ctx, caseID)
		if err != nil || c.Number == "" {
			continue
		}
		taken, err := s.Taken(ctx, a.ID, c.Number)
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		apps[i] = taken
		n++
	}
	return n, first
}

// Approve is 通过 with an appointment; accepted are the material codes
// whose scans the clerk accepted (the rest of the checklist is to bring).
func (s *AppService) Approve(ctx context.Context, id string, appt syncapi.Appointment, accepted []string) (syncapi.Application, error) {
	return s.Hub.DecideApplication(ctx, id, syncapi.ApplicationDecision{Action: "approve", Appointment: &appt, Accepted: accepted})
}

// Return is 退回 with reasons.
func (s *AppService) Return(ctx context.Context, id, reasons string) (syncapi.Application, error) {
	if reasons == "" {
		return syncapi.Application{}, fmt.Errorf("return application: %w", casework.ErrReasonRequired)
	}
	return s.Hub.DecideApplication(ctx, id, syncapi.ApplicationDecision{Action: "return", Reasons: reasons})
}

// OriginalToCheck is the note on a material received as an online scan:
// the original is still to be seen at the counter.
const OriginalToCheck = "网上申请扫描件,原件待核验"

// StartIntake makes the draft of an intake from application app as a: its
// items and answers, and each material it uploaded received as a copy
// with the scans attached (fetched from the hub) and marked
// OriginalToCheck. The clerk checks it and accepts it as any intake; the
// hub is told once it is accepted (Taken).
func (s *AppService) StartIntake(ctx context.Context, a store.Actor, app syncapi.Application, id string) (*casework.Case, error) {
	if app.State != syncapi.AppApproved && app.State != syncapi.AppSubmitted {
		return nil, fmt.Errorf("intake from application %s in state %s: %w", app.Number, app.State, ErrNotPrintable)
	}
	now := s.Now()
	c := casework.NewCase(id, s.Cat, app.Office, now)
	for k, v := range app.Values {
		c.Values[k] = s.Cat.NormalizeValue(k, v)
	}
	c.SetItems(s.Cat, app.Items)
	for _, u := range app.Uploads {
		m := c.Materials[u.Material]
		if m == nil {
			continue
		}
		if err := s.Hub.FetchAttachment(ctx, u.Hash); err != nil {
			return nil, fmt.Errorf("intake from application %s: scan %s: %w", app.Number, u.Hash[:12], err)
		}
		m.Status = casework.MaterialCopy
		m.Attachments = append(m.Attachments, u.Hash)
		m.Note = OriginalToCheck
	}
	if err := s.Store.SaveCase(ctx, a, c); err != nil {
		return nil, err
	}
	if err := s.Store.SetSetting(ctx, intakeSetting+app.ID, c.ID); err != nil {
		return nil, err
	}
	return c, s.Store.RecordEvent(ctx, a, c.ID, EventFromApplication, app.Number)
}

// EventFromApplication is the event StartIntake records on the intake,
// with the application's number.
const EventFromApplication = "from_application"

// FromApplication reports whether case id was started from an online
// application (StartIntake).
func FromApplication(ctx context.Context, st *store.DB, id string) (bool, error) {
	evs, err := st.History(ctx, id)
	if err != nil {
		return false, err
	}
	for _, e := range evs {
		if e.Action == EventFromApplication {
			return true, nil
		}
	}
	return false, nil
}

// Scan returns the content of an application's scan (fetched from the
// hub when this desk does not hold it yet), for the clerk to look at.
func (s *AppService) Scan(ctx context.Context, hash string) ([]byte, error) {
	if err := s.Hub.FetchAttachment(ctx, hash); err != nil {
		return nil, fmt.Errorf("scan %s: %w", hash, err)
	}
	rc, err := s.Store.OpenAttachment(hash)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, 64<<20))
}

// intakeSetting + an application's id is the device setting naming the
// draft StartIntake made of it.
const intakeSetting = "apps.intake."

// Taken tells the hub that application id became case number.
func (s *AppService) Taken(ctx context.Context, id, number string) (syncapi.Application, error) {
	return s.Hub.DecideApplication(ctx, id, syncapi.ApplicationDecision{Action: "taken", CaseNumber: number})
}
