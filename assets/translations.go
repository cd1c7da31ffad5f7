package assets

import "embed"

// Translations holds the UI strings, one JSON file per language
// (translations/zh.json, translations/en.json), keyed by message id.
//
//go:embed translations
var Translations embed.FS
