package ui

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
	"vetdesk/syncclient"
)

type noSync struct{}

func (noSync) Client() *syncclient.Client { return nil }
func (noSync) Enrol(context.Context, syncclient.EnrolOptions) error {
	return nil
}

// TestSyncScreenShowsTheTruth: a set-aside op with its reason and a conflict
// with both values are shown, and the clerk can re-apply their value.
func TestSyncScreenShowsTheTruth(t *testing.T) {
	f := newFixture(t)
	f.desk.Svc.Sync = noSync{}
	f.desk.LoggedIn(f.admin)
	ctx := context.Background()
	a := f.desk.Actor()
	c := casework.NewGenerator(f.cat, 5, fixedNow).Draft("case-sync-1", "371002", true)
	c.Values[casework.FieldPhone] = "13800000001"
	if err := f.st.SaveCase(ctx, a, c); err != nil {
		t.Fatal(err)
	}
	out, err := f.st.Outbox(ctx, 1)
	if err != nil || len(out) == 0 {
		t.Fatalf("Outbox = %v %v", out, err)
	}
	if err := f.st.SetAside(ctx, out[0].ID, "scope: case belongs to another office"); err != nil {
		t.Fatal(err)
	}
	// a remote edit of the phone, later than ours, from another device
	remote := store.Op{ID: "0193f000-0000-7000-8000-000000000001", Device: "other-device", User: "u2",
		HLC: store.HLC{Wall: fixedNow.Add(time.Minute).UnixMilli()}, Entity: "case", EntityID: c.ID, CaseID: c.ID,
		Fields: map[string]string{"v:" + casework.FieldPhone: "13900000002"}}
	if _, err := f.st.ApplyRemote(ctx, []store.Op{remote}); err != nil {
		t.Fatal(err)
	}
	f.desk.Open("nav.sync")
	s, ok := f.desk.Current().(*SyncScreen)
	if !ok {
		t.Fatalf("sync screen = %T", f.desk.Current())
	}
	if !strings.Contains(s.State.Text, T("sync.not.enrolled")) {
		t.Errorf("state = %q, want not enrolled", s.State.Text)
	}
	if len(s.Aside.Objects) != 1 || !strings.Contains(textOf(s.Aside.Objects[0]), T("sync.reason.scope")) {
		t.Errorf("set-aside list = %d rows, want the rejected op with its reason worded for the clerk", len(s.Aside.Objects))
	}
	if len(s.Conflicts.Objects) == 0 {
		t.Fatalf("no conflict listed")
	}
	var keep bool
	for _, o := range s.Conflicts.Objects {
		text := textOf(o)
		if strings.Contains(text, "13800000001") && strings.Contains(text, "13900000002") {
			keep = true
			test.Tap(buttonIn(o, T("sync.keep.local")))
			break
		}
	}
	if !keep {
		t.Fatalf("no conflict shows both phone values")
	}
	got, _ := f.st.Case(ctx, c.ID)
	if got.Value(casework.FieldPhone) != "13800000001" {
		t.Errorf("after re-applying, phone = %s, want ours", got.Value(casework.FieldPhone))
	}
}

// TestClockWarnings guards what the clerk reads of a wrong clock: the
// dashboard warns when the last sync measured the hub's clock more than
// store.ClockWarnSkew away, and an op the hub refused for its stamp is
// listed with the translated reason, not the hub's code.
func TestClockWarnings(t *testing.T) {
	f := newFixture(t)
	f.desk.Svc.Sync = noSync{}
	f.desk.LoggedIn(f.admin)
	ctx := context.Background()
	d := NewDashboardScreen(f.desk)
	warning := T("dash.sync.clock", map[string]any{"Minutes": 10})
	if strings.Contains(d.Sync.Text, warning) {
		t.Fatalf("dashboard warns of the clock before any sync: %q", d.Sync.Text)
	}
	if err := f.st.SetSyncState(ctx, store.SyncState{ClockSkew: -10 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	d.Refresh()
	if !strings.Contains(d.Sync.Text, warning) {
		t.Errorf("dashboard sync card = %q, want the clock warning %q", d.Sync.Text, warning)
	}

	c := casework.NewGenerator(f.cat, 6, fixedNow).Draft("case-clock-1", "371002", true)
	if err := f.st.SaveCase(ctx, f.desk.Actor(), c); err != nil {
		t.Fatal(err)
	}
	out, err := f.st.Outbox(ctx, 1)
	if err != nil || len(out) == 0 {
		t.Fatalf("Outbox = %v %v", out, err)
	}
	if err := f.st.SetAside(ctx, out[0].ID, syncapi.ReasonClock); err != nil {
		t.Fatal(err)
	}
	f.desk.Open("nav.sync")
	s := f.desk.Current().(*SyncScreen)
	if len(s.Aside.Objects) != 1 {
		t.Fatalf("set-aside list = %d rows, want 1", len(s.Aside.Objects))
	}
	if row := textOf(s.Aside.Objects[0]); !strings.Contains(row, T("sync.reason.clock")) || strings.Contains(row, syncapi.ReasonClock) {
		t.Errorf("set-aside row = %q, want the reason %q", row, T("sync.reason.clock"))
	}
}

// TestAsideReasonsReadAsChinese: every kind of reason the hub refuses an op
// with reads as its own Chinese sentence, never the hub's English; an
// unknown reason keeps the hub's words after a general sentence.
func TestAsideReasonsReadAsChinese(t *testing.T) {
	for _, tc := range []struct{ reason, key string }{
		{syncapi.ReasonClock, "sync.reason.clock"},
		{"size: a field value is over 8192 bytes", "sync.reason.size"},
		{"scope: case belongs to another office", "sync.reason.scope"},
		{"signature: missing or not by the user's key", "sync.reason.signature"},
		{"user: not of this device's office", "sync.reason.user"},
		{"role: not a handler of the task's department", "sync.reason.role"},
		{"case: unknown", "sync.reason.case"},
		{"task: created only waiting or pending", "sync.reason.task"},
		{"device: op of another device", "sync.reason.device"},
		{"malformed", "sync.reason.malformed"},
	} {
		got := asideReason(tc.reason)
		if got != T(tc.key) || got == tc.key || strings.Contains(got, tc.reason) {
			t.Errorf("asideReason(%q) = %q, want %q", tc.reason, got, T(tc.key))
		}
	}
	if got := asideReason("quota: full"); !strings.Contains(got, "quota: full") || got == "quota: full" {
		t.Errorf("asideReason(unknown) = %q, want a general sentence with the hub's words", got)
	}
}

// realEnrol enrols through syncclient as cmd/vetdesk does; client is the
// running client once there is one.
type realEnrol struct {
	st     *store.DB
	client *syncclient.Client
}

func (r *realEnrol) Client() *syncclient.Client { return r.client }
func (r *realEnrol) Enrol(ctx context.Context, opt syncclient.EnrolOptions) error {
	_, err := syncclient.Enrol(ctx, r.st, opt)
	return err
}

// TestSyncScreenRefusesInsecureHub guards what the admin reads when the
// transport is refused: an http:// address, a fingerprint that is not one
// and a hub whose certificate is not the pinned one each get their own
// sentence on the enrolment form (not the generic error), and a running
// sync refused for its pin says so on the screen.
func TestSyncScreenRefusesInsecureHub(t *testing.T) {
	f := newFixture(t)
	svc := &realEnrol{st: f.st}
	f.desk.Svc.Sync = svc
	f.desk.LoggedIn(f.admin)
	var reached atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	defer srv.Close()
	wrongPin := strings.Repeat("AB:", 31) + "AB"
	f.desk.Open("nav.sync")
	s := f.desk.Current().(*SyncScreen)
	tests := []struct{ url, fp, want string }{
		{"http://" + srv.Listener.Addr().String(), wrongPin, "sync.https"},
		{srv.URL, "AB:CD", "sync.fingerprint.bad"},
		{srv.URL, wrongPin, "sync.pin"},
	}
	for _, tt := range tests {
		s.HubURL.SetText(tt.url)
		s.Finger.SetText(tt.fp)
		s.Code.SetText("ABCD-EFGH")
		test.Tap(s.EnrolBtn)
		want := T("sync.enrol.failed", map[string]any{"Ref": T(tt.want)})
		waitFor(t, "the enrolment answer", func() bool { return s.Message.Text != T("common.working") })
		if s.Message.Text != want {
			t.Errorf("enrol(%s, %s): message = %q, want %q", tt.url, tt.fp, s.Message.Text, want)
		}
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the hub got %d requests, want none", n)
	}

	ctx := context.Background()
	for k, v := range map[string]string{syncclient.SettingHubURL: srv.URL, syncclient.SettingToken: "token",
		syncclient.SettingFingerprint: wrongPin} {
		if err := f.st.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	cl, err := syncclient.New(syncclient.Config{Store: f.st})
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.Once(ctx); !errors.Is(err, syncclient.ErrPinMismatch) {
		t.Fatalf("Once() = %v, want ErrPinMismatch", err)
	}
	svc.client = cl
	s.Refresh()
	if !strings.Contains(s.State.Text, T("sync.pin")) {
		t.Errorf("sync state = %q, want the pin sentence %q", s.State.Text, T("sync.pin"))
	}
}
