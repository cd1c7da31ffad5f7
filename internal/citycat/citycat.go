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
