package counter

import (
	"strings"
	"unicode"

	"vetdesk/casework"
	"vetdesk/internal/letterseal"
	"vetdesk/printing"
)

// Keyboard-wedge barcode and QR scanners type the code they read and then
// Enter, into whatever has the focus: the search box, for a receipt or a
// hukou letter brought back to the counter.

// foldScan undoes what an input method in full-width mode does to a
// scanned code and drops spaces and line breaks a scanner may add.
func foldScan(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case r >= '！' && r <= '～':
			return r - 0xFEE0
		}
		return r
	}, s)
}

// CaseNumberFromCode returns the case number a scanned code carries: a
// receipt's QR code (the progress page's address, casework.ProgressURL,
// when the desk knew its hub's public site at printing; before that and
// without one printing.QRPayload, VETDESK:<case number>:<look-up code>) or a hukou letter's signed one (letterseal, VDL1.…, whose payload
// holds the letter and case numbers). The letter's signature is not
// checked: the code only finds the case, which the clerk could as well
// type; checking a letter is letterseal.Verify's.
func CaseNumberFromCode(text string) (string, bool) {
	// case numbers are upper case and digits; a scanner typing with Caps
	// Lock on turns the case of letters round
	t := strings.ToUpper(foldScan(text))
	if rest, ok := strings.CutPrefix(t, printing.QRPrefix); ok {
		if number, _, ok := printing.ParseQRPayload(printing.QRPrefix + rest); ok {
			return number, true
		}
		return "", false
	}
	if strings.HasPrefix(t, "HTTP://") || strings.HasPrefix(t, "HTTPS://") {
		if number, _, ok := casework.ParseProgressURL(t); ok {
			return number, true
		}
		return "", false
	}
	if strings.HasPrefix(t, letterseal.Prefix) {
		if l, err := letterseal.Parse(t); err == nil && l.Letter.Case != "" {
			return strings.ToUpper(l.Letter.Case), true
		}
	}
	return "", false
}

// LooksLikeCode reports whether text is (the start of) a scanned receipt
// or letter code, so a search box need not search while it is typed. Every
// start counts, down to the first letter: nothing a clerk searches for
// (Chinese names, ID, phone and case numbers) begins with V or H.
func LooksLikeCode(text string) bool {
	t := strings.ToUpper(foldScan(text))
	if t == "" {
		return false
	}
	for _, p := range []string{printing.QRPrefix, letterseal.Prefix, "HTTP://", "HTTPS://"} {
		if strings.HasPrefix(t, p) || strings.HasPrefix(p, t) {
			return true
		}
	}
	return false
}
