package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"vetdesk/casework"
	"vetdesk/internal/letterseal"
	"vetdesk/internal/opsig"
	"vetdesk/printing"
)

// TestScannerOpensCaseFromSearch types a receipt's and a hukou letter's QR
// text into the search box as a keyboard-wedge scanner does (the code, then
// Enter) and checks the case opens; a cut or unknown code says so.
func TestScannerOpensCaseFromSearch(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	// the scanned case is the older one: the list shows the newer first,
	// so opening the first row would open the wrong case
	scanned := f.acceptedCase("c-scanned", 11)
	f.acceptedCase("c-newer", 12)
	number, caseID := scanned.Number, scanned.ID
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	root, _ := opsig.NewKey()
	desk, _ := opsig.NewKey()
	cert, err := letterseal.Certify(root, "HC01", "371002", desk.PublicKey(), day.AddDate(0, -1, 0), day.AddDate(3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	letter, err := letterseal.Seal(desk, cert, letterseal.Letter{Number: "威退役落字〔2026〕第HC01-0001号", Case: number, Name: scanned.Value("name"),
		Station: "鲸园派出所", Issued: day, ValidDays: 30, KeyID: letterseal.KeyID(desk.PublicKey())})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, code string
		opens      bool
		msg        string
	}{
		{"receipt", printing.QRPayload(number, "K7Q2"), true, ""},
		{"receipt with the progress page's address", casework.ProgressURL("https://hub.example.cn/vetdesk", number, "K7Q2"), true, ""},
		{"hukou letter", letter, true, ""},
		{"letter cut short", letter[:len(letter)-12], false, T("search.scan.bad")},
		{"receipt of a case not here", printing.QRPayload("371002-2026-ZZ99-000001", "AAAA"), false,
			T("search.scan.notfound", map[string]any{"Number": "371002-2026-ZZ99-000001"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.desk.Open("nav.search")
			s, ok := f.desk.Current().(*SearchScreen)
			if !ok {
				t.Fatalf("Ctrl+F shows %T", f.desk.Current())
			}
			if len(s.Rows) != 2 || s.Rows[0].ID == caseID {
				t.Fatalf("search lists %d cases, want both with the newer first", len(s.Rows))
			}
			f.win.Canvas().Focus(s.Query)
			for _, r := range tt.code { // a wedge scanner types key by key
				s.Query.TypedRune(r)
			}
			if len(s.Rows) != 2 {
				t.Errorf("typing the code searched for it: %d rows", len(s.Rows))
			}
			press(s.Query, fyne.KeyReturn)
			cs, opened := f.desk.Current().(*CaseScreen)
			switch {
			case tt.opens && (!opened || cs.id != caseID):
				t.Errorf("scanning %s shows %T, want case %s", tt.name, f.desk.Current(), number)
			case !tt.opens && opened:
				t.Errorf("scanning %s opened a case", tt.name)
			case !tt.opens && s.Total.Text != tt.msg:
				t.Errorf("scanning %s says %q, want %q", tt.name, s.Total.Text, tt.msg)
			}
		})
	}
}
