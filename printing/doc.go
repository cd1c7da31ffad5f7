// Package printing renders the counter's documents as A4 PDFs: the 受理回执
// (Printer.Receipt), the 一次性告知书 and 材料补正一次性告知书
// (Printer.Notice), the 办理登记表 (Printer.RegForm), the 退役军人落户介绍信
// with its 存根 (Printer.Letter) and the 一次性经济补助审核表
// (Printer.SubsidyForm). Each writes a complete PDF to an io.Writer and
// returns a Result. Send hands a file to CUPS (lp), or on Windows draws the
// pages straight to the spooler (GDI, at the printer's resolution);
// SaveAtomic writes a file so that no reader ever sees half of it.
//
// # Wording and layout
//
// Titles, fixed sentences and labels are text/template strings in one JSON
// file per document (assets/templates/*.json, embedded). Options.TemplateDir
// overrides them key by key from a folder, so a city changes wording without
// a rebuild. Layout gives the margin and an offset in millimetres for
// pre-printed stock. Documents are laid out into a display list measured
// with the fonts' own advance widths, then drawn with fpdf; table rows are
// never split across pages.
//
// # Deterministic output
//
// The same data gives the same bytes: dates in the file come from the data
// (Printed, Issued), the catalogue is sorted (SetCatalogSort), compression
// is fixed, fonts and images are registered in order of first use, and
// fonts are subset by this package deterministically.
//
// # Fonts
//
// Text is split per character across the faces of a fontset.Set: the
// embedded WenQuanYi Micro Hei first, fallback faces (HanaMinA for 䶮 and
// other CJK Extension A characters) where it lacks a glyph. fpdf parses a
// whole TrueType font whenever it is added to a document, which for the
// 4.6 MB CJK font costs about 25 ms, and again when it subsets it on
// Output. So each face is parsed once per Printer (faceInfo), and each
// document gets from this package a small TrueType subset holding only the
// glyphs it uses (renumbered, format 4 cmap); fpdf parses and re-subsets
// that in microseconds. The fpdf-visible text keeps a ToUnicode map, so
// pdftotext and copy-paste find 䶮 like any other character.
//
// # Characters above U+FFFF (CJK Extension B, e.g. 𠮷)
//
// fpdf v0.12.0 handles only the Basic Multilingual Plane: such a rune makes
// Write panic and Output panic in generateCIDFontMap, whatever the font.
// They never reach fpdf. Each is rasterised from the fallback face that has
// it (golang.org/x/image/font/sfnt outlines filled by
// golang.org/x/image/vector) at 256 pixels per em — about 1400 dpi at
// 12 pt — into a black-on-transparent PNG covering the character's em box
// (its advance wide, from 0.88 em above the baseline to 0.12 em below), and
// placed inline as an image at the text position, sized to the font size,
// so 𠮷 prints as itself. The PNG is cached per Printer and embedded once
// per document. The image carries no text, so pdftotext does not find the
// character; Result.Raster lists the characters drawn this way.
//
// A character no available face has is drawn as a crossed box, never
// dropped or left blank, and listed in Result.Missing; rendering still
// succeeds, so the caller decides whether to warn the clerk (install
// fonts-hanazono or put a font in $VETDESK_FONT_DIR).
//
// Bold is faux bold (text render mode 2, fill and stroke), since the
// embedded font has no bold face. Check boxes are drawn with lines, so they
// do not depend on a font having ☑ or ☐.
//
// The package does no logging.
package printing
