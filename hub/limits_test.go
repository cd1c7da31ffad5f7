package hub

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"vetdesk/casework"
	"vetdesk/syncapi"
)

// TestOversizedFieldValueRefused: a 16 MiB field value (and an op whose
// fields add up past MaxOpBytes) is refused with a reason naming the
// limit; the rest of the batch is applied.
func TestOversizedFieldValueRefused(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{})
	d, ids := pushCases(t, h, 1)
	edit := func(note string) syncapi.Op {
		t.Helper()
		if _, err := d.db.UpdateCase(ctx, d.actor, ids[0], func(c *casework.Case) error {
			for _, ms := range c.Materials {
				ms.Note = note
				break
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		ops := d.outbox(t)
		return ops[len(ops)-1]
	}
	ok := edit("原件已核对")
	huge := ok
	huge.ID = "0193d000-0000-7000-8000-000000000002"
	huge.HLC.Logical++
	huge.Fields = map[string]string{"note": strings.Repeat("x", 16<<20)}
	wide := ok
	wide.ID = "0193d000-0000-7000-8000-000000000001"
	wide.HLC.Logical += 2
	wide.Fields = map[string]string{}
	for _, k := range []string{"note", "status", "attachments", "code", "x1", "x2", "x3", "x4", "x5"} {
		wide.Fields[k] = strings.Repeat("y", MaxFieldValue)
	}
	resp, err := h.Push(ctx, d.id, syncapi.PushRequest{Ops: []syncapi.Op{ok, huge, wide}})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ status, reason string }{{syncapi.Accepted, ""}, {syncapi.Rejected, ReasonFieldSize}, {syncapi.Rejected, ReasonOpSize}}
	for i, w := range want {
		if r := resp.Results[i]; r.Status != w.status || r.Reason != w.reason {
			t.Errorf("Push op %d = %s %q, want %s %q", i, r.Status, r.Reason, w.status, w.reason)
		}
	}
	if !strings.Contains(ReasonFieldSize, "8192 bytes") {
		t.Errorf("ReasonFieldSize = %q, want it to name the limit", ReasonFieldSize)
	}
}

// TestPullPageBoundedByBytes: ops of 7 KB each fill a page at
// MaxPullBytes long before the op count limit; the pages still carry
// every op, once.
func TestPullPageBoundedByBytes(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{})
	d, ids := pushCases(t, h, 1)
	reader := newTestDesk(t, "B1", testUsers[2])
	enrolID(t, h, reader.id, "B1", "")
	if _, err := d.db.UpdateCase(ctx, d.actor, ids[0], func(c *casework.Case) error {
		for _, ms := range c.Materials {
			ms.Note = "原件已核对"
			break
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	out := d.outbox(t)
	note := out[len(out)-1] // a material note, copied into 7 KB notes
	const edits = 800
	ops := make([]syncapi.Op, edits)
	for i := range ops {
		op := note
		op.ID = fmt.Sprintf("0193d000-0000-7000-8000-%012d", i)
		op.HLC.Logical += uint32(i + 1)
		op.Fields = map[string]string{"note": strings.Repeat("备", 2300) + strconv.Itoa(i)}
		ops[i] = d.signed(t, op)
	}
	for start := 0; start < edits; start += MaxPushOps / 2 {
		resp, err := h.Push(ctx, d.id, syncapi.PushRequest{Ops: ops[start:min(start+MaxPushOps/2, edits)]})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range resp.Results {
			if r.Status != syncapi.Accepted {
				t.Fatalf("Push = %s %s, want accepted", r.Status, r.Reason)
			}
		}
	}
	seen := map[string]bool{}
	after, pages := int64(0), 0
	for {
		resp, err := h.Pull(ctx, reader.id, after, MaxPullLimit)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		size, big := 0, 0
		for _, o := range resp.Ops {
			if seen[o.ID] {
				t.Fatalf("op %s served twice", o.ID)
			}
			seen[o.ID] = true
			size += opBytes(o)
			big = max(big, opBytes(o))
		}
		if size > MaxPullBytes+big {
			t.Errorf("page %d holds %d bytes, want at most %d + one op", pages, size, MaxPullBytes)
		}
		after = resp.Next
		if !resp.More {
			break
		}
	}
	if pages < 2 {
		t.Errorf("pages = %d, want ≥ 2 for %d ops of 7 KB", pages, edits)
	}
	if got := len(seen); got < edits {
		t.Errorf("ops pulled = %d, want ≥ %d", got, edits)
	}
}
