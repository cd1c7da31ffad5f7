package hub

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// fakeGateway is a local SMS gateway: it checks each request's signature
// under secret, answers fail's next status (200 once fail is empty) and
// records what it accepted.
type fakeGateway struct {
	srv    *httptest.Server
	secret []byte
	mu     sync.Mutex
	fail   []int
	got    []smsBody
	bad    int // requests with a wrong signature
}

func newFakeGateway(t *testing.T, secret string) *fakeGateway {
	g := &fakeGateway{secret: []byte(secret)}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		g.mu.Lock()
		defer g.mu.Unlock()
		if !syncapi.VerifySignature(g.secret, body, r.Header.Get(syncapi.HeaderSignature)) || r.Header.Get(syncapi.HeaderDelivery) == "" {
			g.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if len(g.fail) > 0 {
			st := g.fail[0]
			g.fail = g.fail[1:]
			w.WriteHeader(st)
			return
		}
		var m smsBody
		json.Unmarshal(body, &m)
		g.got = append(g.got, m)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *fakeGateway) received() []smsBody {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]smsBody(nil), g.got...)
}

func noticeStates(t *testing.T, h *Hub) map[string]int {
	t.Helper()
	m, err := h.NoticeCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestNoticesQueuedSentAndShown guards the notifier (#13): a hub starting
// it sends nothing about history; a task returned for 补正 afterwards, the
// case 办结 and a hukou letter issued each queue one notice from their
// template (once, however often the log is read again, as after a crash
// before the cursor moved), sent to the veteran's phone through the
// gateway with a valid signature; every notice shows on the progress page,
// without the full ID number.
func TestNoticesQueuedSentAndShown(t *testing.T) {
	ctx := context.Background()
	g := newFakeGateway(t, "gw-secret")
	h := newTestHub(t, Options{Now: func() time.Time { return genNow }, SMS: &SMSGateway{URL: g.srv.URL, Secret: []byte("gw-secret")}})
	c := portalCase(t, h) // one task returned, one done: history
	if n, err := h.scanNotices(ctx); err != nil || n != 0 {
		t.Fatalf("first scan = %d, %v; want 0 (history is not notified)", n, err)
	}
	cat := testCatalogue(t)
	var open []string
	for _, tk := range c.Tasks {
		if !tk.State.Final() {
			open = append(open, tk.Item)
		}
	}
	later := genNow.Add(time.Hour)
	// another return, then (after resubmission) everything done
	if _, err := h.db.UpdateCase(ctx, hubActor, c.ID, func(c *casework.Case) error {
		for _, it := range open {
			if c.Task(it).State == casework.TaskPending {
				return c.ReturnTask(cat, it, "请补充户口簿复印件,身份证号 "+c.Value(casework.FieldIDNumber), later)
			}
		}
		t.Fatal("no pending task to return")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := h.scanNotices(ctx); err != nil || n != 1 {
		t.Fatalf("scan after a return = %d, %v; want 1", n, err)
	}
	if _, err := h.db.UpdateCase(ctx, hubActor, c.ID, func(c *casework.Case) error {
		for i := 0; i < 20; i++ { // released tasks come pending; finish until all are final
			progress := false
			for _, tk := range c.Tasks {
				switch tk.State {
				case casework.TaskReturned:
					if err := c.ResubmitTask(cat, tk.Item, later); err != nil {
						return err
					}
					progress = true
				case casework.TaskPending, casework.TaskWorking:
					if err := c.CompleteTask(cat, tk.Item, nil, later); err != nil {
						return err
					}
					progress = true
				}
			}
			if !progress {
				break
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := h.db.RecordEvent(ctx, hubActor, c.ID, store.EventLetter, "威退役落字〔2026〕第HC01-0001号"); err != nil {
		t.Fatal(err)
	}
	if n, err := h.scanNotices(ctx); err != nil || n != 2 {
		t.Fatalf("scan after 办结 and the letter = %d, %v; want 2", n, err)
	}
	// as after a crash between queuing and moving the cursor: read it all again
	if _, err := h.meta.Exec(`UPDATE notice_cursor SET seq = 0`); err != nil {
		t.Fatal(err)
	}
	if _, err := h.scanNotices(ctx); err != nil {
		t.Fatal(err)
	}
	if st := noticeStates(t, h); st[NoticePending] != 3 || len(st) != 1 {
		t.Fatalf("notices %v, want 3 pending", st)
	}
	if _, err := h.sendDueNotices(ctx); err != nil {
		t.Fatal(err)
	}
	got := g.received()
	if len(got) != 3 || g.bad != 0 {
		t.Fatalf("gateway got %d messages (%d badly signed), want 3", len(got), g.bad)
	}
	events := map[string]string{}
	for _, m := range got {
		if m.Phone != c.Value(casework.FieldPhone) {
			t.Errorf("sent to %q, want the veteran's phone", m.Phone)
		}
		events[m.Event] = m.Text
	}
	for ev, want := range map[string]string{NoticeReturned: "需要补正:请补充户口簿复印件", NoticeDone: "已全部办结", NoticeLetter: "落户介绍信(威退役落字〔2026〕第HC01-0001号)已开具"} {
		if !strings.Contains(events[ev], want) || !strings.Contains(events[ev], "【退役军人服务】") {
			t.Errorf("%s message %q lacks %q", ev, events[ev], want)
		}
	}
	// the case has no station of its own (as an intake from an online
	// application): the notices name its office
	if where := "请到 " + cat.Division(c.Office).Name + " 领取"; c.Station != "" || !strings.Contains(events[NoticeLetter], where) {
		t.Errorf("letter message %q (station %q) lacks %q", events[NoticeLetter], c.Station, where)
	}
	if st := noticeStates(t, h); st[NoticeSent] != 3 {
		t.Errorf("notices %v, want 3 sent", st)
	}
	page := progressGet(h.PublicHandler(), "203.0.113.5", c.Number, casework.LookupCode(c)).Body.String()
	for _, m := range got {
		if !strings.Contains(page, m.Text) {
			t.Errorf("page lacks the message %q", m.Text)
		}
	}
	if strings.Contains(page, c.Value(casework.FieldIDNumber)) || strings.Contains(events[NoticeReturned], c.Value(casework.FieldIDNumber)) {
		t.Error("a notice carries the full ID number")
	}
}

// TestNoticeRetriedUntilSentNeverLost guards delivery: a gateway that
// fails is retried after the backoff until it takes the message; one that
// never does leaves the notice failed after WebhookAttempts, kept and still
// on the progress page; a wrong signing secret is a failure like any other.
func TestNoticeRetriedUntilSentNeverLost(t *testing.T) {
	ctx := context.Background()
	var shift time.Duration
	now := func() time.Time { return genNow.Add(shift) }
	g := newFakeGateway(t, "gw-secret")
	g.fail = []int{500, 503}
	h := newTestHub(t, Options{Now: now, SMS: &SMSGateway{URL: g.srv.URL, Secret: []byte("gw-secret")},
		WebhookBackoff: time.Minute, WebhookMaxBackoff: time.Hour, WebhookAttempts: 4})
	c := portalCase(t, h)
	if err := h.Notify(ctx, "appointment/test", c, NoticeAppointment, map[string]string{"Date": "2026-12-03", "Time": "09:30",
		"Place": "环翠区退役军人服务中心", "Materials": "退役证"}); err != nil {
		t.Fatal(err)
	}
	if err := h.Notify(ctx, "appointment/test", c, NoticeAppointment, map[string]string{"Date": "2026-12-03", "Time": "09:30",
		"Place": "环翠区退役军人服务中心", "Materials": "退役证"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := h.sendDueNotices(ctx); err != nil {
			t.Fatal(err)
		}
		shift += 2 * time.Hour
	}
	if got := g.received(); len(got) != 1 || !strings.Contains(got[0].Text, "2026-12-03 09:30") {
		t.Fatalf("gateway took %d messages, want the appointment once after two failures", len(got))
	}
	if st := noticeStates(t, h); st[NoticeSent] != 1 || st[NoticePending] != 0 {
		t.Errorf("notices %v, want 1 sent", st)
	}

	h.opt.SMS.Secret = []byte("rotated elsewhere") // the gateway refuses every message now
	if err := h.Notify(ctx, "letter/test", c, NoticeLetter, map[string]string{"Letter": "第HC01-0009号"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		if _, err := h.sendDueNotices(ctx); err != nil {
			t.Fatal(err)
		}
		shift += 2 * time.Hour
	}
	if st := noticeStates(t, h); st[NoticeFailed] != 1 {
		t.Errorf("notices %v, want the refused one failed", st)
	}
	if g.bad != 4 {
		t.Errorf("gateway refused %d badly signed requests, want 4 (WebhookAttempts)", g.bad)
	}
	page := progressGet(h.PublicHandler(), "203.0.113.5", c.Number, casework.LookupCode(c)).Body.String()
	if !strings.Contains(page, "第HC01-0009号") || !strings.Contains(page, "2026-12-03 09:30") {
		t.Error("the page lacks the failed or the sent notice")
	}
}

// TestNoticesWithoutGatewayOnPage guards a hub with no gateway: notices
// are kept for the page only and nothing is sent.
func TestNoticesWithoutGatewayOnPage(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{Now: func() time.Time { return genNow }})
	c := portalCase(t, h)
	if err := h.Notify(ctx, "letter/x", c, NoticeLetter, map[string]string{"Letter": "第HC01-0002号"}); err != nil {
		t.Fatal(err)
	}
	if next, err := h.sendDueNotices(ctx); err != nil || next != 0 {
		t.Fatalf("sendDueNotices = %v, %v", next, err)
	}
	if st := noticeStates(t, h); st[NoticePage] != 1 {
		t.Errorf("notices %v, want 1 for the page", st)
	}
	page := progressGet(h.PublicHandler(), "203.0.113.5", c.Number, casework.LookupCode(c)).Body.String()
	if !strings.Contains(page, "第HC01-0002号") {
		t.Error("the page lacks the notice")
	}
}

// TestNoticeTemplatesComplete guards one template per event, each filling
// without a missing key.
func TestNoticeTemplatesComplete(t *testing.T) {
	vars := map[string]string{"Number": "N", "Station": "S", "Item": "I", "Reason": "R", "Letter": "L", "Date": "D", "Time": "T", "Place": "P", "Materials": "M"}
	for _, ev := range []string{NoticeAppointment, NoticeReturned, NoticeDone, NoticeLetter, NoticeAppReturned} {
		if s, err := noticeText(ev, vars); err != nil || s == "" {
			t.Errorf("noticeText(%s) = %q, %v", ev, s, err)
		}
	}
}
