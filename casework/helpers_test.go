package casework

import (
	"os"
	"strings"
	"testing"
	"time"
)

// testAreas is a small GB/T 2260 list for tests that must not depend on the
// full embedded list; the catalogue tests load the real one.
var testAreas = AreaCodes{
	"110105": {Name: "朝阳区"}, "440524": {Name: "潮阳县", Historical: true},
	"371000": {Name: "威海市"}, "371002": {Name: "环翠区"}, "371003": {Name: "文登区"},
	"371081": {Name: "文登市", Historical: true, Abolished: 2014}, "371082": {Name: "荣成市"}, "371083": {Name: "乳山市"},
}

var testNow = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func loadCity(t testing.TB) *Catalogue {
	t.Helper()
	fsys := os.DirFS(assetsDir)
	cat, err := LoadFrom(fsys, "catalogue/weihai", "gb2260/codes.tsv")
	if err != nil {
		t.Fatalf("LoadFrom(city) = %v", err)
	}
	return cat
}

func codesOf(ffs []*FormField) []string {
	out := make([]string, len(ffs))
	for i, f := range ffs {
		out[i] = f.Field.Code
	}
	return out
}

func joinCodes(s []string) string { return strings.Join(s, ",") }

var assetsDir = func() string {
	if d := os.Getenv("VETDESK_TEST_ASSETS"); d != "" {
		return d
	}
	return "../assets"
}()
