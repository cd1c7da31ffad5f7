// Package ui holds the Fyne screens of the vetdesk desktop app, its theme
// with the embedded Chinese font, and the Chinese messages shown to people.
// Each screen is a struct in its own file that keeps the widgets its tests
// drive. It never imports fyne.io/fyne/v2/app: cmd/vetdesk makes the app.
package ui
