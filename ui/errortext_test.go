package ui

import (
	"fmt"
	"strings"
	"testing"

	"vetdesk/internal/keyring"
	"vetdesk/store"
)

// TestErrorTextOfKnownErrors: a key file busy with the command line and a
// path too long for the store get their own sentence (the clerk can act
// on them), never the generic one with a reference, nor err.Error().
func TestErrorTextOfKnownErrors(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("rotate key: %w", keyring.ErrBusy), T("error.keys.busy")},
		{fmt.Errorf("backup: %w: 1100 bytes", store.ErrPathTooLong), T("error.path.long", map[string]any{"Max": store.MaxPathLen})},
	}
	for _, tt := range tests {
		got := ErrorText(tt.err)
		if got != tt.want || strings.Contains(got, tt.err.Error()) {
			t.Errorf("ErrorText(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
