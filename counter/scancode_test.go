package counter

import (
	"strings"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/internal/letterseal"
	"vetdesk/internal/opsig"
	"vetdesk/printing"
)

// sealedLetter is a hukou letter's QR text for case number, signed as a
// desk signs it.
func sealedLetter(t *testing.T, number string) string {
	t.Helper()
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	root, _ := opsig.NewKey()
	desk, _ := opsig.NewKey()
	cert, err := letterseal.Certify(root, "HC01", "371002", desk.PublicKey(), day.AddDate(0, -1, 0), day.AddDate(3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	text, err := letterseal.Seal(desk, cert, letterseal.Letter{Number: "威退役落字〔2026〕第HC01-0012号", Case: number, Name: "林涛",
		MaskedID: "371002********0035", Station: "环翠区公安分局鲸园派出所", Issued: day, ValidDays: 30, KeyID: letterseal.KeyID(desk.PublicKey())})
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func TestCaseNumberFromCode(t *testing.T) {
	const number = "371002-2026-HC01-000123"
	letter := sealedLetter(t, number)
	receipt := printing.QRPayload(number, "K7Q2")
	wide := strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' {
			return r + 0xFEE0
		}
		return r
	}, receipt)
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"receipt", receipt, number, true},
		{"receipt with Enter's newline", receipt + "\r\n", number, true},
		{"receipt typed with Caps Lock on", strings.ToLower(receipt), number, true},
		{"receipt through a full-width IME", wide, number, true},
		{"letter", letter, number, true},
		{"letter wrapped and lower case", strings.ToLower(letter[:40]) + "\n" + letter[40:], number, true},
		{"letter cut short", letter[:len(letter)-10], "", false},
		{"receipt without number", "VETDESK::K7Q2", "", false},
		{"receipt's progress address", casework.ProgressURL("https://banshi.example.cn/vet", number, "K7Q2"), number, true},
		{"progress address typed with Caps Lock on", strings.ToUpper(casework.ProgressURL("https://banshi.example.cn", number, "K7Q2")), number, true},
		{"progress address through a full-width IME", strings.Map(func(r rune) rune {
			if r >= '!' && r <= '~' {
				return r + 0xFEE0
			}
			return r
		}, casework.ProgressURL("https://banshi.example.cn", number, "K7Q2")), number, true},
		{"another site's address", "https://www.example.cn/index?n=" + number, "", false},
		{"progress address without number", "https://banshi.example.cn/progress?c=K7Q2", "", false},
		{"a name", "林涛", "", false},
		{"a case number typed", number, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := CaseNumberFromCode(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("CaseNumberFromCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestLooksLikeCode(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"VETD", true}, {"vetdesk:371002", true}, {"VDL1", true}, {"VDL1.ABCD", true},
		{"V", true}, {"vet", true}, {"h", true}, {"HTTPS://banshi", true}, {"http://x", true}, {"HC01", false}, {"", false}, {"林涛", false}, {"3710", false}, {"VDL2.AB", false}, {"VETERAN", false},
	} {
		if got := LooksLikeCode(tt.in); got != tt.want {
			t.Errorf("LooksLikeCode(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
