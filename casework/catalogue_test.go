package casework

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// cityFS copies the city catalogue into a MapFS that tests may break.
func cityFS(t testing.TB) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	root := os.DirFS("../assets/catalogue/weihai")
	entries, err := fs.ReadDir(root, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := fs.ReadFile(root, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		m["c/"+e.Name()] = &fstest.MapFile{Data: b}
	}
	return m
}

// edit decodes file as generic JSON, lets fn change it, and writes it back.
func edit(t testing.TB, m fstest.MapFS, file string, fn func(v any) any) {
	t.Helper()
	var v any
	if err := json.Unmarshal(m["c/"+file].Data, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(fn(v))
	if err != nil {
		t.Fatal(err)
	}
	m["c/"+file] = &fstest.MapFile{Data: b}
}

func item(v any, code string) map[string]any {
	for _, it := range v.([]any) {
		if m := it.(map[string]any); m["code"] == code {
			return m
		}
	}
	panic("no item " + code)
}

func TestCityCatalogue(t *testing.T) {
	cat := loadCity(t)
	// the ten items of the Weihai plan, then 社会保险登记 and 预备役登记 of
	// the national list of 2024
	if len(cat.Items) != 12 || cat.Items[10].Code != "social_insurance" || cat.Items[11].Code != "reserve" {
		t.Fatalf("Items = %v, want the plan's 10 then social_insurance and reserve", cat.ItemCodes())
	}
	for i, it := range cat.Items {
		if it.No != i+1 {
			t.Errorf("item %s No = %d, want %d", it.Code, it.No, i+1)
		}
	}
	if got := cat.EligibleItems("retire"); strings.Contains(joinCodes(got), "subsidy") {
		t.Errorf("EligibleItems(retire) = %v, must not hold subsidy", got)
	}
	if got := cat.EligibleItems("self_employ"); len(got) != len(cat.Items) {
		t.Errorf("EligibleItems(self_employ) = %v, want all %d", got, len(cat.Items))
	}
	if d := cat.Division("ZONEGQ"); d == nil || d.IDCode {
		t.Errorf("Division(ZONEGQ) = %+v, want a zone without ID code", d)
	}
	for _, code := range []string{"371071", "371072", "371073"} {
		if cat.Areas.Known(code) {
			t.Errorf("Areas.Known(%s) = true, want false (statistics-only zone code)", code)
		}
	}
	if !cat.Areas.Known("371081") || !cat.Areas["371081"].Historical {
		t.Errorf("Areas[371081] = %+v, want historical 文登市", cat.Areas["371081"])
	}
	if cat.Version == "" || !cat.Subsidy.Sample {
		t.Errorf("Version = %q, Subsidy.Sample = %v; want a version and the sample flag", cat.Version, cat.Subsidy.Sample)
	}
}

func TestBrokenCatalogue(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		fn     func(v any) any
		reason string
		code   string
	}{
		{"dangling department", FileItems, func(v any) any { item(v, "hukou")["department"] = "nobody"; return v }, "dangling_ref", "hukou"},
		{"dangling field", FileItems, func(v any) any {
			it := item(v, "sscard")
			it["fields"] = append(it["fields"].([]any), map[string]any{"code": "no_such_field"})
			return v
		}, "dangling_ref", "sscard"},
		{"dangling material", FileItems, func(v any) any {
			it := item(v, "pension")
			it["materials"] = append(it["materials"].([]any), map[string]any{"code": "no_such_material"})
			return v
		}, "dangling_ref", "pension"},
		{"dangling dependency", FileItems, func(v any) any { item(v, "idcard")["depends_on"] = []any{"ghost"}; return v }, "dangling_ref", "idcard"},
		{"cycle", FileItems, func(v any) any { item(v, "hukou")["depends_on"] = []any{"idcard"}; return v }, "cycle", ""},
		{"self cycle", FileItems, func(v any) any { item(v, "register")["depends_on"] = []any{"register"}; return v }, "cycle", "register"},
		{"duplicate item", FileItems, func(v any) any {
			l := v.([]any)
			return append(l, l[0])
		}, "duplicate_code", "register"},
		{"duplicate field", FileFields, func(v any) any {
			l := v.([]any)
			return append(l, l[3])
		}, "duplicate_code", "birth_date"},
		{"unknown field type", FileFields, func(v any) any {
			v.([]any)[0].(map[string]any)["type"] = "hologram"
			return v
		}, "unknown_field_type", "name"},
		{"unknown key", FileMaterials, func(v any) any {
			v.([]any)[0].(map[string]any)["colour"] = "red"
			return v
		}, "syntax", ""},
		{"bad condition", FileFields, func(v any) any {
			for _, f := range v.([]any) {
				if m := f.(map[string]any); m["code"] == "awards" {
					m["required_when"] = map[string]any{"field": "nope", "in": []any{"是"}}
				}
			}
			return v
		}, "dangling_ref", "awards"},
		{"bad subsidy", FileSubsidy, func(v any) any { v.(map[string]any)["rate_per_year"] = 0; return v }, "bad_subsidy", ""},
		{"weekday as workday", FileCalendar, func(v any) any {
			v.([]any)[1].(map[string]any)["workdays"] = []any{"2026-03-03"}
			return v
		}, "bad_calendar", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := cityFS(t)
			edit(t, m, tt.file, tt.fn)
			_, err := LoadCatalogue(m, "c", testAreas)
			var ce *CatalogueError
			if !errors.As(err, &ce) {
				t.Fatalf("LoadCatalogue(%s) = %v, want *CatalogueError", tt.name, err)
			}
			if ce.Reason != tt.reason || ce.File != tt.file || (tt.code != "" && ce.Code != tt.code) {
				t.Errorf("LoadCatalogue(%s) = %q, want reason %s in %s for %q", tt.name, err, tt.reason, tt.file, tt.code)
			}
			if !errors.Is(err, ErrBadCatalogue) {
				t.Errorf("errors.Is(%v, ErrBadCatalogue) = false", err)
			}
		})
	}
}

func TestOverlay(t *testing.T) {
	city := loadCity(t)
	five := 5
	ov := &Overlay{
		Version:  "wendeng-1",
		Division: "371003",
		AddMaterials: []Material{
			{Code: "wd_commitment", Name: "文登区退役军人信息承诺书", Form: FormOriginal, Count: 1},
		},
		AddFields: []Field{{Code: "wd_village", Label: "所在村(社区)", Type: TypeText, Group: "基本信息"}},
		AddItems: []Item{{Code: "wd_visit", No: 11, Name: "走访慰问登记", Department: "veterans", TimeLimitDays: 3,
			Fields: []ItemField{{Code: "name", Required: true}, {Code: "wd_village", Required: true}}, DependsOn: []string{"register"}}},
		ChangeItems: map[string]ItemChange{
			"register": {TimeLimitDays: &five, AddMaterials: []ItemMaterial{{Code: "wd_commitment"}}},
			"sscard":   {TimeLimitDays: &five},
		},
	}
	got, err := city.WithOverlay(ov, "wendeng.json")
	if err != nil {
		t.Fatalf("WithOverlay = %v", err)
	}
	if got.Version != city.Version+"+wendeng-1" {
		t.Errorf("Version = %q, want %q", got.Version, city.Version+"+wendeng-1")
	}
	if got.Item("sscard").TaskLimit().Days != 5 || city.Item("sscard").TaskLimit().Days == 5 {
		t.Errorf("sscard limit overlay/city = %d/%d, want 5/unchanged", got.Item("sscard").TaskLimit().Days, city.Item("sscard").TaskLimit().Days)
	}
	if len(got.Items) != len(city.Items)+1 || got.Item("wd_visit") == nil {
		t.Errorf("overlay items = %d, want %d with wd_visit", len(got.Items), len(city.Items)+1)
	}
	if l := got.Item("wd_visit").TaskLimit(); l == nil || l.Days != 3 || l.Unit != UnitWorking || l.Kind != LimitPromised {
		t.Errorf("wd_visit time_limit_days 3 = %+v, want a promised limit of 3 working days", l)
	}
	cl := BuildChecklist(got, []string{"register"}, map[string]string{})
	found := false
	for _, l := range cl.Lines {
		found = found || l.Material.Code == "wd_commitment"
	}
	if !found {
		t.Errorf("checklist of register under overlay lacks wd_commitment")
	}
	if len(BuildChecklist(city, []string{"register"}, nil).Lines) == len(cl.Lines) {
		t.Errorf("city checklist changed by overlay")
	}

	bad := []struct {
		name   string
		ov     Overlay
		reason string
	}{
		{"redefine item", Overlay{Version: "x", AddItems: []Item{{Code: "hukou", Department: "police"}}}, "duplicate_code"},
		{"redefine material", Overlay{Version: "x", AddMaterials: []Material{{Code: "photo", Name: "x", Form: FormCopy}}}, "duplicate_code"},
		{"change unknown", Overlay{Version: "x", ChangeItems: map[string]ItemChange{"ghost": {TimeLimitDays: &five}}}, "dangling_ref"},
		{"unknown division", Overlay{Version: "x", Division: "999999"}, "dangling_ref"},
		{"cycle through overlay", Overlay{Version: "x", AddItems: []Item{{Code: "a", Department: "police", DependsOn: []string{"b"}}, {Code: "b", Department: "police", DependsOn: []string{"a"}}}}, "cycle"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := city.WithOverlay(&tt.ov, "bad.json")
			var ce *CatalogueError
			if !errors.As(err, &ce) || ce.Reason != tt.reason || ce.File != "bad.json" {
				t.Errorf("WithOverlay(%s) = %v, want %s in bad.json", tt.name, err, tt.reason)
			}
		})
	}
}

func TestLoadOverlayFile(t *testing.T) {
	m := fstest.MapFS{"ov.json": &fstest.MapFile{Data: []byte(`{"version":"rc-1","division":"371082","change_items":{"hukou":{"time_limit_days":2}}}`)}}
	ov, err := LoadOverlay(m, "ov.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := loadCity(t).WithOverlay(ov, "ov.json")
	if err != nil || got.Item("hukou").TaskLimit().Days != 2 {
		t.Fatalf("overlay from file: %v, hukou limit %+v", err, got.Item("hukou").TaskLimit())
	}
	m["typo.json"] = &fstest.MapFile{Data: []byte(`{"version":"rc-1","chnage_items":{}}`)}
	if _, err := LoadOverlay(m, "typo.json"); !errors.Is(err, ErrBadCatalogue) {
		t.Errorf("LoadOverlay(typo) = %v, want ErrBadCatalogue", err)
	}
}

func FuzzLoadCatalogue(f *testing.F) {
	m := cityFS(f)
	f.Add(m["c/"+FileItems].Data, m["c/"+FileFields].Data)
	f.Add([]byte(`[]`), []byte(`[]`))
	f.Add([]byte(`[{"code":"a","department":"police","depends_on":["a"]}]`), []byte(`null`))
	f.Fuzz(func(t *testing.T, items, fields []byte) {
		mm := fstest.MapFS{}
		for k, v := range m {
			mm[k] = v
		}
		mm["c/"+FileItems] = &fstest.MapFile{Data: items}
		mm["c/"+FileFields] = &fstest.MapFile{Data: fields}
		cat, err := LoadCatalogue(mm, "c", testAreas)
		if err != nil {
			if !errors.Is(err, ErrBadCatalogue) {
				t.Fatalf("LoadCatalogue error %v is not a CatalogueError", err)
			}
			return
		}
		// an accepted catalogue must be usable: forms build, no cycle hangs
		all := cat.ItemCodes()
		form := BuildForm(cat, all, nil)
		if form.Saving.Unified > form.Saving.Separate {
			t.Fatalf("unified form larger than separate forms: %+v", form.Saving)
		}
		BuildChecklist(cat, all, nil)
	})
}
