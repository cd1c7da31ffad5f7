package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"vetdesk/counter"
	"vetdesk/syncapi"
)

// memPostings stands in for the hub's posting board (the hub's side is
// tested in hub and syncclient): it keeps what is published, by id.
type memPostings struct{ ps []syncapi.Posting }

func (m *memPostings) Postings(context.Context) ([]syncapi.Posting, error) { return m.ps, nil }
func (m *memPostings) PublishPostings(_ context.Context, ps []syncapi.Posting) error {
	for _, p := range ps {
		replaced := false
		for i := range m.ps {
			if m.ps[i].ID == p.ID {
				m.ps[i], replaced = p, true
			}
		}
		if !replaced {
			m.ps = append(m.ps, p)
		}
	}
	return nil
}

// TestJobsScreen guards the desk's 就业培训 screen (#13): a posting with a
// bad value is refused with the field and the reason and nothing is
// published; a good one is published and listed with its sign-ups; 下架
// withdraws it; a desk without a hub says so and publishes nothing.
func TestJobsScreen(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	hubSide := &memPostings{}
	s := NewJobsScreen(f.desk, &counter.JobService{Store: f.st, Hub: hubSide, Now: f.desk.Svc.Now})
	s.Kind.SetSelectedIndex(1)
	s.Title.SetText("物业安保主管")
	s.Org.SetText("威海某物业服务有限公司")
	s.Contact.SetText("123")
	test.Tap(s.Publish)
	if len(hubSide.ps) != 0 || !strings.Contains(s.Status.Text, "咨询电话") {
		t.Fatalf("bad contact: published %d, status %q", len(hubSide.ps), s.Status.Text)
	}
	s.Contact.SetText("0631-5205678")
	s.Deadline.SetText("2026年12月31日")
	test.Tap(s.Publish)
	if len(hubSide.ps) != 1 || hubSide.ps[0].Kind != "job" || hubSide.ps[0].Deadline != "2026-12-31" || hubSide.ps[0].ID == "" {
		t.Fatalf("published %+v", hubSide.ps)
	}
	if len(s.Postings) != 1 || s.Withdraw[hubSide.ps[0].ID] == nil || s.Title.Text != "" {
		t.Fatalf("after publishing the list has %d postings and the form is not cleared", len(s.Postings))
	}
	test.Tap(s.Withdraw[hubSide.ps[0].ID])
	if len(hubSide.ps) != 1 || !hubSide.ps[0].Withdrawn || len(s.Withdraw) != 0 {
		t.Errorf("after 下架: %+v, %d withdraw buttons", hubSide.ps, len(s.Withdraw))
	}
	off := NewJobsScreen(f.desk, nil)
	if !off.Publish.Disabled() {
		t.Errorf("a desk without hub offers 发布")
	}
}
