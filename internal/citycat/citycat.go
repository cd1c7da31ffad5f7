// Package citycat loads the embedded city catalogue once per process, for
// the tests and tools of several packages.
package citycat

import (
	"sync"

	"vetdesk/assets"
	"vetdesk/casework"
)

// Load returns the embedded Weihai catalogue with the GB/T 2260 codes,
// loading it on first use.
var Load = sync.OnceValues(func() (*casework.Catalogue, error) {
	return casework.LoadFrom(assets.CatalogueFS, assets.CityCatalogue, assets.AreaCodesFile)
})

// TB is the part of testing.TB that MustLoad uses (this package does not
// import testing).
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// MustLoad returns the catalogue or stops the test.
func MustLoad(t TB) *casework.Catalogue {
	t.Helper()
	cat, err := Load()
	if err != nil {
		t.Fatalf("citycat.Load() = %v", err)
	}
	return cat
}
