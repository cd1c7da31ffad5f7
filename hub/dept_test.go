package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// pushCases accepts n cases at a new desk and pushes them to h.
func pushCases(t *testing.T, h *Hub, n int) (*testDesk, []string) {
	t.Helper()
	ctx := context.Background()
	cat := testCatalogue(t)
	d := newTestDesk(t, "A1", testUsers[1])
	enrolID(t, h, d.id, "A1", "")
	g := casework.NewGenerator(cat, 4, genNow)
	var ids []string
	for i := range n {
		c := reportedEarlier(cat, g.Draft(fmt.Sprintf("01940000-0000-7000-8000-%012d", i), office, true))
		if _, err := d.db.AcceptCase(ctx, d.actor, cat, c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if _, err := h.Push(ctx, d.id, syncapi.PushRequest{Ops: d.outbox(t)}); err != nil {
		t.Fatal(err)
	}
	return d, ids
}

func call(t *testing.T, method, url, key string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s = %v", method, url, err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == http.StatusOK {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// TestDeptAPI: a department's own system lists its tasks with only the
// values they need, takes, completes, returns and refuses them through the
// lifecycle, and the changes flow to the desktop as ops.
func TestDeptAPI(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{})
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	desk, ids := pushCases(t, h, 3)
	police, err := h.CreateDeptKey(ctx, "police")
	if err != nil {
		t.Fatal(err)
	}
	hrss, _ := h.CreateDeptKey(ctx, "hrss")
	base := srv.URL + syncapi.PathDeptTasks

	var list syncapi.DeptTaskList
	if code := call(t, "GET", base, police, nil, &list); code != 200 || len(list.Tasks) != 3 {
		t.Fatalf("GET tasks = %d, %d tasks, want 200 and 3 hukou tasks", code, len(list.Tasks))
	}
	for _, tk := range list.Tasks {
		if tk.Item != "hukou" || tk.Values["name"] == "" || tk.Values["phone"] != "" || tk.Values["bank_account"] != "" {
			t.Errorf("task %s %s values %v: want hukou with name, without phone or bank account", tk.CaseID, tk.Item, tk.Values)
		}
	}
	tests := []struct {
		key, caseID, item, action string
		body                      syncapi.DeptAction
		wantCode                  int
		wantState                 string
	}{
		{"wrong-key", ids[0], "hukou", syncapi.ActionTake, syncapi.DeptAction{}, 401, ""},
		{hrss, ids[0], "hukou", syncapi.ActionTake, syncapi.DeptAction{}, 404, ""},
		{police, ids[0], "hukou", syncapi.ActionTake, syncapi.DeptAction{}, 200, "working"},
		{police, ids[0], "hukou", syncapi.ActionComplete, syncapi.DeptAction{Result: map[string]string{"hukou_date": "２０２６－１１－３０\u3000"}}, 200, "done"},
		{police, ids[0], "hukou", syncapi.ActionComplete, syncapi.DeptAction{}, 409, ""},
		{police, ids[1], "hukou", syncapi.ActionReturn, syncapi.DeptAction{}, 409, ""},
		{police, ids[1], "hukou", syncapi.ActionReturn, syncapi.DeptAction{Reason: "缺少户口簿"}, 200, "returned"},
		{police, ids[2], "hukou", syncapi.ActionRefuse, syncapi.DeptAction{Reason: "不符合条件"}, 200, "refused"},
		{police, ids[2], "hukou", "explode", syncapi.DeptAction{}, 409, ""},
	}
	for _, tt := range tests {
		var got syncapi.DeptTask
		code := call(t, "POST", fmt.Sprintf("%s/%s/%s/%s", base, tt.caseID, tt.item, tt.action), tt.key, tt.body, &got)
		if code != tt.wantCode || (tt.wantState != "" && got.State != tt.wantState) {
			t.Errorf("POST %s %s = %d state %q, want %d %q", tt.item, tt.action, code, got.State, tt.wantCode, tt.wantState)
		}
		// a department system's full-width, padded result is normalised like typed input
		if tt.action == syncapi.ActionComplete && code == 200 && got.Result["hukou_date"] != "2026-11-30" {
			t.Errorf("POST complete result hukou_date = %q, want 2026-11-30", got.Result["hukou_date"])
		}
	}
	// a revoked key is refused from then on
	if err := h.RevokeDeptKey(ctx, hrss); err != nil {
		t.Fatal(err)
	}
	if code := call(t, "GET", base, hrss, nil, &list); code != 401 {
		t.Errorf("GET tasks with a revoked key = %d, want 401", code)
	}
	if err := h.RevokeDeptKey(ctx, hrss); err == nil {
		t.Errorf("RevokeDeptKey twice succeeded")
	}
	// the desktop pulls the results
	var cursor int64
	for more := true; more; {
		resp, err := h.Pull(ctx, desk.id, cursor, 100)
		if err != nil {
			t.Fatal(err)
		}
		ops := make([]store.Op, len(resp.Ops))
		for i, o := range resp.Ops {
			ops[i] = toStore(o)
		}
		if _, err := desk.db.ApplyRemote(ctx, ops); err != nil {
			t.Fatal(err)
		}
		cursor, more = resp.Next, resp.More
	}
	c, _ := desk.db.Case(ctx, ids[0])
	if tk := c.Task("hukou"); tk.State != casework.TaskDone || tk.Result["hukou_date"] != "2026-11-30" {
		t.Errorf("desk case 0 hukou = %+v, want done with its result", tk)
	}
	if tk := c.Task("idcard"); tk.State != casework.TaskPending {
		t.Errorf("desk case 0 idcard = %s, want released to pending", tk.State)
	}
	if c1, _ := desk.db.Case(ctx, ids[1]); c1.Task("hukou").Reason != "缺少户口簿" {
		t.Errorf("desk case 1 hukou reason = %q, want 缺少户口簿", c1.Task("hukou").Reason)
	}
}

// receiver is a webhook endpoint that fails its first failFirst requests.
type receiver struct {
	mu        sync.Mutex
	secret    []byte
	failFirst int
	calls     int
	good      map[string]syncapi.Event // by delivery id
	badSig    int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.calls++
	if !syncapi.VerifySignature(rc.secret, body, r.Header.Get(syncapi.HeaderSignature)) || r.Header.Get(syncapi.HeaderTimestamp) == "" {
		rc.badSig++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if rc.calls <= rc.failFirst {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var ev syncapi.Event
	json.Unmarshal(body, &ev)
	rc.good[r.Header.Get(syncapi.HeaderDelivery)] = ev
}

func (rc *receiver) snapshot() (calls, good, bad int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.calls, len(rc.good), rc.badSig
}

// TestWebhooks: deliveries are signed, retried with backoff after the
// receiver fails twice, and continue after a restart of the hub.
func TestWebhooks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	opt := Options{Catalogue: testCatalogue(t), WebhookBackoff: 20 * time.Millisecond, WebhookMaxBackoff: 100 * time.Millisecond}
	h, err := Open(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range testUsers {
		h.AddUser(ctx, u, "pw")
	}
	rc := &receiver{failFirst: 2, good: map[string]syncapi.Event{}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	key, err := h.CreateDeptKey(ctx, "police")
	if err != nil {
		t.Fatal(err)
	}
	secret, err := h.AddKeyWebhook(ctx, DeptKeyID(key), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	rc.secret = []byte(secret)
	pushCases(t, h, 2) // two cases: police tasks hukou (pending) and idcard (waiting) each
	pending, _, _, _ := h.DeliveryCounts(ctx)
	if pending != 4 {
		t.Fatalf("queued deliveries = %d, want 4 (2 cases × 2 police tasks)", pending)
	}
	// the first worker runs until one attempt failed, then the hub restarts
	wctx, cancel := context.WithCancel(ctx)
	go h.RunWebhooks(wctx)
	waitFor(t, func() bool { calls, _, _ := rc.snapshot(); return calls >= 1 })
	cancel()
	time.Sleep(50 * time.Millisecond)
	h.Close()

	h2, err := Open(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	wctx, cancel = context.WithCancel(ctx)
	defer cancel()
	go h2.RunWebhooks(wctx)
	// delivery is at least once: a call in flight when the first worker
	// stopped may be repeated, so wait for the hub's own count
	waitFor(t, func() bool { _, done, _, _ := h2.DeliveryCounts(ctx); return done == 4 })
	calls, good, bad := rc.snapshot()
	pending, done, failed, _ := h2.DeliveryCounts(ctx)
	if good != 4 || bad != 0 || calls < 6 || pending != 0 || done != 4 || failed != 0 {
		t.Errorf("webhooks: calls %d good %d bad signatures %d; pending %d done %d failed %d; want ≥6 calls (2 failed), 4 distinct good, 0 bad, 4 done",
			calls, good, bad, pending, done, failed)
	}
	for _, ev := range rc.good {
		if ev.Department != "police" || ev.Type != syncapi.EventTaskChanged || ev.SentAt.IsZero() {
			t.Errorf("event %+v, want a police task.changed with its send time", ev)
		}
	}
	if syncapi.VerifySignature([]byte("other secret"), []byte("{}"), syncapi.Sign([]byte(secret), []byte("{}"))) {
		t.Errorf("VerifySignature(other secret) = true, want false")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
