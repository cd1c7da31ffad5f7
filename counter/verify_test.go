package counter

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"vetdesk/casework"
	"vetdesk/internal/letterseal"
	"vetdesk/internal/opsig"
	"vetdesk/syncclient"
)

// certify gives the rig's desk a letter key certified by root, as
// enrolment would, and returns the desk key.
func (r *rig) certify(t *testing.T, root *opsig.Key) *opsig.Key {
	t.Helper()
	desk, _ := opsig.NewKey()
	cert, err := letterseal.Certify(root, "HC01", "371002", desk.PublicKey(), now.AddDate(0, 0, -1), now.AddDate(3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for k, v := range map[string]string{syncclient.SettingLetterKey: hex.EncodeToString(desk.Bytes()),
		syncclient.SettingLetterCert: base64.StdEncoding.EncodeToString(cert), syncclient.SettingHubRootKey: root.PublicKey().String()} {
		if err := r.st.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	return desk
}

// TestVerifyLetterOffline guards `vetdesk verify` (#12): a letter this desk
// signed verifies against the hub's root key it keeps; the four refusals
// each come with their reason: a payload spliced from another letter
// (tampered), a letter under a key the hub never certified, an expired
// letter, and a number this desk voided (its void event in the store).
func TestVerifyLetterOffline(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	root, _ := opsig.NewKey()
	r.certify(t, root)
	c1, c2 := r.accepted(t, 1), r.accepted(t, 2)
	n1, _, err := r.p.letterNumber(ctx, r.a, c1, now)
	if err != nil {
		t.Fatal(err)
	}
	n2, _, _ := r.p.letterNumber(ctx, r.a, c2, now)
	good, err := r.p.sealLetter(ctx, c1, n1, now)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := r.p.sealLetter(ctx, c2, n2, now)
	p1, p2 := strings.Split(good, "."), strings.Split(other, ".")
	spliced := strings.Join([]string{p1[0], p2[1], p1[2], p1[3]}, ".") // c2's payload, c1's signature

	rogueRoot, _ := opsig.NewKey()
	rogue := newRig(t)
	rogue.certify(t, rogueRoot)
	rc := rogue.accepted(t, 3)
	rn, _, _ := rogue.p.letterNumber(ctx, rogue.a, rc, now)
	uncertified, err := rogue.p.sealLetter(ctx, rc, rn, now)
	if err != nil {
		t.Fatal(err)
	}

	void, _ := r.p.sealLetter(ctx, c2, n2, now)
	if err := r.p.VoidLetter(ctx, r.a, c2.ID, "填写错误"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		text string
		days int
		want error
	}{
		{"valid", good, 0, nil},
		{"tampered", spliced, 0, letterseal.ErrTampered},
		{"key the hub never certified", uncertified, 0, letterseal.ErrUncertified},
		{"expired", good, 31, letterseal.ErrExpired},
		{"voided number", void, 0, letterseal.ErrVoid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := VerifyLetter(ctx, r.st, tt.text, now.AddDate(0, 0, tt.days))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("VerifyLetter = %v, want %v", err, tt.want)
			}
			if tt.want == nil && (s.Letter.Number != n1 || s.Letter.Case != c1.Number ||
				!s.Letter.MatchesID(c1.Value(casework.FieldIDNumber)) || s.Letter.MaskedID != casework.MaskID(c1.Value(casework.FieldIDNumber))) {
				t.Errorf("verified letter reads %+v", s.Letter)
			}
		})
	}
}

// TestLetterUnsignedWithoutKey guards a desk without a certified letter key
// (standalone, or not synced since enrolment): the letter still prints, and
// the audit entry says it carries no signed QR code.
func TestLetterUnsignedWithoutKey(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	c := r.accepted(t, 1)
	if _, err := r.p.PrintDocument(ctx, r.a, casework.DocHukouLetter, c.ID); err != nil {
		t.Fatal(err)
	}
	log, _ := r.st.AuditLog(ctx, 5)
	if len(log) == 0 || !strings.Contains(log[0].Target, "未签章") {
		t.Errorf("audit of an unsigned letter: %+v", log)
	}
	root, _ := opsig.NewKey()
	r.certify(t, root)
	if _, err := r.p.PrintDocument(ctx, r.a, casework.DocHukouLetter, c.ID); err != nil {
		t.Fatal(err)
	}
	log, _ = r.st.AuditLog(ctx, 5)
	if strings.Contains(log[0].Target, "未签章") {
		t.Errorf("audit of a signed letter says unsigned: %s", log[0].Target)
	}
}
