package syncclient_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/hub"
	"vetdesk/syncclient"
)

func TestBackoff(t *testing.T) {
	lo, hi := time.Second, time.Minute
	tests := []struct {
		n    int
		r    float64
		want time.Duration
	}{
		{1, 0, 500 * time.Millisecond},
		{1, 0.999999, time.Second - time.Microsecond},
		{2, 0, time.Second},
		{4, 0.5, 6 * time.Second},
		{10, 0, 30 * time.Second},
		{100, 0.5, 45 * time.Second},
	}
	for _, tt := range tests {
		got := syncclient.Backoff(tt.n, lo, hi, tt.r)
		if got.Round(time.Millisecond) != tt.want.Round(time.Millisecond) {
			t.Errorf("Backoff(%d, %v, %v, %v) = %v, want %v", tt.n, lo, hi, tt.r, got, tt.want)
		}
	}
}

// flakyRT fails the first n requests, as a hub that is down would.
type flakyRT struct {
	base http.RoundTripper
	n    atomic.Int32
}

func (f *flakyRT) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.n.Add(-1) >= 0 {
		return nil, errors.New("connection refused")
	}
	return f.base.RoundTrip(r)
}

// TestRunRecovers: Run backs off while the hub is unreachable, reports
// it through OnChange, and syncs once it is back; Kick starts a round.
func TestRunRecovers(t *testing.T) {
	e := newEnv(t, hub.Options{})
	rt := &flakyRT{}
	rt.n.Store(3)
	d := e.desk("A", deskOpt{office: office, login: "clerkA"})
	var mu sync.Mutex
	var seen []syncclient.Status
	cl, err := syncclient.New(syncclient.Config{Store: d.db, WrapTransport: wrapInto(&rt.base, rt),
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Interval: time.Hour,
		OnChange: func(s syncclient.Status) { mu.Lock(); seen = append(seen, s); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	e.newCase(d, casework.NewGenerator(e.cat, 1, genNow), "0193f200-0000-7000-8000-000000000001")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- cl.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for cl.Status().LastSuccess.IsZero() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	st := cl.Status()
	if st.LastSuccess.IsZero() || !st.Online || st.Outbox != 0 || st.LastError != "" {
		t.Fatalf("Status() after recovery = %+v, want online, synced, nothing waiting", st)
	}
	mu.Lock()
	maxFail, offline := 0, false
	for _, s := range seen {
		maxFail = max(maxFail, s.Failures)
		offline = offline || (!s.Online && s.LastError != "")
	}
	mu.Unlock()
	if maxFail < 1 || !offline {
		t.Errorf("OnChange saw max %d failures, offline %v; want the outage reported", maxFail, offline)
	}
	// a new edit and a kick: synced without waiting the hour
	d.update(t, "0193f200-0000-7000-8000-000000000001", func(c *casework.Case) error { c.Values["phone"] = "13700000000"; return nil })
	cl.Kick()
	for time.Now().Before(deadline) {
		if ob, _ := d.db.Outbox(context.Background(), 1); len(ob) == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if ob, _ := d.db.Outbox(context.Background(), 1); len(ob) != 0 {
		t.Errorf("outbox after Kick = %d ops, want pushed", len(ob))
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run() = %v, want context.Canceled", err)
	}
}
