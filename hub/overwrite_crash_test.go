package hub

import (
	"context"
	"testing"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// TestOverwriteNoticesSurviveACrash: the hub dies after a push's ops are
// committed to the replica but before their overwrite notices are filed;
// the reopened hub still hands the losing device its notice, once. And a
// crash before the commit leaves no notice of an op that never landed:
// the re-sent batch files it anew, once.
func TestOverwriteNoticesSurviveACrash(t *testing.T) {
	for _, committed := range []bool{true, false} {
		name := "crash after the replica commit"
		if !committed {
			name = "crash before the replica commit"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			cat := testCatalogue(t)
			h, err := Open(dir, Options{Catalogue: cat})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range testUsers {
				if _, err := h.AddUser(ctx, u, "pw"); err != nil {
					t.Fatal(err)
				}
			}
			a, b := newTestDesk(t, "HA01", testUsers[1]), newTestDesk(t, "HB01", testUsers[2])
			enrolID(t, h, a.id, "HA01", "")
			enrolID(t, h, b.id, "HB01", "")
			c := casework.NewGenerator(cat, 11, genNow).Draft("0193b000-0000-7000-8000-000000000001", office, true)
			if _, err := a.db.AcceptCase(ctx, a.actor, cat, c); err != nil {
				t.Fatal(err)
			}
			push := func(d *testDesk, seen int64) {
				t.Helper()
				ops := d.outbox(t)
				if _, err := h.Push(ctx, d.id, syncapi.PushRequest{Ops: ops, Seen: seen}); err != nil {
					t.Fatalf("Push = %v", err)
				}
				ids := make([]string, len(ops))
				for i, o := range ops {
					ids[i] = o.ID
				}
				d.db.Ack(ctx, ids)
			}
			pullAll := func(d *testDesk, after int64) syncapi.PullResponse {
				t.Helper()
				resp, err := h.Pull(ctx, d.id, after, MaxPullLimit)
				if err != nil {
					t.Fatalf("Pull = %v", err)
				}
				ops := make([]store.Op, 0, len(resp.Ops))
				for _, o := range resp.Ops {
					ops = append(ops, toStore(o))
				}
				if _, err := d.db.ApplyRemote(ctx, ops); err != nil {
					t.Fatal(err)
				}
				return resp
			}
			push(a, 0)
			seenB := pullAll(b, 0).Next
			cursorA := pullAll(a, 0).Next
			setPhone := func(d *testDesk, phone string) {
				t.Helper()
				if _, err := d.db.UpdateCase(ctx, d.actor, c.ID, func(c *casework.Case) error {
					c.Values[casework.FieldPhone] = phone
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			setPhone(a, "13800000001")
			push(a, cursorA)
			setPhone(b, "13900000002") // later HLC: beats A's value, which B never pulled

			// B's push, cut short by a crash.
			ops := b.outbox(t)
			accepted := make([]store.Op, len(ops))
			for i, o := range ops {
				accepted[i] = toStore(o)
			}
			h.mu.Lock()
			notices, err := h.findOverwrites(ctx, b.id, seenB, accepted)
			if err != nil || len(notices) == 0 {
				t.Fatalf("findOverwrites = %d notices, %v; the test needs one", len(notices), err)
			}
			if err := h.holdOverwrites(ctx, notices); err != nil {
				t.Fatal(err)
			}
			if committed {
				if _, err := h.db.ApplyRemote(ctx, accepted); err != nil {
					t.Fatal(err)
				}
			}
			h.mu.Unlock()
			h.Close()

			if h, err = Open(dir, Options{Catalogue: cat}); err != nil {
				t.Fatalf("reopen = %v", err)
			}
			defer h.Close()
			if !committed {
				var pending int
				h.meta.QueryRow(`SELECT count(*) FROM overwrites`).Scan(&pending)
				if pending != 0 {
					t.Errorf("%d notices of ops that never landed kept", pending)
				}
			}
			push(b, seenB) // the re-sent batch: duplicates, or applied now
			resp := pullAll(a, cursorA)
			found := 0
			for _, ow := range resp.Overwrites {
				if ow.Field == "v:"+casework.FieldPhone && ow.LocalValue == "13800000001" && ow.Value == "13900000002" {
					found++
				}
			}
			if found != 1 {
				t.Errorf("A's pull after the crash carries %d notices of its phone overwritten, want 1: %+v", found, resp.Overwrites)
			}
		})
	}
}
