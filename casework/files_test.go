package casework

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

func TestCatalogueFilesRoundTrip(t *testing.T) {
	files, err := CatalogueFiles(os.DirFS(assetsDir), "catalogue/weihai")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 11 || files[FileRules] == "" {
		t.Errorf("CatalogueFiles = %d files, want the 11 of the city catalogue with %s", len(files), FileRules)
	}
	city := loadCity(t)
	got, err := LoadCatalogueFiles(files, city.Areas)
	if err != nil {
		t.Fatalf("LoadCatalogueFiles = %v", err)
	}
	if got.Version != city.Version || len(got.Items) != len(city.Items) || got.Item("hukou").TaskLimit().Days != city.Item("hukou").TaskLimit().Days || len(got.Rules.OptionGroups) != len(city.Rules.OptionGroups) {
		t.Errorf("LoadCatalogueFiles = version %s %d items, want %s %d", got.Version, len(got.Items), city.Version, len(city.Items))
	}
	// a hub's changed catalogue arrives as such
	files[FileMeta] = strings.Replace(files[FileMeta], city.Version, city.Version+"-hub2", 1)
	if got, err := LoadCatalogueFiles(files, city.Areas); err != nil || got.Version != city.Version+"-hub2" {
		t.Errorf("changed catalogue = %v %v, want version %s", got, err, city.Version+"-hub2")
	}
	delete(files, FileItems)
	if _, err := LoadCatalogueFiles(files, city.Areas); err == nil {
		t.Error("LoadCatalogueFiles without items.json succeeded")
	}
	if err := fstest.TestFS(memFS{"a.json": "{}", "b.json": "[]"}, "a.json", "b.json"); err != nil {
		t.Errorf("memFS: %v", err)
	}
}
