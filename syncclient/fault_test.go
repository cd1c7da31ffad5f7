package syncclient_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/hub"
	"vetdesk/store"
)

// faultRT sits between a desktop and the hub and misbehaves: it drops
// requests, drops responses after the hub acted, duplicates requests,
// delays them, replays old ones later (reordering), cuts response bodies
// and answers 500 before or after the hub acted.
type faultRT struct {
	base http.RoundTripper

	mu     sync.Mutex
	rng    *rand.Rand
	stash  []*http.Request // old requests to replay later
	counts map[string]int
}

func newFaultRT(base http.RoundTripper, seed uint64) *faultRT {
	return &faultRT{base: base, rng: rand.New(rand.NewPCG(seed, 99)), counts: map[string]int{}}
}

var errInjected = errors.New("injected fault")

func cloneReq(r *http.Request, body []byte) *http.Request {
	c := r.Clone(context.Background())
	c.Body = io.NopCloser(bytes.NewReader(body))
	c.ContentLength = int64(len(body))
	return c
}

func (f *faultRT) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	f.mu.Lock()
	roll := f.rng.IntN(100)
	var replay *http.Request
	if len(f.stash) > 0 && f.rng.IntN(4) == 0 {
		i := f.rng.IntN(len(f.stash))
		replay = f.stash[i]
		f.stash = append(f.stash[:i], f.stash[i+1:]...)
	}
	delay := time.Duration(f.rng.IntN(3)) * time.Millisecond
	f.mu.Unlock()
	count := func(k string) { f.mu.Lock(); f.counts[k]++; f.mu.Unlock() }
	if replay != nil { // an old request arrives late, out of order
		count("replayed")
		if resp, err := f.base.RoundTrip(replay); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	send := func() (*http.Response, error) { return f.base.RoundTrip(cloneReq(r, body)) }
	fake500 := func() *http.Response {
		return &http.Response{StatusCode: 500, Status: "500 Internal Server Error", Header: http.Header{},
			Body: io.NopCloser(bytes.NewReader(nil)), Request: r}
	}
	switch {
	case roll < 4:
		count("dropped request")
		return nil, errInjected
	case roll < 8:
		count("500 before")
		return fake500(), nil
	case roll < 12:
		count("dropped response")
		if resp, err := send(); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return nil, errInjected
	case roll < 15:
		count("500 after")
		if resp, err := send(); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return fake500(), nil
	case roll < 19:
		count("duplicated")
		if resp, err := send(); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return send()
	case roll < 23:
		count("cut response")
		resp, err := send()
		if err != nil {
			return nil, err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b[:len(b)/2]), errReader{}))
		return resp, nil
	case roll < 30:
		count("delayed")
		time.Sleep(delay)
	case roll < 35:
		count("stashed for replay")
		f.mu.Lock()
		f.stash = append(f.stash, cloneReq(r, body))
		f.mu.Unlock()
	}
	return send()
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// TestFaultyNetwork: over ten thousand ops from two desktops syncing
// concurrently through a misbehaving network, every op arrives exactly
// once in effect and the replicas converge.
func TestFaultyNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	ctx := context.Background()
	start := time.Now()
	e := newEnv(t, hub.Options{})
	mk := func(name, login string, seed uint64) (*desk, *faultRT) {
		rt := newFaultRT(nil, seed)
		d := e.desk(name, deskOpt{office: office, login: login, wrap: wrapInto(&rt.base, rt),
			pushBatch: 150, pullPage: 300})
		return d, rt
	}
	var a, b *desk
	var rta, rtb *faultRT
	a, rta = mk("A", "clerkA", 1)
	b, rtb = mk("B", "clerkB", 2)

	const casesPerDesk, editsPerCase = 100, 29
	var wg sync.WaitGroup
	work := func(d *desk, seed uint64, prefix int) {
		defer wg.Done()
		g := casework.NewGenerator(e.cat, seed, genNow)
		rng := rand.New(rand.NewPCG(seed, 5))
		var ids []string
		for i := range casesPerDesk {
			c := g.Draft(fmt.Sprintf("0193c%03d-0000-7000-8000-%012d", prefix, i), office, true)
			if _, err := d.db.AcceptCase(ctx, d.actor, e.cat, c); err != nil {
				t.Errorf("AcceptCase = %v", err)
				return
			}
			ids = append(ids, c.ID)
			if i%10 == 9 {
				d.cl.Once(ctx) // errors are expected here
			}
		}
		fields := []string{"phone", "home_address", "education", "political_status", "awards"}
		for i := range casesPerDesk * editsPerCase {
			id := ids[rng.IntN(len(ids))]
			f := fields[rng.IntN(len(fields))]
			_, err := d.db.UpdateCase(ctx, d.actor, id, func(c *casework.Case) error {
				c.Values[f] = fmt.Sprintf("%s-%s-%d", d.name, f, i)
				return nil
			})
			if err != nil {
				t.Errorf("UpdateCase = %v", err)
				return
			}
			if i%250 == 249 {
				d.cl.Once(ctx)
			}
		}
	}
	wg.Add(2)
	go work(a, 21, 1)
	go work(b, 22, 2)
	wg.Wait()
	edited := time.Since(start)

	desks := []*desk{a, b}
	rounds := 0
	for ; rounds < 300; rounds++ {
		done := true
		for _, d := range desks {
			if err := d.cl.Once(ctx); err != nil {
				done = false
			}
		}
		if done {
			if ob1, _ := a.db.Outbox(ctx, 1); len(ob1) == 0 {
				if ob2, _ := b.db.Outbox(ctx, 1); len(ob2) == 0 {
					// one more clean pass each, so both have pulled the other's last push
					if a.cl.Once(ctx) == nil && b.cl.Once(ctx) == nil && a.cl.Once(ctx) == nil {
						break
					}
				}
			}
		}
	}
	if rounds == 300 {
		t.Fatalf("not converged after %d rounds", rounds)
	}

	hubOps, _, err := e.hub.Replica().OpsAfter(ctx, 0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	held := map[string]int{}
	for _, op := range hubOps {
		held[op.ID]++
	}
	total := 0
	for _, d := range desks {
		dev, _ := d.db.Device(ctx)
		ops, _, _ := d.db.OpsAfter(ctx, 0, 1<<30)
		own := 0
		for _, op := range ops {
			if op.Device != dev.ID {
				continue
			}
			own++
			if held[op.ID] != 1 {
				t.Errorf("op %s of %s held %d times by the hub, want 1", op.ID, d.name, held[op.ID])
			}
		}
		total += own
		if aside, _ := d.db.SetAsideOps(ctx); len(aside) > 0 {
			t.Errorf("%s SetAsideOps() = %d, want 0 (first: %s)", d.name, len(aside), aside[0].Reason)
		}
	}
	if total < 10000 {
		t.Errorf("desks made %d ops, want at least 10000", total)
	}
	want := dump(t, e.hub.Replica(), nil)
	for _, d := range desks {
		if got := dump(t, d.db, nil); got != want {
			t.Errorf("%s dump = hub dump? no: %s", d.name, diffLines(got, want))
		}
	}
	caseOps := func(ops []store.Op) int {
		n := 0
		for _, op := range ops {
			if op.CaseID != "" {
				n++
			}
		}
		return n
	}
	for _, d := range desks {
		ops, _, _ := d.db.OpsAfter(ctx, 0, 1<<30)
		if got, want := caseOps(ops), caseOps(hubOps); got != want {
			t.Errorf("%s holds %d case ops, want the hub's %d", d.name, got, want)
		}
	}
	t.Logf("%d desk ops (%d in the hub log with its own), edits+syncs %v, %d final rounds, total %v",
		total, len(hubOps), edited.Round(time.Millisecond), rounds+1, time.Since(start).Round(time.Millisecond))
	t.Logf("faults A: %v", rta.counts)
	t.Logf("faults B: %v", rtb.counts)
}

// TestFaultySnapshot: empty desktops take the office's snapshot through
// the same misbehaving network (dropped, cut, duplicated, replayed
// requests and 500s); each ends with exactly the office's cases and then
// follows the feed.
func TestFaultySnapshot(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{SnapshotMinCases: 5})
	seed := seedHub(t, e, 30)
	for i, s := range []uint64{7, 8, 9, 10, 11, 12, 13, 14} {
		rt := newFaultRT(nil, s)
		d := e.desk(fmt.Sprintf("F%d", i), deskOpt{office: office, login: "clerkA", wrap: wrapInto(&rt.base, rt)})
		rounds := 0
		for ; rounds < 100 && d.cl.Once(ctx) != nil; rounds++ {
		}
		if rounds == 100 {
			t.Fatalf("%s never completed a round through the faults: %v", d.name, d.cl.Status().LastError)
		}
		seed.update(t, "5eed0000-0000-4000-8000-000000000007", func(c *casework.Case) error {
			c.Values[casework.FieldPhone] = fmt.Sprintf("1370000%04d", i)
			return nil
		})
		seed.sync(t)
		for n := 0; n < 100 && d.cl.Once(ctx) != nil; n++ {
		}
		if got, want := dump(t, d.db, nil), dump(t, seed.db, nil); got != want {
			t.Errorf("%s after the faults:\n%s", d.name, diffLines(got, want))
		}
		t.Logf("%s: %d failed rounds first; faults %v", d.name, rounds, rt.counts)
	}
}
