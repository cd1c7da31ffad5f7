package counter

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vetdesk/assets"
	"vetdesk/casework"
	"vetdesk/printing"
	"vetdesk/store"
	"vetdesk/syncclient"
)

var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.Local)

type rig struct {
	st  *store.DB
	cat *casework.Catalogue
	p   *Printing
	a   store.Actor
}

func newRig(t *testing.T) *rig {
	t.Helper()
	cat, err := casework.LoadFrom(assets.CatalogueFS, assets.CityCatalogue, assets.AreaCodesFile)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "v.db"), store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	if err := st.SetDevice(ctx, store.Device{Code: "HC01", Office: "371002", Station: "环翠区退役军人服务中心"}); err != nil {
		t.Fatal(err)
	}
	pr, err := printing.New(printing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &rig{st: st, cat: cat, a: store.Actor{UserID: "u1", Login: "clerk", Name: "李受理", Role: "clerk", Office: "371002"},
		p: &Printing{Store: st, Cat: cat, Printer: pr, Dir: filepath.Join(dir, "docs"), Now: func() time.Time { return now }}}
}

func (r *rig) accepted(t *testing.T, seed uint64) *casework.Case {
	t.Helper()
	c := casework.NewGenerator(r.cat, seed, now).Draft("c-"+string(rune('a'+seed)), "371002", true)
	if _, err := r.st.AcceptCase(context.Background(), r.a, r.cat, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func pdfText(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	return string(out)
}

func TestPrintAuditsAndSaves(t *testing.T) {
	r := newRig(t)
	c := r.accepted(t, 1)
	ctx := context.Background()
	path, err := r.p.PrintDocument(ctx, r.a, casework.DocReceipt, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if text := pdfText(t, path); !strings.Contains(text, c.Number) {
		t.Errorf("receipt lacks the case number %s", c.Number)
	}
	if _, err := r.p.PrintDocument(ctx, r.a, "menu", c.ID); err == nil {
		t.Error("PrintDocument(unknown document) succeeded")
	}
	log, err := r.st.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ok, failed int
	for _, e := range log {
		if e.Action == "print" && e.Success {
			ok++
		}
		if e.Action == "print" && !e.Success {
			failed++
		}
	}
	if ok != 1 || failed != 1 {
		t.Errorf("audit has %d successful and %d failed prints, want 1 and 1", ok, failed)
	}
	if rep, err := r.st.VerifyAudit(ctx); err != nil || !rep.OK {
		t.Errorf("VerifyAudit = %+v %v", rep, err)
	}
}

func TestLetterNumbers(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	c1, c2 := r.accepted(t, 1), r.accepted(t, 2)
	p1, err := r.p.PrintDocument(ctx, r.a, casework.DocHukouLetter, c1.ID)
	if err != nil {
		t.Fatal(err)
	}
	first := pdfText(t, p1)
	if !strings.Contains(first, "第HC01-0001号") {
		t.Fatalf("first letter lacks 第HC01-0001号:\n%s", first)
	}
	if strings.Contains(first, "补打") {
		t.Errorf("first print marked 补打")
	}
	p1b, err := r.p.PrintDocument(ctx, r.a, casework.DocHukouLetter, c1.ID)
	if err != nil {
		t.Fatal(err)
	}
	again := pdfText(t, p1b)
	if !strings.Contains(again, "第HC01-0001号") || !strings.Contains(again, "补打") {
		t.Errorf("reprint should keep 第HC01-0001号 and say 补打")
	}
	p2, _ := r.p.PrintDocument(ctx, r.a, casework.DocHukouLetter, c2.ID)
	if !strings.Contains(pdfText(t, p2), "第HC01-0002号") {
		t.Errorf("second case's letter is not 第HC01-0002号")
	}
	if err := r.p.VoidLetter(ctx, r.a, c1.ID, "填写错误"); err != nil {
		t.Fatal(err)
	}
	p1c, _ := r.p.PrintDocument(ctx, r.a, casework.DocHukouLetter, c1.ID)
	if text := pdfText(t, p1c); !strings.Contains(text, "第HC01-0003号") || strings.Contains(text, "补打") {
		t.Errorf("after void the letter should take the new number 第HC01-0003号")
	}
	for _, p := range []string{p1, p1b, p2, p1c} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("saved PDF %s: %v", p, err)
		}
	}
}

func TestDemoData(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	if err := Demo(ctx, r.st, r.cat, r.a, 50, 9, now, nil); err != nil {
		t.Fatal(err)
	}
	office := casework.NewGenerator(r.cat, 0, now)
	n, drafts := 0, 0
	if err := r.st.EachCase(ctx, func(c *casework.Case) error {
		n++
		if c.State == casework.CaseDraft {
			drafts++
		} else if len(c.Tasks) == 0 || c.Number == "" {
			t.Errorf("demo case %s accepted without tasks or number", c.ID)
		} else if !office.InOfficeHours(c.AcceptedAt.In(now.Location())) || c.AcceptedAt.After(now) {
			// a counter accepts during office hours on working days
			t.Errorf("demo case %s accepted %s (%s), want office hours of a working day before now", c.ID, c.AcceptedAt, c.AcceptedAt.Weekday())
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n < 45 || drafts == 0 || drafts == n {
		t.Errorf("demo made %d cases with %d drafts, want about 50 with some drafts", n, drafts)
	}
}

func TestHubCatalogue(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	if _, ok, err := HubCatalogue(ctx, r.st, r.cat); ok || err != nil {
		t.Fatalf("HubCatalogue(none received) = %v %v, want none", ok, err)
	}
	files, err := casework.CatalogueFiles(assets.CatalogueFS, assets.CityCatalogue)
	if err != nil {
		t.Fatal(err)
	}
	files[casework.FileMeta] = strings.Replace(files[casework.FileMeta], r.cat.Version, "hub-7", 1)
	b, _ := json.Marshal(files)
	if err := r.st.SetSetting(ctx, syncclient.SettingCatalogueFiles, string(b)); err != nil {
		t.Fatal(err)
	}
	cat, ok, err := HubCatalogue(ctx, r.st, r.cat)
	if !ok || err != nil || cat.Version != "hub-7" {
		t.Fatalf("HubCatalogue = %v %v %v, want the hub's version hub-7", cat, ok, err)
	}
	if err := r.st.SetSetting(ctx, syncclient.SettingCatalogueFiles, `{"catalogue.json":"{}"}`); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := HubCatalogue(ctx, r.st, r.cat); ok || err == nil {
		t.Errorf("HubCatalogue(broken files) = %v %v, want an error", ok, err)
	}
}

// TestDemoOnEnrolledDeskLeavesTasksToDepartments: on a desk enrolled with a
// hub, demo cases are made as a counter makes them, every task waiting or
// pending, since the hub refuses tasks created already worked; a
// standalone desk's demo has worked tasks.
func TestDemoOnEnrolledDeskLeavesTasksToDepartments(t *testing.T) {
	ctx := context.Background()
	for _, enrolled := range []bool{false, true} {
		r := newRig(t)
		if enrolled {
			if err := r.st.SetSetting(ctx, store.SettingHubToken, "token"); err != nil {
				t.Fatal(err)
			}
		}
		if err := Demo(ctx, r.st, r.cat, r.a, 50, 9, now, nil); err != nil {
			t.Fatal(err)
		}
		worked := 0
		if err := r.st.EachCase(ctx, func(c *casework.Case) error {
			for _, task := range c.Tasks {
				if task.State != casework.TaskWaiting && task.State != casework.TaskPending {
					worked++
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if enrolled && worked != 0 {
			t.Errorf("demo on an enrolled desk made %d tasks already worked, want 0", worked)
		}
		if !enrolled && worked == 0 {
			t.Errorf("demo on a standalone desk worked no task, want some")
		}
	}
}
