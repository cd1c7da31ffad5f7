package hub

import (
	"context"
	"fmt"
	"testing"

	"vetdesk/casework"
	"vetdesk/syncapi"
)

// BenchmarkPushAccept measures the hub alone accepting pushed ops (no
// HTTP): batches of 500 ops of newly accepted cases from one station
// device, each batch classified against scope, merged into the replica in
// one transaction and re-derived. It reports accepted ops per second.
func BenchmarkPushAccept(b *testing.B) {
	ctx := context.Background()
	cat := testCatalogue(b)
	h := newTestHub(b, Options{})
	d := newTestDesk(b, "P1", testUsers[1])
	enrolID(b, h, d.id, "P1", "")
	g := casework.NewGenerator(cat, 9, genNow)
	cases := make([]*casework.Case, 0, 200)
	for i := range 200 {
		c := g.Draft(fmt.Sprintf("0197a000-0000-7000-8000-%012d", i), office, true)
		num, _ := casework.FormatCaseNumber(office, 2026, "P1", i+1)
		c.Accept(cat, num, genNow)
		cases = append(cases, c)
	}
	if err := d.db.ImportCases(ctx, d.actor, cases); err != nil {
		b.Fatal(err)
	}
	ops := d.outbox(b)
	b.ResetTimer()
	accepted := 0
	for range b.N {
		b.StopTimer()
		fresh := newTestHub(b, Options{})
		enrolID(b, fresh, d.id, "P1", "")
		b.StartTimer()
		for start := 0; start < len(ops); start += 500 {
			resp, err := fresh.Push(ctx, d.id, syncapi.PushRequest{Ops: ops[start:min(start+500, len(ops))]})
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range resp.Results {
				if r.Status != syncapi.Accepted {
					b.Fatalf("op %s: %s %s", r.ID, r.Status, r.Reason)
				}
				accepted++
			}
		}
	}
	b.ReportMetric(float64(accepted)/b.Elapsed().Seconds(), "ops/s")
}
