package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"vetdesk/assets"
)

// fontCJK is the embedded WenQuanYi Micro Hei face, used for every text
// style but monospace so Chinese never depends on fonts installed on the
// machine.
var fontCJK = fyne.NewStaticResource("wqy-microhei.ttf", assets.FontCJK)

// Theme is the default Fyne theme with the embedded Chinese font.
type Theme struct{ base fyne.Theme }

// NewTheme returns the app theme.
func NewTheme() *Theme { return &Theme{base: theme.DefaultTheme()} }

// Font returns the embedded CJK font, or the default monospace font.
func (t *Theme) Font(s fyne.TextStyle) fyne.Resource {
	if s.Monospace || s.Symbol {
		return t.base.Font(s)
	}
	return fontCJK
}

// Color delegates to the default theme.
func (t *Theme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	return t.base.Color(n, v)
}

// Icon delegates to the default theme.
func (t *Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return t.base.Icon(n) }

// Size delegates to the default theme.
func (t *Theme) Size(n fyne.ThemeSizeName) float32 { return t.base.Size(n) }
