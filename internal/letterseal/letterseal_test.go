package letterseal

import (
	"errors"
	"strings"
	"testing"
	"time"

	"vetdesk/internal/opsig"
)

var day = time.Date(2026, 12, 1, 10, 30, 0, 0, time.Local)

func sample() Letter {
	return Letter{Number: "威退役落字〔2026〕第HC01-0012号", Case: "HC01-2026-000123", Name: "王海",
		MaskedID: "371002********2113", IDDigest: IDDigest("371002199001012113", "威退役落字〔2026〕第HC01-0012号"),
		Station: "威海市公安局环翠分局鲸园派出所", Issued: day, ValidDays: 30}
}

type fixture struct {
	root, desk *opsig.Key
	cert       []byte
}

func newFixture(t testing.TB) fixture {
	root, _ := opsig.NewKey()
	desk, _ := opsig.NewKey()
	cert, err := Certify(root, "HC01", "371002", desk.PublicKey(), day.AddDate(0, -1, 0), day.AddDate(3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return fixture{root, desk, cert}
}

// swapPart replaces part i (0 payload, 1 signature, 2 certificate) of a
// letter text.
func swapPart(text string, i int, fn func([]byte) []byte) string {
	parts := strings.Split(strings.TrimPrefix(text, Prefix), ".")
	b, _ := b32.DecodeString(parts[i])
	parts[i] = b32.EncodeToString(fn(b))
	return Prefix + strings.Join(parts, ".")
}

// TestVerifyRefusals guards each answer of the offline check, with its
// reason: a good letter verifies (pasted in lower case and wrapped too); a
// changed payload, a letter signed by a key the root never certified (a
// self-made certificate, or a certificate whose key was swapped), one issued
// outside its certificate's days, and one past its validity are refused;
// text that is no letter is unreadable.
func TestVerifyRefusals(t *testing.T) {
	f := newFixture(t)
	good, err := Seal(f.desk, f.cert, sample())
	if err != nil {
		t.Fatal(err)
	}
	rogueRoot, _ := opsig.NewKey()
	rogueCert, _ := Certify(rogueRoot, "HC01", "371002", f.desk.PublicKey(), day.AddDate(0, -1, 0), day.AddDate(3, 0, 0))
	selfSigned, _ := Seal(f.desk, rogueCert, sample())
	other, _ := opsig.NewKey()
	otherCert, _ := Certify(f.root, "HC02", "371002", other.PublicKey(), day.AddDate(0, -1, 0), day.AddDate(3, 0, 0))
	oldCert, _ := Certify(f.root, "HC01", "371002", f.desk.PublicKey(), day.AddDate(-2, 0, 0), day.AddDate(-1, 0, 0))
	outside, _ := Seal(f.desk, oldCert, sample())
	lower := strings.ToLower(good[:40]) + "\n  " + good[40:]
	tests := []struct {
		name string
		text string
		now  time.Time
		want error
	}{
		{"valid", good, day, nil},
		{"valid on its last day", good, day.AddDate(0, 0, 30), nil},
		{"pasted in lower case, wrapped", lower, day, nil},
		{"name changed", swapPart(good, 0, func(b []byte) []byte { return []byte(strings.Replace(string(b), "王海", "王江", 1)) }), day, ErrTampered},
		{"validity lengthened", swapPart(good, 0, func(b []byte) []byte {
			l, _ := decodeLetter(b)
			l.ValidDays = 300
			return encodeLetter(l)
		}), day.AddDate(0, 2, 0), ErrTampered},
		{"signature flipped", swapPart(good, 1, func(b []byte) []byte { b[5] ^= 1; return b }), day, ErrTampered},
		{"key the hub never certified", selfSigned, day, ErrUncertified},
		{"certificate of another desk", swapPart(good, 2, func([]byte) []byte { return otherCert }), day, ErrTampered},
		{"certificate's key swapped", swapPart(good, 2, func(b []byte) []byte {
			c, _ := ParseCert(b)
			c.body = append([]byte(nil), c.body...)
			i := strings.Index(string(c.body), string(f.desk.PublicKey().Compressed()))
			copy(c.body[i:], other.PublicKey().Compressed())
			return c.Bytes()
		}), day, ErrUncertified},
		{"issued outside the certificate's days", outside, day, ErrUncertified},
		{"expired", good, day.AddDate(0, 0, 31), ErrExpired},
		{"not a letter", "VETDESK:HC01-2026-000123:K7Q2", day, ErrMalformed},
		{"cut short", good[:len(good)-20], day, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Verify(tt.text, f.root.PublicKey(), tt.now)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if err == nil && (s.Letter.Name != "王海" || s.Letter.Station != sample().Station || s.Cert.Desk != "HC01" ||
				!s.Letter.MatchesID("371002199001012113") || s.Letter.MatchesID("371002199001012121")) {
				t.Errorf("verified letter reads %+v, cert %s", s.Letter, s.Cert.Desk)
			}
		})
	}
}

// TestSealRefusesAnotherKeysCertificate guards that a desk cannot sign
// under a certificate made for a different key (a restored or copied
// settings file).
func TestSealRefusesAnotherKeysCertificate(t *testing.T) {
	f := newFixture(t)
	other, _ := opsig.NewKey()
	if _, err := Seal(other, f.cert, sample()); err == nil {
		t.Fatal("Seal with a key not the certificate's succeeded")
	}
}

// TestLetterTextSize reports the size of a typical letter text and guards
// that it stays all in the QR code's alphanumeric set and small enough for
// a reliably scanned code (see printing's round trip through zbarimg).
func TestLetterTextSize(t *testing.T) {
	f := newFixture(t)
	text, err := Seal(f.desk, f.cert, sample())
	if err != nil {
		t.Fatal(err)
	}
	s, _ := Parse(text)
	t.Logf("letter text: %d characters (payload %d bytes, signature %d, certificate %d)",
		len(text), len(s.payload), len(s.sig), len(s.Cert.Bytes()))
	for _, r := range text {
		if !strings.ContainsRune("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", r) {
			t.Fatalf("letter text has %q, outside the QR alphanumeric set", r)
		}
	}
	if len(text) > 700 {
		t.Errorf("letter text is %d characters, want at most 700", len(text))
	}
}
