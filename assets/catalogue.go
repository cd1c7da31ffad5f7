package assets

import (
	"embed"
	"io/fs"
)

//go:embed catalogue gb2260
var data embed.FS

// CatalogueFS holds the catalogue folders (catalogue/weihai, …) and the
// GB/T 2260 code list (gb2260/codes.tsv).
var CatalogueFS fs.FS = data

// Paths inside CatalogueFS.
const (
	CityCatalogue = "catalogue/weihai"
	AreaCodesFile = "gb2260/codes.tsv"
)
