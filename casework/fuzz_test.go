package casework

import (
	"errors"
	"testing"
	"testing/fstest"
)

// FuzzLoadOverlay loads district overlays as an admin might write them:
// anything that is not a usable overlay is refused with ErrBadCatalogue, and
// a catalogue with an accepted overlay builds its form and checklist and
// validates a case without panicking.
func FuzzLoadOverlay(f *testing.F) {
	city := loadCity(f)
	for _, s := range []string{
		`{"version":"wd-1"}`,
		`{"version":"wd-1","change_items":{"sscard":{"time_limit_days":5}}}`,
		`{"version":"wd-1","add_items":[{"code":"wd_visit","no":11,"name":"走访","department":"veterans","time_limit_days":3,"fields":[{"code":"name","required":true}],"depends_on":["register"]}]}`,
		`{"version":"x","add_items":[{"code":"a","department":"police","depends_on":["b"]},{"code":"b","department":"police","depends_on":["a"]}]}`,
		`{"version":"x","change_items":{"hukou":{"off":true}}}`,
		`{"version":"x","add_police_stations":[{"code":"WD99","bureau":"文登分局","name":"测试","division":"371003"}]}`,
		`{"chnage_items":{}}`, `null`, `[]`, ``,
	} {
		f.Add([]byte(s))
	}
	g := NewGenerator(city, 5, testNow)
	values := g.Values()
	f.Fuzz(func(t *testing.T, data []byte) {
		ov, err := LoadOverlay(fstest.MapFS{"overlay.json": {Data: data}}, "overlay.json")
		if err != nil {
			if !errors.Is(err, ErrBadCatalogue) {
				t.Fatalf("LoadOverlay(%q) error %v is not ErrBadCatalogue", data, err)
			}
			return
		}
		cat, err := city.WithOverlay(ov, "overlay.json")
		if err != nil {
			if !errors.Is(err, ErrBadCatalogue) {
				t.Fatalf("WithOverlay(%q) error %v is not ErrBadCatalogue", data, err)
			}
			return
		}
		items := cat.ItemCodes()
		BuildForm(cat, items, values)
		BuildChecklist(cat, items, values)
		c := NewCase("c", cat, "371002", testNow)
		for k, v := range values {
			c.Values[k] = v
		}
		c.SetItems(cat, cat.ItemsFor(c.Values))
		Validate(cat, c, testNow)
	})
}
