package store

import (
	"context"
	"testing"
)

// TestLetterEventsFoundByCaseNumber guards what verification reads of a
// voided letter: RecordEvent writes the void to the case's log (and its
// outbox, so it reaches the hub), and HasEvent finds it by the case number
// and the letter number, not for another number or another action.
func TestLetterEventsFoundByCaseNumber(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, newFakeClock())
	c := newGen(t, 7).Draft(caseID(1), "371002", true)
	mustAccept(t, db, c)
	const n1, n2 = "威退役落字〔2026〕第HC01-0001号", "威退役落字〔2026〕第HC01-0002号"
	before, _ := db.SyncState(ctx)
	for _, ev := range [][2]string{{EventLetter, n1}, {EventLetterVoid, n1}, {EventLetter, n2}} {
		if err := db.RecordEvent(ctx, clerk, c.ID, ev[0], ev[1]); err != nil {
			t.Fatalf("RecordEvent(%s) = %v", ev[0], err)
		}
	}
	if after, _ := db.SyncState(ctx); after.Outbox != before.Outbox+3 {
		t.Errorf("outbox %d after three events, want %d", after.Outbox, before.Outbox+3)
	}
	tests := []struct {
		number, action, detail string
		want                   bool
	}{
		{c.Number, EventLetterVoid, n1, true},
		{c.Number, EventLetterVoid, n2, false},
		{c.Number, EventLetter, n2, true},
		{"HC01-2026-999999", EventLetterVoid, n1, false},
	}
	for _, tt := range tests {
		got, err := db.HasEvent(ctx, tt.number, tt.action, tt.detail)
		if err != nil || got != tt.want {
			t.Errorf("HasEvent(%s, %s, %s) = %v, %v; want %v", tt.number, tt.action, tt.detail, got, err, tt.want)
		}
	}
}
