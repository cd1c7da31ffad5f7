package hub

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// TestRevokedKeyWebhookReceivesNothing: department keys are listed by id
// with their webhooks; revoking a key by id removes its webhook and the
// deliveries queued for it, so its receiver gets nothing more, while the
// webhook of another live key of the department still gets its events.
func TestRevokedKeyWebhookReceivesNothing(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{})
	var oldCalls, newCalls atomic.Int64
	oldRx := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { oldCalls.Add(1) }))
	defer oldRx.Close()
	newRx := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { newCalls.Add(1) }))
	defer newRx.Close()
	oldKey, err := h.CreateDeptKey(ctx, "police")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.AddKeyWebhook(ctx, DeptKeyID(oldKey), oldRx.URL); err != nil {
		t.Fatal(err)
	}
	keys, err := h.DeptKeys(ctx)
	if err != nil || len(keys) != 1 || keys[0].ID != DeptKeyID(oldKey) || keys[0].Department != "police" ||
		len(keys[0].Webhooks) != 1 || keys[0].Webhooks[0] != oldRx.URL {
		t.Fatalf("DeptKeys() = %+v, %v; want the police key by id with its webhook", keys, err)
	}
	pushCases(t, h, 2) // 4 police task events queued for the old key's webhook
	if pending, _, _, _ := h.DeliveryCounts(ctx); pending != 4 {
		t.Fatalf("pending deliveries = %d, want 4 (the test needs them)", pending)
	}

	if err := h.RevokeDeptKeyID(ctx, keys[0].ID); err != nil {
		t.Fatalf("RevokeDeptKeyID = %v", err)
	}
	if err := h.RevokeDeptKeyID(ctx, keys[0].ID); err == nil {
		t.Errorf("RevokeDeptKeyID twice succeeded")
	}
	if _, err := h.AddKeyWebhook(ctx, keys[0].ID, oldRx.URL); err == nil {
		t.Errorf("AddKeyWebhook(revoked key) succeeded")
	}
	newKey, _ := h.CreateDeptKey(ctx, "police")
	if _, err := h.AddKeyWebhook(ctx, DeptKeyID(newKey), newRx.URL); err != nil {
		t.Fatal(err)
	}
	d := newTestDesk(t, "R2", testUsers[2])
	enrolID(t, h, d.id, "R2", "")
	c := casework.NewGenerator(testCatalogue(t), 77, genNow).Draft("0193d000-0000-7000-8000-000000000077", office, true)
	if _, err := d.db.AcceptCase(ctx, d.actor, testCatalogue(t), c); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Push(ctx, d.id, syncapi.PushRequest{Ops: d.outbox(t)}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.deliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := oldCalls.Load(); n != 0 {
		t.Errorf("the revoked key's webhook received %d calls, want 0", n)
	}
	if n := newCalls.Load(); n != 2 {
		t.Errorf("the live key's webhook received %d calls for case %s, want 2 (hukou, idcard)", n, c.ID)
	}
	keys, _ = h.DeptKeys(ctx)
	if len(keys) != 2 || keys[0].Revoked.IsZero() || len(keys[0].Webhooks) != 0 || !keys[1].Revoked.IsZero() {
		t.Errorf("DeptKeys() after revoking = %+v, want the old key revoked without webhooks, the new one live", keys)
	}
}

// TestDeptDeviceGetsOtherOfficesUsersTrimmed: a police device of 371002
// receives the police users of its office in full, but of a police user of
// 371003 only a change's scope fields: never the login or password hash.
func TestDeptDeviceGetsOtherOfficesUsersTrimmed(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{})
	p := newTestDesk(t, "P9", testUsers[3])
	enrolID(t, h, p.id, "P9", "police")
	far, err := h.AddUser(ctx, store.User{Login: "police3", Name: "周警官", Role: store.RoleHandler, Department: "police", Office: "371003"}, "pw-far")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.SetUserPassword(ctx, far.ID, "pw-far-2"); err != nil {
		t.Fatal(err)
	}
	far.Disabled = true
	if err := h.UpdateUser(ctx, far); err != nil {
		t.Fatal(err)
	}
	resp, err := h.Pull(ctx, p.id, 0, MaxPullLimit)
	if err != nil {
		t.Fatal(err)
	}
	var ownFull, farOps int
	for _, o := range resp.Ops {
		if o.Entity != store.EntityUser {
			continue
		}
		switch o.EntityID {
		case "u-police":
			if o.Fields["password"] != "" && o.Fields["login"] == "police" {
				ownFull++
			}
		case far.ID:
			farOps++
			for k := range o.Fields {
				if k != "office" && k != "department" && k != "role" && k != "disabled" {
					t.Errorf("police device of %s got field %q of a police user of 371003", office, k)
				}
			}
		}
	}
	if ownFull != 1 {
		t.Errorf("police device got %d full creations of its own office's police user, want 1", ownFull)
	}
	if farOps != 1 {
		t.Errorf("police device got %d ops of the 371003 police user, want 1 (the disabling, trimmed)", farOps)
	}
}

// TestOlderHubDBWebhooksFollowTheirKeys: webhooks of a hub.db made before
// webhooks belonged to keys are given the key made just before them, and
// one whose key was already revoked is removed at Open.
func TestOlderHubDBWebhooksFollowTheirKeys(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	opt := Options{Catalogue: testCatalogue(t)}
	h, err := Open(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	police, _ := h.CreateDeptKey(ctx, "police")
	hrss, _ := h.CreateDeptKey(ctx, "hrss")
	// as the older hub wrote them: no key ids, webhooks by department only,
	// and the police key revoked with its webhook left in place
	for _, q := range []string{
		`DROP INDEX dept_keys_id`,
		`UPDATE dept_keys SET id = ''`,
		`INSERT INTO webhooks (department, url, secret, created_at) VALUES ('police', 'https://police.example/hook', 's1', '2099-01-01T00:00:00Z')`,
		`INSERT INTO webhooks (department, url, secret, created_at) VALUES ('hrss', 'https://hrss.example/hook', 's2', '2099-01-01T00:00:00Z')`,
		`UPDATE dept_keys SET revoked_at = '2099-01-02T00:00:00Z' WHERE department = 'police'`,
	} {
		if _, err := h.meta.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	h.Close()
	if h, err = Open(dir, opt); err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	keys, err := h.DeptKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]DeptKeyInfo{}
	for _, k := range keys {
		got[k.ID] = k
	}
	if k := got[DeptKeyID(police)]; k.Revoked.IsZero() || len(k.Webhooks) != 0 {
		t.Errorf("revoked police key after Open: %+v, want revoked without webhooks", k)
	}
	if k := got[DeptKeyID(hrss)]; !k.Revoked.IsZero() || len(k.Webhooks) != 1 || k.Webhooks[0] != "https://hrss.example/hook" {
		t.Errorf("hrss key after Open: %+v, want live with its webhook", k)
	}
	var hooks int
	if err := h.meta.QueryRow(`SELECT count(*) FROM webhooks`).Scan(&hooks); err != nil || hooks != 1 {
		t.Errorf("webhooks after Open = %d, %v; want 1 (the revoked key's removed)", hooks, err)
	}
}
