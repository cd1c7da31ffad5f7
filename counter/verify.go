package counter

import (
	"context"
	"fmt"
	"time"

	"vetdesk/internal/letterseal"
	"vetdesk/store"
	"vetdesk/syncclient"
)

// VerifyLetter checks a hukou letter's QR text on this desk, offline: it
// must verify against the hub's root key kept at enrolment (see
// letterseal.Verify for the reasons it may not), and its number must not
// be voided as far as this store knows (the letters of this desk's office,
// as last synced; only the hub's /verify knows every void). The letter is
// returned whenever the text could be read.
func VerifyLetter(ctx context.Context, st *store.DB, text string, now time.Time) (*letterseal.Sealed, error) {
	root, err := syncclient.HubRootKey(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("verify letter: the hub's root key: %w", err)
	}
	s, err := letterseal.Verify(text, root, now)
	if err != nil {
		return s, err
	}
	void, err := st.HasEvent(ctx, s.Letter.Case, store.EventLetterVoid, s.Letter.Number)
	if err != nil {
		return s, fmt.Errorf("verify letter: %w", err)
	}
	if void {
		return s, letterseal.ErrVoid
	}
	return s, nil
}
