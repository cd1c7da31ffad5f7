package syncclient_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
	_ "github.com/ncruces/go-sqlite3/driver"
	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
	"vetdesk/counter"
	"vetdesk/hub"
	"vetdesk/report"
	"vetdesk/store"
	"vetdesk/syncclient"
)

func audit(t testing.TB, d *desk, action, target string) {
	t.Helper()
	if err := d.db.Audit(context.Background(), store.AuditEntry{UserID: d.actor.UserID, Login: d.actor.Login,
		Action: action, Target: target, Success: true}); err != nil {
		t.Fatalf("%s: Audit = %v", d.name, err)
	}
}

// hubChain checks that the hub holds d's audit log entry for entry, each
// once, and that its copy chains.
func hubChain(t *testing.T, e *env, d *desk) []hub.DeviceAuditEntry {
	t.Helper()
	ctx := context.Background()
	dev, _ := d.db.Device(ctx)
	got, err := e.hub.DeviceAudit(ctx, hub.AuditFilter{Device: dev.ID, Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	local, err := d.db.AuditAfter(ctx, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(local) {
		t.Fatalf("%s: hub holds %d audit entries, the desk wrote %d", d.name, len(got), len(local))
	}
	key, err := d.db.AuditKey(ctx)
	if err != nil || key == nil {
		t.Fatalf("%s: AuditKey() = %x, %v", d.name, key, err)
	}
	seen := map[int64]int{}
	prev := ""
	for i, g := range got {
		seen[g.Seq]++
		l := local[i]
		if g.Seq != l.Seq || g.Hash != l.Hash || g.Action != l.Action || g.Target != l.Target || !g.At.Equal(l.At) {
			t.Errorf("%s: hub entry %d = %+v, desk's %+v", d.name, i, g.AuditEntry, l)
		}
		if r := store.CheckAuditHash(key, prev, g.AuditEntry); r != "" {
			t.Errorf("%s: hub copy breaks its chain at %d: %s", d.name, g.Seq, r)
		}
		prev = g.Hash
	}
	for seq, n := range seen {
		if n != 1 {
			t.Errorf("%s: hub holds entry %d %d times", d.name, seq, n)
		}
	}
	return got
}

// TestAuditReachesHubThroughFaults: a desk's audit entries, written
// between rounds through a network that drops, duplicates, replays, cuts
// and fails requests, reach the hub exactly once each with the chain
// intact, and no alert is raised.
func TestAuditReachesHubThroughFaults(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{})
	rt := newFaultRT(nil, 16)
	d := e.desk("A", deskOpt{office: office, login: "clerkA", wrap: wrapInto(&rt.base, rt)})
	for i := range 600 {
		audit(t, d, store.ActionPrint, fmt.Sprintf("letter-%d", i))
		if i%7 == 6 {
			d.cl.Once(ctx) // errors expected
		}
	}
	ok := 0
	for n := 0; n < 200 && ok < 2; n++ {
		if d.cl.Once(ctx) == nil {
			ok++
		}
	}
	if ok < 2 {
		t.Fatalf("no clean rounds through the faults: %v", d.cl.Status().LastError)
	}
	got := hubChain(t, e, d)
	if len(got) < 600 {
		t.Errorf("hub holds %d entries, want at least 600", len(got))
	}
	if alerts, _ := e.hub.AuditAlerts(ctx); len(alerts) > 0 {
		t.Errorf("AuditAlerts() = %+v, want none", alerts)
	}
	if r, _ := d.db.Setting(ctx, syncclient.SettingAuditRefused); r != "" {
		t.Errorf("desk's audit refused: %s", r)
	}
	t.Logf("%d entries; faults %v", len(got), rt.counts)
}

// rewrite edits entry seq of d's audit log and rewrites the whole chain
// with plain hashes, removing the audit key's settings, as someone with the
// file but no key would: the result verifies locally.
func rewrite(t *testing.T, d *desk, seq int64, target string) {
	t.Helper()
	ctx := context.Background()
	entries, err := d.db.AuditAfter(ctx, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite3", "file:"+d.db.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{`DROP TRIGGER audit_no_update`, `DROP TRIGGER audit_no_delete`,
		`DELETE FROM settings WHERE key IN ('` + store.SettingAuditKey + `', '` + store.SettingAuditKeyedFrom + `')`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	prev := ""
	for _, en := range entries {
		if en.Seq == seq {
			en.Target = target
		}
		{
			en.Hash = store.ChainHash(prev, en)
			if _, err := raw.Exec(`UPDATE audit SET target = ?, hash = ? WHERE seq = ?`, en.Target, en.Hash, en.Seq); err != nil {
				t.Fatal(err)
			}
		}
		prev = en.Hash
	}
}

// TestAuditRewriteFlagged: after a desk's audit reached the hub, its local
// chain is rewritten with recomputed plain hashes and the key dropped (it
// verifies locally); the hub refuses it at the next round, records an
// alert, and keeps its copy as received. Entries written after the
// rewrite (under a new key) are refused too, and so is an entry forged
// under another key after the synced head.
func TestAuditRewriteFlagged(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		after  int  // entries written after the rewrite
		forged bool // no rewrite: an entry forged under another key is appended
		reason string
	}{{"head rewritten", 0, false, hub.AlertRewritten}, {"extended after the rewrite", 3, false, hub.AlertRekeyed},
		{"forged entry appended", 0, true, hub.AlertBroken}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, hub.Options{})
			d := e.desk("A", deskOpt{office: office, login: "clerkA"})
			for i := range 5 {
				audit(t, d, store.ActionReveal, fmt.Sprintf("case-%d", i))
			}
			d.sync(t)
			before := hubChain(t, e, d)
			if tc.forged {
				forgeAppend(t, d)
				if rep, _ := d.db.VerifyAudit(ctx); rep.OK {
					t.Error("forged entry verifies locally")
				}
			} else {
				rewrite(t, d, 2, "case-innocent")
				if rep, err := d.db.VerifyAudit(ctx); err != nil || !rep.OK {
					t.Fatalf("rewritten chain VerifyAudit = %+v, %v; the attacker's rewrite should verify locally", rep, err)
				}
			}
			for i := range tc.after {
				audit(t, d, store.ActionPrint, fmt.Sprintf("later-%d", i))
			}
			d.sync(t) // the round itself succeeds: case work goes on
			alerts, err := e.hub.AuditAlerts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			dev, _ := d.db.Device(ctx)
			if len(alerts) != 1 || alerts[0].Device != dev.ID || alerts[0].Reason != tc.reason {
				t.Fatalf("AuditAlerts() = %+v, want one %s for %s", alerts, tc.reason, dev.ID)
			}
			if r, _ := d.db.Setting(ctx, syncclient.SettingAuditRefused); r == "" {
				t.Error("desk does not know its audit was refused")
			}
			after, _ := e.hub.DeviceAudit(ctx, hub.AuditFilter{Device: dev.ID})
			if len(after) != len(before) {
				t.Errorf("hub copy changed: %d entries, had %d", len(after), len(before))
			}
			for i := range min(len(after), len(before)) {
				if after[i].Hash != before[i].Hash || after[i].Target != before[i].Target {
					t.Errorf("hub copy changed at %d: %+v, had %+v", after[i].Seq, after[i].AuditEntry, before[i].AuditEntry)
				}
			}
			d.sync(t)
			if again, _ := e.hub.AuditAlerts(ctx); len(again) != 1 {
				t.Errorf("the same refusal recorded %d times", len(again))
			}
		})
	}
}

// forgeAppend appends an entry to d's audit log chained by HMAC-SM3 under
// a key that is not the desk's.
func forgeAppend(t *testing.T, d *desk) {
	t.Helper()
	ctx := context.Background()
	head, err := d.db.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	last, _ := d.db.AuditAfter(ctx, head.Seq-1, 1)
	e := last[0]
	e.Seq, e.Target = head.Seq+1, "case-forged"
	wrong := bytes.Repeat([]byte{7}, 32)
	m := hmac.New(sm3.New, wrong)
	for _, s := range []string{head.Hash, strconv.FormatInt(e.Seq, 10), e.AtText(), e.UserID, e.Login, e.Action, e.Target, "1", e.Detail} {
		fmt.Fprintf(m, "%d:%s;", len(s), s)
	}
	e.Hash = store.KeyedPrefix + hex.EncodeToString(m.Sum(nil))
	raw, err := sql.Open("sqlite3", "file:"+d.db.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`INSERT INTO audit (seq, at, user_id, login, action, target, success, detail, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.AtText(), e.UserID, e.Login, e.Action, e.Target, e.Success, e.Detail, e.Hash); err != nil {
		t.Fatal(err)
	}
}

func auditActions(t *testing.T, db *store.DB, action string) []store.AuditEntry {
	t.Helper()
	all, err := db.AuditAfter(context.Background(), 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.AuditEntry
	for _, e := range all {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// TestSyncEventsAudited guards the desk's sync events in the audit: the
// enrolment (device code, hub, office) and ops the hub rejected and the
// desk set aside (count by reason kind, the first one named); both reach
// the hub with the rest of the audit.
func TestSyncEventsAudited(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return genNow }
	e := newEnv(t, hub.Options{Now: now})
	a := e.desk("A", deskOpt{office: office, login: "clerkA", now: now})
	bad := e.desk("F", deskOpt{office: office, login: "clerkB", now: func() time.Time { return year2099 }})
	dev, _ := bad.db.Device(ctx)
	enrols := auditActions(t, bad.db, syncclient.ActionEnrol)
	if len(enrols) != 1 || enrols[0].Target != dev.Code || !strings.Contains(enrols[0].Detail, "office="+office) {
		t.Errorf("enrol entries = %+v, want one for %s of office %s", enrols, dev.Code, office)
	}
	id := e.newCase(a, casework.NewGenerator(e.cat, 3, genNow), "0193c000-0000-7000-8000-000000000001").ID
	settle(t, e, []*desk{a, bad}, 4)
	bad.update(t, id, func(c *casework.Case) error { c.Values["phone"] = "13800002099"; return nil })
	bad.sync(t)
	aside := auditActions(t, bad.db, syncclient.ActionSetAside)
	if len(aside) != 1 || aside[0].Target != "1" || !strings.Contains(aside[0].Detail, "clock=1") || aside[0].Success {
		t.Fatalf("set-aside entries = %+v, want one: 1 op, clock", aside)
	}
	bad.sync(t) // the entry written during the push goes with the next round at the latest
	for _, action := range []string{syncclient.ActionEnrol, syncclient.ActionSetAside} {
		got, err := e.hub.DeviceAudit(ctx, hub.AuditFilter{Device: dev.ID, Action: action})
		if err != nil || len(got) != 1 {
			t.Errorf("hub's %s entries of %s = %d, %v; want 1", action, dev.Code, len(got), err)
		}
	}
}

// TestSupervisorReadsOfficeAudit: a supervisor on another desktop of the
// office sees a counter's prints and reveals as the hub holds them (not
// another office's), masked, and exports them to Excel (the export itself
// audited); a clerk may not export them.
func TestSupervisorReadsOfficeAudit(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{})
	sup, err := e.hub.AddUser(ctx, store.User{Login: "sup", Name: "周主任", Role: store.RoleSupervisor, Office: office}, "pw-sup")
	if err != nil {
		t.Fatal(err)
	}
	e.users["sup"] = sup
	a := e.desk("A", deskOpt{office: office, login: "clerkA"})
	b := e.desk("B", deskOpt{office: office, login: "sup"})
	x := e.desk("X", deskOpt{office: otherOffice, login: "clerkX"})
	id := e.newCase(a, casework.NewGenerator(e.cat, 5, genNow), "0193c000-0000-7000-8000-0000000000a1").ID
	if _, err := a.db.RevealValue(ctx, a.actor, id, casework.FieldIDNumber); err != nil {
		t.Fatal(err)
	}
	audit(t, a, store.ActionPrint, "回执 371002-2026-0001")
	audit(t, a, "find", "371002196505051234")
	audit(t, x, store.ActionPrint, "回执 371003-2026-0001")
	a.sync(t)
	x.sync(t)
	b.sync(t)
	list, err := b.cl.FetchAudit(ctx, syncclient.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var prints, reveals int
	for _, en := range list.Entries {
		if en.Office != office {
			t.Errorf("entry of office %s (%s %s) served to a desk of %s", en.Office, en.Action, en.Target, office)
		}
		switch {
		case en.Station == "A" && en.Action == store.ActionPrint:
			prints++
		case en.Station == "A" && en.Action == store.ActionReveal && en.Target == id+"/"+casework.FieldIDNumber:
			reveals++
		case en.Action == "find" && en.Target != "371002********1234":
			t.Errorf("find target served as %q, want masked", en.Target)
		}
	}
	if prints != 1 || reveals != 1 {
		t.Errorf("supervisor sees %d prints and %d reveals of A, want 1 and 1", prints, reveals)
	}
	only, err := b.cl.FetchAudit(ctx, syncclient.AuditQuery{Login: "clerkA", Action: store.ActionReveal})
	if err != nil || len(only.Entries) != 1 {
		t.Errorf("filtered list = %+v, %v; want A's one reveal", only.Entries, err)
	}
	rows, _, err := counter.OfficeAudit(ctx, b.cl, b.actor, syncclient.AuditQuery{})
	if err != nil || len(rows) != len(list.Entries) {
		t.Fatalf("OfficeAudit(supervisor) = %d rows, %v; want %d", len(rows), err, len(list.Entries))
	}
	if _, _, err := counter.OfficeAudit(ctx, a.cl, a.actor, syncclient.AuditQuery{}); !errors.Is(err, counter.ErrAuditRole) {
		t.Errorf("OfficeAudit(clerk) = %v, want ErrAuditRole", err)
	}
	limits, _ := report.ParseThresholds("reveal=0")
	path := filepath.Join(t.TempDir(), "audit.xlsx")
	if err := counter.ExportAudit(ctx, b.db, b.actor, rows, limits, office, path, genNow); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet, _ := f.GetRows(report.SheetAudit)
	all := fmt.Sprint(sheet)
	if !strings.Contains(all, "回执 371002-2026-0001") || strings.Contains(all, "371002196505051234") || strings.Contains(all, "371003-2026") {
		t.Errorf("exported rows = %s", all)
	}
	over, _ := f.GetRows(report.SheetAuditOver)
	if !strings.Contains(fmt.Sprint(over), "clerkA reveal 1 0") {
		t.Errorf("over-threshold sheet = %v, want clerkA's reveal over 0", over)
	}
	if exports := auditActions(t, b.db, store.ActionExport); len(exports) != 1 || exports[0].Login != "sup" {
		t.Errorf("export entries = %+v, want the supervisor's one", exports)
	}
	if err := counter.ExportAudit(ctx, a.db, a.actor, nil, limits, office, path, genNow); !errors.Is(err, counter.ErrAuditRole) {
		t.Errorf("clerk's export = %v, want ErrAuditRole", err)
	}
}

// TestAuditResetAfterAlert: once a hub admin has explained an alert and
// reset the device's chain, the desk's next round sends its whole chain
// again and the hub takes it; the chain held before stays, set aside.
func TestAuditResetAfterAlert(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{})
	d := e.desk("A", deskOpt{office: office, login: "clerkA"})
	for i := range 4 {
		audit(t, d, store.ActionPrint, fmt.Sprintf("letter-%d", i))
	}
	d.sync(t)
	rewrite(t, d, 2, "letter-x")
	audit(t, d, store.ActionPrint, "after")
	d.sync(t)
	if r, _ := d.db.Setting(ctx, syncclient.SettingAuditRefused); r == "" {
		t.Fatal("rewritten chain not refused")
	}
	dev, _ := d.db.Device(ctx)
	n, err := e.hub.ResetAuditChain(ctx, dev.ID, "hub-admin")
	if err != nil || n != 5 {
		t.Fatalf("ResetAuditChain = %d, %v; want the 5 entries held set aside", n, err)
	}
	d.sync(t)
	if r, _ := d.db.Setting(ctx, syncclient.SettingAuditRefused); r != "" {
		t.Errorf("after the reset the audit is still refused: %s", r)
	}
	hubChain(t, e, d)
	all, _ := e.hub.DeviceAudit(ctx, hub.AuditFilter{Limit: 1000})
	kept := 0
	for _, en := range all {
		if strings.HasPrefix(en.Device, dev.ID+"@") {
			kept++
		}
	}
	if kept != 5 {
		t.Errorf("%d entries of the old chain kept, want 5", kept)
	}
}
