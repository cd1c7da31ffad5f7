// Package letterseal signs the hukou letter's QR code and verifies it
// (#12): a desk signs each letter it prints with its own SM2 key, offline,
// and the hub's root SM2 key certifies that desk key once, at enrolment.
// A police station holding only the hub's root public key can check a
// letter: the certificate travels in the QR code with the letter.
//
// The QR text is
//
//	VDL1.<payload>.<signature>.<certificate>
//
// each part in RFC 4648 base32 without padding, so the whole text is in the
// QR code's alphanumeric mode (5.5 bits a character instead of 8) and can
// be read out over the phone. Parse accepts it in either case and with
// white space anywhere (a pasted, wrapped text).
//
// The payload holds the letter number, the case number, the name, the
// masked ID number, the first 16 bytes of an SM3 digest binding the full
// ID number to the letter number, the police station, the issue date, the
// validity in days and the id of the desk key (the first 8 bytes of the
// SM3 of its compressed point). The certificate holds the desk's code, its
// office, its public key (compressed) and the first and last day it may
// sign. Signatures are SM2 with SM3 (GB/T 32918, default user id), r‖s in
// 64 bytes. Every signed message begins with a domain tag of its own.
package letterseal

import (
	"bytes"
	"encoding/asn1"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"
	"unicode"

	"github.com/emmansun/gmsm/sm3"

	"vetdesk/internal/opsig"
)

// Prefix begins every letter text; the 1 is the format's version.
const Prefix = "VDL1."

// Reasons a letter is refused. Verify returns the first four; the caller
// that knows voided numbers returns ErrVoid.
var (
	ErrMalformed   = errors.New("letter: not a letter code")
	ErrTampered    = errors.New("letter: signature does not match the contents")
	ErrUncertified = errors.New("letter: signed with a key the hub never certified")
	ErrExpired     = errors.New("letter: validity period over")
	ErrVoid        = errors.New("letter: number voided")
)

const (
	letterDomain = "vetdesk letter v1"
	certDomain   = "vetdesk letter key v1"
	idDomain     = "vetdesk letter id v1"
	sigLen       = 64
	keyIDLen     = 8
	digestLen    = 16
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Letter is what the QR code says about a letter.
type Letter struct {
	Number    string // 威退役落字〔2026〕第HC01-0012号
	Case      string // the case number
	Name      string
	MaskedID  string   // casework.MaskID of the ID number
	IDDigest  [16]byte // IDDigest(full ID number, Number)
	Station   string   // the addressee police station
	Issued    time.Time
	ValidDays int
	KeyID     [8]byte
}

// Until is the last day the letter is valid: Issued plus ValidDays, as
// the letter prints it.
func (l Letter) Until() time.Time { return l.Issued.AddDate(0, 0, l.ValidDays) }

// MatchesID reports whether id is the full ID number the letter was
// issued for.
func (l Letter) MatchesID(id string) bool {
	return IDDigest(strings.ToUpper(strings.TrimSpace(id)), l.Number) == l.IDDigest
}

// IDDigest binds the full ID number to the letter number: the first 16
// bytes of SM3 over a domain tag and both, length-prefixed.
func IDDigest(id, number string) [16]byte {
	var b []byte
	b = appendStr(b, idDomain)
	b = appendStr(b, id)
	b = appendStr(b, number)
	sum := sm3.Sum(b)
	var d [16]byte
	copy(d[:], sum[:])
	return d
}

// KeyID is the id of a desk key.
func KeyID(pub *opsig.PublicKey) [8]byte {
	sum := sm3.Sum(pub.Compressed())
	var id [8]byte
	copy(id[:], sum[:])
	return id
}

// Cert is a desk key certified by the hub's root key.
type Cert struct {
	Desk      string // the device code
	Office    string
	Pub       *opsig.PublicKey
	NotBefore time.Time // first day it may sign
	NotAfter  time.Time // last day it may sign
	body, sig []byte
}

// Certify returns the certificate of pub for desk (its device code) of
// office, valid from the day of from to the day of until, signed by root.
func Certify(root *opsig.Key, desk, office string, pub *opsig.PublicKey, from, until time.Time) ([]byte, error) {
	body := []byte{1}
	body = appendStr(body, desk)
	body = appendStr(body, office)
	body = append(body, pub.Compressed()...)
	body = binary.AppendUvarint(body, uint64(dayNumber(from)))
	body = binary.AppendUvarint(body, uint64(dayNumber(until)))
	sig, err := sign(root, certDomain, body)
	if err != nil {
		return nil, fmt.Errorf("letter key certificate: %w", err)
	}
	return append(body, sig...), nil
}

// ParseCert reads a certificate; Check verifies it.
func ParseCert(b []byte) (*Cert, error) {
	if len(b) < sigLen+1 || b[0] != 1 {
		return nil, ErrMalformed
	}
	r := reader{b: b[1 : len(b)-sigLen]}
	c := &Cert{Desk: r.str(), Office: r.str(), body: b[:len(b)-sigLen], sig: b[len(b)-sigLen:]}
	pt := r.bytes(33)
	from, until := r.uvarint(), r.uvarint()
	if r.err != nil || len(r.b) != 0 || from > until || until > maxDay {
		return nil, ErrMalformed
	}
	pub, err := opsig.ParsePoint(pt)
	if err != nil {
		return nil, ErrMalformed
	}
	c.Pub, c.NotBefore, c.NotAfter = pub, fromDayNumber(int64(from)), fromDayNumber(int64(until))
	return c, nil
}

// Check reports whether root signed c.
func (c *Cert) Check(root *opsig.PublicKey) error {
	if !verify(root, certDomain, c.body, c.sig) {
		return ErrUncertified
	}
	return nil
}

// Bytes returns the certificate as Certify made it.
func (c *Cert) Bytes() []byte { return append(append([]byte(nil), c.body...), c.sig...) }

// Seal signs l with key, whose certificate is cert, and returns the QR
// text. l.KeyID is set from the certificate's key, which must be key's.
func Seal(key *opsig.Key, cert []byte, l Letter) (string, error) {
	c, err := ParseCert(cert)
	if err != nil {
		return "", fmt.Errorf("seal letter: certificate: %w", err)
	}
	if c.Pub.String() != key.PublicKey().String() {
		return "", errors.New("seal letter: the certificate is for another key")
	}
	l.KeyID = KeyID(c.Pub)
	payload := encodeLetter(l)
	sig, err := sign(key, letterDomain, payload)
	if err != nil {
		return "", fmt.Errorf("seal letter: %w", err)
	}
	return Prefix + b32.EncodeToString(payload) + "." + b32.EncodeToString(sig) + "." + b32.EncodeToString(cert), nil
}

// Sealed is a letter text taken apart, not verified yet.
type Sealed struct {
	Letter  Letter
	Cert    *Cert
	payload []byte
	sig     []byte
}

// Parse takes a letter text apart. It fails with ErrMalformed for what is
// not a letter text (or one cut short).
func Parse(text string) (*Sealed, error) {
	text = strings.ToUpper(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, text))
	rest, ok := strings.CutPrefix(text, Prefix)
	if !ok {
		return nil, ErrMalformed
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 3 {
		return nil, ErrMalformed
	}
	var raw [3][]byte
	for i, p := range parts {
		b, err := b32.DecodeString(p)
		if err != nil {
			return nil, ErrMalformed
		}
		raw[i] = b
	}
	l, err := decodeLetter(raw[0])
	if err != nil {
		return nil, err
	}
	c, err := ParseCert(raw[2])
	if err != nil {
		return nil, err
	}
	if len(raw[1]) != sigLen {
		return nil, ErrMalformed
	}
	return &Sealed{Letter: l, Cert: c, payload: raw[0], sig: raw[1]}, nil
}

// Verify checks a letter text against the hub's root public key on the
// day of now (in now's location): its certificate must be signed by root
// and cover the issue date, the letter must be signed by the certified key,
// and the letter's validity must not be over. The letter and certificate
// are returned whenever the text could be read, so that a refusal can
// still say which letter it was.
func Verify(text string, root *opsig.PublicKey, now time.Time) (*Sealed, error) {
	s, err := Parse(text)
	if err != nil {
		return nil, err
	}
	if err := s.Cert.Check(root); err != nil {
		return s, err
	}
	if s.Letter.KeyID != KeyID(s.Cert.Pub) || !verify(s.Cert.Pub, letterDomain, s.payload, s.sig) {
		return s, ErrTampered
	}
	issued := dayNumber(s.Letter.Issued)
	if issued < dayNumber(s.Cert.NotBefore) || issued > dayNumber(s.Cert.NotAfter) {
		return s, fmt.Errorf("%w (the key may sign from %s to %s)", ErrUncertified,
			s.Cert.NotBefore.Format(time.DateOnly), s.Cert.NotAfter.Format(time.DateOnly))
	}
	if dayNumber(now) > dayNumber(s.Letter.Until()) {
		return s, ErrExpired
	}
	return s, nil
}

func encodeLetter(l Letter) []byte {
	b := []byte{1}
	for _, s := range []string{l.Number, l.Case, l.Name, l.MaskedID} {
		b = appendStr(b, s)
	}
	b = append(b, l.IDDigest[:]...)
	b = appendStr(b, l.Station)
	b = binary.AppendUvarint(b, uint64(dayNumber(l.Issued)))
	b = binary.AppendUvarint(b, uint64(l.ValidDays))
	return append(b, l.KeyID[:]...)
}

func decodeLetter(b []byte) (Letter, error) {
	if len(b) < 1 || b[0] != 1 {
		return Letter{}, ErrMalformed
	}
	r := reader{b: b[1:]}
	l := Letter{Number: r.str(), Case: r.str(), Name: r.str(), MaskedID: r.str()}
	copy(l.IDDigest[:], r.bytes(digestLen))
	l.Station = r.str()
	issued, days := r.uvarint(), r.uvarint()
	copy(l.KeyID[:], r.bytes(keyIDLen))
	if r.err != nil || len(r.b) != 0 || issued > maxDay || days > 3660 {
		return Letter{}, ErrMalformed
	}
	l.Issued, l.ValidDays = fromDayNumber(int64(issued)), int(days)
	return l, nil
}

// sign signs domain‖msg and returns r‖s.
func sign(k *opsig.Key, domain string, msg []byte) ([]byte, error) {
	der, err := k.SignBytes(appendStr(nil, domain, msg...))
	if err != nil {
		return nil, err
	}
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) != 0 {
		return nil, errors.New("signature: not ASN.1")
	}
	out := make([]byte, sigLen)
	rs.R.FillBytes(out[:32])
	rs.S.FillBytes(out[32:])
	return out, nil
}

func verify(p *opsig.PublicKey, domain string, msg, sig []byte) bool {
	if len(sig) != sigLen {
		return false
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])})
	return err == nil && p.VerifyBytes(appendStr(nil, domain, msg...), der)
}

// appendStr appends s length-prefixed, then tail as it is.
func appendStr(b []byte, s string, tail ...byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(append(b, s...), tail...)
}

// Dates are civil days (the date printed on the letter), counted from
// 1970-01-01.
const maxDay = 1 << 20

func dayNumber(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func fromDayNumber(n int64) time.Time { return time.Unix(n*86400, 0).UTC() }

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = ErrMalformed
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || len(r.b) < n {
		r.err = ErrMalformed
		return make([]byte, n)
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) str() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err = ErrMalformed
		return ""
	}
	return string(bytes.Clone(r.bytes(int(n))))
}

// IsRefusal reports whether err is one of the reasons a letter is refused
// (rather than a failure to check it).
func IsRefusal(err error) bool {
	for _, e := range []error{ErrMalformed, ErrTampered, ErrUncertified, ErrExpired, ErrVoid} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// Report writes the command lines' answer to a check: valid, void, or
// invalid with the reason, then what the letter says (when it could be
// read), and whether id, when given, is the ID number it was issued for.
func Report(w io.Writer, s *Sealed, err error, id string) {
	switch {
	case err == nil:
		fmt.Fprintln(w, "valid")
	case errors.Is(err, ErrVoid):
		fmt.Fprintln(w, "void: the letter number was voided")
	default:
		fmt.Fprintln(w, "invalid:", strings.TrimPrefix(err.Error(), "letter: "))
	}
	if s == nil {
		return
	}
	l := s.Letter
	fmt.Fprintf(w, "number:  %s\ncase:    %s\nname:    %s\nid:      %s\nstation: %s\nissued:  %s\nuntil:   %s\nissuer:  %s %s\n",
		l.Number, l.Case, l.Name, l.MaskedID, l.Station, l.Issued.Format(time.DateOnly), l.Until().Format(time.DateOnly), s.Cert.Office, s.Cert.Desk)
	if id = strings.TrimSpace(id); id != "" {
		if l.MatchesID(id) {
			fmt.Fprintln(w, "id check: the ID number matches the letter")
		} else {
			fmt.Fprintln(w, "id check: the ID number does NOT match the letter")
		}
	}
}
