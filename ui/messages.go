package ui

import (
	"fyne.io/fyne/v2/lang"

	"vetdesk/assets"
)

// LoadTranslations registers the embedded translations; call it once before
// building screens.
func LoadTranslations() error {
	return lang.AddTranslationsFS(assets.Translations, "translations")
}

// T returns the message key in the user's language.
func T(key string, data ...any) string {
	return lang.X(key, key, data...)
}
