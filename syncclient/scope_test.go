package syncclient_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/hub"
	"vetdesk/store"
	"vetdesk/syncapi"
	"vetdesk/syncclient"
)

// TestScope: pushes outside a device's scope or role are rejected with a
// reason and set aside, the ops behind them land; stations read only their
// office's cases; departments only their tasks and the values those need.
func TestScope(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{})
	a := e.desk("A", deskOpt{office: office, login: "clerkA"})
	x := e.desk("X", deskOpt{office: otherOffice, login: "clerkX"})
	p := e.desk("P", deskOpt{office: office, dept: "police", login: "police"})
	p2 := e.desk("P2", deskOpt{office: office, dept: "police", login: "clerkA"}) // a clerk on a police desk
	hr := e.desk("HR", deskOpt{office: office, dept: "hrss", login: "hrss"})
	g := casework.NewGenerator(e.cat, 11, genNow)
	var ids []string
	for i := range 3 {
		ids = append(ids, e.newCase(a, g, "0193b000-0000-7000-8000-00000000000"+string(rune('0'+i))).ID)
	}
	all := []*desk{a, x, p, p2, hr}
	settle(t, e, all, 4)

	if got := caseIDs(t, x.db); len(got) != 0 {
		t.Errorf("other office's desk holds %d cases, want 0", len(got))
	}
	// X obtains a case of another office (say, from a copied file) and edits it
	stolen, _, err := a.db.OpsAfter(ctx, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var caseOps []store.Op
	for _, op := range stolen {
		if op.CaseID == ids[0] {
			caseOps = append(caseOps, op)
		}
	}
	if _, err := x.db.ApplyRemote(ctx, caseOps); err != nil {
		t.Fatal(err)
	}
	x.update(t, ids[0], func(c *casework.Case) error { c.Values["phone"] = "13811112222"; return nil })
	own := g.Draft("0193b000-0000-7000-8000-0000000000ff", otherOffice, true)
	if _, err := x.db.AcceptCase(ctx, x.actor, e.cat, own); err != nil {
		t.Fatalf("AcceptCase(X) = %v", err)
	}
	// the police desk edits a form value (not its to change), then works its task
	p.update(t, ids[1], func(c *casework.Case) error { c.Values["name"] = "改名"; return nil })
	p.update(t, ids[1], func(c *casework.Case) error {
		return c.CompleteTask(e.cat, "hukou", nil, time.Now().UTC())
	})
	// a clerk logged in on a police desk may not work police tasks
	p2.update(t, ids[2], func(c *casework.Case) error { return c.StartTask(e.cat, "hukou", time.Now().UTC()) })
	settle(t, e, all, 6)

	tests := []struct {
		d      *desk
		reason string
	}{
		{x, hub.ReasonOffice},
		{p, hub.ReasonCaseFields},
		{p2, hub.ReasonRole},
	}
	for _, tt := range tests {
		aside, err := tt.d.db.SetAsideOps(ctx)
		if err != nil || len(aside) != 1 || aside[0].Reason != tt.reason {
			t.Errorf("%s SetAsideOps() = %+v, %v, want one op with reason %q", tt.d.name, aside, err, tt.reason)
		}
		if st := tt.d.cl.Status(); st.SetAside != 1 || st.Outbox != 0 {
			t.Errorf("%s Status() = %+v, want 1 set aside, 0 waiting", tt.d.name, st)
		}
	}
	if _, err := e.hub.Replica().Case(ctx, own.ID); err != nil {
		t.Errorf("hub Case(X's own case) = %v, want it landed behind the rejected op", err)
	}
	if c, _ := e.hub.Replica().Case(ctx, ids[1]); c.Task("hukou").State != casework.TaskDone || c.Values["name"] == "改名" {
		t.Errorf("hub case 1: hukou %s name %q, want done and the name unchanged", c.Task("hukou").State, c.Values["name"])
	}
	if c, _ := e.hub.Replica().Case(ctx, ids[0]); c.Values["phone"] == "13811112222" {
		t.Errorf("hub case 0 phone = %q, want the other office's edit refused", c.Values["phone"])
	}

	// department views: only the values their tasks' items ask for
	for _, d := range []*desk{p, hr} {
		need := map[string]bool{}
		for _, it := range e.cat.Items {
			if it.Department == d.dept {
				for _, f := range it.Fields {
					need[f.Code] = true
				}
			}
		}
		for _, id := range caseIDs(t, d.db) {
			c, _ := d.db.Case(ctx, id)
			for k := range c.Values {
				if !need[k] {
					t.Errorf("%s case %s has value %s, which no %s item asks for", d.name, id, k, d.dept)
				}
			}
			if len(c.Materials) > 0 {
				t.Errorf("%s case %s has %d materials, want none", d.name, id, len(c.Materials))
			}
			for _, tk := range c.Tasks {
				if tk.Department != d.dept {
					t.Errorf("%s case %s has task %s of %s", d.name, id, tk.Item, tk.Department)
				}
			}
		}
	}
	pc, _ := p.db.Case(ctx, ids[0])
	hc, _ := hr.db.Case(ctx, ids[0])
	if pc.Values["phone"] != "" || pc.Values["bank_account"] != "" {
		t.Errorf("police case 0 phone %q bank %q, want both absent", pc.Values["phone"], pc.Values["bank_account"])
	}
	// 缴费 (which asks for the bank account) is 税务's since 2019; no 人社 item asks for it
	if hc.Values["phone"] == "" || hc.Values["bank_account"] != "" {
		t.Errorf("hrss case 0 phone %q bank %q, want the phone (sscard asks for it) and no bank account", hc.Values["phone"], hc.Values["bank_account"])
	}

	// a revoked device is refused
	dev, _ := a.db.Device(ctx)
	if err := e.hub.RevokeDevice(ctx, dev.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.cl.Once(ctx); !errors.Is(err, syncclient.ErrRevoked) {
		t.Errorf("Once() after revoke = %v, want ErrRevoked", err)
	}
}

// TestEnrolPinLogin: a code works once; a hub with another certificate is
// refused; users flow down so login works with the hub gone.
func TestEnrolPinLogin(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{})
	openStore := func(name string) *store.DB {
		db, err := store.Open(t.TempDir()+"/"+name+".db", store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	code, err := e.hub.CreateEnrolCode(ctx, hub.EnrolSpec{Station: "s1", Office: office})
	if err != nil {
		t.Fatal(err)
	}
	other := newTLSServer(t, e.hub.Handler()) // same hub, another certificate
	defer other.Close()
	tests := []struct {
		name, url, fp string
		wantErr       error
		wantCode      string
	}{
		{"other certificate", other.URL, e.fp, syncclient.ErrPinMismatch, ""},
		{"first use", e.srv.URL, e.fp, nil, ""},
		{"second use", e.srv.URL, e.fp, nil, syncapi.ErrCodeUsed},
	}
	db := openStore("d1")
	for _, tt := range tests {
		d := db
		if tt.name == "second use" {
			d = openStore("d2")
		}
		_, err := syncclient.Enrol(ctx, d, syncclient.EnrolOptions{HubURL: tt.url, Fingerprint: tt.fp, Code: code})
		var he *syncclient.HubError
		switch {
		case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
			t.Errorf("%s: Enrol() = %v, want %v", tt.name, err, tt.wantErr)
		case tt.wantCode != "" && (!errors.As(err, &he) || he.Code != tt.wantCode):
			t.Errorf("%s: Enrol() = %v, want hub error %s", tt.name, err, tt.wantCode)
		case tt.wantErr == nil && tt.wantCode == "" && err != nil:
			t.Errorf("%s: Enrol() = %v, want success", tt.name, err)
		}
	}
	dev, _ := db.Device(ctx)
	if dev.Code == "" || dev.Office != office {
		t.Errorf("Device() after enrol = %+v, want a code and office %s", dev, office)
	}
	if v, _ := db.Setting(ctx, syncclient.SettingCatalogue); v != e.cat.Version {
		t.Errorf("catalogue version setting = %q, want %q", v, e.cat.Version)
	}
	if v, _ := db.Setting(ctx, syncclient.SettingPoliceStation); !strings.Contains(v, "公安") {
		t.Errorf("police stations setting = %.60q…, want the hub's list", v)
	}

	cl, _ := syncclient.New(syncclient.Config{Store: db})
	if err := cl.Once(ctx); err != nil {
		t.Fatalf("Once() = %v", err)
	}
	// a pinned client refuses the other server whatever its CA says
	pinned := syncclient.PinnedClient(e.fp)
	if _, err := pinned.Get(other.URL + syncapi.PathHealth); !errors.Is(err, syncclient.ErrPinMismatch) {
		t.Errorf("pinned Get(other server) = %v, want ErrPinMismatch", err)
	}
	e.srv.Close() // the hub goes away: login is offline
	users, _ := db.Users(ctx)
	logins := map[string]bool{}
	for _, u := range users {
		logins[u.Login] = true
	}
	if !logins["clerkA"] || !logins["admin"] || logins["clerkX"] {
		t.Errorf("Users() after sync = %v, want clerkA and admin, not clerkX of another office", logins)
	}
	if u, err := db.Login(ctx, "clerkA", "pw-clerkA"); err != nil || u.Office != office {
		t.Errorf("Login(clerkA) offline = %+v, %v, want success", u, err)
	}
	if _, err := db.Login(ctx, "clerkA", "wrong"); !errors.Is(err, store.ErrBadCredentials) {
		t.Errorf("Login(clerkA, wrong) = %v, want ErrBadCredentials", err)
	}
	if err := cl.Once(ctx); err == nil || cl.Status().Online {
		t.Errorf("Once() with hub gone = %v, Online %v; want an error and offline", err, cl.Status().Online)
	}
}
