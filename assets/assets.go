// Package assets holds embedded fonts, icons, translations, catalogue and templates; no logic.
package assets

import _ "embed"

// FontCJK is WenQuanYi Micro Hei (face 0 of Debian's wqy-microhei.ttc,
// extracted by internal/ttcextract), a single-file TrueType font with
// Simplified Chinese glyphs. Licence: fonts/LICENSE-wqy-microhei.txt.
//
//go:embed fonts/wqy-microhei.ttf
var FontCJK []byte

// Icon is the application icon (256×256 PNG).
//
//go:embed icon.png
var Icon []byte
