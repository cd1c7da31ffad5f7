// Package fontset picks, for every character of a string, a TrueType face
// that actually has a glyph for it.
//
// The primary face is the embedded WenQuanYi Micro Hei (assets.FontCJK). It
// covers Latin, digits and the common Simplified Chinese repertoire, but not
// CJK Unified Ideographs Extension A (U+3400–U+4DBF, e.g. 䶮) or Extension B
// (U+20000–U+2A6DF, e.g. 𠮷), which do occur in people's names. fpdf does no
// per-character font fallback, so text has to be split into runs that are
// each drawn with one face: Set.Runs does that, using the primary face where
// it has the glyph and otherwise the first fallback face that has it.
//
// Fallback faces are single-file TrueType fonts (.ttf with a glyf table)
// found in caller-supplied directories, $VETDESK_FONT_DIR and the usual
// system font folders. Collections (.ttc), .otf files and CFF-flavoured
// fonts ('OTTO') are skipped because neither fpdf nor Fyne can use them,
// except Windows' Microsoft YaHei (msyh.ttc) and SimSun (simsun.ttc), whose
// first face is extracted into a single font (ExtractFace) when probed.
// Fonts known to be good for rare Han characters (HanaMinA/HanaMinB from
// fonts-hanazono, Droid Sans Fallback, BabelStone Han, and on Windows
// SimSun-ExtB, Microsoft YaHei and SimSun) are tried first.
//
// Discovery is lazy: nothing beyond the primary face is touched until a
// character is missing from it. Then directory listings are scanned by file
// name only, and candidates are opened one at a time, in order, until one
// has the character. Probed candidates keep only their parsed tables and
// read the file on demand; a face's bytes (Face.Data) are loaded when it is
// first chosen for a character. Lookups are cached per face and per set.
// Caveat for PDF output: fpdf v0.12.0 handles only the Basic Multilingual
// Plane. A character above U+FFFF (all of CJK Ext B, e.g. 𠮷) makes
// Fpdf.Write panic and makes Output panic in generateCIDFontMap, whatever the
// font. Such characters are still assigned a face here (useful for Fyne), but
// PDF code must replace or drop them before handing text to fpdf.
//
// The package does no logging; all types are safe for concurrent use.
package fontset
