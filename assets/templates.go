package assets

import "embed"

// Templates holds the wording of the printed documents under templates/,
// one JSON file per document (templates/receipt.json, …): titles, fixed
// sentences and labels, each a text/template string. A city may override
// any key from a folder without a rebuild (see printing.Options).
//
//go:embed templates
var Templates embed.FS
