package casework

import (
	"strings"
	"unicode"
)

// joined reports whether r[i] ties a run of digits into a longer
// identifier: a letter or digit, '-' or '_'.
func joined(r []rune, i int) bool {
	if i < 0 || i >= len(r) {
		return false
	}
	c := r[i]
	return c == '-' || c == '_' || c < unicode.MaxASCII && (unicode.IsLetter(c) || unicode.IsDigit(c))
}

// MaskAuditText masks the personal data an audit entry's target or detail
// may hold, for lists and exports of the audit: every free-standing run of
// seven or more digits (an X may end it; not part of a case's id or a
// file name) is masked as an ID number (15 or more) or a
// phone number, and the query of a look-up (action "find"), which may be
// a name, keeps only its first character when it holds no digit.
func MaskAuditText(action, s string) string {
	if action == "find" && s != "" && strings.IndexFunc(s, unicode.IsDigit) < 0 {
		return MaskName(s)
	}
	r := []rune(s)
	var b strings.Builder
	for i := 0; i < len(r); {
		if !unicode.IsDigit(r[i]) || r[i] > unicode.MaxASCII {
			b.WriteRune(r[i])
			i++
			continue
		}
		j := i
		for j < len(r) && r[j] >= '0' && r[j] <= '9' {
			j++
		}
		if j < len(r) && (r[j] == 'X' || r[j] == 'x') && j-i == 17 {
			j++
		}
		run := string(r[i:j])
		switch n := j - i; {
		case joined(r, i-1) || joined(r, j):
			// part of an identifier (a case's UUID, a file name): kept
		case n >= 15:
			run = MaskID(run)
		case n >= 7:
			run = MaskPhone(run)
		}
		b.WriteString(run)
		i = j
	}
	return b.String()
}
