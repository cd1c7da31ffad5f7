package opsig

import (
	"errors"
	"testing"
)

func sample() Op {
	return Op{ID: "01960000-0000-7000-8000-000000000001", Device: "dev-1", User: "u-clerkA", Wall: 1764547200000, Logical: 3,
		Entity: "task", EntityID: "c1/hukou", CaseID: "c1",
		Fields: map[string]string{"state": "done", "result": `{"hukou_date":"2026-11-30"}`, "finished": "2026-11-30T09:00:00Z"}}
}

// TestSignatureCoversEveryPart: a signature verifies for its op only; any
// change of id, device, user, stamp, entity or a field breaks it, and the
// wrong key never verifies.
func TestSignatureCoversEveryPart(t *testing.T) {
	k, _ := NewKey()
	other, _ := NewKey()
	o := sample()
	sig, err := k.Sign(o)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublic(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Verify(o, sig) {
		t.Fatal("Verify(own op) = false")
	}
	mut := []func(o *Op){
		func(o *Op) { o.ID = "01960000-0000-7000-8000-000000000002" },
		func(o *Op) { o.Device = "dev-2" },
		func(o *Op) { o.User = "u-admin" },
		func(o *Op) { o.Wall++ },
		func(o *Op) { o.Logical++ },
		func(o *Op) { o.Entity = "case" },
		func(o *Op) { o.EntityID = "c1/idcard" },
		func(o *Op) { o.CaseID = "c2" },
		func(o *Op) { o.Fields["state"] = "pending" },
		func(o *Op) { o.Fields["due"] = "" },
		func(o *Op) { delete(o.Fields, "result") },
		// the boundary between a name and its value is part of the encoding
		func(o *Op) { o.Fields = map[string]string{"stat": "edone"} },
	}
	for i, m := range mut {
		c := sample()
		m(&c)
		if pub.Verify(c, sig) {
			t.Errorf("mutation %d: Verify = true, want false", i)
		}
	}
	op, _ := ParsePublic(other.Public())
	if op.Verify(o, sig) || pub.Verify(o, nil) {
		t.Error("another key or an empty signature verified")
	}
}

// TestWrapOpensOnlyWithThePassword: the wrapped key opens with its
// password to the same key, not with another, and not against another
// public key.
func TestWrapOpensOnlyWithThePassword(t *testing.T) {
	k, _ := NewKey()
	w, err := k.Wrap("pw-1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unwrap(w, k.Public(), "pw-1")
	if err != nil || got.Public() != k.Public() {
		t.Fatalf("Unwrap(right password) = %v, %v", got, err)
	}
	if _, err := Unwrap(w, k.Public(), "pw-2"); !errors.Is(err, ErrBadPassword) {
		t.Errorf("Unwrap(wrong password) = %v, want ErrBadPassword", err)
	}
	other, _ := NewKey()
	if _, err := Unwrap(w, other.Public(), "pw-1"); !errors.Is(err, ErrBadPassword) {
		t.Errorf("Unwrap(against another public key) = %v, want ErrBadPassword", err)
	}
}

func BenchmarkSign(b *testing.B) {
	k, _ := NewKey()
	o := sample()
	for b.Loop() {
		if _, err := k.Sign(o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	k, _ := NewKey()
	o := sample()
	sig, _ := k.Sign(o)
	pub, _ := ParsePublic(k.Public())
	for b.Loop() {
		if !pub.Verify(o, sig) {
			b.Fatal("bad signature")
		}
	}
}

func BenchmarkUnwrap(b *testing.B) {
	k, _ := NewKey()
	w, _ := k.Wrap("pw")
	for b.Loop() {
		if _, err := Unwrap(w, k.Public(), "pw"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestKeyBytesAndPointsRoundTrip guards the forms the letter keys are kept
// and sent in: a private key read back from Bytes signs for the same
// public key, a compressed or uncompressed point parses to that key, and
// a point off the curve or of another length is refused.
func TestKeyBytesAndPointsRoundTrip(t *testing.T) {
	k, _ := NewKey()
	k2, err := ParseKey(k.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("vetdesk letter test")
	sig, err := k2.SignBytes(msg)
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range [][]byte{k.PublicKey().Compressed(), pointBytes(&k.priv.PublicKey)} {
		p, err := ParsePoint(pt)
		if err != nil {
			t.Fatalf("ParsePoint(%d bytes): %v", len(pt), err)
		}
		if p.String() != k.Public() || !p.VerifyBytes(msg, sig) {
			t.Errorf("point of %d bytes: key %s, want %s, or signature refused", len(pt), p.String(), k.Public())
		}
		if p.VerifyBytes(append(msg, '!'), sig) {
			t.Error("VerifyBytes accepted a changed message")
		}
	}
	bad := k.PublicKey().Compressed()
	bad[32] ^= 1
	if p, err := ParsePoint(bad); err == nil && p.String() == k.Public() {
		t.Error("a changed compressed point parsed to the same key")
	}
	for _, b := range [][]byte{nil, make([]byte, 33), make([]byte, 64)} {
		if _, err := ParsePoint(b); err == nil {
			t.Errorf("ParsePoint(%d bytes of zero) succeeded", len(b))
		}
	}
}
