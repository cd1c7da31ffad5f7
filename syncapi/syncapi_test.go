package syncapi

import (
	"encoding/json"
	"testing"
)

func TestSignVerify(t *testing.T) {
	secret, body := []byte("s3cret"), []byte(`{"id":"1"}`)
	sig := Sign(secret, body)
	tests := []struct {
		name   string
		secret []byte
		body   []byte
		header string
		want   bool
	}{
		{"valid", secret, body, sig, true},
		{"other body", secret, []byte(`{"id":"2"}`), sig, false},
		{"other secret", []byte("x"), body, sig, false},
		{"no prefix", secret, body, sig[len("sha256="):], false},
		{"not hex", secret, body, "sha256=zz", false},
		{"empty", secret, body, "", false},
	}
	for _, tt := range tests {
		if got := VerifySignature(tt.secret, tt.body, tt.header); got != tt.want {
			t.Errorf("%s: VerifySignature(%q) = %v, want %v", tt.name, tt.header, got, tt.want)
		}
	}
	// a known vector (RFC 4231 test case 2)
	if got := Sign([]byte("Jefe"), []byte("what do ya want for nothing?")); got != "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" {
		t.Errorf("Sign(RFC 4231 case 2) = %s", got)
	}
}

func TestFingerprint(t *testing.T) {
	tests := []struct{ in, want string }{
		{"AB:CD:0f", "abcd0f"},
		{"abcd0f", "abcd0f"},
		{" AB CD ", "abcd"},
	}
	for _, tt := range tests {
		if got := Fingerprint(tt.in); got != tt.want {
			t.Errorf("Fingerprint(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVersions(t *testing.T) {
	if MinVersion > CurrentVersion || MinVersion < 1 {
		t.Errorf("MinVersion %d, CurrentVersion %d: want 1 <= min <= current", MinVersion, CurrentVersion)
	}
}

// TestOpWire keeps the JSON names stable: older desktops parse them.
func TestOpWire(t *testing.T) {
	op := Op{ID: "i", Device: "d", User: "u", HLC: HLC{Wall: 5, Logical: 2}, Entity: "case", EntityID: "c", CaseID: "c", Fields: map[string]string{"v:name": "王"}}
	b, _ := json.Marshal(op)
	want := `{"id":"i","device":"d","user":"u","hlc":{"w":5,"l":2},"entity":"case","entity_id":"c","case_id":"c","fields":{"v:name":"王"}}`
	if string(b) != want {
		t.Errorf("json.Marshal(Op) = %s, want %s", b, want)
	}
}
