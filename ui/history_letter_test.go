package ui

import (
	"strings"
	"testing"

	"vetdesk/store"
)

// TestHistoryNamesLetterEvents guards the case history's lines for the
// hukou letter's events (#12): issuing and voiding name the letter number
// in words, not as the raw action code.
func TestHistoryNamesLetterEvents(t *testing.T) {
	if err := LoadTranslations(); err != nil {
		t.Fatal(err)
	}
	const n = "威退役落字〔2026〕第HC01-0001号"
	for action, want := range map[string]string{store.EventLetter: "开具了落户介绍信 " + n, store.EventLetterVoid: "作废了落户介绍信 " + n} {
		got := describeEvent(nil, store.Event{Entity: store.EntityEvent, Action: action, Detail: n})
		if got != want || strings.Contains(got, action) {
			t.Errorf("describeEvent(%s) = %q, want %q", action, got, want)
		}
	}
}
