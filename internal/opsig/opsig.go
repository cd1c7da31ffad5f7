// Package opsig signs operations with their user's SM2 key (GB/T 32918),
// so that the hub counts an op as a user's only when that user acted.
//
// Each user has one key pair. The public half is part of the user record
// (sign_pub); the private half travels with it wrapped (sign_key): SM4-GCM
// under a key derived from the user's password by Argon2id, with its own
// salt (the password hash every device holds is no help). A desktop
// unwraps it when the user logs in, offline, and signs every op it makes
// for them; the hub verifies every pushed op against the user's sign_pub.
//
// What is signed is Message: a domain tag and every part of the op that
// gives it meaning (id, device, user, clock stamp, entity, its id and case,
// the fields sorted by name), each length-prefixed, so that no two
// different ops encode alike.
package opsig

import (
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm4"
	"golang.org/x/crypto/argon2"
)

// ErrBadPassword is returned by Unwrap when the password does not open
// the key (or the wrapped key was altered).
var ErrBadPassword = errors.New("opsig: password does not open the key")

// Op is what a signature covers, as the store and the wire both hold it.
type Op struct {
	ID, Device, User string
	Wall             int64
	Logical          uint32
	Entity, EntityID string
	CaseID           string
	Fields           map[string]string
}

const domain = "vetdesk op v1"

// Message returns the canonical encoding of o that is signed.
func Message(o Op) []byte {
	n := len(domain) + 64 + len(o.ID) + len(o.Device) + len(o.User) + len(o.Entity) + len(o.EntityID) + len(o.CaseID)
	keys := make([]string, 0, len(o.Fields))
	for k, v := range o.Fields {
		keys = append(keys, k)
		n += len(k) + len(v) + 8
	}
	sort.Strings(keys)
	b := make([]byte, 0, n)
	str := func(s string) []byte {
		b = binary.AppendUvarint(b, uint64(len(s)))
		return append(b, s...)
	}
	b = str(domain)
	b = str(o.ID)
	b = str(o.Device)
	b = str(o.User)
	b = binary.BigEndian.AppendUint64(b, uint64(o.Wall))
	b = binary.BigEndian.AppendUint32(b, o.Logical)
	b = str(o.Entity)
	b = str(o.EntityID)
	b = str(o.CaseID)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = str(k)
		b = str(o.Fields[k])
	}
	return b
}

// Key is a user's private key, unwrapped.
type Key struct{ priv *sm2.PrivateKey }

// NewKey makes a key pair.
func NewKey() (*Key, error) {
	priv, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("opsig: new key: %w", err)
	}
	return &Key{priv: priv}, nil
}

// Public returns the public half as the user record holds it (sign_pub):
// the uncompressed point in hex.
func (k *Key) Public() string { return hex.EncodeToString(pointBytes(&k.priv.PublicKey)) }

func pointBytes(pub *ecdsa.PublicKey) []byte {
	b := make([]byte, 65)
	b[0] = 4
	pub.X.FillBytes(b[1:33])
	pub.Y.FillBytes(b[33:])
	return b
}

// Sign signs o (SM2 with SM3 and the standard's default user id, ASN.1).
func (k *Key) Sign(o Op) ([]byte, error) {
	sig, err := k.priv.Sign(rand.Reader, Message(o), sm2.DefaultSM2SignerOpts)
	if err != nil {
		return nil, fmt.Errorf("opsig: sign %s: %w", o.ID, err)
	}
	return sig, nil
}

// PublicKey is a user's public key, parsed.
type PublicKey struct{ pub *ecdsa.PublicKey }

// ParsePublic parses a sign_pub value.
func ParsePublic(s string) (*PublicKey, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("opsig: public key: %w", err)
	}
	pub, err := sm2.NewPublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("opsig: public key: %w", err)
	}
	return &PublicKey{pub: pub}, nil
}

// Verify reports whether sig is a signature of o by this key.
func (p *PublicKey) Verify(o Op, sig []byte) bool {
	return len(sig) > 0 && sm2.VerifyASN1WithSM2(p.pub, nil, Message(o), sig)
}

// Argon2id parameters of the wrapping key: those of the password hash.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
)

const wrapScheme = "sm4gcm-argon2id"

// Wrap returns the private half encrypted under password (sign_key):
// sm4gcm-argon2id$m=…,t=…,p=…$salt$nonce$ciphertext (base64), the public
// half bound in as additional data.
func (k *Key) Wrap(password string) (string, error) {
	d := make([]byte, 32)
	k.priv.D.FillBytes(d)
	return WrapSecret(password, d, []byte(k.Public()))
}

// Unwrap opens a sign_key value with password and checks it against the
// public half pub (sign_pub).
func Unwrap(wrapped, pub, password string) (*Key, error) {
	d, err := UnwrapSecret(wrapped, password, []byte(pub))
	if err != nil {
		return nil, err
	}
	priv, err := sm2.NewPrivateKey(d)
	if err != nil {
		return nil, fmt.Errorf("opsig: wrapped key: %w", err)
	}
	k := &Key{priv: priv}
	if k.Public() != pub {
		return nil, ErrBadPassword
	}
	return k, nil
}

// WrapSecret encrypts secret under a key derived from password by Argon2id
// (its own random salt), with SM4-GCM and ad bound in as additional data:
// sm4gcm-argon2id$m=…,t=…,p=…$salt$nonce$ciphertext (base64). The signing
// keys (Wrap) and the store's key file (internal/keyring) both use it.
func WrapSecret(password string, secret, ad []byte) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	aead, err := wrapAEAD(password, salt, argonTime, argonMemory, argonThreads)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := aead.Seal(nil, nonce, secret, ad)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("%s$m=%d,t=%d,p=%d$%s$%s$%s", wrapScheme, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(nonce), b64.EncodeToString(ct)), nil
}

// UnwrapSecret opens what WrapSecret made with password and the same ad; a
// wrong password, another ad or an altered value is ErrBadPassword.
func UnwrapSecret(wrapped, password string, ad []byte) ([]byte, error) {
	parts := strings.Split(wrapped, "$")
	if len(parts) != 5 || parts[0] != wrapScheme {
		return nil, errors.New("opsig: wrapped key: unknown form")
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[1], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 1<<21 || t > 16 || p == 0 {
		return nil, errors.New("opsig: wrapped key: bad parameters")
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[2])
	nonce, err2 := b64.DecodeString(parts[3])
	ct, err3 := b64.DecodeString(parts[4])
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("opsig: wrapped key: %w", err)
	}
	aead, err := wrapAEAD(password, salt, t, m, p)
	if err != nil {
		return nil, err
	}
	if len(nonce) != aead.NonceSize() {
		return nil, errors.New("opsig: wrapped key: bad nonce")
	}
	secret, err := aead.Open(nil, nonce, ct, ad)
	if err != nil {
		return nil, ErrBadPassword
	}
	return secret, nil
}

func wrapAEAD(password string, salt []byte, t, m uint32, p uint8) (cipher.AEAD, error) {
	kek := argon2.IDKey([]byte(password), salt, t, m, p, 16)
	block, err := sm4.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Keys kept outside the user records (the hub's root key, a desk's letter
// key) and messages other than ops (#12: the signed hukou letter) use the
// same SM2 keys through the functions below. Callers tag their messages
// with a domain of their own, so that no such message reads as an op.

// Bytes returns the private scalar (32 bytes), for a key kept in a file
// or a setting of an encrypted store.
func (k *Key) Bytes() []byte {
	d := make([]byte, 32)
	k.priv.D.FillBytes(d)
	return d
}

// ParseKey parses what Bytes returned.
func ParseKey(d []byte) (*Key, error) {
	priv, err := sm2.NewPrivateKey(d)
	if err != nil {
		return nil, fmt.Errorf("opsig: private key: %w", err)
	}
	return &Key{priv: priv}, nil
}

// PublicKey returns the public half, parsed.
func (k *Key) PublicKey() *PublicKey { return &PublicKey{pub: &k.priv.PublicKey} }

// SignBytes signs msg (SM2 with SM3 and the default user id, ASN.1), as
// Sign does an op's Message.
func (k *Key) SignBytes(msg []byte) ([]byte, error) {
	sig, err := k.priv.Sign(rand.Reader, msg, sm2.DefaultSM2SignerOpts)
	if err != nil {
		return nil, fmt.Errorf("opsig: sign: %w", err)
	}
	return sig, nil
}

// VerifyBytes reports whether sig (ASN.1) is a signature of msg by this key.
func (p *PublicKey) VerifyBytes(msg, sig []byte) bool {
	return len(sig) > 0 && sm2.VerifyASN1WithSM2(p.pub, nil, msg, sig)
}

// Compressed returns the public key as a compressed point (33 bytes).
func (p *PublicKey) Compressed() []byte {
	return elliptic.MarshalCompressed(p.pub.Curve, p.pub.X, p.pub.Y)
}

// String returns the public key as sign_pub holds it (uncompressed, hex).
func (p *PublicKey) String() string { return hex.EncodeToString(pointBytes(p.pub)) }

// ParsePoint parses a public key given as a point, compressed (33 bytes)
// or uncompressed (65 bytes); it must lie on the SM2 curve.
func ParsePoint(b []byte) (*PublicKey, error) {
	if len(b) == 33 {
		x, y := elliptic.UnmarshalCompressed(sm2.P256(), b)
		if x == nil {
			return nil, errors.New("opsig: public key: not a point of the curve")
		}
		b = pointBytes(&ecdsa.PublicKey{Curve: sm2.P256(), X: x, Y: y})
	}
	if len(b) != 65 {
		return nil, errors.New("opsig: public key: bad length")
	}
	pub, err := sm2.NewPublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("opsig: public key: %w", err)
	}
	return &PublicKey{pub: pub}, nil
}
